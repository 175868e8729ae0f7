import OSSCore

/// An HTTP/1.1 client with a keep-alive pool, per-request metrics and cancellation that resets the
/// connection at once: mechanism, no policy. It never retries, and it has no client-wide switch;
/// the layer above (OSSClient) decides those, and this one reports what it needs to decide
/// (``HTTPClientError/isStaleConnection``, the cause of every failure).
///
/// Every request gets a `CancellationSignal`; Swift task cancellation, the request's deadline and
/// an optional caller signal all fire it, and firing it aborts the request's stream from the
/// firing thread, whatever the request is doing (connecting, handshaking, writing to a peer that
/// stopped reading, reading).
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    let connector: any StreamConnector
    let pool: ConnectionPool

    /// - Parameters:
    ///   - configuration: pool size, timeouts, TLS.
    ///   - connector: opens streams: OSSTransport's `SocketConnector()` (TCP and TLS sockets), a
    ///     proxy tunnel, or an in-memory one in tests.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(), connector: any StreamConnector) {
        self.configuration = configuration
        self.connector = connector
        self.pool = ConnectionPool(
            maxPerHost: configuration.maxConnectionsPerHost, idleExpiry: configuration.idleConnectionExpiry)
    }

    /// Closes the idle pooled connections.
    public func closeIdleConnections() {
        pool.closeIdle()
    }

    // MARK: - Requests

    /// Sends a request and collects the response body in memory.
    /// - Parameters:
    ///   - request: the request; validated before anything is sent.
    ///   - signal: an extra cancel source (an upload handle's pause or abort); optional.
    /// - Returns: head, body and metrics.
    /// - Throws: `HTTPClientError`.
    @concurrent public func execute(_ request: HTTPRequest, signal: CancellationSignal? = nil) async throws -> HTTPResponse {
        try await exchange(request, signal: signal) { response in
            let body = try await response.collect()
            return HTTPResponse(head: response.head, body: body, metrics: response.metrics)
        }
    }

    /// Sends a request and hands the response head and a body reader to `handler`.
    ///
    /// The request stays cancellable while `handler` runs. If `handler` returns before reading the
    /// body to its end, the connection is closed rather than kept.
    /// - Throws: `HTTPClientError`, or what `handler` throws.
    @concurrent public func execute<T>(
        _ request: HTTPRequest, signal external: CancellationSignal? = nil,
        handler: (HTTPStreamingResponse) async throws -> T
    ) async throws -> T {
        try await exchange(request, signal: external, handler: handler)
    }

    /// `execute(_:signal:handler:)` on the caller's executor: for the layer above (OSSClient),
    /// whose own public calls already left the caller's actor, so each request makes no hop here.
    /// - Parameter adoptingSignal: the request fires `external` itself (deadline, task
    ///   cancellation) instead of a signal of its own that `external` forwards to: for a caller
    ///   whose signal belongs to one call and ends with it (OSSClient's call signal), which saves
    ///   a signal and its link on every request.
    package func exchange<T>(
        _ request: HTTPRequest, signal external: CancellationSignal? = nil, adoptingSignal: Bool = false,
        handler: (HTTPStreamingResponse) async throws -> T
    ) async throws -> T {
        let (head, framing): ([UInt8], HTTPRequestEncoder.Framing)
        do {
            (head, framing) = try HTTPRequestEncoder.encodeHead(request)
        } catch {
            throw HTTPClientError(.invalidRequest, error.message)
        }
        let adopted = adoptingSignal ? external : nil
        let signal = adopted ?? CancellationSignal()
        let externalKey = adopted == nil ? external?.forward(to: signal) : nil
        defer { external?.remove(externalKey) }
        // The request's own deadline (the layer above computed it once for the whole call), else
        // the configured total from now.
        var deadlineTask: Task<Void, Never>? = nil
        if let deadline = request.deadline ?? configuration.totalTimeout.map({ ContinuousClock.now.advanced(by: $0) }) {
            deadlineTask = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                if !Task.isCancelled { signal.cancel(.deadline) }
            }
        }
        defer { deadlineTask?.cancel() }
        let context = RequestContext(signal: signal)
        context.sink = request.metricsSink
        do {
            let value = try await withTaskCancellationHandler {
                try await run(request, head: head, framing: framing, context: context, handler: handler)
            } onCancel: {
                signal.cancel(.taskCancelled)
            }
            context.finish(request)
            return value
        } catch let error as HandlerError {
            context.finish(request)
            throw error.underlying
        } catch {
            context.finish(request)
            throw error
        }
    }

    private func run<T>(
        _ request: HTTPRequest, head: [UInt8], framing: HTTPRequestEncoder.Framing, context: RequestContext,
        handler: (HTTPStreamingResponse) async throws -> T
    ) async throws -> T {
        let signal = context.signal
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
        context.connected(connection, reused: reused)
        let key = signal.abortOnCancel(connection.stream)
        do {
            connection.stream.idleTimeout = configuration.idleTimeout
            connection.requestCount += 1
            let exchange = Exchange(client: self, connection: connection, request: request, context: context)
            let (value, clean) = try await exchange.run(head: head, framing: framing, handler: handler)
            signal.remove(key)
            // After the handler is removed, a fired signal means it may have aborted the stream.
            let reuse = clean && !signal.isCancelled && connection.parser.canReuseConnection
                && !(framing.hasConnectionField && request.headers.containsToken("close", in: "Connection"))
            pool.release(connection, endpoint: request.endpoint, reuse: reuse)
            return value
        } catch let error as HandlerError {
            signal.remove(key)
            pool.release(connection, endpoint: request.endpoint, reuse: false)
            throw error
        } catch {
            signal.remove(key)
            pool.release(connection, endpoint: request.endpoint, reuse: false)
            throw context.fail(error)
        }
    }
}

/// An error thrown by the caller's response handler, passed through untouched.
struct HandlerError: Error {
    let underlying: any Error
}

/// Per-request state shared by the request, the exchange and the body reader. One task only.
final class RequestContext {
    let signal: CancellationSignal
    let start = ContinuousClock.now
    var metrics = HTTPMetrics()
    var bodyStarted = false
    /// Every byte of the body was handed to the stream (refined with the kernel's account in
    /// `fail`, see `bodyMayBeComplete`).
    var bodyFullySent = false
    var responseStarted = false
    /// The body's first and end positions in the stream's written bytes (nil: cannot say).
    var bodyStartPosition: Int64?
    var bodyEndPosition: Int64?
    var bodyProgressReported: Int64 = 0
    private var stream: (any ByteStream)?
    /// Whether a connection was obtained (metrics then mean something).
    var hadConnection = false
    /// The request's `metricsSink`, told the final metrics as `metricsHandler` is.
    var sink: (any HTTPMetricsSink)? = nil

    init(signal: CancellationSignal) {
        self.signal = signal
    }

    /// Hands the final metrics to the request's handler, once, if a connection was obtained.
    func finish(_ request: HTTPRequest) {
        guard hadConnection else { return }
        hadConnection = false
        if metrics.total == .zero { metrics.total = ContinuousClock.now - start }
        request.metricsHandler?(metrics)
        sink?.record(metrics)
    }

    func connected(_ connection: HTTPConnection, reused: Bool) {
        bodyStarted = false
        bodyFullySent = false
        responseStarted = false
        bodyStartPosition = nil
        bodyEndPosition = nil
        bodyProgressReported = 0
        stream = connection.stream
        metrics.connectionReused = reused
        metrics.remoteAddress = connection.timings.remoteAddress
        metrics.tlsVersion = connection.timings.tlsVersion
        metrics.tlsCipher = connection.timings.tlsCipher
        hadConnection = true
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

    /// Whether the server may have the whole body, which is what `HTTPClientError.bodyFullySent`
    /// reports. False when part of it was never handed to the stream. When the request was
    /// aborted before any response, the abort asked the kernel just before its reset (which
    /// discards what was not transmitted): true only if every byte of the body had left this
    /// host by then. Then the peer may have it all, and usually its TCP had acknowledged it; an
    /// ACK still in flight at the reset is why "transmitted" and not "acknowledged" decides:
    /// the peer's application can read what arrived before the RST, acknowledged or not. So a
    /// stored object implies `bodyFullySent`. When the kernel cannot say (an in-memory stream, a
    /// failure that was not our abort), true once the body was handed over: it may have arrived.
    func bodyMayBeComplete() -> Bool {
        guard bodyFullySent else { return false }
        if responseStarted { return true }
        guard let end = bodyEndPosition, let q = stream?.writtenBytes(), q.final else { return true }
        return q.transmitted >= end
    }

    /// Turns any failure into the `HTTPClientError` the caller sees, keeping it as the cause. A
    /// fired signal wins: its reason says why the stream broke.
    func fail(_ error: any Error) -> HTTPClientError {
        if let e = error as? HTTPClientError { return e }
        let cause: any Error & Sendable = error
        func make(_ code: HTTPClientError.Code, _ message: String, cancellation: CancellationSignal.Reason? = nil)
            -> HTTPClientError
        {
            HTTPClientError(
                code, message, bodyFullySent: bodyMayBeComplete(), responseStarted: responseStarted,
                bodyStarted: bodyStarted, connectionReused: metrics.connectionReused, cancellation: cancellation,
                underlying: cause)
        }
        if let reason = signal.reason {
            if reason == .deadline { return make(.timeout, "the request's deadline passed", cancellation: reason) }
            return make(.cancelled, "the request was cancelled (\(reason))", cancellation: reason)
        }
        if let t = error as? TransportError {
            return make(t.phase == .timeout ? .timeout : .transport, t.phase == .timeout ? "timed out" : "connection failed")
        }
        if error is HTTPParserError { return make(.parse, "the response was malformed") }
        if error is CancellationError { return make(.cancelled, "the request was cancelled", cancellation: .taskCancelled) }
        if let v = error as? HTTPValidationError { return make(.invalidRequest, v.message) }
        return make(.bodySource, "reading the request body failed")
    }
}
