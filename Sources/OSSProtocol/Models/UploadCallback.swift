import OSSCore

/// An upload callback (`x-oss-callback`, `x-oss-callback-var`): after PutObject or
/// CompleteMultipartUpload stored the object, OSS POSTs `body` (its `${bucket}`, `${object}`,
/// `${etag}`, `${size}`, `${mimeType}` and `${x:name}` replaced) to `url`, and answers the upload
/// with the callback server's answer. When the callback fails, OSS answers 203 `CallbackFailed`:
/// the object is stored all the same.
public struct UploadCallback: Sendable, Hashable {
    /// `callbackUrl`: one URL, or up to five separated by `;` (tried in order), `http://` or `https://`.
    public var url: String
    /// `callbackBody`, with `${...}` variables.
    public var body: String
    /// `callbackBodyType`: `application/x-www-form-urlencoded` (OSS's default) or `application/json`.
    public var bodyType: String?
    /// `callbackHost`: the `Host` of the callback request (the URL's host when `nil`).
    public var host: String?
    /// `callbackSNI`: send SNI to an `https://` callback URL.
    public var sni: Bool?
    /// Custom variables (`x-oss-callback-var`), named `x:lower-case-name`, used as `${x:name}`.
    public var variables: [String: String]

    public static let formBodyType = "application/x-www-form-urlencoded"
    public static let jsonBodyType = "application/json"

    public init(
        url: String, body: String, bodyType: String? = nil, host: String? = nil, sni: Bool? = nil,
        variables: [String: String] = [:]
    ) {
        self.url = url
        self.body = body
        self.bodyType = bodyType
        self.host = host
        self.sni = sni
        self.variables = variables
    }

    /// OSS's rules: a URL (each of at most five, http or https), a body, a body type OSS knows,
    /// variable names starting with `x:` in lower case, no control characters.
    public func validate() throws(ValidationError) {
        let urls = url.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingSpacesAndTabs }
        guard !url.isEmpty, !urls.contains(where: \.isEmpty) else {
            throw ValidationError("the upload callback needs a callbackUrl")
        }
        guard urls.count <= 5 else { throw ValidationError("the upload callback takes at most 5 URLs, not \(urls.count)") }
        for u in urls {
            let lower = u.lowercased()
            guard (lower.hasPrefix("http://") && lower.count > 7) || (lower.hasPrefix("https://") && lower.count > 8) else {
                throw ValidationError("callback URL \(Validation.quoted(u)) is not an http:// or https:// URL")
            }
            try Validation.checkParameter(u, name: "callbackUrl")
        }
        guard !body.isEmpty else { throw ValidationError("the upload callback needs a callbackBody") }
        if let bodyType, bodyType != UploadCallback.formBodyType, bodyType != UploadCallback.jsonBodyType {
            throw ValidationError(
                "callbackBodyType \(Validation.quoted(bodyType)) is neither \(UploadCallback.formBodyType) nor \(UploadCallback.jsonBodyType)")
        }
        if let host {
            guard !host.isEmpty else { throw ValidationError("the callbackHost is empty") }
            try Validation.checkHeaderValue(host, name: "callbackHost")
        }
        for (name, value) in variables {
            guard name.hasPrefix("x:"), name.count > 2, name == name.lowercased() else {
                throw ValidationError(
                    "callback variable \(Validation.quoted(name)) must start with x: and be lower case")
            }
            try Validation.checkParameter(value, name: name)
        }
    }

    /// The JSON of `x-oss-callback` (before base64).
    public var json: String {
        var fields = [("callbackUrl", JSONString.quoted(url)), ("callbackBody", JSONString.quoted(body))]
        if let bodyType { fields.append(("callbackBodyType", JSONString.quoted(bodyType))) }
        if let host { fields.append(("callbackHost", JSONString.quoted(host))) }
        if let sni { fields.append(("callbackSNI", sni ? "true" : "false")) }
        return "{" + fields.map { JSONString.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// The request headers: `x-oss-callback`, and `x-oss-callback-var` when there are variables.
    public var headers: [(String, String)] {
        var out = [(UploadCallback.header, Base64.encode(Array(json.utf8)))]
        if !variables.isEmpty {
            let text =
                "{"
                + variables.sorted { $0.key < $1.key }.map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }
                .joined(separator: ",") + "}"
            out.append((UploadCallback.variablesHeader, Base64.encode(Array(text.utf8))))
        }
        return out
    }

    public static let header = "x-oss-callback"
    public static let variablesHeader = "x-oss-callback-var"

    /// Reads the headers a request carries (the mock's side).
    /// - Throws: `ValidationError` when either is not base64 of a JSON object of the right
    ///   shape, or the callback breaks ``validate()``.
    public init(header: String, variablesHeader: String?) throws(ValidationError) {
        guard let bytes = Base64.decode(header.trimmingSpacesAndTabs),
            let object = FlatJSON.parse(String(decoding: bytes, as: UTF8.self))
        else { throw ValidationError("the callback is not base64-encoded JSON") }
        func string(_ name: String) throws(ValidationError) -> String? {
            guard let v = object[name] else { return nil }
            guard case .string(let s) = v else { throw ValidationError("the callback's \(name) is not a string") }
            return s
        }
        url = try string("callbackUrl") ?? ""
        body = try string("callbackBody") ?? ""
        bodyType = try string("callbackBodyType")
        host = try string("callbackHost")
        switch object["callbackSNI"] {
        case nil: sni = nil
        case .bool(let b): sni = b
        default: throw ValidationError("the callback's callbackSNI is not true or false")
        }
        variables = [:]
        if let variablesHeader {
            guard let bytes = Base64.decode(variablesHeader.trimmingSpacesAndTabs),
                let vars = FlatJSON.parse(String(decoding: bytes, as: UTF8.self))
            else { throw ValidationError("the callback variables are not base64-encoded JSON") }
            for (k, v) in vars {
                guard case .string(let s) = v else { throw ValidationError("callback variable \(k) is not a string") }
                variables[k] = s
            }
        }
        try validate()
    }
}

/// A JSON object of strings and booleans (what upload callbacks hold), without Foundation.
package enum FlatJSON {
    package enum Value: Sendable, Hashable {
        case string(String)
        case bool(Bool)
        case number(String)
        case null
    }

    /// The members of a JSON object whose values are strings, numbers, booleans or null;
    /// `nil` for anything else (nested values included).
    package static func parse(_ text: String) -> [String: Value]? {
        var p = Parser(bytes: Array(text.utf8))
        return p.object()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skip() { while i < bytes.count, [9, 10, 13, 32].contains(bytes[i]) { i += 1 } }

        mutating func object() -> [String: Value]? {
            skip()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var out: [String: Value] = [:]
            skip()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                i += 1
                skip()
                return i == bytes.count ? out : nil
            }
            while true {
                skip()
                guard let key = string() else { return nil }
                skip()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skip()
                guard let v = value() else { return nil }
                out[key] = v
                skip()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard bytes[i] == UInt8(ascii: "}") else { return nil }
                i += 1
                skip()
                return i == bytes.count ? out : nil
            }
        }

        mutating func value() -> Value? {
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default:
                let start = i
                while i < bytes.count, (bytes[i] >= 48 && bytes[i] <= 57) || [43, 45, 46, 69, 101].contains(bytes[i]) {
                    i += 1
                }
                return i > start ? .number(String(decoding: bytes[start..<i], as: UTF8.self)) : nil
            }
        }

        mutating func literal(_ word: String, _ v: Value) -> Value? {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return nil }
            i += w.count
            return v
        }

        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c < 0x20 { return nil }
                guard c == UInt8(ascii: "\\") else {
                    out.append(c)
                    continue
                }
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            return nil
                        }
                        i += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                i += 1
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 65...70: d = c - 55
                case 97...102: d = c - 87
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpacesAndTabs: String {
        let u = Array(self.utf8)
        var lo = 0
        var hi = u.count
        while lo < hi, u[lo] == 32 || u[lo] == 9 { lo += 1 }
        while hi > lo, u[hi - 1] == 32 || u[hi - 1] == 9 { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}
