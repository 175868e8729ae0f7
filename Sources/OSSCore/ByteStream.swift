/// A bidirectional byte stream: a TCP or TLS connection, or an in-memory pipe in tests.
///
/// The HTTP layer is written against this protocol only, so it can be tested by feeding bytes
/// (see `MemoryStreamPair` in the tests). Implementations are used by one task at a time for
/// reading and writing, while `abort()` may be called from any thread at any moment.
public protocol ByteStream: AnyObject, Sendable {
    /// Reads at least one byte into `buffer`, suspending (never blocking a thread) until some arrive.
    /// - Returns: the number of bytes read; 0 at the end of the stream.
    /// - Throws: `TransportError` (read failure, idle timeout, aborted).
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int

    /// Writes all of `bytes`, suspending while the peer is not reading.
    /// - Throws: `TransportError` (write failure, idle timeout, aborted).
    func write(_ bytes: UnsafeRawBufferPointer) async throws

    /// Writes `count` bytes of `file` from `offset` without copying them through user memory
    /// (`sendfile(2)` on a plain TCP socket), when the stream can.
    /// - Returns: the bytes written, fewer than `count` only if the file ended first; nil when
    ///   the stream cannot send from a file (TLS, an in-memory stream): nothing was written and
    ///   the caller writes the bytes itself.
    /// - Throws: `TransportError`, as `write`.
    func writeFile(_ file: FileDescriptor, at offset: Int64, count: Int) async throws -> Int?

    /// Aborts the stream from any thread: resets the connection at once (an RST; the bytes not
    /// yet transmitted are discarded and never reach the peer; never `close(2)`), so a pending
    /// or later read or write fails with `TransportError.aborted`. Idempotent. It does not
    /// release the descriptor: the owner still calls `close()`.
    func abort()

    /// What became of the bytes written so far, as the kernel counts them: measured now, or,
    /// after `abort()`, as the abort found them just before its reset. Nil when the stream
    /// cannot say (an in-memory stream, a closed one, a connection the peer reset).
    func writtenBytes() -> WrittenBytes?

    /// `writtenBytes()?.written` without asking the kernel (a count kept in memory): where the
    /// next write starts. Nil when the stream cannot say.
    var writtenCount: Int64? { get }

    /// Releases the stream and its descriptor. Called exactly once, by the owner.
    func close()

    /// The longest a single read or write may wait without progress before it fails with
    /// `TransportError.idleTimeout`; `nil` waits for ever. Settable between operations.
    var idleTimeout: Duration? { get set }

    /// Whether a kept-alive connection can carry another request: not aborted, no unread bytes
    /// waiting, and the peer has not closed its side (checked without blocking).
    var isReusable: Bool { get }
}

/// What became of the bytes written to a stream, in the stream's own positions (plaintext bytes
/// for TLS): `acknowledged <= transmitted <= written`.
public struct WrittenBytes: Sendable, Hashable {
    /// Bytes the stream accepted from `write` so far.
    public var written: Int64
    /// The first `transmitted` bytes left this host at least once: the peer may have them. A
    /// write that ended beyond `transmitted` did not leave in full, so after a reset the peer can
    /// never receive all of it. (TCP counts every byte; TLS counts whole writes, since a write's
    /// records are only known once it completes.)
    public var transmitted: Int64
    /// The first `acknowledged` bytes were acknowledged by the peer's TCP: its application can
    /// read them (even after a reset).
    public var acknowledged: Int64
    /// Measured by an abort just before its reset: nothing more will reach the peer.
    public var final: Bool

    public init(written: Int64, transmitted: Int64, acknowledged: Int64, final: Bool) {
        self.written = written
        self.transmitted = transmitted
        self.acknowledged = acknowledged
        self.final = final
    }
}

extension ByteStream {
    /// Streams that cannot ask a kernel (in-memory pipes) say nothing.
    public func writtenBytes() -> WrittenBytes? { nil }
    public var writtenCount: Int64? { nil }
    /// Streams that cannot send from a file say so: the caller writes the bytes.
    public func writeFile(_ file: FileDescriptor, at offset: Int64, count: Int) async throws -> Int? { nil }

    /// Writes all bytes of an array.
    public func write(_ bytes: [UInt8]) async throws {
        // Copy into a buffer whose lifetime spans the suspension.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { buffer.deallocate() }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        try await write(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]))
    }
}

/// Where a connection goes, and how.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address literal (IPv6 without brackets).
    public var host: String
    public var port: Int
    /// Whether to speak TLS.
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "https" : "http")://\(h):\(port)"
    }
}

/// TLS settings: OpenSSL 3, TLS 1.2 minimum, verification on by default.
public struct TLSConfiguration: Sendable, Hashable {
    /// Lowest protocol version accepted.
    public enum Version: Sendable, Hashable { case tls12, tls13 }

    public var minimumVersion: Version = .tls12
    /// A PEM file of trusted CA certificates; `nil` (with `caDirectory` nil) uses the system store.
    public var caFile: String? = nil
    /// A hashed directory of trusted CA certificates (`c_rehash` layout).
    public var caDirectory: String? = nil
    /// Skip certificate and host-name verification. Off unless set explicitly.
    public var insecureSkipVerify: Bool = false
    /// The name sent in SNI and checked against the certificate; defaults to the endpoint host.
    public var serverName: String? = nil
    /// The TLS 1.3 cipher suites offered, in order of preference (OpenSSL's
    /// `SSL_CTX_set_ciphersuites` syntax). AES-128-GCM first: the same 128-bit security level
    /// as AES-256-GCM for these connections, and faster to encrypt and decrypt on both ends
    /// (`openssl speed -evp`, 16 KiB: about 5% here); Go and the browsers prefer it too, where
    /// OpenSSL's own default (curl's) starts with AES-256-GCM. The server usually follows the
    /// client's order (nginx does unless `ssl_prefer_server_ciphers on`).
    public var cipherSuites: String = TLSConfiguration.defaultCipherSuites
    /// The TLS 1.2 cipher list (OpenSSL's `SSL_CTX_set_cipher_list` syntax): the ECDHE
    /// AES-128-GCM suites first, then the rest of OpenSSL's default set.
    public var cipherList: String = TLSConfiguration.defaultCipherList

    /// AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305.
    public static let defaultCipherSuites =
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    /// ECDHE with AES-128-GCM, then with AES-256-GCM and ChaCha20-Poly1305, then the rest of
    /// OpenSSL's default set (`DEFAULT` is `ALL:!COMPLEMENTOFDEFAULT:!eNULL`; the keyword itself
    /// is only understood at the start of a list): the same ciphers as OpenSSL's default, in an
    /// order that puts AES-128-GCM first.
    public static let defaultCipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        + "ALL:!COMPLEMENTOFDEFAULT:!eNULL"

    public init() {}
}

/// Timings of establishing one connection.
public struct ConnectTimings: Sendable, Hashable {
    public var dns: Duration = .zero
    public var connect: Duration = .zero
    /// Setting up a `CONNECT` tunnel through an HTTP proxy (request sent to the proxy's answer
    /// read); zero for direct connections. `dns` and `connect` then concern the proxy.
    public var proxyTunnel: Duration = .zero
    /// Zero for plain TCP.
    public var tlsHandshake: Duration = .zero
    /// The address that answered, as text (`127.0.0.1:8080`, `[::1]:443`).
    public var remoteAddress: String = ""
    /// The negotiated TLS protocol (`TLSv1.3`); empty for plain TCP.
    public var tlsVersion: String = ""
    /// The negotiated cipher suite in OpenSSL's name (`TLS_AES_128_GCM_SHA256`); empty for plain TCP.
    public var tlsCipher: String = ""

    public init() {}
}

/// Opens byte streams to endpoints. `OSSTransport` provides the socket implementation; tests may
/// provide in-memory ones.
public protocol StreamConnector: Sendable {
    /// Resolves, connects and (for TLS) handshakes.
    /// - Parameters:
    ///   - endpoint: host, port, and whether to use TLS.
    ///   - tls: TLS settings, used when `endpoint.tls`.
    ///   - connectTimeout: the limit for DNS + connect + handshake together.
    ///   - signal: cancels the attempt at once (the socket being connected is shut down).
    /// - Returns: the stream and how long each phase took.
    /// - Throws: `TransportError` naming the phase that failed.
    func connect(
        to endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, signal: CancellationSignal?
    ) async throws -> (any ByteStream, ConnectTimings)
}
