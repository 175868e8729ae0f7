import OSSCore

/// The server side of one HTTP/1.1 connection: reads requests (streaming their bodies as they
/// arrive) and writes responses. Used by one task at a time; `stream.abort()` may come from anywhere.
///
/// ```swift
/// let conn = HTTPServerConnection(stream: stream)
/// while let request = try await conn.nextRequest() {
///     while let piece = try await conn.readBody() { consume(piece) }   // sends 100 Continue if asked
///     try await conn.writeResponse(HTTPResponseHead(status: 200), body: [])
/// }
/// conn.close()
/// ```
package final class HTTPServerConnection {
    package let stream: any ByteStream
    private var parser: HTTPRequestParser
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var current: HTTPRequestHead?
    private var bodyDone = true
    private var continueSent = false
    private var responseChunked = false
    private var mustClose = false
    /// Bytes read from and written to the stream.
    package private(set) var bytesReceived: Int64 = 0
    package private(set) var bytesSent: Int64 = 0

    package init(stream: any ByteStream, limits: HTTPParserLimits = HTTPParserLimits(), readBufferSize: Int = 64 * 1024) {
        self.stream = stream
        self.parser = HTTPRequestParser(limits: limits)
        self.readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// The request being served.
    package var request: HTTPRequestHead? { current }

    /// Waits for the next request's head. Any unread body of the previous request is drained first.
    /// - Returns: the head, or nil when the client closed cleanly between requests, or when the
    ///   previous exchange leaves the connection unusable (`Connection: close`, or a body the client
    ///   was told not to send).
    /// - Throws: `HTTPParserError` for malformed input, `TransportError` from the stream.
    package func nextRequest() async throws -> HTTPRequestHead? {
        if let c = current {
            if !c.keepAlive || mustClose { return nil }
            if !bodyDone {
                if c.expectsContinue && !continueSent { return nil }
                while try await readBody() != nil {}
            }
        }
        current = nil
        while true {
            switch try parser.next() {
            case .head(let head)?:
                current = head
                bodyDone = false
                continueSent = false
                return head
            case .body?, .end?:
                throw HTTPParserError.unexpectedData
            case nil:
                if try await fill() == 0 {
                    if parser.bufferedByteCount == 0 && parser.isIdle { return nil }
                    _ = try parser.next()
                    throw HTTPParserError.truncatedHead
                }
            }
        }
    }

    /// The next piece of the current request's body, or nil at its end. Sends `100 Continue` first
    /// when the client asked for it.
    package func readBody() async throws -> [UInt8]? {
        guard current != nil, !bodyDone else { return nil }
        if current!.expectsContinue && !continueSent { try await sendContinue() }
        while true {
            switch try parser.next() {
            case .body(let b)?: return b
            case .end?:
                bodyDone = true
                return nil
            case .head?: throw HTTPParserError.unexpectedData
            case nil:
                if try await fill() == 0 { _ = try parser.next() }
            }
        }
    }

    /// Reads the whole body of the current request.
    package func readWholeBody() async throws -> [UInt8] {
        var all: [UInt8] = []
        while let b = try await readBody() { all.append(contentsOf: b) }
        return all
    }

    /// Sends `HTTP/1.1 100 Continue` (RFC 9110 §15.2.1) once.
    package func sendContinue() async throws {
        guard !continueSent else { return }
        continueSent = true
        try await send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    /// Writes a whole response. For a HEAD request the body is not sent (its length is announced).
    package func writeResponse(_ head: HTTPResponseHead, body: [UInt8]) async throws {
        var (bytes, _) = HTTPResponseEncoder.encodeHead(head, bodyLength: Int64(body.count))
        if current?.method != .head && head.status >= 200 && head.status != 204 && head.status != 304 {
            bytes.append(contentsOf: body)
        }
        noteClose(head)
        try await send(bytes)
    }

    /// Writes a response head; the body follows with `writeBody` and ends with `finishResponse`.
    /// - Parameter bodyLength: the body's length, or nil to send it chunked.
    package func writeResponseHead(_ head: HTTPResponseHead, bodyLength: Int64?) async throws {
        let (bytes, chunked) = HTTPResponseEncoder.encodeHead(head, bodyLength: bodyLength)
        responseChunked = chunked && current?.method != .head
        noteClose(head)
        try await send(bytes)
    }

    /// Writes part of the body (framed as a chunk when the response is chunked).
    package func writeBody(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty, current?.method != .head else { return }
        try await send(responseChunked ? HTTPRequestEncoder.encodeChunk(bytes) : bytes)
    }

    /// Ends the response (the last chunk, when chunked).
    package func finishResponse() async throws {
        if responseChunked {
            responseChunked = false
            try await send(HTTPRequestEncoder.lastChunk)
        }
    }

    /// Closes the stream (once).
    package func close() {
        stream.close()
    }

    private func noteClose(_ head: HTTPResponseHead) {
        if head.headers.containsToken("close", in: "Connection") { mustClose = true }
        // A body the client was never told to send cannot be skipped reliably (RFC 9110 §10.1.1).
        if let c = current, c.expectsContinue, !continueSent, !bodyDone { mustClose = true }
    }

    private func send(_ bytes: [UInt8]) async throws {
        try await stream.write(bytes)
        bytesSent += Int64(bytes.count)
    }

    private func fill() async throws -> Int {
        let n = try await stream.read(into: readBuffer)
        if n == 0 {
            parser.feedEOF()
        } else {
            parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
            bytesReceived += Int64(n)
        }
        return n
    }
}
