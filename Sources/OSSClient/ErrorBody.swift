import OSSCore
import OSSProtocol

/// Decodes OSS error answers: the `<Error>` XML body, or for HEAD (which has no body) the
/// base64 XML in the `x-oss-err` header.
enum ErrorBody {
    /// The service error for a non-2xx answer.
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - header: looks a response header up by name (case-insensitive).
    ///   - body: the response body (empty for HEAD).
    static func serviceError(status: Int, header: (String) -> String?, body: [UInt8]) -> OSSServiceError {
        var fields: [String: String]? = nil
        if !body.isEmpty { fields = FlatXML.children(of: "Error", in: body) }
        if fields == nil, let encoded = header(OSSHeader.errorDocument), let xml = Base64.decode(encoded.trimmingWhitespace()) {
            fields = FlatXML.children(of: "Error", in: xml)
        }
        var f = fields ?? [:]
        let code = f.removeValue(forKey: "Code") ?? OSSErrorCode.forStatus(status)
        var message = f.removeValue(forKey: "Message") ?? ""
        if fields == nil && message.isEmpty {
            message = body.isEmpty ? "no error details in the response" : "the error body is not OSS error XML"
        }
        let requestId = f.removeValue(forKey: "RequestId") ?? header(OSSHeader.requestId) ?? ""
        let hostId = f.removeValue(forKey: "HostId") ?? ""
        let ec = f.removeValue(forKey: "EC") ?? header(OSSHeader.ec) ?? ""
        // Issue 16 versioning: a read whose key's latest version is a delete marker says so in headers.
        if header("x-oss-delete-marker") == "true" {
            f["DeleteMarker"] = "true"
            if let v = header(OSSHeader.versionId) { f["DeleteMarkerVersionId"] = v }
        }
        return OSSServiceError(
            statusCode: status, code: code, message: message, requestId: requestId, hostId: hostId, ec: ec, fields: f)
    }
}

/// Reads a flat XML document (a root whose children hold text), enough for OSS error bodies even
/// before the full XML reader is involved: the declaration, comments, CDATA, the predefined
/// entities and numeric references. Nested elements are skipped. No DTDs.
enum FlatXML {
    /// The text of each child of the root, by element name.
    /// - Returns: `nil` when the document is not well formed enough or the root is not `root`.
    static func children(of root: String, in bytes: [UInt8]) -> [String: String]? {
        var p = Parser(bytes: bytes)
        p.skipMisc()
        guard let name = p.openTag(), name.name == root else { return nil }
        if name.selfClosing { return [:] }
        var out: [String: String] = [:]
        while true {
            p.skipText()
            if p.peek("</") {
                guard p.closeTag() == root else { return nil }
                return out
            }
            if p.peek("<!--") {
                guard p.skipComment() else { return nil }
                continue
            }
            guard let child = p.openTag() else { return nil }
            if child.selfClosing {
                out[child.name] = ""
                continue
            }
            guard let text = p.textUntilClose(child.name) else { return nil }
            out[child.name] = text
        }
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        }

        func peek(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
        }

        mutating func skipSpace() {
            while i < bytes.count, [32, 9, 10, 13].contains(bytes[i]) { i += 1 }
        }

        mutating func skipText() {
            while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
        }

        mutating func skipUntil(_ s: String) -> Bool {
            let u = Array(s.utf8)
            while i + u.count <= bytes.count {
                if Array(bytes[i..<(i + u.count)]) == u {
                    i += u.count
                    return true
                }
                i += 1
            }
            return false
        }

        mutating func skipComment() -> Bool { skipUntil("-->") }

        /// Skips the declaration, processing instructions, comments and space before the root.
        mutating func skipMisc() {
            while true {
                skipSpace()
                if peek("<?") {
                    guard skipUntil("?>") else { return }
                } else if peek("<!--") {
                    guard skipComment() else { return }
                } else {
                    return
                }
            }
        }

        static func isNameChar(_ c: UInt8) -> Bool {
            !(c == 32 || c == 9 || c == 10 || c == 13 || c == UInt8(ascii: ">") || c == UInt8(ascii: "/")
                || c == UInt8(ascii: "<") || c == UInt8(ascii: "="))
        }

        /// `<name attr="v">` or `<name/>`; the name without a namespace prefix.
        mutating func openTag() -> (name: String, selfClosing: Bool)? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "<"), !peek("</"), !peek("<!") else { return nil }
            i += 1
            let start = i
            while i < bytes.count, Parser.isNameChar(bytes[i]) { i += 1 }
            guard i > start else { return nil }
            var name = String(decoding: bytes[start..<i], as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            // Attributes are skipped, quotes respected.
            var quote: UInt8? = nil
            while i < bytes.count {
                let c = bytes[i]
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == UInt8(ascii: ">") {
                    let selfClosing = bytes[i - 1] == UInt8(ascii: "/")
                    i += 1
                    return (name, selfClosing)
                }
                i += 1
            }
            return nil
        }

        mutating func closeTag() -> String? {
            guard peek("</") else { return nil }
            i += 2
            let start = i
            while i < bytes.count, Parser.isNameChar(bytes[i]) { i += 1 }
            var name = String(decoding: bytes[start..<i], as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { return nil }
            i += 1
            return name
        }

        /// The decoded text up to `</name>`; nested elements are skipped with their text.
        mutating func textUntilClose(_ name: String) -> String? {
            var out: [UInt8] = []
            var depth = 0
            while i < bytes.count {
                if peek("<![CDATA[") {
                    i += 9
                    let start = i
                    guard skipUntil("]]>") else { return nil }
                    if depth == 0 { out.append(contentsOf: bytes[start..<(i - 3)]) }
                } else if peek("<!--") {
                    guard skipComment() else { return nil }
                } else if peek("</") {
                    guard let closed = closeTag() else { return nil }
                    if depth == 0 { return closed == name ? String(decoding: out, as: UTF8.self) : nil }
                    depth -= 1
                } else if bytes[i] == UInt8(ascii: "<") {
                    guard let t = openTag() else { return nil }
                    if !t.selfClosing { depth += 1 }
                } else if bytes[i] == UInt8(ascii: "&") {
                    guard let end = bytes[i...].firstIndex(of: UInt8(ascii: ";")), end - i <= 12 else { return nil }
                    let entity = String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
                    guard let scalar = Parser.entity(entity) else { return nil }
                    if depth == 0 { out.append(contentsOf: String(Character(scalar)).utf8) }
                    i = end + 1
                } else {
                    if depth == 0 { out.append(bytes[i]) }
                    i += 1
                }
            }
            return nil
        }

        static func entity(_ e: String) -> Unicode.Scalar? {
            switch e {
            case "lt": return "<"
            case "gt": return ">"
            case "amp": return "&"
            case "quot": return "\""
            case "apos": return "'"
            default:
                guard e.hasPrefix("#") else { return nil }
                let digits = e.dropFirst()
                let value = digits.hasPrefix("x") || digits.hasPrefix("X")
                    ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                return value.flatMap(Unicode.Scalar.init)
            }
        }
    }
}
