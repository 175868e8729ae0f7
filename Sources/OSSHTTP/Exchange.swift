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
        var earlyHead: HTTPResponseHead? = nil
        if case .bytes(let body) = request.body.storage, !framing.expectContinue,
            body.count <= 64 * 1024
        {
            // Head and a small body in one write.
            var all = head
            all.append(contentsOf: body)
            context.bodyStarted = true
            try await write(all)
            context.bodyFullySent = true
            request.uploadProgress?(Int64(body.count), Int64(body.count))
        } else {
            try await write(head)
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
        }
        let responseHead: HTTPResponseHead
        if let earlyHead {
            responseHead = earlyHead
        } else {
            responseHead = try await readHead()
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

    private func sendBody(chunked: Bool) async throws {
        let total = request.body.length
        var sent: Int64 = 0
        let progress = request.uploadProgress
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
                try await write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                offset += n
                sent += Int64(n)
                progress?(sent, total)
            }
        case .file(let path, let start, let length):
            context.bodyStarted = true
            // Reopened on every attempt, so a retry re-reads from the file.
            let file = try BodyFile(path: path)
            let size = Int(max(1, min(Int64(configuration.writeBufferSize), length)))
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            defer { buffer.deallocate() }
            while sent < length {
                let want = Int(min(Int64(size), length - sent))
                let got = try file.read(into: buffer, count: want, at: start + sent)
                guard got == want else {
                    throw HTTPClientError(
                        .bodySource, "the file \(path) ended \(length - sent - Int64(got)) bytes early",
                        bodyFullySent: false, responseStarted: context.responseStarted)
                }
                try await write(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                sent += Int64(got)
                progress?(sent, total)
            }
        case .stream(let length, let makeSource):
            context.bodyStarted = true
            let source = makeSource()
            while let chunk = try await source.next() {
                if Task.isCancelled || context.signal.isCancelled { throw CancellationError() }
                if chunk.isEmpty { continue }
                if let length, sent + Int64(chunk.count) > length {
                    throw HTTPClientError(
                        .bodySource, "the body sequence produced more than the declared \(length) bytes",
                        bodyFullySent: false, responseStarted: context.responseStarted)
                }
                try await write(chunked ? HTTPRequestEncoder.encodeChunk(chunk) : chunk)
                sent += Int64(chunk.count)
                progress?(sent, total)
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

    /// The next piece of the body, or nil at its end.
    /// - Throws: `HTTPClientError` (cancelled, aborted, timeout, transport, parse).
    public func read() async throws -> [UInt8]? {
        if isComplete { return nil }
        do {
            while true {
                // Plain body bytes go from the stream to the caller with one copy.
                if let allowed = exchange.connection.parser.directBodyBytesAllowed, allowed > 0 {
                    let connection = exchange.connection
                    let want = Int(min(allowed, Int64(connection.readBuffer.count)))
                    let n = try await connection.stream.read(
                        into: UnsafeMutableRawBufferPointer(rebasing: connection.readBuffer[0..<want]))
                    if n == 0 {
                        connection.parser.feedEOF()
                        continue
                    }
                    exchange.context.metrics.bytesReceived += Int64(n)
                    connection.parser.consumedDirectBody(n)
                    return Array(connection.readBuffer[0..<n])
                }
                switch try await exchange.nextEvent() {
                case .body(let b):
                    if b.isEmpty { continue }
                    return b
                case .end:
                    // Bytes beyond the declared end of the body: the framing cannot be trusted.
                    if exchange.connection.parser.bufferedByteCount > 0 {
                        throw HTTPParserError.unexpectedData.with(
                            "\(exchange.connection.parser.bufferedByteCount) bytes beyond the end of the body")
                    }
                    isComplete = true
                    exchange.context.metrics.total = ContinuousClock.now - exchange.context.start
                    return nil
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
