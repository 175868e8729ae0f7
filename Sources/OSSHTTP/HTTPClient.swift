import OSSCore
import OSSTransport

/// An HTTP/1.1 client with a keep-alive pool, per-request metrics and cancellation that shuts the
/// socket down at once.
///
/// Every request gets a `CancellationSignal`; Swift task cancellation, `disableRequests()`, an
/// optional total deadline and an optional caller signal all fire it, and firing it aborts the
/// request's stream from the firing thread, whatever the request is doing (connecting,
/// handshaking, writing to a peer that stopped reading, reading).
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    let connector: any StreamConnector
    let pool: ConnectionPool

    private struct Control {
        var enabled = true
        var inflight: [Int: CancellationSignal] = [:]
        var nextID = 0
    }

    private let control = PThreadMutex(Control())

    /// - Parameters:
    ///   - configuration: pool size, timeouts, TLS.
    ///   - connector: opens streams: `SocketConnector()` (TCP and TLS sockets) unless a test gives an
    ///     in-memory one.
    public init(
        configuration: HTTPClientConfiguration = HTTPClientConfiguration(),
        connector: any StreamConnector = SocketConnector()
    ) {
        self.configuration = configuration
        self.connector = connector
        self.pool = ConnectionPool(
            maxPerHost: configuration.maxConnectionsPerHost, idleExpiry: configuration.idleConnectionExpiry)
    }

    // MARK: - The client-wide switch

    /// Stops every request: those in flight now fail with `HTTPClientError.abortedInFlight`
    /// (`ClientError:200042`) at once, and new ones fail with `.requestsDisabled` (`ClientError:100002`)
    /// without touching the network, until `enableRequests()`.
    ///
    /// The in-flight requests' signals are fired before this returns, so an immediate
    /// `enableRequests()` does not rescue them.
    public func disableRequests() {
        let signals = control.withLock { c -> [CancellationSignal] in
            c.enabled = false
            return Array(c.inflight.values)
        }
        for s in signals { s.cancel(.disabled) }
    }

    /// Lets requests run again after `disableRequests()`.
    public func enableRequests() {
        control.withLock { $0.enabled = true }
    }

    /// Whether requests may start.
    public var requestsEnabled: Bool { control.withLock { $0.enabled } }

    /// Requests currently in flight.
    public var inFlightCount: Int { control.withLock { $0.inflight.count } }

    /// Closes the idle pooled connections.
    public func closeIdleConnections() {
        pool.closeIdle()
    }

    private func register(_ signal: CancellationSignal) throws(HTTPClientError) -> Int {
        try control.withLock { c throws(HTTPClientError) -> Int in
            guard c.enabled else { throw HTTPClientError.requestsDisabled }
            c.nextID += 1
            c.inflight[c.nextID] = signal
            return c.nextID
        }
    }

    private func unregister(_ id: Int) {
        _ = control.withLock { $0.inflight.removeValue(forKey: id) }
    }

    // MARK: - Requests

    /// Sends a request and collects the response body in memory.
    /// - Parameters:
    ///   - request: the request; validated before anything is sent.
    ///   - signal: an extra cancel source (an upload handle's pause or abort); optional.
    /// - Returns: head, body and metrics.
    /// - Throws: `HTTPClientError`.
    public func execute(_ request: HTTPRequest, signal: CancellationSignal? = nil) async throws -> HTTPResponse {
        try await execute(request, signal: signal) { response in
            let body = try await response.collect()
            return HTTPResponse(head: response.head, body: body, metrics: response.metrics)
        }
    }

    /// Sends a request and hands the response head and a body reader to `handler`.
    ///
    /// The request stays cancellable while `handler` runs. If `handler` returns before reading the
    /// body to its end, the connection is closed rather than kept.
    /// - Throws: `HTTPClientError`, or what `handler` throws.
    public func execute<T>(
        _ request: HTTPRequest, signal external: CancellationSignal? = nil,
        handler: (HTTPStreamingResponse) async throws -> T
    ) async throws -> T {
        let (head, framing): ([UInt8], HTTPRequestEncoder.Framing)
        do {
            (head, framing) = try HTTPRequestEncoder.encodeHead(request)
        } catch {
            throw HTTPClientError(.invalidRequest, error.message)
        }
        let signal = CancellationSignal()
        let id = try register(signal)
        defer { unregister(id) }
        let externalKey = external?.onCancel { reason in signal.cancel(reason) }
        defer { external?.remove(externalKey) }
        var deadlineTask: Task<Void, Never>? = nil
        if let total = configuration.totalTimeout {
            deadlineTask = Task {
                try? await Task.sleep(for: total)
                if !Task.isCancelled { signal.cancel(.deadline) }
            }
        }
        defer { deadlineTask?.cancel() }
        let context = RequestContext(signal: signal)
        do {
            return try await withTaskCancellationHandler {
                try await run(request, head: head, framing: framing, context: context, handler: handler)
            } onCancel: {
                signal.cancel(.taskCancelled)
            }
        } catch let error as HandlerError {
            throw error.underlying
        }
    }

    private func run<T>(
        _ request: HTTPRequest, head: [UInt8], framing: HTTPRequestEncoder.Framing, context: RequestContext,
        handler: (HTTPStreamingResponse) async throws -> T
    ) async throws -> T {
        let signal = context.signal
        var attempt = 0
        while true {
            if signal.isCancelled { throw context.fail(CancellationError()) }
            // A slot and a connection.
            let connection: HTTPConnection
            let reused: Bool
            do {
                if let idle = try await pool.acquire(request.endpoint, signal: signal) {
                    connection = idle
                    reused = true
                } else {
                    reused = false
                    do {
                        let (stream, timings) = try await connector.connect(
                            to: request.endpoint, tls: configuration.tls,
                            connectTimeout: configuration.connectTimeout, signal: signal)
                        connection = HTTPConnection(
                            stream: stream, endpoint: request.endpoint, timings: timings,
                            limits: configuration.parserLimits)
                    } catch {
                        pool.release(nil, endpoint: request.endpoint, reuse: false)
                        throw error
                    }
                }
            } catch {
                throw context.fail(error)
            }
            context.beginAttempt(connection: connection, reused: reused)
            let key = signal.onCancel { [stream = connection.stream] _ in stream.abort() }
            do {
                connection.stream.idleTimeout = configuration.idleTimeout
                connection.requestCount += 1
                let exchange = Exchange(
                    client: self, connection: connection, request: request, context: context)
                let (value, clean) = try await exchange.run(head: head, framing: framing, handler: handler)
                signal.remove(key)
                // After the handler is removed, a fired signal means it may have aborted the stream.
                let reuse = clean && !signal.isCancelled && connection.parser.canReuseConnection
                    && !request.headers.containsToken("close", in: "Connection")
                pool.release(connection, endpoint: request.endpoint, reuse: reuse)
                return value
            } catch let error as HandlerError {
                signal.remove(key)
                pool.release(connection, endpoint: request.endpoint, reuse: false)
                throw error
            } catch {
                signal.remove(key)
                pool.release(connection, endpoint: request.endpoint, reuse: false)
                if attempt == 0 && reused && configuration.retryStaleConnections && !signal.isCancelled
                    && !context.responseStarted && Self.isStaleConnectionFailure(error)
                    && ((request.body.isRewindable && request.retriesStaleConnectionMidBody) || !context.bodyStarted)
                    && (request.method.isIdempotent || request.body.isRewindable)
                {
                    attempt += 1
                    context.metrics.retried = true
                    continue
                }
                throw context.fail(error)
            }
        }
    }

    /// A failure that a kept-alive connection closed by the server produces before any response.
    static func isStaleConnectionFailure(_ error: any Error) -> Bool {
        if let t = error as? TransportError { return t.phase != .timeout && t.phase != .aborted }
        if let p = error as? HTTPParserError { return p == .connectionClosed }
        return false
    }
}

/// An error thrown by the caller's response handler, passed through untouched.
struct HandlerError: Error {
    let underlying: any Error
}

/// Per-request state shared by the attempt loop, the exchange and the body reader. One task only.
final class RequestContext {
    let signal: CancellationSignal
    let start = ContinuousClock.now
    var metrics = HTTPMetrics()
    var bodyStarted = false
    var bodyFullySent = false
    var responseStarted = false

    init(signal: CancellationSignal) {
        self.signal = signal
    }

    func beginAttempt(connection: HTTPConnection, reused: Bool) {
        bodyStarted = false
        bodyFullySent = false
        responseStarted = false
        metrics.connectionReused = reused
        metrics.remoteAddress = connection.timings.remoteAddress
        if reused {
            metrics.dns = .zero
            metrics.connect = .zero
            metrics.tlsHandshake = .zero
        } else {
            metrics.dns = connection.timings.dns
            metrics.connect = connection.timings.connect
            metrics.tlsHandshake = connection.timings.tlsHandshake
        }
    }

    /// Turns any failure into the `HTTPClientError` the caller sees. A fired signal wins: its reason
    /// says why the stream broke.
    func fail(_ error: any Error) -> HTTPClientError {
        if let e = error as? HTTPClientError { return e }
        let t = error as? TransportError
        let p = error as? HTTPParserError
        func make(_ code: HTTPClientError.Code, _ message: String) -> HTTPClientError {
            HTTPClientError(
                code, message, bodyFullySent: bodyFullySent, responseStarted: responseStarted, transportError: t,
                parserError: p)
        }
        if let reason = signal.reason {
            switch reason {
            case .disabled: return make(.abortedInFlight, "the request was aborted in flight: requests disabled")
            case .deadline: return make(.timeout, "the request's total deadline passed")
            default: return make(.cancelled, "the request was cancelled (\(reason))")
            }
        }
        if let t {
            return make(t.phase == .timeout ? .timeout : .transport, t.phase == .timeout ? "timed out" : "connection failed")
        }
        if p != nil { return make(.parse, "the response was malformed") }
        if error is CancellationError { return make(.cancelled, "the request was cancelled") }
        if let s = error as? SystemError { return make(.bodySource, "reading the request body failed: \(s)") }
        if let v = error as? HTTPValidationError { return make(.invalidRequest, v.message) }
        return make(.bodySource, "the request body failed: \(error)")
    }
}
