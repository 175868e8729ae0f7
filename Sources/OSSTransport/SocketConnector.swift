import Glibc
internal import CLinuxShims
import OSSCore

/// The default `StreamConnector`: resolves (off the cooperative pool), connects to each address
/// in turn until one answers, and runs the TLS handshake for `https` endpoints.
///
/// `connectTimeout` bounds DNS + connect + handshake together. The `CancellationSignal` and
/// task cancellation shut the socket being connected down at once; the call then throws
/// `TransportError` with phase `.aborted`.
///
/// Every socket it opens holds at most `unsentLimit` bytes that the kernel has not yet sent
/// (`TCP_NOTSENT_LOWAT`): a write to a peer that stopped reading blocks once that much waits,
/// instead of once the send buffer (autotuned up to `tcp_wmem`'s 4 MiB) is full. What is in
/// flight, sent but not yet acknowledged, is not limited, so a long fat link still fills. The
/// unsent bytes are what a cancel throws away: the reset that aborts a request frees them
/// before it returns, so the fewer there are, the sooner a cancelled call returns
/// (`osswire-bench cancel`); they are counted as never sent.
public struct SocketConnector: StreamConnector {
    /// The unsent bytes a socket may hold (`TCP_NOTSENT_LOWAT`); nil: the kernel's send buffer
    /// alone limits them.
    public var unsentLimit: Int?
    /// 512 KiB: a 1 GiB PUT to a local C server ran as fast as with no limit (paired runs), and
    /// 256 KiB cost it 14%.
    public static let defaultUnsentLimit = 512 << 10

    /// A connector whose sockets hold at most `unsentLimit` unsent bytes (nil: no limit but the
    /// send buffer; a value below 1 counts as 1).
    public init(unsentLimit: Int? = SocketConnector.defaultUnsentLimit) {
        self.unsentLimit = unsentLimit
    }

    public func connect(
        to endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, signal: CancellationSignal?
    ) async throws -> (any ByteStream, ConnectTimings) {
        try await ConnectCancellation.run(signal: signal) { cancel in
            try await connect(endpoint, tls: tls, connectTimeout: connectTimeout, cancel: cancel)
        }
    }

    /// Like `connect(to:tls:connectTimeout:signal:)`, returning the concrete TCP stream.
    public func connectTCP(host: String, port: Int, connectTimeout: Duration? = nil) async throws -> TCPStream {
        try await ConnectCancellation.run(signal: nil) { cancel in
            var timings = ConnectTimings()
            let deadline = connectTimeout.map { ContinuousClock.now + $0 }
            return try await connectTCP(
                Endpoint(host: host, port: port, tls: false), deadline: deadline, timeout: connectTimeout,
                cancel: cancel, timings: &timings)
        }
    }

    private func connect(
        _ endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, cancel: ConnectCancellation
    ) async throws -> (any ByteStream, ConnectTimings) {
        var timings = ConnectTimings()
        let deadline = connectTimeout.map { ContinuousClock.now + $0 }
        let tcp = try await connectTCP(
            endpoint, deadline: deadline, timeout: connectTimeout, cancel: cancel,
            timings: &timings)
        guard endpoint.tls else { return (tcp, timings) }
        let stream = try await cancel.whileAttached(tcp) {
            try await Self.handshake(over: tcp, for: endpoint, tls: tls, deadline: deadline, timings: &timings)
        }
        return (stream, timings)
    }

    /// The client TLS handshake over a connected `tcp` to `endpoint` (the certificate checked
    /// against `tls.serverName`, else the endpoint's host), its time put in `timings`.
    static func handshake(
        over tcp: TCPStream, for endpoint: Endpoint, tls: TLSConfiguration, deadline: ContinuousClock.Instant?,
        timings: inout ConnectTimings
    ) async throws -> TLSStream {
        let start = ContinuousClock.now
        let stream = try await TLSStream.connect(
            over: tcp, serverName: tls.serverName ?? endpoint.host, configuration: tls, deadline: deadline)
        timings.tlsHandshake = start.duration(to: .now)
        timings.tlsVersion = stream.protocolVersion
        timings.tlsCipher = stream.cipherSuite
        return stream
    }

    func connectTCP(
        _ endpoint: Endpoint, deadline: ContinuousClock.Instant?, timeout: Duration?, cancel: ConnectCancellation,
        timings: inout ConnectTimings
    ) async throws -> TCPStream {
        guard (0...65535).contains(endpoint.port) else {
            throw TransportError(phase: .configuration, message: "invalid port \(endpoint.port)")
        }
        let dnsStart = ContinuousClock.now
        let addresses = try await Resolver.resolve(
            host: endpoint.host, port: endpoint.port, deadline: deadline, cancel: cancel)
        // An IP literal skips DNS: report no DNS time rather than the parse.
        let isLiteral = addresses.count == 1 && SocketAddress(ipLiteral: endpoint.host, port: endpoint.port) != nil
        timings.dns = isLiteral ? .zero : dnsStart.duration(to: .now)
        let connectStart = ContinuousClock.now
        var lastError: TransportError?
        for address in addresses {
            if cancel.isFired { throw cancel.error }
            do {
                let stream = try await connect(to: address, deadline: deadline, timeout: timeout, cancel: cancel)
                timings.connect = connectStart.duration(to: .now)
                timings.remoteAddress = address.description
                return stream
            } catch let error as TransportError where error.phase == .connect {
                lastError = error  // refused or unreachable: try the next address
            }
        }
        throw lastError ?? TransportError(phase: .connect, message: "no address to connect to for \(endpoint.host)")
    }

    private func connect(
        to address: SocketAddress, deadline: ContinuousClock.Instant?, timeout: Duration?, cancel: ConnectCancellation
    ) async throws -> TCPStream {
        func failure(_ e: Int32) -> TransportError {
            TransportError(phase: .connect, errno: e, message: "connect to \(address) failed: \(Syscall.text(e))")
        }
        let fd: Int32
        var connected: Bool
        do {
            fd = try Syscall.socket(family: address.family)
        } catch {
            throw failure(error.errno)
        }
        Syscall.tuneStream(fd)
        if let unsentLimit { Syscall.setUnsentLimit(fd, bytes: unsentLimit) }
        do {
            connected = try Syscall.connect(fd, to: address)
        } catch {
            Syscall.close(fd)
            throw failure(error.errno)
        }
        let socket: SocketHandle
        do {
            socket = try SocketHandle(fd: fd)
        } catch {
            throw TransportError(phase: .connect, error)
        }
        let stream = TCPStream(socket: socket, remoteAddress: address.description)
        do {
            try cancel.attach(socket)
            defer { cancel.detach(socket) }
            while !connected {
                try await socket.wait(
                    .write, deadline: deadline,
                    timeoutError: .timeout("connect to \(address) timed out after \(timeout ?? .zero)"))
                let pending: Int32
                do {
                    pending = try Syscall.pendingError(fd)
                } catch {
                    throw failure(error.errno)
                }
                if pending != 0 { throw failure(pending) }
                // Writable and no error: connected, unless the wake-up was stale (not yet connected).
                connected = Syscall.isConnected(fd)
            }
            if socket.isAborted { throw socket.abortError }
        } catch {
            stream.close()
            throw error
        }
        return stream
    }
}
