import OSSCore
import OSSProtocol

/// One HTTP request as the mock OSS sees it: the request line, the headers, and the bucket and
/// object key resolved from the `Host` header (virtual-hosted style) or the path (path style).
public struct MockRequest: Sendable {
    /// The method, upper-case as sent (`GET`, `PUT`, ...).
    public var method: String
    /// The request-target exactly as sent (origin form: `/bucket/key?uploads`).
    public var target: String
    /// The path part of the target, still percent-encoded.
    public var rawPath: String
    /// The query part of the target without the `?`, still percent-encoded.
    public var rawQuery: String
    /// Query parameters in order, decoded; a parameter without `=` has a `nil` value.
    public var query: [(name: String, value: String?)]
    /// Header fields in order, names as sent.
    public var headers: [(name: String, value: String)]
    /// The bucket addressed, if any.
    public var bucket: String?
    /// The object key addressed (decoded), if any.
    public var key: String?
    /// Whether the bucket came from the `Host` header.
    public var virtualHosted: Bool

    /// Parses a request-target and resolves the bucket and key.
    /// - Parameters:
    ///   - method: the request method.
    ///   - target: the origin-form request-target (RFC 9112 §3.2.1); an absolute-form target is
    ///     reduced to its path and query.
    ///   - headers: the header fields.
    ///   - virtualHostDomains: domains under which `bucket.domain` names a bucket.
    public init(
        method: String, target: String, headers: [(name: String, value: String)],
        virtualHostDomains: [String] = MockServerConfiguration.defaultVirtualHostDomains
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        var t = Substring(target)
        // RFC 9112 §3.2.2 absolute-form: drop scheme and authority.
        if let r = t.firstRange(of: "://") {
            let rest = t[r.upperBound...]
            t = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let q = t.firstIndex(of: "?") {
            rawPath = String(t[..<q])
            rawQuery = String(t[t.index(after: q)...])
        } else {
            rawPath = String(t)
            rawQuery = ""
        }
        query = MockRequest.parseQuery(rawQuery)
        virtualHosted = false
        bucket = nil
        key = nil

        let path = PercentEncoding.decode(rawPath) ?? rawPath
        var hostName = ""
        if let host = headers.first(where: { ASCIICase.equal($0.name, "host") })?.value {
            hostName = MockRequest.stripPort(host).lowercased()
        }
        if let b = MockRequest.virtualHostBucket(hostName, domains: virtualHostDomains) {
            bucket = b
            virtualHosted = true
            let k = path.hasPrefix("/") ? String(path.dropFirst()) : path
            key = k.isEmpty ? nil : k
        } else {
            var p = Substring(path)
            if p.hasPrefix("/") { p = p.dropFirst() }
            if !p.isEmpty {
                if let slash = p.firstIndex(of: "/") {
                    bucket = String(p[..<slash])
                    let k = p[p.index(after: slash)...]
                    key = k.isEmpty ? nil : String(k)
                } else {
                    bucket = String(p)
                }
            }
        }
    }

    /// The last value of a header (case-insensitive name), or `nil`.
    public func header(_ name: String) -> String? {
        headers.last(where: { ASCIICase.equal($0.name, name) })?.value
    }

    /// Whether a query parameter is present (with or without a value).
    public func hasQuery(_ name: String) -> Bool {
        query.contains { $0.name == name }
    }

    /// The decoded value of a query parameter; `""` when present without a value.
    public func queryValue(_ name: String) -> String? {
        guard let item = query.first(where: { $0.name == name }) else { return nil }
        return item.value ?? ""
    }

    /// `x-oss-meta-*` headers, names lower-cased, in the order sent.
    public var userMetadata: [(name: String, value: String)] {
        headers.compactMap { h in
            let n = h.name.lowercased()
            return n.hasPrefix(OSSHeader.metadataPrefix) ? (n, h.value) : nil
        }
    }

    static func parseQuery(_ raw: String) -> [(name: String, value: String?)] {
        guard !raw.isEmpty else { return [] }
        return raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                let n = pair[..<eq]
                let v = pair[pair.index(after: eq)...]
                return (PercentEncoding.decode(n) ?? String(n), PercentEncoding.decode(v) ?? String(v))
            }
            return (PercentEncoding.decode(pair) ?? String(pair), nil)
        }
    }

    static func stripPort(_ host: String) -> String {
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { return String(host[host.index(after: host.startIndex)..<end]) }
            return host
        }
        if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            return String(host[..<colon])
        }
        return host
    }

    /// Whether `host` is an IPv4 or IPv6 address literal.
    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) }
    }

    /// The bucket named by a virtual-hosted-style host (`bucket.domain`), if any.
    static func virtualHostBucket(_ host: String, domains: [String]) -> String? {
        guard !host.isEmpty, !isIPAddress(host) else { return nil }
        for d in domains {
            let suffix = "." + d.lowercased()
            if host.hasSuffix(suffix) {
                let b = String(host.dropLast(suffix.count))
                if !b.isEmpty, !b.contains(".") { return b }
            }
        }
        // Any OSS-looking endpoint: bucket.oss-<region>.aliyuncs.com
        let labels = host.split(separator: ".")
        if labels.count >= 3, labels[1].hasPrefix("oss-") { return String(labels[0]) }
        return nil
    }
}
