import Glibc
internal import CLinuxShims
internal import COpenSSL
import OSSCore

/// An `SSL_CTX` built from a `TLSConfiguration`, cached per configuration.
///
/// `@unchecked Sendable`: the context is configured once in `init` and never changed after;
/// OpenSSL documents `SSL_new` on a shared, no-longer-modified `SSL_CTX` as thread-safe.
final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer

    private static let cache = PThreadMutex<[TLSConfiguration: TLSContext]>([:])

    /// The client context for `configuration` (its `serverName` does not matter here).
    static func client(for configuration: TLSConfiguration) throws(TransportError) -> TLSContext {
        var key = configuration
        key.serverName = nil
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let made = try TLSContext(client: key)
        return cache.withLock { c in
            if let raced = c[key] { return raced }
            c[key] = made
            return made
        }
    }

    private init(client configuration: TLSConfiguration) throws(TransportError) {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TransportError(phase: .configuration, message: "SSL_CTX_new failed: \(OpenSSLErrors.drain())")
        }
        self.ctx = ctx  // from here on, deinit frees it (also when init throws)
        let minimum = configuration.minimumVersion == .tls13 ? coss_TLS1_3_VERSION() : coss_TLS1_2_VERSION()
        _ = coss_SSL_CTX_set_min_proto_version(ctx, minimum)
        _ = SSL_CTX_set_options(ctx, coss_SSL_OP_IGNORE_UNEXPECTED_EOF() | coss_SSL_OP_NO_RENEGOTIATION())
        // Whole writes: one SSL_write_ex encrypts the caller's whole buffer (a 256 KiB chunk is
        // 16 records into the socket BIO's batch), where SSL_MODE_ENABLE_PARTIAL_WRITE returned
        // after every 16 KiB record (65,537 calls for a 1 GiB upload instead of 4,097, each
        // with its lock and error-queue round). A write the socket cannot take returns
        // WANT_WRITE and is retried with the same buffer and length (TLSStream.write does).
        _ = coss_SSL_CTX_set_mode(ctx, coss_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER())
        // Cipher preference (TLSConfiguration.cipherSuites / cipherList): AES-128-GCM first,
        // where OpenSSL's default order (curl's) starts with AES-256-GCM.
        ERR_clear_error()
        guard SSL_CTX_set_ciphersuites(ctx, configuration.cipherSuites) == 1 else {
            throw TransportError(
                phase: .configuration,
                message: "invalid TLS 1.3 cipher suites \"\(configuration.cipherSuites)\": \(OpenSSLErrors.drain())")
        }
        guard SSL_CTX_set_cipher_list(ctx, configuration.cipherList) == 1 else {
            throw TransportError(
                phase: .configuration,
                message: "invalid TLS 1.2 cipher list \"\(configuration.cipherList)\": \(OpenSSLErrors.drain())")
        }
        if configuration.insecureSkipVerify {
            SSL_CTX_set_verify(ctx, coss_SSL_VERIFY_NONE(), nil)
        } else {
            SSL_CTX_set_verify(ctx, coss_SSL_VERIFY_PEER(), nil)
            if configuration.caFile != nil || configuration.caDirectory != nil {
                ERR_clear_error()
                if SSL_CTX_load_verify_locations(ctx, configuration.caFile, configuration.caDirectory) != 1 {
                    let what = [configuration.caFile, configuration.caDirectory].compactMap { $0 }
                        .joined(separator: ", ")
                    let detail = OpenSSLErrors.drain()
                    throw TransportError(
                        phase: .configuration, message: "cannot load CA certificates from \(what): \(detail)")
                }
            } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
                let detail = OpenSSLErrors.drain()
                throw TransportError(phase: .configuration, message: "cannot load the system CA store: \(detail)")
            }
        }
    }

    /// A server context from PEM files (tests and the mock server's TLS listener).
    init(serverCertificateFile: String, privateKeyFile: String) throws(TransportError) {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TransportError(phase: .configuration, message: "SSL_CTX_new failed: \(OpenSSLErrors.drain())")
        }
        self.ctx = ctx  // from here on, deinit frees it (also when init throws)
        _ = coss_SSL_CTX_set_min_proto_version(ctx, coss_TLS1_2_VERSION())
        _ = coss_SSL_CTX_set_mode(ctx, coss_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER())  // whole writes, as above
        ERR_clear_error()
        guard SSL_CTX_use_certificate_chain_file(ctx, serverCertificateFile) == 1,
            SSL_CTX_use_PrivateKey_file(ctx, privateKeyFile, coss_SSL_FILETYPE_PEM()) == 1
        else {
            let detail = OpenSSLErrors.drain()
            throw TransportError(
                phase: .configuration,
                message: "cannot load certificate \(serverCertificateFile): \(detail)")
        }
    }

    deinit {
        SSL_CTX_free(ctx)
    }
}

/// OpenSSL's thread-local error queue as text.
enum OpenSSLErrors {
    /// Empties the queue into one line: the reason strings, most specific last.
    static func drain() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            let text = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !parts.contains(text) { parts.append(text) }
        }
        return parts.joined(separator: "; ")
    }
}

/// The BIO through which OpenSSL reaches the socket: send(MSG_NOSIGNAL) so a write to a reset
/// connection never raises SIGPIPE, and the errno of the last failure kept for the error text.
///
/// Writes are coalesced: OpenSSL hands over one TLS record (at most 16 KiB of data) per
/// `BIO_write`, and one `send(2)` per record costs more in the kernel than encrypting it. The
/// records collect in a buffer of `capacity` bytes that goes out in one `send(2)` when full, on
/// `BIO_flush` (OpenSSL flushes after each handshake flight), and when `TLSStream` calls
/// `flush()` at the end of a write. Only touched under `TLSStream`'s lock.
final class SocketBIO {
    /// Sends go through the handle, counted under its lock (see `SocketHandle.send`).
    let socket: SocketHandle
    var lastErrno: Int32 = 0
    /// Records encrypted but not yet sent: `buffer[start..<end]`; allocated at the first write.
    private var buffer: UnsafeMutableRawPointer? = nil
    private var start = 0
    private var end = 0
    /// Bytes kept before a send: 16 full records.
    static let capacity = 16 * (16 * 1024 + 256)

    init(socket: SocketHandle) { self.socket = socket }

    deinit { buffer?.deallocate() }

    /// What a flush came to.
    enum Flush {
        case done
        case wouldBlock
        case failed
    }

    /// Whether written records wait in the buffer.
    var hasPending: Bool { end > start }

    /// Sends the buffered records until none are left or the socket would block. Never waits.
    func flush() -> Flush {
        while start < end {
            let (n, code) = socket.send(buffer! + start, end - start)
            if n > 0 {
                start += n
                continue
            }
            let e = n < 0 ? code : EPIPE
            lastErrno = e
            return e == EAGAIN || e == EWOULDBLOCK ? .wouldBlock : .failed
        }
        start = 0
        end = 0
        return .done
    }

    /// Takes `count` bytes from OpenSSL: buffered when they fit, else after sending what is
    /// buffered. Returns the bytes taken, or -1 (with `retryWrite` when the socket is full).
    private func write(_ data: UnsafeRawPointer, _ count: Int, retryWrite: inout Bool) -> Int {
        if end + count > Self.capacity {
            switch flush() {
            case .done:
                break
            case .wouldBlock:
                if start > 0 {
                    buffer!.copyMemory(from: buffer! + start, byteCount: end - start)
                    end -= start
                    start = 0
                }
                if end + count > Self.capacity {
                    retryWrite = true
                    return -1
                }
            case .failed:
                return -1
            }
        }
        if count > Self.capacity {
            // Larger than the whole buffer (never a TLS record): straight to the socket.
            let (n, e) = socket.send(data, count)
            if n >= 0 { return n }
            lastErrno = e
            retryWrite = e == EAGAIN || e == EWOULDBLOCK
            return -1
        }
        if buffer == nil { buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 16) }
        (buffer! + end).copyMemory(from: data, byteCount: count)
        end += count
        return count
    }

    /// Created once; `@unchecked Sendable` wrapper because a BIO_METHOD is immutable after
    /// setup and OpenSSL only reads it.
    private struct Method: @unchecked Sendable { let pointer: OpaquePointer }

    private static let method: Method = {
        let m = BIO_meth_new(BIO_get_new_index() | coss_BIO_TYPE_SOURCE_SINK(), "osswire-socket")!
        _ = BIO_meth_set_write(m) { bio, data, len -> Int32 in
            let box = Unmanaged<SocketBIO>.fromOpaque(BIO_get_data(bio)!).takeUnretainedValue()
            coss_BIO_clear_retry_flags(bio)
            guard let data, len > 0 else { return 0 }
            var retry = false
            let n = box.write(data, Int(len), retryWrite: &retry)
            if retry { coss_BIO_set_retry_write(bio) }
            return Int32(n)
        }
        _ = BIO_meth_set_read(m) { bio, data, len -> Int32 in
            let box = Unmanaged<SocketBIO>.fromOpaque(BIO_get_data(bio)!).takeUnretainedValue()
            coss_BIO_clear_retry_flags(bio)
            while true {
                let n = recv(box.socket.fd, data, Int(len), 0)
                if n >= 0 { return Int32(n) }
                let e = errno
                if e == EINTR { continue }
                box.lastErrno = e
                if e == EAGAIN || e == EWOULDBLOCK { coss_BIO_set_retry_read(bio) }
                return -1
            }
        }
        _ = BIO_meth_set_ctrl(m) { bio, cmd, _, _ -> Int in
            guard cmd == coss_BIO_CTRL_FLUSH() else { return 0 }
            let box = Unmanaged<SocketBIO>.fromOpaque(BIO_get_data(bio)!).takeUnretainedValue()
            coss_BIO_clear_retry_flags(bio)
            switch box.flush() {
            case .done: return 1
            case .wouldBlock:
                coss_BIO_set_retry_write(bio)
                return -1
            case .failed: return -1
            }
        }
        _ = BIO_meth_set_create(m) { bio -> Int32 in
            BIO_set_init(bio, 1)
            return 1
        }
        _ = BIO_meth_set_destroy(m) { _ -> Int32 in 1 }
        return Method(pointer: m)
    }()

    /// A BIO reading and writing `self.socket`. `self` must outlive it.
    func makeBIO() -> OpaquePointer? {
        guard let bio = BIO_new(Self.method.pointer) else { return nil }
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        return bio
    }
}
