/// What one request cost, phase by phase.
public struct HTTPMetrics: Sendable, Hashable {
    /// Name resolution; zero on a reused connection.
    public var dns: Duration = .zero
    /// TCP connect; zero on a reused connection.
    public var connect: Duration = .zero
    /// TLS handshake; zero for plain HTTP or a reused connection.
    public var tlsHandshake: Duration = .zero
    /// From the start of the request to the last byte of head and body handed to the socket
    /// (curl's pre-transfer/post-transfer split). With an early answer to `Expect: 100-continue`,
    /// the head's.
    public var requestSent: Duration = .zero
    /// From the start of the request to the first byte of the response.
    public var timeToFirstByte: Duration = .zero
    /// From the start of the request to the end of the response body.
    public var total: Duration = .zero
    /// Bytes written: head, body and chunk framing.
    public var bytesSent: Int64 = 0
    /// Bytes read: head and body as on the wire.
    public var bytesReceived: Int64 = 0
    /// Whether the request ran on a kept-alive connection.
    public var connectionReused = false
    /// The address that answered (`127.0.0.1:8080`), when the transport says.
    public var remoteAddress = ""
    /// The connection's negotiated TLS protocol (`TLSv1.3`), also on a reused connection; empty
    /// for plain HTTP.
    public var tlsVersion = ""
    /// The connection's negotiated cipher suite (`TLS_AES_128_GCM_SHA256`), also on a reused
    /// connection; empty for plain HTTP.
    public var tlsCipher = ""

    public init() {}
}

/// A response whose body was collected in memory.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]
    public var metrics: HTTPMetrics

    public init(head: HTTPResponseHead, body: [UInt8], metrics: HTTPMetrics) {
        self.head = head
        self.body = body
        self.metrics = metrics
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }
}
