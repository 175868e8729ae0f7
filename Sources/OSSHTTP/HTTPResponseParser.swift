/// An incremental HTTP/1.1 response parser (RFC 9112), fed bytes in any split.
///
/// Tell it which request each response answers (`expectResponse(to:)`, needed for HEAD), feed bytes
/// as they arrive, then call `next()` until it returns nil. Responses pipelined in one buffer come
/// out one after another. Any error is final: the connection must be thrown away.
public struct HTTPResponseParser: Sendable {
    /// What the parser found.
    public enum Event: Sendable, Hashable {
        /// A 1xx response other than 101 (for example `100 Continue`); the final response follows.
        case informational(HTTPResponseHead)
        /// The final response's head.
        case head(HTTPResponseHead)
        /// A piece of the body.
        case body([UInt8])
        /// The end of the response.
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
    private var pending: [HTTPMethod] = []
    private var currentKeepAlive = true
    private var closedByResponse = false
    /// Whether the last complete response allows the connection to be reused.
    public private(set) var lastResponseKeepAlive = false
    /// Trailer fields of the last chunked response.
    public private(set) var lastTrailers = HTTPHeaders()

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Queues the method of a request sent on this connection; its response is parsed next.
    public mutating func expectResponse(to method: HTTPMethod) {
        pending.append(method)
    }

    /// Adds received bytes.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(bytes)
    }

    /// Adds received bytes.
    public mutating func feed<S: Sequence<UInt8>>(_ bytes: S) {
        buffer.append(contentsOf: bytes)
    }

    /// Records that the peer closed its side.
    public mutating func feedEOF() {
        eof = true
    }

    /// Bytes received and not yet consumed.
    public var bufferedByteCount: Int { buffer.count }

    /// Whether no response is in progress or expected.
    public var isIdle: Bool {
        if case .idle = state { return pending.isEmpty }
        return false
    }

    /// Whether the connection can carry another request: idle, nothing unread, the last response
    /// kept it alive, and the peer has not closed.
    public var canReuseConnection: Bool {
        isIdle && buffer.isEmpty && lastResponseKeepAlive && !eof && !closedByResponse
    }

    /// The next event, or nil when more bytes are needed (or, at EOF, when nothing is expected).
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
                if buffer.isEmpty {
                    if eof && !pending.isEmpty { throw HTTPParserError.connectionClosed }
                    return nil
                }
                if pending.isEmpty || closedByResponse {
                    throw HTTPParserError.unexpectedData.with("\(buffer.count) bytes after the last response")
                }
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
                let method = pending[0]
                if head.status >= 100 && head.status < 200 && head.status != 101 {
                    state = .idle
                    return .informational(head)
                }
                let framing = try Self.framing(head, method: method)
                currentKeepAlive = head.keepAlive && framing != .untilClose && head.status != 101
                state = .body(BodyDecoder(framing: framing, limits: limits))
                return .head(head)
            case .body(var decoder):
                let out = try decoder.next(&buffer, eof: eof)
                switch out {
                case nil:
                    state = .body(decoder)
                    return nil
                case .data(let d)?:
                    state = .body(decoder)
                    return .body(d)
                case .end?:
                    lastTrailers = decoder.trailers
                    pending.removeFirst()
                    lastResponseKeepAlive = currentKeepAlive
                    if !currentKeepAlive { closedByResponse = true }
                    state = .idle
                    return .end
                }
            }
        }
    }

    /// When the next body bytes are plain data and nothing is buffered, how many may be read
    /// straight into the caller's memory (then reported with `consumedDirectBody(_:)`); else nil.
    var directBodyBytesAllowed: Int64? {
        if !eof, case .body(let decoder) = state { return decoder.directBytesAllowed(buffer) }
        return nil
    }

    /// Records `n` body bytes read straight from the wire (at most `directBodyBytesAllowed`).
    mutating func consumedDirectBody(_ n: Int) {
        guard case .body(var decoder) = state else { return }
        decoder.consumeDirect(n)
        state = .body(decoder)
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4)
    private func parseHead(_ lines: [ArraySlice<UInt8>]) throws(HTTPParserError) -> HTTPResponseHead {
        guard let line = lines.first else {
            throw HTTPParserError.invalidStartLine.with("status line too short")
        }
        let s = line.startIndex
        guard line.count >= 12, line[s + 8] == HTTPSyntax.sp else {
            throw HTTPParserError.invalidStartLine.with(Self.printable(line))
        }
        let version = try HeadParsing.version(line[s..<(s + 8)])
        var status = 0
        for i in (s + 9)..<(s + 12) {
            let c = line[i]
            guard c >= 48 && c <= 57 else { throw HTTPParserError.invalidStatus.with(Self.printable(line)) }
            status = status * 10 + Int(c - 48)
        }
        guard status >= 100 else { throw HTTPParserError.invalidStatus.with("\(status)") }
        var reason = ""
        if line.count > 12 {
            guard line[s + 12] == HTTPSyntax.sp else { throw HTTPParserError.invalidStatus.with(Self.printable(line)) }
            let r = line[(s + 13)...]
            guard r.allSatisfy({ $0 == HTTPSyntax.htab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPParserError.invalidStartLine.with("control character in the reason phrase")
            }
            reason = String(decoding: r, as: UTF8.self)
        }
        let headers = try HeadParsing.fields(lines.dropFirst(), limits: limits)
        return HTTPResponseHead(version: version, status: status, reason: reason, headers: headers)
    }

    /// RFC 9112 §6.3, for a response to `method`.
    static func framing(_ head: HTTPResponseHead, method: HTTPMethod) throws(HTTPParserError) -> BodyFraming {
        if method == .head || head.status < 200 || head.status == 204 || head.status == 304 { return .none }
        // The usual answer, one Content-Length and no Transfer-Encoding: found in one pass over
        // the fields, without building value lists.
        var lengths = 0
        var length: Int64? = nil
        var transferEncoding = false
        // By index: a `for` over the fields retained and released both strings of each.
        let fields = head.headers.fields
        for i in fields.indices {
            switch fields[i].name.utf8.count {
            case 14 where HTTPHeaders.equalNames(fields[i].name, "Content-Length"):
                lengths += 1
                length = HTTPSyntax.parseDecimal(fields[i].value.utf8)
            case 17 where HTTPHeaders.equalNames(fields[i].name, "Transfer-Encoding"):
                transferEncoding = true
            default:
                break
            }
        }
        if !transferEncoding, lengths == 1, let length { return .length(length) }
        let te = head.headers.listValues(for: "Transfer-Encoding")
        if !te.isEmpty {
            if head.headers.contains("Content-Length") { throw HTTPParserError.contentLengthWithChunked }
            if let last = te.last, HTTPHeaders.equalNames(last, "chunked") { return .chunked }
            return .untilClose
        }
        if let n = try HeadParsing.contentLength(head.headers) { return .length(n) }
        return .untilClose
    }

    static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(80).map { ($0 >= 0x20 && $0 < 0x7F) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
