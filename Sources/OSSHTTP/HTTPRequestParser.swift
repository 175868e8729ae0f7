/// An incremental HTTP/1.1 request parser for the server side (RFC 9112), fed bytes in any split.
///
/// It yields the head as soon as the header block is complete, then the body piece by piece as it
/// arrives, so a server can stream (or refuse) a large upload. Pipelined requests come out one after
/// another. Any error is final: answer 400 (or 413/501) if you like, then close the connection.
public struct HTTPRequestParser: Sendable {
    public enum Event: Sendable, Hashable {
        case head(HTTPRequestHead)
        case body([UInt8])
        case end
    }

    private enum State: Sendable {
        case idle
        case head(scan: Int)
        case body(BodyDecoder)
        case failed(HTTPParserError)
    }

    private let limits: HTTPParserLimits
    private var buffer = ParserBuffer()
    private var state = State.idle
    private var eof = false
    /// Trailer fields of the last chunked request body.
    public private(set) var lastTrailers = HTTPHeaders()

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) { buffer.append(bytes) }
    public mutating func feed<S: Sequence<UInt8>>(_ bytes: S) { buffer.append(contentsOf: bytes) }
    public mutating func feedEOF() { eof = true }

    public var bufferedByteCount: Int { buffer.count }

    /// Whether the parser is between requests.
    public var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    /// The next event, or nil when more bytes are needed (or at a clean end of the connection).
    /// - Throws: `HTTPParserError`; once thrown, every later call throws it again.
    public mutating func next() throws(HTTPParserError) -> Event? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParserError) -> Event? {
        while true {
            switch state {
            case .failed(let e):
                throw e
            case .idle:
                // RFC 9112 §2.2: ignore empty lines before a request line.
                while !buffer.isEmpty,
                    buffer.bytes[buffer.start] == HTTPSyntax.cr || buffer.bytes[buffer.start] == HTTPSyntax.lf
                {
                    buffer.start += 1
                }
                if buffer.isEmpty { return nil }
                state = .head(scan: buffer.start)
            case .head(var scan):
                guard
                    let lines = try HeadParsing.take(
                        &buffer, scan: &scan, maxHeaderBytes: limits.maxHeaderBytes, eof: eof)
                else {
                    state = .head(scan: scan)
                    return nil
                }
                let head = try parseHead(lines)
                let framing = try Self.framing(head)
                if let max = limits.maxBodyBytes, case .length(let n) = framing, n > max {
                    throw HTTPParserError.bodyTooLarge.with("\(n) bytes, limit \(max)")
                }
                state = .body(BodyDecoder(framing: framing, limits: limits))
                return .head(head)
            case .body(var decoder):
                let out = try decoder.next(&buffer, eof: eof)
                if let max = limits.maxBodyBytes, decoder.decoded > max {
                    throw HTTPParserError.bodyTooLarge.with("limit \(max)")
                }
                switch out {
                case nil:
                    state = .body(decoder)
                    return nil
                case .data(let d)?:
                    state = .body(decoder)
                    return .body(d)
                case .end?:
                    lastTrailers = decoder.trailers
                    state = .idle
                    return .end
                }
            }
        }
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    private func parseHead(_ lines: [ArraySlice<UInt8>]) throws(HTTPParserError) -> HTTPRequestHead {
        guard let line = lines.first else { throw HTTPParserError.invalidStartLine }
        let parts = line.split(separator: HTTPSyntax.sp, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(HTTPSyntax.isTokenChar),
            !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F })
        else { throw HTTPParserError.invalidStartLine.with(HTTPResponseParser.printable(line)) }
        let version = try HeadParsing.version(parts[2])
        let headers = try HeadParsing.fields(lines.dropFirst(), limits: limits)
        return HTTPRequestHead(
            method: HTTPMethod(String(decoding: parts[0], as: UTF8.self)),
            target: String(decoding: parts[1], as: UTF8.self), version: version, headers: headers)
    }

    /// RFC 9112 §6.3 items 3-6, for a request.
    static func framing(_ head: HTTPRequestHead) throws(HTTPParserError) -> BodyFraming {
        let te = head.headers.listValues(for: "Transfer-Encoding")
        if !te.isEmpty {
            if head.headers.contains("Content-Length") { throw HTTPParserError.contentLengthWithChunked }
            guard te.count == 1, HTTPHeaders.equalNames(te[0], "chunked") else {
                throw HTTPParserError.unsupportedTransferEncoding.with(te.joined(separator: ", "))
            }
            return .chunked
        }
        if let n = try HeadParsing.contentLength(head.headers) { return .length(n) }
        return .none
    }
}
