/// What one OSS call cost, phase by phase, as `curl -w` reports it: the phases of its last
/// attempt, and how many attempts the call made.
///
/// Every `OSSClient` result carries one (`metrics`), and so do `OSSClientError` and
/// `OSSServiceError` when a connection or an answer existed. All durations are measured from the
/// start of the attempt (`requestSent`, `timeToFirstByte`, `total`) or are the length of the
/// phase (`dns`, `connect`, `tlsHandshake`, zero on a reused connection).
public struct OSSRequestMetrics: Sendable, Hashable {
    /// Name resolution; zero on a reused connection or for an IP literal.
    public var dns: Duration = .zero
    /// TCP connect; zero on a reused connection.
    public var connect: Duration = .zero
    /// TLS handshake; zero for plain HTTP or a reused connection.
    public var tlsHandshake: Duration = .zero
    /// From the start of the attempt to the last byte of head and body handed to the socket
    /// (curl's pre-transfer/post-transfer split).
    public var requestSent: Duration = .zero
    /// From the start of the attempt to the first byte of the answer.
    public var timeToFirstByte: Duration = .zero
    /// From the start of the attempt to the end of the answer (or of the attempt, when the body
    /// was not read to its end).
    public var total: Duration = .zero
    /// Bytes written: head, body and chunk framing.
    public var bytesSent: Int64 = 0
    /// Bytes read: head and body as on the wire.
    public var bytesReceived: Int64 = 0
    /// Whether the attempt ran on a kept-alive connection.
    public var connectionReused = false
    /// The address that answered (`127.0.0.1:8080`).
    public var remoteAddress = ""
    /// The negotiated TLS protocol (`TLSv1.3`); empty for plain HTTP.
    public var tlsVersion = ""
    /// The negotiated cipher suite (`TLS_AES_128_GCM_SHA256`); empty for plain HTTP.
    public var tlsCipher = ""
    /// Attempts the call made: 1, plus each retry of the client's retry policy.
    public var attempts = 1

    public init() {}
}
