import OSSCore
import OSSSigner

/// Everything an `OSSClient` is configured with. A value: build it, then hand it to the client.
///
/// ```swift
/// var config = try OSSClientConfiguration(endpoint: "https://oss-cn-hangzhou.aliyuncs.com")
/// config.signatureVersion = .v1
/// config.timeouts.connect = .seconds(5)
/// ```
public struct OSSClientConfiguration: Sendable {
    /// How requests are signed.
    public struct SignatureVersion: Sendable, Hashable, CustomStringConvertible {
        let number: Int
        private init(_ n: Int) { number = n }
        /// `Authorization: OSS <id>:<HMAC-SHA1>`.
        public static let v1 = SignatureVersion(1)
        /// `OSS4-HMAC-SHA256` (the default; needs a region).
        public static let v4 = SignatureVersion(4)
        /// `1` or `4`, as the CLI's `--signature-version` takes it.
        public init?(_ text: String) {
            switch text {
            case "1", "v1", "V1": self = .v1
            case "4", "v4", "V4": self = .v4
            default: return nil
            }
        }
        public var description: String { "V\(number)" }
    }

    /// Where the bucket goes in a request.
    public struct Addressing: Sendable, Hashable, CustomStringConvertible {
        enum Style: Sendable, Hashable { case virtualHosted, path, customDomain }
        let style: Style
        private init(_ style: Style) { self.style = style }
        /// `bucket.endpoint/key` (the default for host-name endpoints).
        public static let virtualHosted = Addressing(.virtualHosted)
        /// `endpoint/bucket/key` (implied by an IP-address endpoint).
        public static let pathStyle = Addressing(.path)
        /// The endpoint is a custom domain bound to one bucket (CNAME): `endpoint/key`.
        public static let customDomain = Addressing(.customDomain)
        public var description: String {
            switch style {
            case .virtualHosted: "virtual-hosted"
            case .path: "path-style"
            case .customDomain: "custom domain"
            }
        }
    }

    /// Connection and request time limits.
    public struct Timeouts: Sendable, Hashable {
        /// DNS + TCP connect + TLS handshake.
        public var connect: Duration? = .seconds(10)
        /// The longest a read or write may make no progress.
        public var idle: Duration? = .seconds(60)
        /// The whole request, retries included; `nil` for none.
        public var total: Duration? = nil
        public init() {}
    }

    /// An HTTP proxy: absolute-form requests for http, `CONNECT` tunnels for https.
    public struct Proxy: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// Basic credentials for the proxy (`Proxy-Authorization`); never printed.
        public var username: String?
        public var password: String?
        public init(host: String, port: Int, username: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
        }
        /// Parses `http://[user:pass@]host:port`.
        public init(parsing text: String) throws {
            var rest = Substring(text)
            if let r = rest.firstRange(of: "://") {
                guard rest[..<r.lowerBound].lowercased() == "http" else {
                    throw OSSClientError.invalidArgument("proxy: only http:// proxies are supported")
                }
                rest = rest[r.upperBound...]
            }
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            var user: String? = nil
            var pass: String? = nil
            if let at = rest.lastIndex(of: "@") {
                let info = rest[..<at]
                if let colon = info.firstIndex(of: ":") {
                    user = PercentEncoding.decode(info[..<colon]) ?? String(info[..<colon])
                    pass = PercentEncoding.decode(info[info.index(after: colon)...]) ?? String(info[info.index(after: colon)...])
                } else {
                    user = PercentEncoding.decode(info) ?? String(info)
                }
                rest = rest[rest.index(after: at)...]
            }
            let endpoint = try OSSEndpoint(parsing: "http://" + rest)
            self.init(host: endpoint.host, port: endpoint.hasExplicitPort ? endpoint.port : 8080, username: user, password: pass)
        }
        public var description: String {
            let h = host.contains(":") ? "[\(host)]" : host
            return "http://\(username != nil ? "***@" : "")\(h):\(port)"
        }
    }

    /// The endpoint requests go to.
    public var endpoint: OSSEndpoint
    /// The region used by V4 signing. Taken from an `oss-<region>.aliyuncs.com` endpoint when not set.
    public var region: String?
    /// V4 by default.
    public var signatureVersion: SignatureVersion = .v4
    /// Where credentials come from; `nil` reads `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and
    /// `OSS_SESSION_TOKEN` from the environment at each request.
    public var credentialsProvider: (any CredentialsProvider)? = nil
    /// Headers V4 signs beyond the default ones (lower-case names, for example `host`).
    public var additionalSignedHeaders: [String] = []
    /// Virtual-hosted by default; path-style is used anyway for IP-address and `localhost` endpoints.
    public var addressing: Addressing = .virtualHosted
    public var timeouts = Timeouts()
    /// The most connections kept open to one host.
    public var maxConnectionsPerHost: Int = 16
    /// Retries: 3 with exponential back-off and full jitter by default.
    public var retryPolicy: RetryPolicy = .default
    /// Compare CRC64-ECMA of uploads and full downloads with the server's.
    public var crcCheckEnabled: Bool = true
    /// After `RequestTimeTooSkewed`, sign with the server's time offset and retry.
    public var clockSkewCorrectionEnabled: Bool = true
    /// The `User-Agent` header.
    public var userAgent: String = "osswire/0.1"
    /// Upload rate limit in bytes per second (`nil` for none); change it at run time with
    /// `OSSClient.setSendRateLimit(_:)`.
    public var sendRateLimit: Int? = nil
    /// Download rate limit in bytes per second (`nil` for none); change it at run time with
    /// `OSSClient.setReceiveRateLimit(_:)`.
    public var receiveRateLimit: Int? = nil
    /// An HTTP proxy, or `nil` for direct connections.
    public var proxy: Proxy? = nil
    /// TLS options: CA file or directory, the insecure switch.
    public var tls = TLSConfiguration()

    /// A configuration for an endpoint.
    /// - Parameters:
    ///   - endpoint: `https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:9000`, ...
    ///   - region: the region; `nil` to take it from the endpoint's host name.
    /// - Throws: `OSSClientError` (`.invalidArgument`) for an endpoint that does not parse.
    public init(endpoint: String, region: String? = nil) throws {
        self.endpoint = try OSSEndpoint(parsing: endpoint)
        self.region = region
    }

    /// A configuration for a parsed endpoint.
    public init(endpoint: OSSEndpoint, region: String? = nil) {
        self.endpoint = endpoint
        self.region = region
    }

    /// The region requests are signed for: the one set, else the endpoint's.
    public var effectiveRegion: String? {
        if let region, !region.isEmpty { return region }
        return endpoint.region
    }

    /// The addressing requests use: path-style for an IP-address or `localhost` endpoint unless a
    /// custom domain was asked for.
    public var effectiveAddressing: Addressing {
        if endpoint.impliesPathStyle && addressing == .virtualHosted { return .pathStyle }
        return addressing
    }

    /// Checks the settings that can be wrong together.
    /// - Throws: `OSSClientError` (`.invalidArgument`) saying what to change.
    public func validate() throws {
        if signatureVersion == .v4 && effectiveRegion == nil {
            throw OSSClientError.invalidArgument(
                "signature V4 needs a region: set one (--region) or use an oss-<region>.aliyuncs.com endpoint")
        }
        if let r = effectiveRegion {
            guard r.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") }) else {
                throw OSSClientError.invalidArgument("region \(r) has characters a region cannot have")
            }
        }
        guard maxConnectionsPerHost >= 1 else {
            throw OSSClientError.invalidArgument("maxConnectionsPerHost must be at least 1")
        }
        for (name, t) in [("connect", timeouts.connect), ("idle", timeouts.idle), ("total", timeouts.total)] {
            if let t, t <= .zero { throw OSSClientError.invalidArgument("the \(name) timeout must be positive") }
        }
        if let r = sendRateLimit, r <= 0 { throw OSSClientError.invalidArgument("the send rate limit must be positive") }
        if let r = receiveRateLimit, r <= 0 {
            throw OSSClientError.invalidArgument("the receive rate limit must be positive")
        }
        try retryPolicy.validate()
        try Validation.checkHeaderValue(userAgent, name: "User-Agent")
        if let proxy {
            guard (1...65535).contains(proxy.port) else { throw OSSClientError.invalidArgument("proxy port must be 1...65535") }
            for v in [proxy.username, proxy.password].compactMap({ $0 }) where v.utf8.contains(where: { $0 < 0x20 }) {
                throw OSSClientError.invalidArgument("proxy credentials cannot hold control characters")
            }
        }
    }
}

extension OSSClientConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// A summary for logs: endpoint, region, signature, addressing and limits; never credentials
    /// or proxy passwords.
    public var description: String {
        var parts = [
            "endpoint \(endpoint)", "region \(effectiveRegion ?? "-")", "signature \(signatureVersion)",
            "\(effectiveAddressing)", "retries \(retryPolicy.maxRetries)", "CRC64 \(crcCheckEnabled ? "on" : "off")",
        ]
        if let proxy { parts.append("proxy \(proxy)") }
        if tls.insecureSkipVerify { parts.append("TLS verification OFF") }
        if let r = sendRateLimit { parts.append("send limit \(r) B/s") }
        if let r = receiveRateLimit { parts.append("receive limit \(r) B/s") }
        return "OSSClientConfiguration(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }
}

extension OSSClientConfiguration.Proxy {
    /// The `Proxy-Authorization` value (`Basic ...`, RFC 7617) when a user name is set.
    var authorization: String? {
        username.map { "Basic " + Base64.encode(Array(($0 + ":" + (password ?? "")).utf8)) }
    }
}

extension OSSClientConfiguration.Proxy: CustomDebugStringConvertible {
    public var debugDescription: String { description }
}
