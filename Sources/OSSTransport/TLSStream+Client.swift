import OSSCore

extension TLSStream {
    /// Runs the client TLS handshake over an already connected TCP stream (a tunnel through a
    /// proxy, a socket set up by hand); the returned stream then owns `tcp`.
    ///
    /// Verification (unless `configuration.insecureSkipVerify`) checks the certificate against
    /// `serverName`, which is also sent as SNI (IP literals are checked, not sent).
    /// - Parameters:
    ///   - tcp: the connected stream; closed when this throws.
    ///   - serverName: the target's host name or IP literal.
    ///   - configuration: CA file or directory, minimum version, the insecure switch.
    ///   - timeout: the limit for the handshake; `nil` waits for ever.
    ///   - signal: cancels the handshake at once (the socket is shut down).
    /// - Throws: `TransportError` with phase `.tlsHandshake`, `.configuration`, `.timeout` or
    ///   `.aborted`.
    public static func connect(
        over tcp: TCPStream, serverName: String, configuration: TLSConfiguration, timeout: Duration? = nil,
        signal: CancellationSignal? = nil
    ) async throws -> TLSStream {
        try await ConnectCancellation.run(signal: signal) { cancel in
            let deadline = timeout.map { ContinuousClock.now + $0 }
            return try await cancel.whileAttached(tcp) {
                try await connect(over: tcp, serverName: serverName, configuration: configuration, deadline: deadline)
            }
        }
    }
}
