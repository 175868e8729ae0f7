import OSSCore

/// A `StreamConnector` that reaches every endpoint through an HTTP proxy.
///
/// - TLS endpoints: a TCP connection to the proxy, a `CONNECT host:port` tunnel (RFC 9110
///   §9.3.6), then the TLS handshake over the tunnel with SNI and certificate verification for
///   the *target* host. The proxy sees only ciphertext.
/// - Plain endpoints: a TCP connection to the proxy itself; the caller sends absolute-form
///   requests (RFC 9112 §3.2.2) with its own `Proxy-Authorization`.
///
/// `connectTimeout` bounds DNS, connect, tunnel and handshake together. The `CancellationSignal`
/// and task cancellation shut the socket down at once in every phase; the call then throws
/// `TransportError` with phase `.aborted`. Timings: `dns` and `connect` concern the proxy,
/// `proxyTunnel` the CONNECT exchange, `tlsHandshake` the handshake with the target.
///
/// The proxy credentials never appear in an error or a description.
public struct ProxyConnector: StreamConnector, CustomStringConvertible, CustomDebugStringConvertible {
    /// The proxy's host name or IP literal.
    public let proxyHost: String
    /// The proxy's port.
    public let proxyPort: Int
    /// The `Proxy-Authorization` value sent with `CONNECT` (`Basic ...`); never printed.
    private let proxyAuthorization: String?
    /// The largest proxy answer head read before giving up.
    static let maxResponseHead = 16 * 1024

    /// A connector through `proxyHost:proxyPort`.
    /// - Parameter proxyAuthorization: the whole `Proxy-Authorization` field value, for example
    ///   `ProxyConnector.basicAuthorization(username:password:)`; `nil` sends none.
    public init(proxyHost: String, proxyPort: Int, proxyAuthorization: String? = nil) {
        self.proxyHost = proxyHost
        self.proxyPort = proxyPort
        self.proxyAuthorization = proxyAuthorization
    }

    /// The `Basic` credentials field value (RFC 7617): `Basic base64(user:password)`.
    public static func basicAuthorization(username: String, password: String) -> String {
        "Basic " + Base64.encode(Array((username + ":" + password).utf8))
    }

    public var description: String {
        let auth = proxyAuthorization == nil ? "" : ", with credentials"
        return "ProxyConnector(\(Self.authority(proxyHost, proxyPort))\(auth))"
    }

    public var debugDescription: String { description }

    public func connect(
        to endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, signal: CancellationSignal?
    ) async throws -> (any ByteStream, ConnectTimings) {
        try await ConnectCancellation.run(signal: signal) { cancel in
            try await connect(endpoint, tls: tls, connectTimeout: connectTimeout, cancel: cancel)
        }
    }

    private func connect(
        _ endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, cancel: ConnectCancellation
    ) async throws -> (any ByteStream, ConnectTimings) {
        if endpoint.tls { try checkTunnelRequest(endpoint) }
        var timings = ConnectTimings()
        let deadline = connectTimeout.map { ContinuousClock.now + $0 }
        let proxy = Endpoint(host: proxyHost, port: proxyPort, tls: false)
        let tcp = try await SocketConnector().connectTCP(
            proxy, deadline: deadline, timeout: connectTimeout, cancel: cancel, timings: &timings)
        guard endpoint.tls else { return (tcp, timings) }
        let stream = try await cancel.whileAttached(tcp) {
            let tunnelStart = ContinuousClock.now
            do {
                try await openTunnel(over: tcp, to: endpoint, deadline: deadline, timeout: connectTimeout)
            } catch {
                tcp.close()
                throw error
            }
            timings.proxyTunnel = tunnelStart.duration(to: .now)
            return try await SocketConnector.handshake(
                over: tcp, for: endpoint, tls: tls, deadline: deadline, timings: &timings)
        }
        return (stream, timings)
    }

    /// Refuses a target or credentials that would break the request head (CR, LF, controls).
    private func checkTunnelRequest(_ endpoint: Endpoint) throws(TransportError) {
        func clean(_ s: String) -> Bool { !s.utf8.contains { $0 < 0x20 || $0 == 0x7F } }
        guard (0...65535).contains(endpoint.port), !endpoint.host.isEmpty, clean(endpoint.host),
            !endpoint.host.contains(" ")
        else {
            throw TransportError(phase: .configuration, message: "invalid tunnel target \(endpoint)")
        }
        if let proxyAuthorization, !clean(proxyAuthorization) {
            throw TransportError(
                phase: .configuration, message: "the proxy credentials hold control characters (not shown)")
        }
    }

    /// `host:port`, IPv6 literals in brackets.
    static func authority(_ host: String, _ port: Int) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Sends `CONNECT` and reads the proxy's answer head; returns once a 2xx came.
    private func openTunnel(
        over tcp: TCPStream, to endpoint: Endpoint, deadline: ContinuousClock.Instant?, timeout: Duration?
    ) async throws {
        let target = Self.authority(endpoint.host, endpoint.port)
        let proxy = Self.authority(proxyHost, proxyPort)
        // RFC 9110 §9.3.6: the request target is the authority form; Host carries the same.
        var head = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let proxyAuthorization { head += "Proxy-Authorization: \(proxyAuthorization)\r\n" }
        head += "\r\n"
        let io = TunnelIO(tcp: tcp, deadline: deadline, timeout: timeout, proxy: proxy)
        try await io.write(Array(head.utf8))
        let answer = try await io.readHead(limit: Self.maxResponseHead)
        let status = try ProxyAnswer.parse(answer.head, proxy: proxy)
        guard (200...299).contains(status.code) else {
            var reason = status.reason
            if let token = proxyAuthorization?.split(separator: " ").last, reason.contains(token) { reason = "" }
            let hint = status.code == 407 ? " (proxy authentication required: check the proxy user name and password)" : ""
            throw TransportError(
                phase: .connect,
                message: "proxy \(proxy) refused the tunnel to \(target): HTTP \(status.code)"
                    + (reason.isEmpty ? "" : " \(reason)") + hint)
        }
        // The TLS client speaks first, so nothing may follow a 2xx head yet.
        guard answer.extra == 0 else {
            throw TransportError(
                phase: .connect, message: "proxy \(proxy) sent \(answer.extra) unexpected bytes after accepting the tunnel")
        }
    }
}

/// The status line of a proxy's answer to `CONNECT`.
struct ProxyAnswer {
    let code: Int
    /// The reason phrase, printable ASCII only, at most 80 characters.
    let reason: String

    /// Parses `HTTP/1.x SP 3DIGIT SP reason` (RFC 9112 §4) from the head's first line.
    static func parse(_ head: [UInt8], proxy: String) throws(TransportError) -> ProxyAnswer {
        let lineEnd = head.firstIndex(of: UInt8(ascii: "\r")) ?? head.firstIndex(of: UInt8(ascii: "\n")) ?? head.count
        let line = head[..<lineEnd]
        let bad = TransportError(phase: .connect, message: "proxy \(proxy) answered CONNECT with something not HTTP/1.x")
        guard line.count >= 12, line.starts(with: Array("HTTP/1.".utf8)), line[line.startIndex + 8] == UInt8(ascii: " ")
        else { throw bad }
        let digits = line[(line.startIndex + 9)..<(line.startIndex + 12)]
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }) else { throw bad }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let rest = line.dropFirst(13)
        let reason = String(decoding: rest.filter { (0x20...0x7E).contains($0) }.prefix(80), as: UTF8.self)
        return ProxyAnswer(code: code, reason: reason)
    }
}

/// Reads and writes the CONNECT exchange on the raw socket, bounded by the connect deadline (the
/// stream's own idle timeout does not apply here).
private struct TunnelIO {
    let tcp: TCPStream
    let deadline: ContinuousClock.Instant?
    let timeout: Duration?
    let proxy: String

    private var timeoutError: TransportError {
        .timeout("tunnel through proxy \(proxy) timed out after \(timeout ?? .zero)")
    }

    private func failure(_ what: String, _ error: SystemError) -> TransportError {
        TransportError(phase: .connect, errno: error.errno, message: "\(what) proxy \(proxy) failed: \(error.message)")
    }

    func write(_ bytes: [UInt8]) async throws {
        let socket = tcp.socket
        var offset = 0
        while offset < bytes.count {
            if socket.isAborted { throw socket.abortError }
            let result: IOResult<Int>
            do {
                result = try bytes.withUnsafeBytes { b throws(SystemError) in
                    try Syscall.send(socket.fd, UnsafeRawBufferPointer(rebasing: b[offset...]))
                }
            } catch let error as SystemError {
                if socket.isAborted { throw socket.abortError }
                throw failure("CONNECT to", error)
            }
            switch result {
            case .done(let n): offset += n
            case .wouldBlock: try await socket.wait(.write, deadline: deadline, timeoutError: timeoutError)
            }
        }
    }

    /// Reads up to the blank line ending the head.
    /// - Returns: the head, and how many bytes came after it.
    func readHead(limit: Int) async throws -> (head: [UInt8], extra: Int) {
        let socket = tcp.socket
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if socket.isAborted { throw socket.abortError }
            let result: IOResult<Int>
            do {
                result = try chunk.withUnsafeMutableBytes { b throws(SystemError) in try Syscall.recv(socket.fd, b) }
            } catch let error as SystemError {
                if socket.isAborted { throw socket.abortError }
                throw failure("reading the answer of", error)
            }
            switch result {
            case .done(0):
                if socket.isAborted { throw socket.abortError }
                throw TransportError(
                    phase: .connect, message: "proxy \(proxy) closed the connection before answering CONNECT")
            case .done(let n):
                let from = max(0, buffer.count - 3)
                buffer.append(contentsOf: chunk[0..<n])
                if let end = Self.headEnd(buffer, from: from) {
                    return (Array(buffer[..<end]), buffer.count - end)
                }
                if buffer.count > limit {
                    throw TransportError(
                        phase: .connect, message: "proxy \(proxy) answered CONNECT with a head over \(limit) bytes")
                }
            case .wouldBlock:
                try await socket.wait(.read, deadline: deadline, timeoutError: timeoutError)
            }
        }
    }

    /// The index just past `\r\n\r\n` (or a bare `\n\n`, RFC 9112 §2.2), searching from `from`.
    static func headEnd(_ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i < b.count {
            if b[i] == 0x0A {
                if i + 1 < b.count, b[i + 1] == 0x0A { return i + 2 }
                if i + 2 < b.count, b[i + 1] == 0x0D, b[i + 2] == 0x0A { return i + 3 }
            }
            i += 1
        }
        return nil
    }
}
