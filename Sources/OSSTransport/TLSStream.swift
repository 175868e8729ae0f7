import Glibc
internal import COpenSSL
import OSSCore

/// A TLS connection over a `TCPStream`, through OpenSSL 3 with non-blocking handshake, reads and
/// writes driven by the reactor (`SSL_ERROR_WANT_READ`/`WANT_WRITE` wait on the socket).
///
/// One task may read while another writes (an HTTP client reading an early response during an
/// upload): every OpenSSL call runs under `sslLock`, never across a suspension.
///
/// `@unchecked Sendable`: the `SSL` object and the flags are only touched under `sslLock`;
/// `abort()`, the only call meant for other threads, touches just the (locked) socket handle.
public final class TLSStream: ByteStream, @unchecked Sendable {
    let tcp: TCPStream
    private let ssl: OpaquePointer
    private let bio: SocketBIO
    /// Whether the handshake finished and no fatal error happened since (close_notify allowed).
    private var established = false
    private var closed = false
    /// Serialises OpenSSL calls on `ssl` (a reader and a writer may run at once).
    private let sslLock = PThreadMutex(())
    /// Plaintext positions against the socket's sent-byte count, for `writtenBytes()`.
    private let marks = PThreadMutex(WriteMarks())

    /// After each complete `write` (records flushed), the plaintext written so far and the
    /// ciphertext the socket had sent by then: a record is whole at the peer once the socket's
    /// count passes its end, so the plaintext up to a mark is transmitted (acknowledged) when
    /// the socket's transmitted (acknowledged) count reaches the mark's ciphertext count.
    private struct WriteMarks {
        var plaintext: Int64 = 0
        var pending: [(plain: Int64, cipher: Int64)] = []
        /// The last mark already acknowledged (dropped from `pending`).
        var acknowledgedFloor: Int64 = 0

        mutating func add(plain: Int64, cipher: Int64) {
            plaintext = plain
            pending.append((plain, cipher))
            // Bounded: dropping the oldest mark only makes the answer more conservative.
            if pending.count > 4096 { pending.removeFirst(pending.count - 4096) }
        }

        mutating func resolve(_ q: WrittenBytes) -> WrittenBytes {
            var acknowledged = acknowledgedFloor
            var dropped = 0
            for m in pending {
                guard m.cipher <= q.acknowledged else { break }
                acknowledged = m.plain
                dropped += 1
            }
            pending.removeFirst(dropped)
            acknowledgedFloor = acknowledged
            var transmitted = acknowledged
            for m in pending {
                guard m.cipher <= q.transmitted else { break }
                transmitted = m.plain
            }
            return WrittenBytes(written: plaintext, transmitted: transmitted, acknowledged: acknowledged, final: q.final)
        }
    }

    /// What one non-blocking OpenSSL call came to.
    private enum Step {
        case done(Int)
        case wantRead
        case wantWrite
        case end
        case failed(TransportError)
    }

    /// Runs one OpenSSL call under the lock and classifies its result there (the error queue
    /// is per thread, so it is read before the lock is released).
    private func step(
        phase: TransportError.Phase, what: @autoclosure () -> String, _ call: (OpaquePointer, inout Int) -> Int32
    ) -> Step {
        sslLock.withLock { _ in
            if closed { return .failed(TransportError(phase: .closed, message: "the TLS stream is closed")) }
            ERR_clear_error()
            bio.lastErrno = 0
            var count = 0
            let r = call(ssl, &count)
            // A read or handshake step may have queued records (an alert, a key update): sent
            // now if the socket takes them, else with the next write. Writes are flushed once,
            // by `flush()`, so their records go out together.
            if phase != .write, bio.hasPending { _ = bio.flush() }
            if r == 1 { return .done(count) }
            let code = SSL_get_error(ssl, r)
            switch code {
            case SSL_ERROR_WANT_READ: return .wantRead
            case SSL_ERROR_WANT_WRITE: return .wantWrite
            case SSL_ERROR_ZERO_RETURN: return .end
            default:
                established = false
                // An EOF without close_notify (allowed by SSL_OP_IGNORE_UNEXPECTED_EOF) is an end.
                if phase == .read, code == SSL_ERROR_SYSCALL, bio.lastErrno == 0, ERR_peek_error() == 0 {
                    return .end
                }
                return .failed(failure(code: code, phase: phase, what: what()))
            }
        }
    }
    /// The negotiated protocol, for example "TLSv1.3".
    public var protocolVersion: String {
        sslLock.withLock { _ in closed ? "" : String(cString: SSL_get_version(ssl)) }
    }
    /// The negotiated cipher suite in OpenSSL's name, for example `TLS_AES_128_GCM_SHA256` (TLS
    /// 1.3) or `ECDHE-ECDSA-AES128-GCM-SHA256` (TLS 1.2).
    public var cipherSuite: String {
        sslLock.withLock { _ in
            guard !closed, let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return "" }
            return String(cString: name)
        }
    }
    /// The peer, as `127.0.0.1:443`.
    public var remoteAddress: String { tcp.remoteAddress }

    private init(tcp: TCPStream, context: TLSContext) throws(TransportError) {
        self.tcp = tcp
        bio = SocketBIO(socket: tcp.socket)
        guard let ssl = SSL_new(context.ctx) else {
            throw TransportError(phase: .tlsHandshake, message: "SSL_new failed: \(OpenSSLErrors.drain())")
        }
        self.ssl = ssl
        guard let b = bio.makeBIO() else {
            SSL_free(ssl)
            throw TransportError(phase: .tlsHandshake, message: "BIO_new failed: \(OpenSSLErrors.drain())")
        }
        SSL_set_bio(ssl, b, b)
    }

    deinit {
        if !closed {
            assertionFailure("leak of open TLSStream to \(tcp.remoteAddress): close() was never called")
            SSL_free(ssl)
            tcp.close()
        }
    }

    /// Runs the client handshake over `tcp`, which the returned stream then owns (on failure
    /// `tcp` is closed).
    /// - Parameters:
    ///   - serverName: the name for SNI and certificate checks; an IP literal is checked against
    ///     the certificate's IP addresses and not sent as SNI. A trailing dot is dropped.
    ///   - deadline: when the handshake gives up with phase `.timeout`.
    /// - Throws: `TransportError` with phase `.tlsHandshake` (with OpenSSL's reason and the
    ///   verification result), `.timeout` or `.aborted`.
    static func connect(
        over tcp: TCPStream, serverName: String, configuration: TLSConfiguration, deadline: ContinuousClock.Instant?
    ) async throws -> TLSStream {
        let context: TLSContext
        let stream: TLSStream
        do {
            context = try TLSContext.client(for: configuration)
            stream = try TLSStream(tcp: tcp, context: context)
        } catch {
            tcp.close()
            throw error
        }
        var name = serverName
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.count > 1, name.hasSuffix(".") { name.removeLast() }
        // An empty name would clear OpenSSL's host list (SSL_set1_host with "" checks no name at
        // all), so a certificate for any host would pass: refuse it instead.
        guard !name.isEmpty else {
            stream.close()
            throw TransportError(phase: .configuration, message: "the TLS server name is empty")
        }
        let isIP = SocketAddress(ipLiteral: name, port: 0) != nil
        SSL_set_connect_state(stream.ssl)
        if !isIP { _ = coss_SSL_set_tlsext_host_name(stream.ssl, name) }
        if !configuration.insecureSkipVerify {
            let ok: Int32 =
                isIP
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.ssl), name)
                : SSL_set1_host(stream.ssl, name)
            if ok != 1 {
                stream.close()
                throw TransportError(phase: .configuration, message: "invalid TLS server name \"\(name)\"")
            }
        }
        do {
            try await stream.handshake(peer: "\(name) (\(tcp.remoteAddress))", deadline: deadline)
        } catch {
            stream.close()
            throw error
        }
        return stream
    }

    /// Runs the server handshake over an accepted `tcp` (tests, `TLSListener`).
    static func accept(over tcp: TCPStream, context: TLSContext, deadline: ContinuousClock.Instant?) async throws
        -> TLSStream
    {
        let stream: TLSStream
        do {
            stream = try TLSStream(tcp: tcp, context: context)
        } catch {
            tcp.close()
            throw error
        }
        SSL_set_accept_state(stream.ssl)
        do {
            try await stream.handshake(peer: tcp.remoteAddress, deadline: deadline)
        } catch {
            stream.close()
            throw error
        }
        return stream
    }

    private func handshake(peer: String, deadline: ContinuousClock.Instant?) async throws {
        let timeout = TransportError.timeout("TLS handshake with \(peer) timed out")
        while true {
            if tcp.socket.isAborted { throw tcp.socket.abortError }
            switch step(
                phase: .tlsHandshake, what: "TLS handshake with \(peer) failed", { ssl, _ in SSL_do_handshake(ssl) })
            {
            case .done:
                sslLock.withLock { _ in established = true }
                return
            case .wantRead:
                try await tcp.socket.wait(.read, deadline: deadline, timeoutError: timeout)
            case .wantWrite:
                try await tcp.socket.wait(.write, deadline: deadline, timeoutError: timeout)
            case .end:
                if tcp.socket.isAborted { throw tcp.socket.abortError }
                throw TransportError(
                    phase: .tlsHandshake, message: "TLS handshake with \(peer) failed: the peer closed the connection")
            case .failed(let error):
                if tcp.socket.isAborted { throw tcp.socket.abortError }
                throw error
            }
        }
    }

    /// The error for a failed SSL call: verification result, OpenSSL's queue, or errno.
    private func failure(code: Int32, phase: TransportError.Phase, what: String) -> TransportError {
        var parts: [String] = []
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            parts.append("certificate verify failed: \(String(cString: X509_verify_cert_error_string(verify)))")
        }
        let queue = OpenSSLErrors.drain()
        if !queue.isEmpty { parts.append(queue) }
        var errnoValue: Int32?
        if code == SSL_ERROR_SYSCALL {
            if bio.lastErrno != 0 {
                errnoValue = bio.lastErrno
                parts.append(Syscall.text(bio.lastErrno))
            } else if parts.isEmpty {
                parts.append("the peer closed the connection")
            }
        }
        if parts.isEmpty { parts.append("SSL error \(code)") }
        return TransportError(phase: phase, errno: errnoValue, message: "\(what): \(parts.joined(separator: "; "))")
    }

    public var idleTimeout: Duration? {
        get { tcp.idleTimeout }
        set { tcp.idleTimeout = newValue }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if tcp.socket.isAborted { throw tcp.socket.abortError }
            let result = step(phase: .read, what: "TLS read from \(tcp.remoteAddress) failed") { ssl, got in
                SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &got)
            }
            switch result {
            case .done(let n):
                return n
            case .end:
                return 0
            case .wantRead:
                try await tcp.socket.wait(
                    .read, deadline: tcp.idleDeadline(), timeoutError: self.tcp.idleTimeoutError("read from"))
            case .wantWrite:
                try await tcp.socket.wait(
                    .write, deadline: tcp.idleDeadline(), timeoutError: self.tcp.idleTimeoutError("read from"))
            case .failed(let error):
                if tcp.socket.isAborted { throw tcp.socket.abortError }
                throw error
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) async throws {
        var offset = 0
        while offset < bytes.count {
            if tcp.socket.isAborted { throw tcp.socket.abortError }
            let chunk = min(bytes.count - offset, 1 << 30)
            let base = bytes.baseAddress! + offset
            let result = step(phase: .write, what: "TLS write to \(tcp.remoteAddress) failed") { ssl, written in
                SSL_write_ex(ssl, base, chunk, &written)
            }
            switch result {
            case .done(let n):
                offset += n
            case .wantWrite:
                try await tcp.socket.wait(
                    .write, deadline: tcp.idleDeadline(), timeoutError: self.tcp.idleTimeoutError("write to"))
            case .wantRead:
                try await tcp.socket.wait(
                    .read, deadline: tcp.idleDeadline(), timeoutError: self.tcp.idleTimeoutError("write to"))
            case .end:
                throw TransportError(
                    phase: .closed, message: "the peer closed the TLS connection to \(tcp.remoteAddress)")
            case .failed(let error):
                if tcp.socket.isAborted { throw tcp.socket.abortError }
                throw error
            }
        }
        try await flush()
        // Flushed: the socket's count is where this write's last record ends.
        let cipher = tcp.socket.sentCount
        marks.withLock { $0.add(plain: $0.plaintext + Int64(bytes.count), cipher: cipher) }
    }

    public var writtenCount: Int64? { marks.withLock { $0.plaintext } }

    /// In plaintext positions, counting only writes that completed (their records flushed).
    public func writtenBytes() -> WrittenBytes? {
        guard let q = tcp.socket.writtenBytes() else { return nil }
        return marks.withLock { $0.resolve(q) }
    }

    /// Sends the records the BIO still holds, waiting while the socket is full.
    private func flush() async throws {
        while true {
            if tcp.socket.isAborted { throw tcp.socket.abortError }
            let result: SocketBIO.Flush? = sslLock.withLock { _ in closed ? nil : bio.flush() }
            switch result {
            case .done:
                return
            case .wouldBlock:
                try await tcp.socket.wait(
                    .write, deadline: tcp.idleDeadline(), timeoutError: self.tcp.idleTimeoutError("write to"))
            case .failed:
                if tcp.socket.isAborted { throw tcp.socket.abortError }
                let code = sslLock.withLock { _ in bio.lastErrno }
                throw TransportError(
                    phase: .write, errno: code,
                    message: "TLS write to \(tcp.remoteAddress) failed: \(Syscall.text(code))")
            case nil:
                throw TransportError(phase: .closed, message: "the TLS stream is closed")
            }
        }
    }

    public func abort() {
        tcp.abort()
    }

    /// Sends close_notify when the connection is healthy (best effort, never waits), then
    /// releases OpenSSL's state and the socket.
    public func close() {
        let first: Bool = sslLock.withLock { _ in
            guard !closed else { return false }
            closed = true
            if established, !tcp.socket.isAborted {
                ERR_clear_error()
                _ = SSL_shutdown(ssl)
                ERR_clear_error()
                _ = bio.flush()
            }
            SSL_free(ssl)
            return true
        }
        if first { tcp.close() }
    }

    public var isReusable: Bool {
        let clean = sslLock.withLock { _ in !closed && established && SSL_pending(ssl) == 0 && !bio.hasPending }
        return clean && tcp.isReusable
    }
}

extension TLSStream: CustomStringConvertible {
    public var description: String { "TLSStream(\(tcp.remoteAddress))" }
}
