import OSSCore

/// One client connection: the stream, its response parser and a read buffer.
///
/// `@unchecked Sendable`: a connection is used by exactly one request at a time; it moves between
/// requests only through `ConnectionPool`, whose mutex orders the hand-over. Only `stream.abort()`
/// (itself thread-safe) is called from other threads.
final class HTTPConnection: @unchecked Sendable {
    let stream: any ByteStream
    let endpoint: Endpoint
    let timings: ConnectTimings
    var parser: HTTPResponseParser
    let readBuffer: UnsafeMutableRawBufferPointer
    var idleSince = ContinuousClock.now
    var requestCount = 0
    private var closed = false

    init(stream: any ByteStream, endpoint: Endpoint, timings: ConnectTimings, limits: HTTPParserLimits) {
        self.stream = stream
        self.endpoint = endpoint
        self.timings = timings
        self.parser = HTTPResponseParser(limits: limits)
        self.readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    /// Where a request's head and small body are put together for one write, kept for the
    /// connection's next request (a small request then allocates no buffer); grown on demand.
    private var sendBuffer: UnsafeMutableRawBufferPointer? = nil

    /// The send buffer, at least `count` bytes long. Valid until the next call or the end of the
    /// connection; one exchange at a time uses it.
    func sendBuffer(atLeast count: Int) -> UnsafeMutableRawBufferPointer {
        if let b = sendBuffer, b.count >= count { return b }
        sendBuffer?.deallocate()
        let b = UnsafeMutableRawBufferPointer.allocate(byteCount: (count + 4095) & ~4095, alignment: 16)
        sendBuffer = b
        return b
    }

    /// Closes the stream; only the owner calls this, once.
    func close() {
        guard !closed else { return }
        closed = true
        stream.close()
    }

    deinit {
        if !closed { stream.close() }
        readBuffer.deallocate()
        sendBuffer?.deallocate()
    }
}
