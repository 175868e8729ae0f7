import CBenchOpenSSL
import Foundation
import Glibc

/// The reference HTTP server: accepts PUTs on 127.0.0.1, reads and drops each body, answers
/// 200 and keeps the connection. Raw Glibc sockets (optionally OpenSSL) on its own threads,
/// sharing nothing with the client under test.
final class DiscardServer: @unchecked Sendable {
    // @unchecked Sendable: `listenFD`, `port` and `tls` are set in init and never change;
    // the mutable connection set is only touched under `lock`.
    let port: UInt16
    let tls: TLSServerContext?
    private let listenFD: Int32
    private let lock = NSCondition()
    private var connections: Set<Int32> = []
    private var threads = 0
    private var stopping = false
    /// Bytes of request bodies read, all connections.
    private var bodyBytes: UInt64 = 0
    private var acceptCount = 0
    /// CPU seconds the connection threads spent, counted before each response is sent.
    private var cpuSeconds = 0.0

    init(tls: TLSServerContext? = nil) throws {
        (listenFD, port) = try Sockets.listenLoopback()
        self.tls = tls
        threads = 1
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var scheme: String { tls == nil ? "http" : "https" }
    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    /// Connections accepted so far.
    var connectionsAccepted: Int {
        lock.lock()
        defer { lock.unlock() }
        return acceptCount
    }

    /// CPU seconds spent serving so far (all connections), complete for every answered request,
    /// so a client's own CPU time is the process's less this.
    var serverCPU: Double {
        lock.lock()
        defer { lock.unlock() }
        return cpuSeconds
    }

    var bytesReceived: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return bodyBytes
    }

    /// Stops accepting, shuts every connection down and waits for all threads to finish.
    func stop() {
        lock.lock()
        stopping = true
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        while threads > 0 { lock.wait() }
        lock.unlock()
        close(listenFD)
    }

    private func threadExit() {
        lock.lock()
        threads -= 1
        lock.broadcast()
        lock.unlock()
    }

    private func acceptLoop() {
        defer { threadExit() }
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            lock.lock()
            if stopping {
                lock.unlock()
                close(fd)
                return
            }
            connections.insert(fd)
            acceptCount += 1
            threads += 1
            lock.unlock()
            Thread.detachNewThread { [self] in
                serve(fd)
                lock.lock()
                connections.remove(fd)
                lock.unlock()
                close(fd)
                threadExit()
            }
        }
    }

    private func serve(_ fd: Int32) {
        var cpuMark = CPUTime.thread()
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connection: any ServerConnection
        if let tls {
            guard let secure = TLSServerConnection(context: tls, fd: fd) else { return }
            connection = secure
        } else {
            connection = PlainConnection(fd: fd)
        }
        defer { connection.finish() }

        let capacity = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            // Request head: RFC 9112 §2.1, up to the empty line.
            var headEnd: Int? = nil
            while headEnd == nil {
                headEnd = Self.endOfHead(buffer, filled)
                if headEnd != nil { break }
                guard filled < capacity else { return }
                let n = connection.read(UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n <= 0 { return }
                filled += n
            }
            // The fields it needs, found on the bytes (a String and Foundation parse per request
            // cost more than a small PUT's whole client side).
            let fields = Self.scanHead(UnsafeRawBufferPointer(rebasing: buffer[0..<headEnd!]))
            if fields.chunked {
                _ = connection.write("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            }
            let contentLength = fields.contentLength
            let expectContinue = fields.expectContinue
            if expectContinue && !connection.write("HTTP/1.1 100 Continue\r\n\r\n") { return }

            // Body (RFC 9112 §6.2): what already arrived with the head, then the rest.
            let early = min(filled - headEnd!, contentLength)
            var remaining = contentLength - early
            let leftoverStart = headEnd! + early
            var body = UInt64(early)
            if remaining == 0 {
                let left = filled - leftoverStart
                if left > 0 {
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + leftoverStart, byteCount: left)
                }
                filled = left
            } else {
                filled = 0
                while remaining > 0 {
                    let n = connection.read(
                        UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(capacity, remaining)]))
                    if n <= 0 { return }
                    remaining -= n
                    body += UInt64(n)
                }
            }
            lock.lock()
            bodyBytes += body
            lock.unlock()
            if !connection.write(Self.okResponse) { return }
            // Counted after the response went out (its send is the server's cost, not the
            // client's); a reader may miss the last response's share, a few microseconds.
            let cpuNow = CPUTime.thread()
            lock.lock()
            cpuSeconds += cpuNow - cpuMark
            lock.unlock()
            cpuMark = cpuNow
        }
    }

    static let okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-oss-request-id: 00000000000000000000BE7C\r\n\r\n"

    /// Content-Length, `Expect: 100-continue` and `Transfer-Encoding` of a request head, matched
    /// case-insensitively on the bytes (RFC 9110 §5.1).
    static func scanHead(_ head: UnsafeRawBufferPointer) -> (contentLength: Int, expectContinue: Bool, chunked: Bool) {
        var contentLength = 0, expectContinue = false, chunked = false
        var lineStart = 0
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }
        func hasPrefix(_ at: Int, _ end: Int, _ name: StaticString) -> Bool {
            let n = name.utf8CodeUnitCount
            guard end - at >= n else { return false }
            let p = name.utf8Start
            for i in 0..<n where lower(head[at + i]) != p[i] { return false }
            return true
        }
        while lineStart < head.count {
            var lineEnd = lineStart
            while lineEnd < head.count && head[lineEnd] != 10 { lineEnd += 1 }
            if hasPrefix(lineStart, lineEnd, "content-length:") {
                var value = 0
                for i in (lineStart + 15)..<lineEnd where head[i] >= 48 && head[i] <= 57 {
                    value = value * 10 + Int(head[i] - 48)
                }
                contentLength = value
            } else if hasPrefix(lineStart, lineEnd, "expect:") {
                expectContinue = true
            } else if hasPrefix(lineStart, lineEnd, "transfer-encoding:") {
                chunked = true
            }
            lineStart = lineEnd + 1
        }
        return (contentLength, expectContinue, chunked)
    }

    private static func endOfHead(_ buffer: UnsafeMutableRawBufferPointer, _ filled: Int) -> Int? {
        guard filled >= 4 else { return nil }
        for i in 0...(filled - 4)
        where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}

protocol ServerConnection {
    /// Bytes read into `buffer`; 0 at end of stream, negative on error.
    func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int
    func write(_ text: String) -> Bool
    /// Ends the session (the owner closes the descriptor afterwards).
    func finish()
}

struct PlainConnection: ServerConnection {
    let fd: Int32

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    func write(_ text: String) -> Bool { Sockets.sendAll(fd, text) }
    func finish() {}
}

/// A server-side SSL_CTX with a throwaway self-signed certificate for 127.0.0.1.
final class TLSServerContext: @unchecked Sendable {
    // @unchecked Sendable: the SSL_CTX is configured once in init and then only used to
    // create SSL objects, which OpenSSL allows from any thread.
    let context: OpaquePointer
    let directory: String

    /// Makes a key and certificate with the openssl command in a temporary directory.
    init() throws {
        directory = NSTemporaryDirectory() + "osswire-bench-tls-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = directory + "/key.pem", cert = directory + "/cert.pem"
        try Processes.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        guard let ctx = SSL_CTX_new(TLS_server_method()),
            SSL_CTX_use_certificate_chain_file(ctx, cert) == 1,
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1
        else { throw Sockets.Failure("TLS server context", EINVAL) }
        // Read ahead into a 256 KiB buffer: one recv(2) brings many records, where the default
        // takes two per record (header, then body). The server decrypts on the same two cores
        // the client encrypts on, so its cost per record must stay well below either client's.
        _ = SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, nil)
        SSL_CTX_set_default_read_buffer_len(ctx, 256 * 1024)
        context = ctx
    }

    deinit {
        SSL_CTX_free(context)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

final class TLSServerConnection: ServerConnection {
    private let ssl: OpaquePointer

    init?(context: TLSServerContext, fd: Int32) {
        guard let ssl = SSL_new(context.context) else { return nil }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        if SSL_accept(ssl) != 1 {
            SSL_free(ssl)
            return nil
        }
    }

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        Int(SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max)))))
    }

    func write(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { SSL_write(ssl, $0.baseAddress, Int32($0.count)) == Int32($0.count) }
    }

    func finish() {
        SSL_free(ssl)
    }
}
