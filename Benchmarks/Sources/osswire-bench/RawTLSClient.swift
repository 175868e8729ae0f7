import CBenchOpenSSL
import Glibc

/// The TLS reference writer: OpenSSL's SSL_write straight on a connected socket, no
/// verification (the bench server's certificate is self-signed). Not OSSTransport.
final class RawTLSClient {
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    init(fd: Int32) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Sockets.Failure("SSL_CTX_new", EINVAL) }
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw Sockets.Failure("SSL_new", EINVAL)
        }
        self.context = context
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        guard SSL_connect(ssl) == 1 else { throw Sockets.Failure("SSL_connect", EPROTO) }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = SSL_write(ssl, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, 1 << 30)))
            if n <= 0 { return false }
            offset += Int(n)
        }
        return true
    }

    func readResponseHead() -> String? {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && head.suffix(4) == [13, 10, 13, 10]) {
            guard SSL_read(ssl, &byte, 1) == 1 else { return nil }
            head.append(byte)
        }
        return String(decoding: head, as: UTF8.self)
    }
}
