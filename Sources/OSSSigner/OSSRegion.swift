/// Region names as OSS endpoints carry them.
public enum OSSRegion {
    /// The region of an `oss-<region>.aliyuncs.com` endpoint host (also with `-internal`, a
    /// bucket label in front, or a `:port`), or `nil` for any other host (an IP address, a custom
    /// domain, the global acceleration endpoints).
    /// - Parameter endpointHost: `oss-cn-hangzhou.aliyuncs.com`,
    ///   `bucket.oss-cn-hangzhou-internal.aliyuncs.com:443`, ...
    /// - Returns: `cn-hangzhou`, or `nil`.
    public static func from(endpointHost: String) -> String? {
        var host = endpointHost.lowercased()
        if host.hasPrefix("[") { return nil }  // IPv6 literal
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        if host.hasSuffix(".") { host.removeLast() }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 3, labels[labels.count - 2] == "aliyuncs", labels[labels.count - 1] == "com" else {
            return nil
        }
        let label = labels[labels.count - 3]
        guard label.hasPrefix("oss-") else { return nil }
        var region = String(label.dropFirst(4))
        if region.hasSuffix("-internal") { region = String(region.dropLast(9)) }
        if region == "accelerate" || region == "accelerate-overseas" || region.isEmpty { return nil }
        return region
    }
}
