import OSSCore
import OSSTestSupport
@testable import OSSTransport

/// Reads until the end of the stream (or an error, which is returned alongside the bytes).
func readAll(_ stream: any ByteStream, limit: Int = 256 << 20) async -> (bytes: [UInt8], error: (any Error)?) {
    var out: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    defer { buffer.deallocate() }
    do {
        while out.count < limit {
            let n = try await stream.read(into: buffer)
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return (out, nil)
    } catch {
        return (out, error)
    }
}

/// Counts bytes until the end of the stream or an error.
func drainCount(_ stream: any ByteStream) async -> Int {
    var total = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        guard let n = try? await stream.read(into: buffer), n > 0 else { return total }
        total += n
    }
}

/// Reads exactly `count` bytes.
func readExactly(_ stream: any ByteStream, _ count: Int) async throws -> [UInt8] {
    var out: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
    defer { buffer.deallocate() }
    while out.count < count {
        let n = try await stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(count - out.count)]))
        if n == 0 { throw TransportError(phase: .closed, message: "EOF after \(out.count) bytes") }
        out.append(contentsOf: buffer[0..<n])
    }
    return out
}

/// The transport error a call threw, or nil.
func transportError(_ body: @Sendable () async throws -> Void) async -> TransportError? {
    do {
        try await body()
        return nil
    } catch let e as TransportError {
        return e
    } catch {
        return TransportError(phase: .configuration, message: "unexpected error type: \(error)")
    }
}

/// A listener whose accept queue is full (backlog 0, filled and never accepted), so a further
/// connect hangs in SYN-SENT: for connect-timeout and abort-during-connect tests without
/// touching any non-loopback address.
final class FullBacklog {
    let listener: TCPListener
    private(set) var fillers: [TCPStream] = []

    init() async throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0, backlog: 0)
        let connector = SocketConnector()
        for _ in 0..<16 {
            do {
                let s = try await connector.connectTCP(
                    host: "127.0.0.1", port: listener.localPort,
                    connectTimeout: .milliseconds(250))
                fillers.append(s)
            } catch let e as TransportError where e.phase == .timeout {
                return
            }
        }
        throw TransportError(phase: .configuration, message: "the accept queue never filled")
    }

    var port: Int { listener.localPort }

    func close() {
        for s in fillers { s.close() }
        fillers.removeAll()
        listener.close()
    }
}

/// A connected loopback TCP pair: `client` from `SocketConnector.connectTCP`, `server` accepted
/// by a fresh listener on 127.0.0.1 (its port is the third argument). Both streams and the
/// listener are closed after `body`; closing twice is harmless, so `body` may close either.
/// Connects with `connect` while `listener` accepts, and returns both ends. When the connect
/// fails (a connect timeout on a loaded machine), the listener is closed and a connection it did
/// accept is closed too, so the failure is reported instead of tripping TCPStream's leak assertion.
func connectWhileAccepting<C>(
    _ listener: TCPListener, _ connect: () async throws -> C
) async throws -> (client: C, server: TCPStream) {
    async let accepted = listener.accept()
    let client: C
    do {
        client = try await connect()
    } catch {
        listener.close()
        (try? await accepted)?.close()
        throw error
    }
    return (client, try await accepted)
}

func withTCPPair<T>(
    _ body: (_ client: TCPStream, _ server: TCPStream, _ port: Int) async throws -> T
) async throws -> T {
    let listener = try TCPListener()
    defer { listener.close() }
    let (client, server) = try await connectWhileAccepting(listener) {
        try await SocketConnector().connectTCP(host: "127.0.0.1", port: listener.localPort)
    }
    defer { client.close() }
    defer { server.close() }
    return try await body(client, server, listener.localPort)
}

/// A connected TLS pair: an in-process `TLSListener` with the shared test certificates, and a
/// client that connects to `host` through `SocketConnector` and verifies against their CA. Both
/// streams and the listener are closed after `body`.
func withTLSPair<T>(
    host: String = "localhost",
    _ body: (_ client: any ByteStream, _ server: TLSStream, _ timings: ConnectTimings) async throws -> T
) async throws -> T {
    let certs = try await CertificateFactory.shared()
    let listener = try TLSListener(certificateFile: certs.server.certificate, privateKeyFile: certs.server.key)
    defer { listener.close() }
    async let accepted = listener.accept()
    var tls = TLSConfiguration()
    tls.caFile = certs.caFile
    let client: any ByteStream
    let timings: ConnectTimings
    do {
        (client, timings) = try await SocketConnector().connect(
            to: Endpoint(host: host, port: listener.localPort, tls: true), tls: tls, connectTimeout: .seconds(60),
            signal: nil)
    } catch {
        listener.close()
        (try? await accepted)?.close()
        throw error
    }
    defer { client.close() }
    let server = try await accepted
    defer { server.close() }
    return try await body(client, server, timings)
}
