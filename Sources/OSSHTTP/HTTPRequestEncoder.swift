import OSSCore

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
        /// The caller's headers hold a `Connection` field (whether it says `close` is looked up
        /// only then, once the exchange is over).
        let hasConnectionField: Bool

        init(chunked: Bool, contentLength: Int64?, expectContinue: Bool, hasConnectionField: Bool) {
            self.chunked = chunked
            self.contentLength = contentLength
            self.expectContinue = expectContinue
            self.hasConnectionField = hasConnectionField
        }
    }

    /// Checks the method, target, host and every header field.
    /// - Throws: `HTTPValidationError` naming what is wrong (never echoing a header's value).
    public static func validate(_ request: HTTPRequest) throws(HTTPValidationError) {
        _ = try scan(request)
    }

    /// What the caller's headers already hold, found by `scan` in the pass that validates them.
    struct Present {
        var host = false
        var expect = false
        var connection = false
        /// The `Content-Length` value, when one was given.
        var contentLength: Int64? = nil
    }

    /// Validates the request in one pass over its headers, noting the fields the encoder adds when
    /// absent (every request's head goes through here: one pass, not one per field looked up).
    static func scan(_ request: HTTPRequest) throws(HTTPValidationError) -> Present {
        guard HTTPSyntax.isToken(request.method.rawValue) else {
            throw HTTPValidationError("the method is not a token")
        }
        guard !request.target.isEmpty else { throw HTTPValidationError("the request target is empty") }
        guard ByteScan.allIn(request.target, .target) else {
            throw HTTPValidationError("the request target contains a space, CR, LF, NUL or another control character")
        }
        guard !request.endpoint.host.isEmpty,
            ByteScan.allSatisfy(request.endpoint.host, { $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "/") })
        else { throw HTTPValidationError("the host is empty or contains a forbidden character") }
        var present = Present()
        var lengths = 0
        for field in request.headers {
            guard HTTPSyntax.isToken(field.name) else {
                throw HTTPValidationError("header name '\(Self.printable(field.name))' is not a token")
            }
            guard HTTPSyntax.isValidFieldValue(field.value) else {
                throw HTTPValidationError("the value of header '\(field.name)' contains CR, LF, NUL or a control character")
            }
            // Dispatch on the length first: most names are none of these four.
            switch field.name.utf8.count {
            case 4 where HTTPHeaders.equalNames(field.name, "Host"):
                present.host = true
            case 6 where HTTPHeaders.equalNames(field.name, "Expect"):
                present.expect = true
            case 10 where HTTPHeaders.equalNames(field.name, "Connection"):
                present.connection = true
            case 14 where HTTPHeaders.equalNames(field.name, "Content-Length"):
                lengths += 1
                guard lengths == 1, let n = HTTPSyntax.parseDecimal(Array(field.value.utf8)) else {
                    throw HTTPValidationError("bad Content-Length header")
                }
                present.contentLength = n
            case 17 where HTTPHeaders.equalNames(field.name, "Transfer-Encoding"):
                throw HTTPValidationError("Transfer-Encoding is set by the client, not by the caller")
            default:
                break
            }
        }
        if let n = present.contentLength, let known = request.body.length, known != n {
            throw HTTPValidationError("Content-Length \(n) but the body has \(known) bytes")
        }
        return present
    }

    /// Validates and encodes the request line and header block.
    /// - Returns: the bytes, and how the body must be framed.
    public static func encodeHead(_ request: HTTPRequest) throws(HTTPValidationError) -> ([UInt8], Framing) {
        let present = try scan(request)
        var out: [UInt8] = []
        out.reserveCapacity(
            request.headers.reduce(64 + request.target.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        HTTPSyntax.append(request.method.rawValue, to: &out)
        out.append(HTTPSyntax.sp)
        HTTPSyntax.append(request.target, to: &out)
        HTTPSyntax.append(" HTTP/1.1\r\n", to: &out)
        if !present.host {
            appendField("Host", request.hostHeader, to: &out)
        }
        for field in request.headers {
            appendField(field.name, field.value, to: &out)
        }
        let userLength = present.contentLength != nil
        let length = request.body.length ?? present.contentLength
        var chunked = false
        if let length {
            let expectsBody = length > 0 || ["PUT", "POST", "PATCH"].contains(request.method.rawValue)
            if expectsBody && !userLength { appendContentLength(length, to: &out) }
        } else {
            chunked = true
            appendField("Transfer-Encoding", "chunked", to: &out)
        }
        let expect = request.expectContinue && (length ?? 1) > 0
        if expect && !present.expect { appendField("Expect", "100-continue", to: &out) }
        HTTPSyntax.appendCRLF(&out)
        return (
            out,
            Framing(chunked: chunked, contentLength: length, expectContinue: expect, hasConnectionField: present.connection)
        )
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

    /// `Content-Length: <n>` and CRLF, the digits written straight into `out` (`String(n)`
    /// allocated a string for every request with a body).
    static func appendContentLength(_ n: Int64, to out: inout [UInt8]) {
        HTTPSyntax.append("Content-Length: ", to: &out)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { d in  // Int64.max has 19 digits
            var v = UInt64(max(0, n))
            var i = d.count
            repeat {
                i -= 1
                d[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            out.append(contentsOf: d[i...])
        }
        HTTPSyntax.appendCRLF(&out)
    }

    static func printable(_ s: String) -> String {
        String(decoding: s.utf8.prefix(40).map { ($0 >= 0x20 && $0 < 0x7F) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
