import OSSCore

/// A connection to an in-memory server that answers each PUT at once, as the refserver does
/// (status, request id, ETag, the body's CRC64), for profiling the stack's own CPU time with no
/// kernel, no socket and no other process in the way. It never supplies a ratio: it only says
/// how many microseconds of a PutObject are the stack's, and `perf` sees nothing else.
///
/// The server side is as cheap as it can be: the request must come as one write of head and
/// body (as OSSHTTP sends a small body), and the answer is made from its last `bodyLength` bytes.
final class InstantStream: ByteStream, @unchecked Sendable {
    let bodyLength: Int
    private var answer: [UInt8] = []
    private var sent = 0
    private var requests = 0
    var idleTimeout: Duration? = nil

    init(bodyLength: Int) { self.bodyLength = bodyLength }

    func write(_ bytes: UnsafeRawBufferPointer) async throws {
        guard bytes.count >= bodyLength else { throw InstantFailure(what: "a write shorter than the body") }
        let crc = CRC64.checksum(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - bodyLength)...]))
        requests += 1
        answer = Array(
            ("HTTP/1.1 200 OK\r\nServer: instant\r\nx-oss-request-id: \(requests)\r\nETag: \"\(crc)\"\r\n"
                + "x-oss-hash-crc64ecma: \(crc)\r\nContent-Length: 0\r\n\r\n").utf8)
        sent = 0
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        let n = min(buffer.count, answer.count - sent)
        guard n > 0 else { throw InstantFailure(what: "a read with no answer pending") }
        answer.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[sent..<(sent + n)])) }
        sent += n
        return n
    }

    func abort() {}
    func close() {}
    var isReusable: Bool { sent == answer.count }
}

struct InstantFailure: Error {
    let what: String
}

/// Hands out one `InstantStream` per connection.
struct InstantConnector: StreamConnector {
    let bodyLength: Int

    func connect(
        to endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, signal: CancellationSignal?
    ) async throws -> (any ByteStream, ConnectTimings) {
        (InstantStream(bodyLength: bodyLength), ConnectTimings())
    }
}
