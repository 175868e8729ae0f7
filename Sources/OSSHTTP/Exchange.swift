import OSSCore

/// One attempt of one request on one connection: write the head and body, read the response.
final class Exchange {
    let configuration: HTTPClientConfiguration
    let connection: HTTPConnection
    let request: HTTPRequest
    let context: RequestContext

    init(client: HTTPClient, connection: HTTPConnection, request: HTTPRequest, context: RequestContext) {
        self.configuration = client.configuration
        self.connection = connection
        self.request = request
        self.context = context
    }

    /// Runs the exchange and the caller's handler.
    /// - Returns: the handler's value, and whether the exchange ended cleanly (body sent, response
    ///   read to its end) so the connection may be kept.
    func run<T>(
        head: [UInt8], framing: HTTPRequestEncoder.Framing, handler: (HTTPStreamingResponse) async throws -> T
    ) async throws -> (T, Bool) {
        connection.parser.expectResponse(to: request.method)
        // Where the body starts in the stream's bytes, for asking the kernel what became of it.
        let start = connection.stream.writtenCount
        context.bodyStartPosition = start.map { $0 + Int64(head.count) }
        var earlyHead: HTTPResponseHead? = nil
        if case .bytes(let body) = request.body.storage, !framing.expectContinue,
            body.count <= 64 * 1024
        {
            // Head and a small body in one write, from the connection's send buffer (copied
            // once, written as it is).
            let all = UnsafeMutableRawBufferPointer(
                rebasing: connection.sendBuffer(atLeast: head.count + body.count)[0..<(head.count + body.count)])
            head.withUnsafeBytes { all.copyMemory(from: $0) }
            body.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: all[head.count...]).copyMemory(from: $0) }
            context.bodyStarted = true
            if let observer = request.bodyObserver {
                observer.attemptStarted()
                try await observer.admit(body.count)
                observer.observe(UnsafeRawBufferPointer(rebasing: all[head.count...]))
            }
            try await write(UnsafeRawBufferPointer(all))
            context.bodyFullySent = true
            context.metrics.requestSent = ContinuousClock.now - context.start
            context.bodyEndPosition = context.bodyStartPosition.map { $0 + Int64(body.count) }
            // No progress here: the kernel is not asked what the peer acknowledged of one small
            // write (three syscalls on every small request); the response reports the full length.
        } else {
            try await write(head)
            context.metrics.requestSent = ContinuousClock.now - context.start
            if framing.expectContinue {
                earlyHead = try await awaitContinue()
            }
            if earlyHead == nil {
                do {
                    try await sendBody(chunked: framing.chunked)
                } catch let error as TransportError where error.phase == .write && !context.signal.isCancelled {
                    // The server may have answered early (403, 413) and closed: its response says
                    // more than EPIPE does. Without one, the write failure stands.
                    guard let head = try? await readHead() else { throw error }
                    earlyHead = head
                }
            }
            context.bodyFullySent = earlyHead == nil
            if earlyHead == nil {
                context.metrics.requestSent = ContinuousClock.now - context.start
                context.bodyEndPosition = connection.stream.writtenCount
            }
        }
        let responseHead: HTTPResponseHead
        if let earlyHead {
            responseHead = earlyHead
        } else {
            responseHead = try await readHead()
            // The server answered after the whole body: it has it all.
            if let progress = request.uploadProgress, context.bodyProgressReported < request.body.length ?? 0 {
                progress(request.body.length!, request.body.length)
            }
        }
        let response = HTTPStreamingResponse(head: responseHead, exchange: self)
        let value: T
        do {
            value = try await handler(response)
        } catch let error as HTTPClientError {
            throw error
        } catch {
            throw HandlerError(underlying: error)
        }
        return (value, response.isComplete && earlyHead == nil)
    }

    // MARK: Writing

    private func write(_ bytes: [UInt8]) async throws {
        try await connection.stream.write(bytes)
        context.metrics.bytesSent += Int64(bytes.count)
    }

    private func write(_ bytes: UnsafeRawBufferPointer) async throws {
        try await connection.stream.write(bytes)
        context.metrics.bytesSent += Int64(bytes.count)
    }

    /// Reports upload progress as the bytes of the body the peer acknowledged (asked of the
    /// kernel), never more than were handed over, and never less than reported before; where the
    /// stream cannot say (an in-memory pipe), the bytes handed over. The full length is reported
    /// only once acknowledged, or when the response arrives.
    private func reportAcknowledged(handedOver: Int64, total: Int64?) {
        guard let progress = request.uploadProgress else { return }
        var value = handedOver
        if let bodyStart = context.bodyStartPosition, let q = connection.stream.writtenBytes() {
            value = min(handedOver, max(0, q.acknowledged - bodyStart))
        }
        guard value > context.bodyProgressReported || (value == 0 && context.bodyProgressReported == 0) else { return }
        context.bodyProgressReported = value
        progress(value, total)
    }

    /// The one body loop: every piece is shown to the observer, then written from the same memory.
    private func sendBody(chunked: Bool) async throws {
        let total = request.body.length
        var sent: Int64 = 0
        let observer = request.bodyObserver
        observer?.attemptStarted()
        func send(_ piece: UnsafeRawBufferPointer, file: FileDescriptor? = nil, at offset: Int64 = 0) async throws {
            if Task.isCancelled || context.signal.isCancelled { throw CancellationError() }
            try await observer?.admit(piece.count)
            observer?.observe(piece)
            // A file's piece goes from the page cache where the stream can (plain TCP): the
            // kernel copies it once, not twice. The observer saw the same range, read a moment
            // earlier; a file rewritten in between is sent as it is now, and the CRC64 the
            // server returns then differs from the one observed: the call fails with a CRC64
            // mismatch instead of reporting a mix of old and new bytes as a success.
            if let file, let n = try await connection.stream.writeFile(file, at: offset, count: piece.count) {
                context.metrics.bytesSent += Int64(n)
                guard n == piece.count else { throw fileEnded(file, missing: total.map { $0 - sent - Int64(n) } ?? 0) }
            } else {
                try await write(piece)
            }
            sent += Int64(piece.count)
            reportAcknowledged(handedOver: sent, total: total)
        }
        func fileEnded(_ file: FileDescriptor, missing: Int64) -> HTTPClientError {
            HTTPClientError(
                .bodySource,
                "the file \(file.path) ended \(missing) bytes early (was it truncated while it was sent?)",
                bodyFullySent: false, responseStarted: context.responseStarted)
        }
        switch request.body.storage {
        case .empty:
            if chunked { try await write(HTTPRequestEncoder.lastChunk) }
        case .bytes(let bytes):
            context.bodyStarted = true
            let size = max(1, min(configuration.writeBufferSize, bytes.count))
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            defer { buffer.deallocate() }
            var offset = 0
            while offset < bytes.count {
                let n = min(size, bytes.count - offset)
                bytes.withUnsafeBytes { src in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + n)]))
                }
                try await send(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                offset += n
            }
        case .file(let body):
            context.bodyStarted = true
            // A path is opened for each attempt; a descriptor is the caller's, shared and kept.
            let file: FileDescriptor
            switch body.origin {
            case .path(let path): file = try FileDescriptor.open(path, .readOnly)
            case .descriptor(let f): file = f
            }
            defer { if case .path = body.origin { file.close() } }
            // The caller's reusable buffer, or one per attempt: never one per chunk.
            let owned = body.buffer == nil ? IOBuffer(capacity: min(configuration.writeBufferSize, Int(max(1, body.length)))) : nil
            let buffer = (body.buffer ?? owned!).bytes
            let length = body.length
            while sent < length {
                let want = Int(min(Int64(buffer.count), length - sent))
                let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: body.offset + sent)
                guard got == want else { throw fileEnded(file, missing: length - sent - Int64(got)) }
                try await send(UnsafeRawBufferPointer(rebasing: buffer[0..<got]), file: file, at: body.offset + sent)
            }
            withExtendedLifetime(owned) {}
        case .stream(let length, let makeSource):
            context.bodyStarted = true
            let source = makeSource()
            while let chunk = try await source.next() {
                if chunk.isEmpty { continue }
                if let length, sent + Int64(chunk.count) > length {
                    throw HTTPClientError(
                        .bodySource, "the body sequence produced more than the declared \(length) bytes",
                        bodyFullySent: false, responseStarted: context.responseStarted)
                }
                if Task.isCancelled || context.signal.isCancelled { throw CancellationError() }
                if let observer {
                    // The observer sees the payload; the socket gets it framed when chunked.
                    try await observer.admit(chunk.count)
                    chunk.withUnsafeBytes { observer.observe($0) }
                }
                try await write(chunked ? HTTPRequestEncoder.encodeChunk(chunk) : chunk)
                sent += Int64(chunk.count)
                reportAcknowledged(handedOver: sent, total: total)
            }
            if let length, sent != length {
                throw HTTPClientError(
                    .bodySource, "the body sequence produced \(sent) of the declared \(length) bytes",
                    bodyFullySent: false, responseStarted: context.responseStarted)
            }
            if chunked { try await write(HTTPRequestEncoder.lastChunk) }
        }
    }

    // MARK: Reading

    /// Waits for `100 Continue` (proceed: nil) or an early final response (returned), or for the
    /// expect timeout to pass (proceed).
    private func awaitContinue() async throws -> HTTPResponseHead? {
        connection.stream.idleTimeout = configuration.expectContinueTimeout
        defer { connection.stream.idleTimeout = configuration.idleTimeout }
        while true {
            let event: HTTPResponseParser.Event
            do {
                event = try await nextEvent()
            } catch let error as TransportError
                where error.phase == .timeout && !context.responseStarted && !context.signal.isCancelled
            {
                return nil
            }
            switch event {
            case .informational(let h) where h.status == 100: return nil
            case .informational: continue
            case .head(let h): return h
            case .body, .end: throw HTTPParserError.unexpectedData
            }
        }
    }

    private func readHead() async throws -> HTTPResponseHead {
        while true {
            switch try await nextEvent() {
            case .informational: continue  // 100 Continue after the body, 103 Early Hints: skipped
            case .head(let h): return h
            case .body, .end: throw HTTPParserError.unexpectedData
            }
        }
    }

    /// The parser's next event, reading from the stream as needed.
    func nextEvent() async throws -> HTTPResponseParser.Event {
        while true {
            if let event = try connection.parser.next() { return event }
            let n = try await connection.stream.read(into: connection.readBuffer)
            if n == 0 {
                connection.parser.feedEOF()
                continue
            }
            if !context.responseStarted {
                context.responseStarted = true
                context.metrics.timeToFirstByte = ContinuousClock.now - context.start
            }
            context.metrics.bytesReceived += Int64(n)
            connection.parser.feed(UnsafeRawBufferPointer(rebasing: connection.readBuffer[0..<n]))
        }
    }
}

/// A response whose body is read piece by piece. Valid only inside the handler it is given to.
public final class HTTPStreamingResponse {
    public let head: HTTPResponseHead
    private let exchange: Exchange
    private(set) var isComplete = false

    init(head: HTTPResponseHead, exchange: Exchange) {
        self.head = head
        self.exchange = exchange
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }

    /// The request's metrics so far (complete once the body has been read to its end).
    public var metrics: HTTPMetrics { exchange.context.metrics }

    /// Body bytes a parser event delivered beyond what the caller's buffer took.
    private var pending: [UInt8] = []
    private var pendingStart = 0

    /// The next piece of the body, or nil at its end.
    /// - Throws: `HTTPClientError` (cancelled, aborted, timeout, transport, parse).
    public func read() async throws -> [UInt8]? {
        if pendingStart < pending.count {
            defer { pending = []; pendingStart = 0 }
            return Array(pending[pendingStart...])
        }
        let buffer = exchange.connection.readBuffer
        let n = try await read(into: buffer, direct: true)
        if n == 0 { return nil }
        return Array(buffer[0..<n])
    }

    /// Reads the next body bytes straight into `buffer` (from the socket when the body is
    /// plain; through the parser when it is chunked).
    /// - Returns: the bytes read; 0 at the end of the body.
    /// - Throws: `HTTPClientError` (cancelled, aborted, timeout, transport, parse).
    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        try await read(into: buffer, direct: false)
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, direct: Bool) async throws -> Int {
        if isComplete || buffer.count == 0 { return 0 }
        if pendingStart < pending.count {
            let n = min(buffer.count, pending.count - pendingStart)
            pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[pendingStart..<(pendingStart + n)])) }
            pendingStart += n
            if pendingStart == pending.count { pending = []; pendingStart = 0 }
            return n
        }
        do {
            while true {
                // Plain body bytes go from the socket into the caller's buffer with no copy.
                if let allowed = exchange.connection.parser.directBodyBytesAllowed, allowed > 0 {
                    let connection = exchange.connection
                    let want = Int(min(allowed, Int64(buffer.count)))
                    let n = try await connection.stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                    if n == 0 {
                        connection.parser.feedEOF()
                        continue
                    }
                    exchange.context.metrics.bytesReceived += Int64(n)
                    connection.parser.consumedDirectBody(n)
                    return n
                }
                switch try await exchange.nextEvent() {
                case .body(let b):
                    if b.isEmpty { continue }
                    let n = min(b.count, buffer.count)
                    b.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    if n < b.count {
                        pending = b
                        pendingStart = n
                    }
                    return n
                case .end:
                    // Bytes beyond the declared end of the body: the framing cannot be trusted.
                    if exchange.connection.parser.bufferedByteCount > 0 {
                        throw HTTPParserError.unexpectedData.with(
                            "\(exchange.connection.parser.bufferedByteCount) bytes beyond the end of the body")
                    }
                    isComplete = true
                    exchange.context.metrics.total = ContinuousClock.now - exchange.context.start
                    return 0
                case .head, .informational:
                    throw HTTPParserError.unexpectedData
                }
            }
        } catch {
            throw exchange.context.fail(error)
        }
    }

    /// Reads the rest of the body into memory.
    /// - Parameter limit: the most bytes accepted; more fail with `.parse`.
    public func collect(limit: Int = .max) async throws -> [UInt8] {
        var all: [UInt8] = []
        if let n = head.headers["Content-Length"].flatMap({ Int($0) }), n <= min(limit, 64 << 20) {
            all.reserveCapacity(n)
        }
        while let piece = try await read() {
            all.append(contentsOf: piece)
            if all.count > limit {
                throw exchange.context.fail(HTTPParserError.bodyTooLarge.with("more than \(limit) bytes"))
            }
        }
        return all
    }
}
