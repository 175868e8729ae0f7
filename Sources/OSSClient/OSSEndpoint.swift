import OSSCore

/// A parsed OSS endpoint: scheme, host and port, with what can be read from the host name.
///
/// Accepts `https://oss-cn-hangzhou.aliyuncs.com`, `oss-cn-hangzhou.aliyuncs.com` (https),
/// `http://127.0.0.1:9000`, `http://[::1]:8080`. A path other than `/`, a query, a fragment or
/// user information is refused: they have no meaning for an endpoint.
public struct OSSEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `true` for https.
    public var isTLS: Bool
    /// The host name or IP literal (IPv6 without brackets), lower-cased.
    public var host: String
    /// The port (default 443 or 80 when not written).
    public var port: Int
    /// Whether the port was written explicitly (it then appears in the `Host` header).
    public var hasExplicitPort: Bool

    /// Parses an endpoint.
    /// - Parameter text: `[http://|https://]host[:port][/]`; no scheme means https (see
    ///   `hasScheme(_:)` to tell a user so). `http//host` is refused naming the missing `:`.
    /// - Throws: `OSSClientError` (`.invalidArgument`) naming what is wrong.
    public init(parsing text: String) throws {
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { throw OSSClientError.invalidArgument("the endpoint is empty") }
        if let r = rest.firstRange(of: "://") {
            let scheme = rest[..<r.lowerBound].lowercased()
            switch scheme {
            case "http": isTLS = false
            case "https": isTLS = true
            default: throw OSSClientError.invalidArgument("endpoint \(text): the scheme must be http or https, not \(scheme)")
            }
            rest = rest[r.upperBound...]
        } else {
            // `http//host`, `http:/host`: a scheme with its `:` or a `/` lost, which would
            // otherwise read as a host named http followed by a path.
            let lowered = rest.lowercased()
            for scheme in ["https", "http"] where lowered.hasPrefix(scheme + "//") || lowered.hasPrefix(scheme + ":/") {
                let host = lowered.dropFirst(scheme.count).drop(while: { $0 == ":" || $0 == "/" })
                let missing = lowered.hasPrefix(scheme + "//") ? "the ':' after \(scheme) is missing" : "a '/' is missing"
                throw OSSClientError.invalidArgument("endpoint \(text): \(missing): write \(scheme)://\(host)")
            }
            isTLS = true
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else {
                throw OSSClientError.invalidArgument("endpoint \(text): a path, query or fragment is not allowed")
            }
            rest = rest[..<slash]
        }
        guard !rest.contains("@"), !rest.contains("?"), !rest.contains("#") else {
            throw OSSClientError.invalidArgument("endpoint \(text): user information, a query or a fragment is not allowed")
        }
        var hostPart: Substring
        var portPart: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw OSSClientError.invalidArgument("endpoint \(text): unclosed [ in an IPv6 address")
            }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw OSSClientError.invalidArgument("endpoint \(text): unexpected text after the IPv6 address")
                }
                portPart = after.dropFirst()
            }
            guard IPAddress.isIPv6(hostPart) else {
                throw OSSClientError.invalidArgument("endpoint \(text): \(hostPart) is not an IPv6 address")
            }
        } else {
            if let colon = rest.lastIndex(of: ":") {
                hostPart = rest[..<colon]
                portPart = rest[rest.index(after: colon)...]
            } else {
                hostPart = rest
            }
        }
        guard !hostPart.isEmpty else { throw OSSClientError.invalidArgument("endpoint \(text): the host is empty") }
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else {
                throw OSSClientError.invalidArgument("endpoint \(text): the port must be 1...65535")
            }
            port = p
            hasExplicitPort = true
        } else {
            port = isTLS ? 443 : 80
            hasExplicitPort = false
        }
        if hostPart.hasSuffix(".") { hostPart = hostPart.dropLast() }
        let lowered = hostPart.lowercased()
        if !IPAddress.isIPv6(lowered) {
            guard OSSEndpoint.isValidHostName(lowered) || IPAddress.isIPv4(lowered) else {
                throw OSSClientError.invalidArgument("endpoint \(text): \(hostPart) is not a valid host name")
            }
        }
        host = lowered
    }

    /// An endpoint from its parts. A trailing dot (`oss-cn-hangzhou.aliyuncs.com.`) is dropped,
    /// as `init(parsing:)` drops it, so the `Host` header, SNI and certificate check agree.
    public init(host: String, port: Int? = nil, isTLS: Bool) {
        var h = host.lowercased()
        if h.count > 1, h.hasSuffix(".") { h.removeLast() }
        self.host = h
        self.isTLS = isTLS
        self.port = port ?? (isTLS ? 443 : 80)
        self.hasExplicitPort = port != nil
    }

    /// Whether the host is an IPv4 or IPv6 literal (such an endpoint implies path-style addressing).
    public var isIPAddress: Bool { IPAddress.isIPv4(host) || IPAddress.isIPv6(host) }

    /// Whether the endpoint implies path-style addressing: an IP literal or `localhost`, where a
    /// bucket name in front of the host (`bucket.127.0.0.1`, `bucket.localhost`) cannot resolve
    /// to the same server.
    public var impliesPathStyle: Bool { isIPAddress || host == "localhost" }

    /// Whether `text` names its scheme (`http://`, `https://`); without one `init(parsing:)`
    /// assumes https.
    public static func hasScheme(_ text: String) -> Bool {
        text.trimmingWhitespace().contains("://")
    }

    /// The region named by an OSS host: `oss-cn-hangzhou.aliyuncs.com`,
    /// `oss-cn-hangzhou-internal.aliyuncs.com` and `cn-hangzhou.oss.aliyuncs.com` give
    /// `cn-hangzhou`; acceleration endpoints and other hosts give `nil`.
    public var region: String? { OSSEndpoint.region(fromHost: host) }

    /// The region named by an OSS host name, or `nil`.
    public static func region(fromHost host: String) -> String? {
        let h = host.lowercased()
        let labels = h.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 3, labels[labels.count - 2] == "aliyuncs", labels[labels.count - 1] == "com" else {
            return nil
        }
        // <region>.oss.aliyuncs.com (the newer form)
        if labels.count >= 4, labels[labels.count - 3] == "oss" {
            let r = labels[labels.count - 4]
            return r.isEmpty ? nil : r
        }
        // oss-<region>[-internal].aliyuncs.com, possibly behind a bucket label
        let label = labels[labels.count - 3]
        guard label.hasPrefix("oss-") else { return nil }
        var r = String(label.dropFirst(4))
        if r.hasSuffix("-internal") { r = String(r.dropLast("-internal".count)) }
        if r.hasPrefix("accelerate") || r.isEmpty { return nil }
        return r
    }

    /// The `Host` header value for a host on this endpoint (the port only when written).
    func hostHeader(for hostName: String) -> String {
        // Only an IPv6 literal holds a colon (checked first: this runs for every request).
        let h = hostName.utf8.contains(UInt8(ascii: ":")) && IPAddress.isIPv6(hostName) ? "[\(hostName)]" : hostName
        return hasExplicitPort ? "\(h):\(port)" : h
    }

    /// `https://host[:port]`.
    public var description: String {
        "\(isTLS ? "https" : "http")://\(hostHeader(for: host))"
    }

    static func isValidHostName(_ h: some StringProtocol) -> Bool {
        guard !h.isEmpty, h.utf8.count <= 253 else { return false }
        for label in h.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63 else { return false }
            for c in label.utf8 {
                let ok =
                    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                    || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
                guard ok else { return false }
            }
        }
        return true
    }
}

/// Recognises IP address literals (no resolver involved).
enum IPAddress {
    /// Dotted-quad IPv4: four decimal numbers 0...255.
    static func isIPv4(_ s: some StringProtocol) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.utf8.count <= 3, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(p), v <= 255
            else { return false }
        }
        return true
    }

    /// IPv6 text form (RFC 4291 §2.2): eight hex groups, at most one `::`, an optional embedded
    /// IPv4 tail, an optional zone (`%eth0`).
    static func isIPv6(_ text: some StringProtocol) -> Bool {
        var s = Substring(text)
        if let pct = s.firstIndex(of: "%") { s = s[..<pct] }
        guard s.contains(":"), s.utf8.count <= 45 else { return false }
        let pieces = s.split(separator: "::", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { return false }
        var count = 0
        for (i, piece) in pieces.enumerated() where !piece.isEmpty {
            let groups = piece.split(separator: ":", omittingEmptySubsequences: false)
            for (j, g) in groups.enumerated() {
                if i == pieces.count - 1, j == groups.count - 1, g.contains(".") {
                    guard isIPv4(g) else { return false }
                    count += 2
                } else {
                    guard !g.isEmpty, g.utf8.count <= 4, g.utf8.allSatisfy({ Hex.value($0) != nil }) else { return false }
                    count += 1
                }
            }
        }
        return pieces.count == 2 ? count <= 7 : count == 8
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CRs and LFs.
    func trimmingWhitespace() -> String { ASCIISpace.trimmed(self, lineBreaks: true) }
}
