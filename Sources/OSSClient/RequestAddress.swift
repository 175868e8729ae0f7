import OSSCore

/// Where one request goes: the host to connect to, the `Host` header, and the encoded path and
/// query of the request target.
package struct RequestAddress: Sendable, Hashable {
    /// The host name or IP to connect to (for virtual-hosted requests, `bucket.endpoint-host`).
    package var host: String
    package var port: Int
    package var isTLS: Bool
    /// The `Host` header value (with the port only when the endpoint wrote one).
    package var hostHeader: String
    /// The percent-encoded path, starting with `/`.
    package var path: String
    /// The encoded query string without `?` (empty for none).
    package var query: String

    /// `path?query`, the origin-form request target (RFC 9112 §3.2.1).
    package var target: String { query.isEmpty ? path : path + "?" + query }

    /// `http[s]://host[:port]/path?query`, the absolute form (for proxies and presigned URLs).
    package var url: String { "\(isTLS ? "https" : "http")://\(hostHeader)\(target)" }

    /// Builds the address of a request.
    /// - Parameters:
    ///   - endpoint: the configured endpoint.
    ///   - addressing: the effective addressing style.
    ///   - bucket: the bucket, or `nil` for service-level requests (ListBuckets).
    ///   - key: the object key, or `nil` for bucket-level requests.
    ///   - query: parameters in order; a `nil` value is written as the bare name (`?uploads`).
    package init(
        endpoint: OSSEndpoint, addressing: OSSClientConfiguration.Addressing, bucket: String?, key: String?,
        query: [(String, String?)] = []
    ) {
        port = endpoint.port
        isTLS = endpoint.isTLS
        let encodedKey = key.map { PercentEncoding.encode($0, allowed: .unreservedAndSlash) } ?? ""
        switch (bucket, addressing.style) {
        case (nil, _), (_, .customDomain):
            host = endpoint.host
            path = "/" + encodedKey
        case (let bucket?, .virtualHosted):
            host = bucket + "." + endpoint.host
            path = "/" + encodedKey
        case (let bucket?, .path):
            host = endpoint.host
            path = "/" + bucket + "/" + encodedKey
        }
        hostHeader = endpoint.hostHeader(for: host)
        self.query = RequestAddress.encodeQuery(query)
    }

    /// `a=1&b&c=x%20y`: names and values percent-encoded (unreserved kept), in the order given.
    package static func encodeQuery(_ query: [(String, String?)]) -> String {
        if query.isEmpty { return "" }  // most object requests: no array, no join
        var parts: [String] = []
        parts.reserveCapacity(query.count)
        for (name, value) in query {
            let n = PercentEncoding.encode(name)
            if let value {
                parts.append(n + "=" + PercentEncoding.encode(value))
            } else {
                parts.append(n)
            }
        }
        return parts.joined(separator: "&")
    }
}
