import OSSClient
import OSSCore
import OSSSigner

/// Builds the client of the OSS commands from the common options and the environment.
enum CLIClient {
    /// The client for `args`.
    /// - Throws: `ConfigError` (exit 2) for a missing or malformed endpoint or missing
    ///   credentials, `UsageError` for a bad option value.
    static func make(_ args: Arguments) throws -> OSSClient {
        try OSSClient(configuration: configuration(args))
    }

    /// The configuration for `args` (validated: every mistake is found before a request).
    static func configuration(_ args: Arguments) throws -> OSSClientConfiguration {
        let fromOption = args.value("endpoint")
        guard let text = fromOption ?? Env.get("OSS_ENDPOINT"), !text.isEmpty else {
            throw ConfigError(
                "no endpoint: pass --endpoint URL or set OSS_ENDPOINT (for example https://oss-cn-hangzhou.aliyuncs.com)")
        }
        let source = fromOption != nil ? "--endpoint" : "OSS_ENDPOINT"
        var config: OSSClientConfiguration
        do {
            config = try OSSClientConfiguration(endpoint: text)
        } catch let e as OSSClientError {
            throw ConfigError(e.message)
        }
        if !OSSEndpoint.hasScheme(text) {
            // The endpoint says nothing about TLS: say what was assumed, so a plain-HTTP server
            // that never answers a TLS handshake is not a mystery.
            printError("osswire: \(source) \(text) has no scheme: using \(config.endpoint) (write http:// for a plain-HTTP server)")
        }
        if let region = args.value("region") ?? Env.get("OSS_REGION"), !region.isEmpty { config.region = region }
        if let v = args.value("signature-version") {
            guard let version = OSSClientConfiguration.SignatureVersion(v) else {
                throw UsageError("--signature-version takes 1 or 4, not \(v)")
            }
            config.signatureVersion = version
        }
        if args.flag("path-style") { config.addressing = .pathStyle }
        if args.flag("insecure") { config.tls.insecureSkipVerify = true }
        if let ca = args.value("cacert") { config.tls.caFile = ca }
        if let t = try args.seconds("timeout") {
            guard t > .zero else { throw UsageError("--timeout must be positive") }
            config.timeouts.idle = t
            config.timeouts.connect = t
        }
        guard EnvironmentCredentialsProvider().current() != nil else {
            throw ConfigError(
                "no credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for STS)")
        }
        do {
            try config.validate()
        } catch let e as OSSClientError where e.kind == .invalidArgument {
            throw ConfigError(e.message)
        }
        return config
    }
}
