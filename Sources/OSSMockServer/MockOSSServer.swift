import OSSCore
internal import OSSTransport
import Synchronization

/// The mock OSS on the network: accepts connections on a TCP listener and serves each on its
/// own task, with keep-alive and pipelining, until stopped.
///
/// ```swift
/// try await withMockServer { server in
///     let endpoint = server.endpoint   // http://127.0.0.1:PORT
/// }
/// ```
public final class MockOSSServer: Sendable {
    /// The service: store, faults, request log.
    public let service: MockOSS
    /// Where it listens (`http://127.0.0.1:PORT`).
    public let endpoint: Endpoint
    private let listener: TCPListener
    private let connections = PThreadMutex<[Int: any ByteStream]>([:])
    private let nextConnection = Atomic<Int>(0)
    private let acceptTask = PThreadMutex<Task<Void, Never>?>(nil)
    private let stopped = Atomic<Bool>(false)

    /// Starts listening and serving.
    /// - Parameter configuration: host, port (0 for a free one), credentials, storage, faults.
    /// - Throws: `TransportError` when the address cannot be bound; `MockOSSError` or
    ///   `SystemError` for a bad configuration.
    public init(configuration: MockServerConfiguration = MockServerConfiguration()) throws {
        listener = try TCPListener(
            host: configuration.host, port: configuration.port, receiveBufferSize: configuration.receiveBufferSize)
        endpoint = Endpoint(host: configuration.host, port: listener.localPort, tls: false)
        var configuration = configuration
        if configuration.advertisedEndpoint == nil, !["0.0.0.0", "::", "[::]", ""].contains(configuration.host) {
            configuration.advertisedEndpoint = endpoint.description
        }
        do {
            service = try MockOSS(configuration: configuration)
        } catch {
            listener.close()
            throw error
        }
        let task = Task { [self] in await acceptLoop() }
        acceptTask.withLock { $0 = task }
    }

    deinit {
        listener.close()
    }

    /// The configuration it runs with.
    public var configuration: MockServerConfiguration { service.configuration }

    /// The base URL (`http://127.0.0.1:PORT`).
    public var url: String { endpoint.description }

    private func acceptLoop() async {
        await withDiscardingTaskGroup { group in
            while !stopped.load(ordering: .acquiring) {
                let stream: TCPStream
                do {
                    stream = try await listener.accept()
                } catch {
                    if stopped.load(ordering: .acquiring) { break }
                    if let e = error as? TransportError, e.phase == .closed { break }
                    try? await Task.sleep(for: .milliseconds(10))
                    continue
                }
                let id = nextConnection.add(1, ordering: .relaxed).newValue
                connections.withLock { $0[id] = stream }
                if stopped.load(ordering: .acquiring) { stream.abort() }
                let service = self.service
                // The admin endpoint answers loopback peers only.
                let peer = stream.remoteAddress
                let loopback = peer.hasPrefix("127.") || peer.hasPrefix("[::1]") || peer.hasPrefix("[::ffff:127.")
                let admin: (@Sendable (MockRequest, [UInt8]) async -> MockResponse)? =
                    loopback ? { @Sendable request, _ in MockAdmin.handle(service, request) } : nil
                group.addTask {
                    let connection = MockConnection(stream: stream, service: service, admin: admin)
                    await connection.run()
                    self.connections.withLock { _ = $0.removeValue(forKey: id) }
                    stream.close()
                }
            }
        }
    }

    /// Stops accepting, aborts every open connection and waits until all are closed. Idempotent.
    public func stop() async {
        stopped.store(true, ordering: .releasing)
        listener.close()
        for s in connections.withLock({ Array($0.values) }) { s.abort() }
        let task = acceptTask.withLock { $0 }
        // Some faults wait on the clock, not on the socket (a stall, a slow receive rate, a
        // response delay), so the abort alone does not reach them: cancelling the accept task
        // cancels every serving task, which ends those waits and lets the aborted connections
        // unwind.
        task?.cancel()
        await task?.value
    }

    /// The number of connections open now.
    public var openConnections: Int { connections.withLock { $0.count } }
}

/// Runs `body` with a mock OSS server listening on a free loopback port, and stops the server
/// afterwards (also when `body` throws).
/// - Parameters:
///   - configuration: the server's settings; the port is usually left at 0.
///   - body: gets the running server (`server.endpoint`, `server.service` for faults and the log).
public func withMockServer<R: Sendable>(
    configuration: MockServerConfiguration = MockServerConfiguration(),
    _ body: (MockOSSServer) async throws -> R
) async throws -> R {
    let server = try MockOSSServer(configuration: configuration)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
