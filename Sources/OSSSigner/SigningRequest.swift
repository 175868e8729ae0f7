import OSSCore

/// What a signer needs to know about one request: no body, no connection, no host.
///
/// `bucket` and `key` are raw (not percent-encoded); `query` holds decoded names and values
/// (`nil` for a bare name such as `?uploads`); header names keep the caller's case and are
/// matched case-insensitively.
public struct SigningRequest: Sendable {
    /// The HTTP method, upper-case (`GET`, `PUT`, ...).
    public var method: String
    /// The bucket, or `nil` for a service-level request (ListBuckets).
    public var bucket: String?
    /// The object key, or `nil` for a bucket-level request.
    public var key: String?
    /// Decoded query parameters in the order they are sent.
    public var query: [(name: String, value: String?)]
    /// Request headers, in the order they are sent.
    public var headers: [(name: String, value: String)]

    public init(
        method: String, bucket: String? = nil, key: String? = nil,
        query: [(name: String, value: String?)] = [], headers: [(name: String, value: String)] = []
    ) {
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
    }

    /// The values of a header (case-insensitive name), trimmed and joined with `,`, or `nil`.
    public func header(_ name: String) -> String? {
        let values = headers.filter { ASCIICase.equal($0.name, name) }.map { ASCIISpace.trimmed($0.value) }
        return values.isEmpty ? nil : values.joined(separator: ",")
    }

    /// The first value of a query parameter (`""` for a bare name), or `nil` when absent.
    public func queryValue(_ name: String) -> String? {
        guard let item = query.first(where: { $0.name == name }) else { return nil }
        return item.value ?? ""
    }

    /// This request with headers set: each replaces every header of the same name (any case).
    public func settingHeaders(_ newHeaders: [(name: String, value: String)]) -> SigningRequest {
        // Field names are ASCII tokens (`validate()`): compared without case, nothing lower-cased.
        var copy = self
        copy.headers.removeAll { old in newHeaders.contains { ASCIICase.equal(old.name, $0.name) } }
        // A name given twice: its last value, as if each replaced the one before.
        for (i, h) in newHeaders.enumerated()
        where !newHeaders[(i + 1)...].contains(where: { ASCIICase.equal($0.name, h.name) }) {
            copy.headers.append(h)
        }
        return copy
    }

    /// The canonical URI path `/bucket/key` (raw), as both versions start from.
    var resourcePath: String {
        var path = "/"
        if let bucket {
            path += bucket + "/"
        }
        if let key { path += key }
        return path
    }

    /// The request path as sent on the wire for path-style addressing (`/bucket/key`), or for
    /// virtual-hosted addressing (`/key`), percent-encoded keeping unreserved characters and `/`.
    public func encodedPath(pathStyle: Bool) -> String {
        var raw = "/"
        if pathStyle, let bucket {
            raw += bucket
            if key != nil { raw += "/" }
        }
        if let key { raw += key }
        return URIEncoding.encode(raw, keepSlash: true)
    }

    /// The encoded query string (no `?`), names sorted bytewise, empty values as bare names.
    public var encodedQuery: String { URIEncoding.canonicalQuery(query) }

    /// The HTTP request target: the encoded path, then `?` and the encoded query when there is one.
    public func requestTarget(pathStyle: Bool) -> String {
        let qs = encodedQuery
        return encodedPath(pathStyle: pathStyle) + (qs.isEmpty ? "" : "?" + qs)
    }

    /// Throws when any part of the request cannot go on the wire safely.
    func validate() throws {
        guard HTTPToken.isToken(method) else {
            throw SigningError.invalidInput("the method is not an HTTP token")
        }
        if let bucket {
            guard !bucket.isEmpty else { throw SigningError.invalidInput("the bucket name is empty") }
            guard !ByteScan.hasLineBreak(bucket) else {
                throw SigningError.invalidInput("the bucket name contains CR, LF or NUL")
            }
            // A bucket is one host label or path segment: `/`, `?`, `#`, `@`, `:` or spaces would
            // change which resource the URL names.
            guard ByteScan.allSatisfy(bucket, SigningRequest.isBucketByte) else {
                throw SigningError.invalidInput(
                    "the bucket name '\(SigningRequest.printable(bucket))' may only hold letters, digits, '-', '_' and '.'")
            }
        }
        if let key, ByteScan.hasLineBreak(key) {
            throw SigningError.invalidInput("the object key contains CR, LF or NUL")
        }
        for item in query {
            if ByteScan.hasLineBreak(item.name) || item.value.map(ByteScan.hasLineBreak) == true {
                throw SigningError.invalidInput(
                    "the query parameter '\(SigningRequest.printable(item.name))' contains CR, LF or NUL")
            }
        }
        for h in headers {
            guard HTTPToken.isToken(h.name) else {
                throw SigningError.invalidInput(
                    "the header name '\(SigningRequest.printable(h.name))' is not an HTTP token")
            }
            if ByteScan.hasLineBreak(h.value) {
                throw SigningError.invalidInput("the value of header '\(h.name)' contains CR, LF or NUL")
            }
        }
    }

    // MARK: Helpers

    static func isBucketByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    /// A name with control bytes shown as `\r`, `\n`, for messages.
    static func printable(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

/// URI encoding as both OSS signers use it: every byte but `A-Z a-z 0-9 - . _ ~` (and `/` in
/// paths) becomes `%XX`, upper-case.
enum URIEncoding {
    static func encode(_ s: String, keepSlash: Bool) -> String {
        PercentEncoding.encode(s, allowed: keepSlash ? .unreservedAndSlash : .unreserved)
    }

    /// The canonical query of V4, also the query string presigned URLs carry: every name and
    /// value encoded, pairs sorted bytewise by encoded name (then value), an empty or absent
    /// value written as the bare name.
    static func canonicalQuery(_ query: [(name: String, value: String?)]) -> String {
        let encoded = query.map { (encode($0.name, keepSlash: false), encode($0.value ?? "", keepSlash: false)) }
        let sorted = encoded.sorted { a, b in
            a.0 != b.0
                ? Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8))
                : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }
        return sorted.map { $0.1.isEmpty ? $0.0 : $0.0 + "=" + $0.1 }.joined(separator: "&")
    }
}
