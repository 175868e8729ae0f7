import OSSCore

/// A TLS server socket: a `TCPListener` whose accepted connections run the server handshake.
/// For tests and the mock server (certificates from PEM files).
package final class TLSListener: Sendable {
    private let listener: TCPListener
    private let context: TLSContext

    /// The port bound.
    package var localPort: Int { listener.localPort }

    /// Binds and loads the certificate chain and key.
    /// - Throws: `TransportError` (phase `.configuration` for unreadable PEM files).
    package init(host: String = "127.0.0.1", port: Int = 0, certificateFile: String, privateKeyFile: String) throws {
        context = try TLSContext(serverCertificateFile: certificateFile, privateKeyFile: privateKeyFile)
        listener = try TCPListener(host: host, port: port)
    }

    /// Accepts the next connection and runs the handshake (bounded by `handshakeTimeout`).
    /// - Throws: `TransportError`: `.closed` after `close()`, `.tlsHandshake` when a client fails
    ///   the handshake (the listener stays usable).
    package func accept(handshakeTimeout: Duration? = .seconds(10)) async throws -> TLSStream {
        let tcp = try await listener.accept()
        return try await TLSStream.accept(
            over: tcp, context: context, deadline: handshakeTimeout.map { ContinuousClock.now + $0 })
    }

    /// Stops listening; a pending accept fails with phase `.closed`.
    package func close() {
        listener.close()
    }
}
