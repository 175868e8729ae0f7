import OSSCore

/// A request as a server received it: the raw request target (path and query string exactly as
/// sent) and the headers. What `SignatureVerifier` checks.
public struct ReceivedRequest: Sendable {
    /// The method.
    public var method: String
    /// The request target, `/path?query`, still percent-encoded.
    public var target: String
    /// The headers as received.
    public var headers: [(name: String, value: String)]
    /// The bucket named by the `Host` header (virtual-hosted addressing), or `nil` when the
    /// bucket is the first path segment (path-style).
    public var virtualHostBucket: String?

    public init(
        method: String, target: String, headers: [(name: String, value: String)], virtualHostBucket: String? = nil
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.virtualHostBucket = virtualHostBucket
    }

    /// The decoded query parameters of the target, in order (`nil` value for a bare name);
    /// `nil` when an escape is malformed.
    public var query: [(name: String, value: String?)]? {
        guard let q = target.firstIndex(of: "?") else { return [] }
        var items: [(name: String, value: String?)] = []
        for part in target[target.index(after: q)...].split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                guard let name = PercentEncoding.decode(part[..<eq], plusAsSpace: true),
                    let value = PercentEncoding.decode(part[part.index(after: eq)...], plusAsSpace: true)
                else { return nil }
                items.append((name, value))
            } else {
                guard let name = PercentEncoding.decode(part, plusAsSpace: true) else { return nil }
                items.append((name, nil))
            }
        }
        return items
    }

    /// The bucket and key the target addresses (keys are kept literally: `//`, `.`, `..` are
    /// never normalised); `nil` when the path is not absolute or an escape is malformed.
    public var resource: (bucket: String?, key: String?)? {
        let path = target.firstIndex(of: "?").map { target[..<$0] } ?? target[...]
        guard path.hasPrefix("/"), let decoded = PercentEncoding.decode(path, plusAsSpace: false) else { return nil }
        let rest = decoded.dropFirst()
        if let virtualHostBucket {
            return (virtualHostBucket, rest.isEmpty ? nil : String(rest))
        }
        if rest.isEmpty { return (nil, nil) }
        guard let slash = rest.firstIndex(of: "/") else { return (String(rest), nil) }
        let key = rest[rest.index(after: slash)...]
        return (String(rest[..<slash]), key.isEmpty ? nil : String(key))
    }

    /// The signing description of this request, or `nil` when the target is malformed.
    public var signingRequest: SigningRequest? {
        guard let resource, let query else { return nil }
        return SigningRequest(
            method: method, bucket: resource.bucket, key: resource.key, query: query, headers: headers)
    }
}
