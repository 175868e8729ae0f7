import OSSHTTP

// The checks of the three HTTP fuzz targets. Each takes libFuzzer's bytes, where `bytes[0]` is a
// control byte (how to cut the stream into pieces, which request methods the responses answer,
// which limits apply) and the rest is what the peer sent. Each returns a description of the first
// broken expectation, or `nil`.
//
// `Tests/OSSHTTPTests/HTTPFuzzChecks.swift` is a symbolic link to this file: the suite replays the
// saved crash inputs through exactly these checks.

/// The checks, in a namespace of their own so that the test target can hold the same code.
public enum HTTPChecks {
    /// What a parser made of a stream: its events (adjacent body pieces merged, since where a body is
    /// cut depends on how the bytes arrived) and the error that stopped it, if any.
    struct ParseOutcome<Event: Equatable>: Equatable {
        var events: [Event] = []
        var error: HTTPParserError?

        /// The outcome without the body pieces delivered just before a `bodyTooLarge` error: how many
        /// bytes under the limit went out before the parser noticed depends on how they arrived.
        func normalized<H>() -> Self where Event == Piece<H> {
            guard error == .bodyTooLarge else { return self }
            var copy = self
            while case .body? = copy.events.last { copy.events.removeLast() }
            return copy
        }
    }

    /// A parser event, of either parser.
    enum Piece<Head: Hashable>: Hashable {
        case informational(Head)
        case head(Head)
        case body([UInt8])
        case end
    }

    /// Size of the pieces the stream is cut into for the second parse: 1...32 bytes.
    static func pieceSize(_ control: UInt8) -> Int { 1 + Int(control >> 3) }

    /// The two parsers behind one interface, so that one driver feeds both.
    protocol MessageParser {
        associatedtype Head: Hashable
        mutating func feedBytes(_ bytes: ArraySlice<UInt8>)
        mutating func endOfStream()
        mutating func nextPiece() throws(HTTPParserError) -> Piece<Head>?
        var trailers: HTTPHeaders { get }
    }

    /// Feeds `stream` whole (`pieceSize` nil) or in pieces, taking every event after each piece, then
    /// the end of the stream; stops at the first error, or with `firstMessageOnly` at the first end
    /// (whose trailers it then returns).
    static func parse<P: MessageParser>(
        _ parser: inout P, _ stream: ArraySlice<UInt8>, pieceSize: Int?, firstMessageOnly: Bool = false
    ) -> (outcome: ParseOutcome<Piece<P.Head>>, trailers: HTTPHeaders?) {
        var outcome = ParseOutcome<Piece<P.Head>>()
        /// false when parsing is over.
        func drain() -> Bool {
            do throws(HTTPParserError) {
                while let piece = try parser.nextPiece() {
                    outcome.events.appendMerging(piece)
                    if firstMessageOnly, case .end = piece { return false }
                }
                return true
            } catch {
                outcome.error = error
                return false
            }
        }
        var at = stream.startIndex
        let step = pieceSize ?? max(stream.count, 1)
        while at < stream.endIndex {
            let next = min(at + step, stream.endIndex)
            parser.feedBytes(stream[at..<next])
            at = next
            guard drain() else { return (outcome, outcome.events.last == .end ? parser.trailers : nil) }
        }
        parser.endOfStream()
        _ = drain()
        return (outcome, firstMessageOnly && outcome.events.last == .end ? parser.trailers : nil)
    }

    /// Framing that both sides can tell from a head: `Content-Length: n` alone (one decimal value).
    static func declaredLength(_ headers: HTTPHeaders) -> Int? {
        guard !headers.contains("Transfer-Encoding") else { return nil }
        let values = headers.values(for: "Content-Length")
        guard values.count == 1, !values[0].isEmpty, values[0].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            values[0].utf8.count < 10
        else { return nil }
        return Int(values[0])
    }

    // MARK: Response parser

    /// The methods of the (up to three) requests whose responses the stream holds: bit i of the
    /// control byte makes request i a HEAD, else a GET.
    static func responseMethods(_ control: UInt8) -> [HTTPMethod] {
        (0..<3).map { control & (1 << $0) != 0 ? .head : .get }
    }

    static func responseParser(_ methods: [HTTPMethod]) -> HTTPResponseParser {
        var parser = HTTPResponseParser()
        for m in methods { parser.expectResponse(to: m) }
        return parser
    }

    /// `HTTPResponseParser`: the stream parsed whole and in pieces gives the same events and error; a
    /// response declaring `Content-Length: n` (not to HEAD, not 1xx/204/304) ends after exactly n bytes.
    public static func checkResponseParser(_ bytes: [UInt8]) -> String? {
        guard let control = bytes.first else { return nil }
        let stream = bytes.dropFirst()
        let methods = responseMethods(control)
        var a = responseParser(methods)
        var b = responseParser(methods)
        let whole = parse(&a, stream, pieceSize: nil).outcome
        let split = parse(&b, stream, pieceSize: pieceSize(control)).outcome
        if whole.normalized() != split.normalized() {
            return "whole and \(pieceSize(control))-byte pieces differ: \(whole) / \(split)"
        }
        var index = 0
        var current: (head: HTTPResponseHead, body: Int)?
        for event in whole.events {
            switch event {
            case .informational: break
            case .head(let h): current = (h, 0)
            case .body(let b): current?.body += b.count
            case .end:
                if let (head, body) = current, methods[index] != .head, head.status >= 200, head.status != 204,
                    head.status != 304, let n = declaredLength(head.headers), n != body
                {
                    return "Content-Length \(n) but \(body) body bytes"
                }
                index += 1
                current = nil
            }
        }
        return nil
    }

    // MARK: Request parser

    /// The server's limits for the request stream: the control byte's low bits cap the body at
    /// 16 or 1000 bytes or at none, or leave it unlimited.
    static func requestLimits(_ control: UInt8) -> HTTPParserLimits {
        var limits = HTTPParserLimits()
        switch control & 3 {
        case 1: limits.maxBodyBytes = 16
        case 2: limits.maxBodyBytes = 1000
        case 3: limits.maxBodyBytes = 0
        default: break
        }
        return limits
    }

    /// `HTTPRequestParser`: the stream parsed whole and in pieces gives the same events and error; a
    /// request declaring `Content-Length: n` ends after exactly n bytes; no body goes past the limit.
    public static func checkRequestParser(_ bytes: [UInt8]) -> String? {
        guard let control = bytes.first else { return nil }
        let stream = bytes.dropFirst()
        let limits = requestLimits(control)
        var a = HTTPRequestParser(limits: limits)
        var b = HTTPRequestParser(limits: limits)
        let whole = parse(&a, stream, pieceSize: nil).outcome
        let split = parse(&b, stream, pieceSize: pieceSize(control)).outcome
        if whole.normalized() != split.normalized() {
            return "whole and \(pieceSize(control))-byte pieces differ: \(whole) / \(split)"
        }
        var current: (head: HTTPRequestHead, body: Int)?
        for event in whole.events {
            switch event {
            case .informational: return "a request parser gave an informational event"
            case .head(let h): current = (h, 0)
            case .body(let b):
                current?.body += b.count
                if let max = limits.maxBodyBytes, let body = current?.body, body > max {
                    return "\(body) body bytes delivered past the limit of \(max)"
                }
            case .end:
                if let (head, body) = current, let n = declaredLength(head.headers), n != body {
                    return "Content-Length \(n) but \(body) body bytes"
                }
                current = nil
            }
        }
        return nil
    }

    // MARK: Chunked decoder

    /// What a chunked body decodes to: the data and trailer fields, or a failure (malformed, or cut
    /// short by the end of the stream).
    public struct ChunkedOutcome: Equatable, CustomStringConvertible {
        public var data: [UInt8] = []
        public var trailers: [HTTPField] = []
        public var failed = false

        /// Two failures are equal whatever was decoded before them (a parser may stop before passing
        /// on the bytes it holds).
        public static func == (a: Self, b: Self) -> Bool {
            a.failed == b.failed && (a.failed || (a.data == b.data && a.trailers == b.trailers))
        }

        public var description: String {
            failed
                ? "failure after \(data.count) bytes"
                : "\(data.count) bytes, trailers \(trailers.map { "\($0.name): \($0.value)" })"
        }
    }

    /// A plain reading of RFC 9112 §7.1 with the parsers' documented leniencies and bounds (a bare
    /// LF ends a line; a size line holds at most 4096 bytes before its LF and at most 15 hex
    /// digits; chunk extensions are `;` after optional white space, with no control characters;
    /// trailer fields as header fields, at most 128), to check them against.
    public static func referenceChunked(_ b: ArraySlice<UInt8>) -> ChunkedOutcome {
        var out = ChunkedOutcome()
        var i = b.startIndex
        func line() -> ArraySlice<UInt8>? {
            guard let lf = b[i...].firstIndex(of: 10) else { return nil }
            var end = lf
            if end > i && b[end - 1] == 13 { end -= 1 }
            defer { i = lf + 1 }
            return b[i..<end]
        }
        func hex(_ c: UInt8) -> Int? {
            switch c {
            case 48...57: return Int(c) - 48
            case 65...70: return Int(c) - 55
            case 97...102: return Int(c) - 87
            default: return nil
            }
        }
        func isToken(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || Array("!#$%&'*+-.^_`|~".utf8).contains(c)
        }
        func isText(_ c: UInt8) -> Bool { c == 9 || (c >= 0x20 && c != 0x7F) }
        while true {
            let lineStart = i
            guard let sizeLine = line(), i - 1 - lineStart <= 4096 else {
                out.failed = true
                return out
            }
            var size = 0
            var digits = 0
            var j = sizeLine.startIndex
            while j < sizeLine.endIndex, let d = hex(sizeLine[j]) {
                size = size << 4 | d
                digits += 1
                j += 1
            }
            guard digits > 0, digits <= 15 else {
                out.failed = true
                return out
            }
            var rest = sizeLine[j...].drop { $0 == 32 || $0 == 9 }
            if let f = rest.first {
                guard f == UInt8(ascii: ";"), rest.allSatisfy(isText) else {
                    out.failed = true
                    return out
                }
                rest = []
            }
            if size == 0 { break }
            guard b.endIndex - i >= size else {
                out.failed = true
                return out
            }
            out.data += b[i..<(i + size)]
            i += size
            if i < b.endIndex && b[i] == 10 {
                i += 1
            } else if b.endIndex - i >= 2 && b[i] == 13 && b[i + 1] == 10 {
                i += 2
            } else {
                out.failed = true
                return out
            }
        }
        while true {
            guard let field = line() else {
                out.failed = true
                return out
            }
            if field.isEmpty { return out }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                field[..<colon].allSatisfy(isToken)
            else {
                out.failed = true
                return out
            }
            var value = field[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value.removeFirst() }
            while let l = value.last, l == 32 || l == 9 { value.removeLast() }
            guard value.allSatisfy(isText), out.trailers.count < 128 else {
                out.failed = true
                return out
            }
            out.trailers.append(
                HTTPField(
                    name: String(decoding: field[..<colon], as: UTF8.self),
                    value: String(decoding: value, as: UTF8.self)))
        }
    }

    static let chunkedResponseHead = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
    static let chunkedRequestHead = Array(
        "PUT /bucket/key HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)

    /// The first message's body as a `ChunkedOutcome`.
    static func firstBody<P: MessageParser>(_ parser: inout P, _ stream: [UInt8], pieceSize: Int?) -> ChunkedOutcome {
        let (outcome, trailers) = parse(&parser, stream[...], pieceSize: pieceSize, firstMessageOnly: true)
        var out = ChunkedOutcome()
        guard let trailers else {
            out.failed = true
            return out
        }
        for case .body(let b) in outcome.events { out.data += b }
        out.trailers = Array(trailers)
        return out
    }

    /// The chunked body decoder, through both parsers: whole and in pieces, the response parser and
    /// the request parser decode the same data and trailers as the reference reading, or all fail.
    public static func checkChunkedDecoder(_ bytes: [UInt8]) -> String? {
        guard let control = bytes.first else { return nil }
        let body = bytes.dropFirst()
        let expected = referenceChunked(body)
        for step in [nil, pieceSize(control)] {
            var response = responseParser([.get])
            var request = HTTPRequestParser()
            let r = firstBody(&response, chunkedResponseHead + body, pieceSize: step)
            let q = firstBody(&request, chunkedRequestHead + body, pieceSize: step)
            let how = step.map { "in \($0)-byte pieces" } ?? "whole"
            if r != expected { return "response parser \(how): \(r); reference: \(expected)" }
            if q != expected { return "request parser \(how): \(q); reference: \(expected)" }
        }
        return nil
    }
}

extension Array {
    mutating func appendMerging<H>(_ piece: HTTPChecks.Piece<H>) where Element == HTTPChecks.Piece<H> {
        if case .body(let more) = piece, case .body(let have)? = last {
            self[count - 1] = .body(have + more)
        } else if case .body(let more) = piece, more.isEmpty {
            return  // an empty piece says nothing
        } else {
            append(piece)
        }
    }
}

extension HTTPResponseParser: HTTPChecks.MessageParser {
    mutating func feedBytes(_ bytes: ArraySlice<UInt8>) { feed(bytes) }
    mutating func endOfStream() { feedEOF() }
    var trailers: HTTPHeaders { lastTrailers }
    mutating func nextPiece() throws(HTTPParserError) -> HTTPChecks.Piece<HTTPResponseHead>? {
        switch try next() {
        case .informational(let h)?: return .informational(h)
        case .head(let h)?: return .head(h)
        case .body(let b)?: return .body(b)
        case .end?: return .end
        case nil: return nil
        }
    }
}

extension HTTPRequestParser: HTTPChecks.MessageParser {
    mutating func feedBytes(_ bytes: ArraySlice<UInt8>) { feed(bytes) }
    mutating func endOfStream() { feedEOF() }
    var trailers: HTTPHeaders { lastTrailers }
    mutating func nextPiece() throws(HTTPParserError) -> HTTPChecks.Piece<HTTPRequestHead>? {
        switch try next() {
        case .head(let h)?: return .head(h)
        case .body(let b)?: return .body(b)
        case .end?: return .end
        case nil: return nil
        }
    }
}
