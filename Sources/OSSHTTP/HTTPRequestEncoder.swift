/// Turns a request into HTTP/1.1 bytes (RFC 9112 §3, §6), after checking nothing unsafe can reach
/// the wire.
public enum HTTPRequestEncoder {
    /// How the encoder framed the body.
    public struct Framing: Sendable, Hashable {
        /// The body goes out with chunked transfer coding (`encodeChunkHeader` / `lastChunk`).
        public let chunked: Bool
        /// Body bytes to send (without chunk framing), when known.
        public let contentLength: Int64?
        /// `Expect: 100-continue` was added.
        public let expectContinue: Bool
    }

    /// Checks the method, target, host and every header field.
    /// - Throws: `HTTPValidationError` naming what is wrong (never echoing a header's value).
    public static func validate(_ request: HTTPRequest) throws(HTTPValidationError) {
        guard HTTPSyntax.isToken(request.method.rawValue) else {
            throw HTTPValidationError("the method is not a token")
        }
        guard !request.target.isEmpty else { throw HTTPValidationError("the request target is empty") }
        guard request.target.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw HTTPValidationError("the request target contains a space, CR, LF, NUL or another control character")
        }
        guard !request.endpoint.host.isEmpty,
            request.endpoint.host.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "/") })
        else { throw HTTPValidationError("the host is empty or contains a forbidden character") }
        for field in request.headers {
            guard HTTPSyntax.isToken(field.name) else {
                throw HTTPValidationError("header name '\(Self.printable(field.name))' is not a token")
            }
            guard HTTPSyntax.isValidFieldValue(field.value) else {
                throw HTTPValidationError("the value of header '\(field.name)' contains CR, LF, NUL or a control character")
            }
        }
        if request.headers.contains("Transfer-Encoding") {
            throw HTTPValidationError("Transfer-Encoding is set by the client, not by the caller")
        }
        let lengths = request.headers.values(for: "Content-Length")
        if !lengths.isEmpty {
            guard lengths.count == 1, let n = HTTPSyntax.parseDecimal(Array(lengths[0].utf8)) else {
                throw HTTPValidationError("bad Content-Length header")
            }
            if let known = request.body.length, known != n {
                throw HTTPValidationError("Content-Length \(n) but the body has \(known) bytes")
            }
        }
    }

    /// Validates and encodes the request line and header block.
    /// - Returns: the bytes, and how the body must be framed.
    public static func encodeHead(_ request: HTTPRequest) throws(HTTPValidationError) -> ([UInt8], Framing) {
        try validate(request)
        var out: [UInt8] = []
        out.reserveCapacity(256 + request.headers.count * 48)
        HTTPSyntax.append(request.method.rawValue, to: &out)
        out.append(HTTPSyntax.sp)
        HTTPSyntax.append(request.target, to: &out)
        HTTPSyntax.append(" HTTP/1.1\r\n", to: &out)
        if !request.headers.contains("Host") {
            appendField("Host", request.hostHeader, to: &out)
        }
        for field in request.headers {
            appendField(field.name, field.value, to: &out)
        }
        let userLength = request.headers.contains("Content-Length")
        let length = request.body.length
            ?? request.headers["Content-Length"].flatMap { HTTPSyntax.parseDecimal(Array($0.utf8)) }
        var chunked = false
        if let length {
            let expectsBody = length > 0 || ["PUT", "POST", "PATCH"].contains(request.method.rawValue)
            if expectsBody && !userLength { appendField("Content-Length", String(length), to: &out) }
        } else {
            chunked = true
            appendField("Transfer-Encoding", "chunked", to: &out)
        }
        let expect = request.expectContinue && (length ?? 1) > 0
        if expect && !request.headers.contains("Expect") { appendField("Expect", "100-continue", to: &out) }
        HTTPSyntax.appendCRLF(&out)
        return (out, Framing(chunked: chunked, contentLength: length, expectContinue: expect))
    }

    /// The line that starts a chunk of `size` bytes (RFC 9112 §7.1): hex size and CRLF.
    public static func encodeChunkHeader(_ size: Int) -> [UInt8] {
        Array((HTTPSyntax.hex(size) + "\r\n").utf8)
    }

    /// The CRLF after a chunk's data.
    public static let chunkEnd: [UInt8] = [13, 10]

    /// `data` framed as one chunk: its size line, the data, CRLF.
    public static func encodeChunk(_ data: [UInt8]) -> [UInt8] {
        var framed = encodeChunkHeader(data.count)
        framed.reserveCapacity(framed.count + data.count + chunkEnd.count)
        framed.append(contentsOf: data)
        framed.append(contentsOf: chunkEnd)
        return framed
    }

    /// The last chunk and an empty trailer section.
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        HTTPSyntax.append(name, to: &out)
        out.append(HTTPSyntax.colon)
        out.append(HTTPSyntax.sp)
        HTTPSyntax.append(value, to: &out)
        HTTPSyntax.appendCRLF(&out)
    }

    static func printable(_ s: String) -> String {
        String(decoding: s.utf8.prefix(40).map { ($0 >= 0x20 && $0 < 0x7F) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
