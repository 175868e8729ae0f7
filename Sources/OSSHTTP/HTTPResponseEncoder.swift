/// Turns a response head into HTTP/1.1 bytes for the server side (RFC 9112 §4, §6).
package enum HTTPResponseEncoder {
    /// Encodes the status line and headers.
    /// - Parameters:
    ///   - head: status, reason (a standard one when empty) and headers.
    ///   - bodyLength: the body's length; `nil` sends the body chunked. Ignored for 1xx, 204 and 304,
    ///     which never have a body; for a response to HEAD pass the length the GET would have.
    /// - Returns: the bytes, and whether the body must be chunked.
    package static func encodeHead(_ head: HTTPResponseHead, bodyLength: Int64?) -> (bytes: [UInt8], chunked: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(128 + head.headers.count * 48)
        HTTPSyntax.append("HTTP/1.1 \(head.status) ", to: &out)
        HTTPSyntax.append(head.reason.isEmpty ? reasonPhrase(head.status) : head.reason, to: &out)
        HTTPSyntax.appendCRLF(&out)
        var headers = head.headers
        let noBody = head.status < 200 || head.status == 204 || head.status == 304
        var chunked = false
        if !noBody {
            headers.remove(name: "Transfer-Encoding")
            if let bodyLength {
                headers["Content-Length"] = String(bodyLength)
            } else {
                headers.remove(name: "Content-Length")
                headers.add(name: "Transfer-Encoding", value: "chunked")
                chunked = true
            }
        }
        for field in headers
        where HTTPSyntax.isToken(field.name) && HTTPSyntax.isValidFieldValue(field.value) {
            HTTPRequestEncoder.appendField(field.name, field.value, to: &out)
        }
        HTTPSyntax.appendCRLF(&out)
        return (out, chunked)
    }

    /// The usual reason phrase of a status code (RFC 9110 §15).
    package static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status \(status)"
        }
    }
}
