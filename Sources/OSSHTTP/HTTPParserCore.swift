import OSSCore

/// Limits that keep a parser's memory bounded whatever the peer sends.
public struct HTTPParserLimits: Sendable, Hashable {
    /// The most bytes the start line and header block (and, separately, a trailer block) may take.
    public var maxHeaderBytes: Int = 64 * 1024
    /// The most header fields (and, separately, trailer fields).
    public var maxHeaderCount: Int = 128
    /// The largest request body a server-side parser accepts; `nil` for no limit.
    public var maxBodyBytes: Int64? = nil

    public init() {}
}

/// Bytes received and not yet parsed. Consumed from the front, compacted lazily.
struct ParserBuffer: Sendable {
    var bytes: [UInt8] = []
    var start = 0

    var count: Int { bytes.count - start }
    var isEmpty: Bool { start == bytes.count }

    mutating func append(_ buffer: UnsafeRawBufferPointer) {
        compact()
        bytes.append(contentsOf: buffer)
    }

    mutating func append<S: Sequence<UInt8>>(contentsOf s: S) {
        compact()
        bytes.append(contentsOf: s)
    }

    private mutating func compact() {
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 32 * 1024 && start * 2 >= bytes.count {
            bytes.removeSubrange(0..<start)
            start = 0
        }
    }

    /// Removes and returns up to `n` bytes from the front.
    mutating func take(_ n: Int) -> [UInt8] {
        let k = min(n, count)
        let out = Array(bytes[start..<(start + k)])
        start += k
        return out
    }

    /// Index just after the next LF at or after `from`, or nil.
    func lineEnd(from: Int) -> Int? {
        var i = max(from, start)
        while i < bytes.count {
            if bytes[i] == HTTPSyntax.lf { return i + 1 }
            i += 1
        }
        return nil
    }
}

/// How the body of a message is delimited (RFC 9112 §6.3).
enum BodyFraming: Sendable, Hashable {
    case none
    case length(Int64)
    case chunked
    case untilClose
}

/// A parsed header block: the start line's bytes and the fields.
struct ParsedHead {
    var startLine: ArraySlice<UInt8>
    var headers: HTTPHeaders
}

enum HeadParsing {
    /// Finds the end of the header block (the index after its empty line), resuming at `scan`.
    /// RFC 9112 §2.2: a bare LF is accepted as a line terminator.
    static func findEnd(_ buf: ParserBuffer, scan: inout Int) -> Int? {
        var i = max(scan, buf.start)
        let b = buf.bytes
        while i < b.count {
            if b[i] == HTTPSyntax.lf {
                if i + 1 < b.count && b[i + 1] == HTTPSyntax.lf { return i + 2 }
                if i + 2 < b.count && b[i + 1] == HTTPSyntax.cr && b[i + 2] == HTTPSyntax.lf { return i + 3 }
                if i + 2 >= b.count {
                    scan = i
                    return nil
                }
            }
            i += 1
        }
        scan = i
        return nil
    }

    /// Takes a whole header block off the front of `buf`, resuming the search at `scan`.
    /// - Returns: the block's lines, or `nil` when more bytes are needed (`scan` then says where
    ///   to resume).
    /// - Throws: `headerBlockTooLarge` past `maxHeaderBytes`; `truncatedHead` at `eof` with the
    ///   block incomplete.
    static func take(
        _ buf: inout ParserBuffer, scan: inout Int, maxHeaderBytes: Int, eof: Bool
    ) throws(HTTPParserError) -> [ArraySlice<UInt8>]? {
        guard let end = findEnd(buf, scan: &scan) else {
            if buf.count > maxHeaderBytes {
                throw HTTPParserError.headerBlockTooLarge.with("more than \(maxHeaderBytes) bytes")
            }
            if eof { throw HTTPParserError.truncatedHead }
            return nil
        }
        if end - buf.start > maxHeaderBytes {
            throw HTTPParserError.headerBlockTooLarge.with("more than \(maxHeaderBytes) bytes")
        }
        let block = lines(buf.bytes, from: buf.start, to: end)
        buf.start = end
        return block
    }

    /// Splits lines in `bytes[from..<to]`, dropping the terminating CR of each.
    static func lines(_ bytes: [UInt8], from: Int, to: Int) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        out.reserveCapacity(16)  // a response head's usual lines, without regrowing
        var s = from
        var i = from
        while i < to {
            if bytes[i] == HTTPSyntax.lf {
                var e = i
                if e > s && bytes[e - 1] == HTTPSyntax.cr { e -= 1 }
                out.append(bytes[s..<e])
                s = i + 1
            }
            i += 1
        }
        return out
    }

    /// Parses field lines (RFC 9112 §5): `name ":" OWS value OWS`, no space before the colon, no
    /// obsolete folding, no CR/LF/NUL in values.
    static func fields<S: Sequence<ArraySlice<UInt8>>>(_ lines: S, limits: HTTPParserLimits) throws(HTTPParserError)
        -> HTTPHeaders
    {
        var headers = HTTPHeaders()
        // Room for the fields at once, never more than the limit allows (a hostile head of
        // thousands of lines fails at the limit, not after reserving for all of them).
        headers.reserveCapacity(min(lines.underestimatedCount, limits.maxHeaderCount + 1))
        var n = 0
        let token = ByteSet.token
        for line in lines {
            if line.isEmpty { continue }
            // Over the line's bytes directly (every response head of every request comes here).
            let field = try line.withUnsafeBufferPointer { p throws(HTTPParserError) -> HTTPField in
                let first = p[0]
                guard first != HTTPSyntax.sp, first != HTTPSyntax.htab else {
                    throw HTTPParserError.invalidHeader.with("obsolete line folding")
                }
                var colon = 0
                while colon < p.count, p[colon] != HTTPSyntax.colon { colon += 1 }
                guard colon < p.count else { throw HTTPParserError.invalidHeader.with("no colon in a field line") }
                guard colon > 0, UnsafeBufferPointer(rebasing: p[0..<colon]).allSatisfy({ token.contains($0) }) else {
                    throw HTTPParserError.invalidHeader.with("bad field name")
                }
                var start = colon + 1
                var end = p.count
                while start < end, p[start] == HTTPSyntax.sp || p[start] == HTTPSyntax.htab { start += 1 }
                while end > start, p[end - 1] == HTTPSyntax.sp || p[end - 1] == HTTPSyntax.htab { end -= 1 }
                for i in start..<end where !(p[i] == HTTPSyntax.htab || (p[i] >= 0x20 && p[i] != 0x7F)) {
                    throw HTTPParserError.invalidHeader.with("control character in a field value")
                }
                return HTTPField(
                    name: name(UnsafeBufferPointer(rebasing: p[0..<colon])),
                    value: String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self))
            }
            n += 1
            if n > limits.maxHeaderCount { throw HTTPParserError.tooManyHeaders }
            headers.add(name: field.name, value: field.value)
        }
        return headers
    }

    /// Names of more than 15 bytes that OSS sends on most answers, as written: one of these is
    /// shared instead of allocated (a Swift string of up to 15 bytes is stored inline anyway).
    static let knownLongNames: [String] = [
        "x-oss-request-id", "x-oss-hash-crc64ecma", "x-oss-server-time", "x-oss-object-type",
        "x-oss-storage-class", "x-oss-version-id", "x-oss-next-append-position", "Content-Disposition",
        "x-oss-server-side-encryption", "Access-Control-Allow-Origin",
    ]

    /// A field name as received: a known one shared, any other decoded.
    static func name(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.count > 15 {
            for known in knownLongNames where known.utf8.count == bytes.count {
                // Over both buffers (`elementsEqual` walked the UTF8View by index).
                let same = known.utf8.withContiguousStorageIfAvailable { k in
                    for i in 0..<k.count where k[i] != bytes[i] { return false }
                    return true
                }
                if same == true { return known }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `HTTP/1.x` (RFC 9112 §2.3).
    static func version(_ s: ArraySlice<UInt8>) throws(HTTPParserError) -> HTTPVersion {
        let i = s.startIndex
        guard s.count == 8, s[i] == 72, s[i + 1] == 84, s[i + 2] == 84, s[i + 3] == 80, s[i + 4] == 47, s[i + 6] == 46,
            let major = HTTPSyntax.hexDigit(s[i + 5]), major < 10, let minor = HTTPSyntax.hexDigit(s[i + 7]), minor < 10
        else { throw HTTPParserError.invalidStartLine.with("bad HTTP version") }
        guard major == 1 else { throw HTTPParserError.invalidVersion.with("HTTP/\(major).\(minor)") }
        return HTTPVersion(major: Int(major), minor: Int(minor))
    }

    /// Content-Length values: every value a decimal, all equal (RFC 9110 §8.6, RFC 9112 §6.3 item 5).
    static func contentLength(_ headers: HTTPHeaders) throws(HTTPParserError) -> Int64? {
        let values = headers.values(for: "Content-Length")
        if values.isEmpty { return nil }
        // The usual case, one plain decimal: no splitting or trimming.
        if values.count == 1, let n = HTTPSyntax.parseDecimal(values[0].utf8) { return n }
        var result: Int64? = nil
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let t = ASCIISpace.trimmed(part)
                guard let n = HTTPSyntax.parseDecimal(Array(t.utf8)) else {
                    throw HTTPParserError.invalidContentLength.with("'\(t)'")
                }
                if let r = result, r != n { throw HTTPParserError.conflictingContentLength.with("\(r) and \(n)") }
                result = n
            }
        }
        return result
    }
}

/// Decodes one message body from a `ParserBuffer` (RFC 9112 §6, §7.1).
struct BodyDecoder: Sendable {
    enum Output: Sendable {
        case data([UInt8])
        case end
    }

    private enum State: Sendable {
        case length(Int64)
        case chunkSize
        case chunkData(Int64)
        case chunkDataEnd
        case trailers(bytes: Int)
        case untilClose
        case done
    }

    private var state: State
    private let limits: HTTPParserLimits
    private(set) var trailers = HTTPHeaders()
    /// Body bytes decoded so far.
    private(set) var decoded: Int64 = 0
    /// How many bytes from `buf.start` are known to hold no LF: a chunk-size or trailer line that
    /// arrives in many pieces is scanned once, not from its start again on every feed. Relative
    /// to `buf.start`, so the buffer's compaction does not move it; zero after every line.
    private var lineScanned = 0

    init(framing: BodyFraming, limits: HTTPParserLimits) {
        self.limits = limits
        switch framing {
        case .none: state = .done
        case .length(let n): state = n == 0 ? .done : .length(n)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    /// The next piece of body, `.end`, or nil when more bytes are needed.
    mutating func next(_ buf: inout ParserBuffer, eof: Bool) throws(HTTPParserError) -> Output? {
        while true {
            switch state {
            case .done:
                return .end
            case .length(let remaining):
                if buf.isEmpty {
                    if eof { throw HTTPParserError.truncatedBody.with("\(remaining) bytes missing") }
                    return nil
                }
                let chunk = buf.take(Int(min(remaining, Int64(buf.count))))
                let left = remaining - Int64(chunk.count)
                state = left == 0 ? .done : .length(left)
                decoded += Int64(chunk.count)
                return .data(chunk)
            case .untilClose:
                if buf.isEmpty {
                    if eof {
                        state = .done
                        return .end
                    }
                    return nil
                }
                let chunk = buf.take(buf.count)
                decoded += Int64(chunk.count)
                return .data(chunk)
            case .chunkSize:
                // RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF
                // A line longer than `maxChunkLineBytes` is refused whether it arrived whole or in
                // pieces, so the outcome never depends on how the peer's bytes were segmented.
                guard let end = buf.lineEnd(from: buf.start + lineScanned) else {
                    lineScanned = buf.count
                    if buf.count > Self.maxChunkLineBytes {
                        throw HTTPParserError.invalidChunkSize.with("chunk line too long")
                    }
                    if eof { throw HTTPParserError.truncatedBody.with("in a chunk size line") }
                    return nil
                }
                if end - 1 - buf.start > Self.maxChunkLineBytes {
                    throw HTTPParserError.invalidChunkSize.with("chunk line too long")
                }
                var lineEnd = end - 1
                if lineEnd > buf.start && buf.bytes[lineEnd - 1] == HTTPSyntax.cr { lineEnd -= 1 }
                let line = buf.bytes[buf.start..<lineEnd]
                buf.start = end
                lineScanned = 0
                let size = try Self.chunkSize(line)
                if size == 0 {
                    state = .trailers(bytes: 0)
                } else {
                    state = .chunkData(size)
                }
            case .chunkData(let remaining):
                if buf.isEmpty {
                    if eof { throw HTTPParserError.truncatedBody.with("in a chunk") }
                    return nil
                }
                let chunk = buf.take(Int(min(remaining, Int64(buf.count))))
                let left = remaining - Int64(chunk.count)
                state = left == 0 ? .chunkDataEnd : .chunkData(left)
                decoded += Int64(chunk.count)
                return .data(chunk)
            case .chunkDataEnd:
                guard buf.count >= 1 else {
                    if eof { throw HTTPParserError.truncatedBody.with("after a chunk") }
                    return nil
                }
                if buf.bytes[buf.start] == HTTPSyntax.lf {
                    buf.start += 1
                    state = .chunkSize
                    continue
                }
                guard buf.count >= 2 else {
                    if eof { throw HTTPParserError.truncatedBody.with("after a chunk") }
                    return nil
                }
                guard buf.bytes[buf.start] == HTTPSyntax.cr, buf.bytes[buf.start + 1] == HTTPSyntax.lf else {
                    throw HTTPParserError.invalidChunk.with("chunk data not followed by CRLF")
                }
                buf.start += 2
                state = .chunkSize
            case .trailers:
                // RFC 9112 §7.1.2: trailer-section CRLF
                guard let end = buf.lineEnd(from: buf.start + lineScanned) else {
                    lineScanned = buf.count
                    if buf.count > limits.maxHeaderBytes { throw HTTPParserError.headerBlockTooLarge.with("trailers") }
                    if eof { throw HTTPParserError.truncatedBody.with("in the trailers") }
                    return nil
                }
                var lineEnd = end - 1
                if lineEnd > buf.start && buf.bytes[lineEnd - 1] == HTTPSyntax.cr { lineEnd -= 1 }
                let line = buf.bytes[buf.start..<lineEnd]
                guard case .trailers(let used) = state else { continue }
                let total = used + (end - buf.start)
                if total > limits.maxHeaderBytes { throw HTTPParserError.headerBlockTooLarge.with("trailers") }
                buf.start = end
                lineScanned = 0
                if line.isEmpty {
                    state = .done
                    return .end
                }
                let f = try HeadParsing.fields(CollectionOfOne(line), limits: limits)
                for field in f { trailers.add(name: field.name, value: field.value) }
                if trailers.count > limits.maxHeaderCount { throw HTTPParserError.tooManyHeaders.with("trailers") }
                state = .trailers(bytes: total)
            }
        }
    }

    /// How many of the next body bytes are plain data that could bypass the parser's buffer, when
    /// none are buffered; nil when framing bytes come next.
    func directBytesAllowed(_ buf: ParserBuffer) -> Int64? {
        guard buf.isEmpty else { return nil }
        switch state {
        case .length(let n), .chunkData(let n): return n
        case .untilClose: return .max
        default: return nil
        }
    }

    /// Accounts for `n` body bytes taken straight from the wire (at most `directBytesAllowed`).
    mutating func consumeDirect(_ n: Int) {
        decoded += Int64(n)
        switch state {
        case .length(let r): state = r == Int64(n) ? .done : .length(r - Int64(n))
        case .chunkData(let r): state = r == Int64(n) ? .chunkDataEnd : .chunkData(r - Int64(n))
        default: break
        }
    }

    /// The longest chunk-size line (size and extensions, before its LF) accepted.
    static let maxChunkLineBytes = 4096

    private static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParserError) -> Int64 {
        var size: Int64 = 0
        var digits = 0
        var i = line.startIndex
        while i < line.endIndex, let d = HTTPSyntax.hexDigit(line[i]) {
            guard digits < 15 else { throw HTTPParserError.invalidChunkSize.with("too many digits") }
            size = size << 4 | Int64(d)
            digits += 1
            i += 1
        }
        guard digits > 0 else { throw HTTPParserError.invalidChunkSize.with("no hex digits") }
        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
        var rest = line[i...]
        while let f = rest.first, f == HTTPSyntax.sp || f == HTTPSyntax.htab { rest.removeFirst() }
        if let f = rest.first {
            guard f == UInt8(ascii: ";") else { throw HTTPParserError.invalidChunkSize.with("junk after the size") }
            guard rest.allSatisfy({ $0 == HTTPSyntax.htab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPParserError.invalidChunkSize.with("control character in an extension")
            }
        }
        return size
    }
}
