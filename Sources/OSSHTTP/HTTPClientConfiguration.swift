import OSSCore

/// Settings of an `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// The most connections (idle plus busy) to one scheme/host/port; more requests wait for one.
    public var maxConnectionsPerHost = 8
    /// How long an idle kept-alive connection stays in the pool.
    public var idleConnectionExpiry: Duration = .seconds(50)
    /// The limit for DNS + connect + TLS handshake.
    public var connectTimeout: Duration? = .seconds(10)
    /// The longest one read or write may stall (the stream's `idleTimeout`).
    public var idleTimeout: Duration? = .seconds(60)
    /// An optional limit for a whole request, from start to the end of its response body, for
    /// requests without a `deadline` of their own.
    public var totalTimeout: Duration? = nil
    /// How long an `Expect: 100-continue` request waits for `100 Continue` before sending anyway.
    public var expectContinueTimeout: Duration = .seconds(1)
    /// TLS settings for `https` endpoints.
    public var tls = TLSConfiguration()
    /// Limits on response heads.
    public var parserLimits = HTTPParserLimits()
    /// The most body bytes copied into one write (file and in-memory bodies).
    public var writeBufferSize = 256 * 1024

    public init() {}
}
