import OSSCore
internal import OSSHTTP
internal import OSSTransport

/// The real `Wire`: OSSHTTP's pooled client on OSSTransport's sockets, with an HTTP proxy when
/// configured: absolute-form requests for http endpoints, `CONNECT` tunnels (`ProxyConnector`)
/// for https ones.
final class HTTPWire: Wire {
    let client: HTTPClient
    let proxy: OSSClientConfiguration.Proxy?

    /// - Parameter connector: `nil` picks `ProxyConnector` when a proxy is configured and
    ///   `SocketConnector` otherwise. A given connector is used as it is: with a proxy, http
    ///   requests still go to the proxy's endpoint in absolute form, https ones to the origin's
    ///   endpoint (the connector then owns any tunnelling).
    init(configuration: OSSClientConfiguration, connector: (any StreamConnector)? = nil) throws {
        var c = HTTPClientConfiguration()
        c.maxConnectionsPerHost = configuration.maxConnectionsPerHost
        c.connectTimeout = configuration.timeouts.connect
        c.idleTimeout = configuration.timeouts.idle
        // No totalTimeout: each request carries the deadline its call computed once.
        c.tls = configuration.tls
        proxy = configuration.proxy
        let chosen: any StreamConnector
        if let connector {
            chosen = connector
        } else if let p = configuration.proxy {
            chosen = ProxyConnector(proxyHost: p.host, proxyPort: p.port, proxyAuthorization: p.authorization)
        } else {
            chosen = SocketConnector()
        }
        client = HTTPClient(configuration: c, connector: chosen)
    }

    func execute<T: Sendable>(_ request: WireRequest, handler: (WireResponse) async throws -> T) async throws -> T {
        var headers = HTTPHeaders(named: request.headers, reservingExtra: 2)  // Host, and Content-Length or a proxy's
        headers.replaceOrAdd(name: "Host", value: request.address.hostHeader)
        let endpoint: Endpoint
        let target: String
        if let proxy, !request.address.isTLS {
            endpoint = Endpoint(host: proxy.host, port: proxy.port, tls: false)
            target = request.address.url  // RFC 9112 §3.2.2 absolute-form
            if let auth = proxy.authorization { headers.replaceOrAdd(name: "Proxy-Authorization", value: auth) }
        } else {
            // Direct, or https through the proxy: the connector tunnels (CONNECT carries the
            // proxy credentials; the origin never sees them).
            endpoint = Endpoint(host: request.address.host, port: request.address.port, tls: request.address.isTLS)
            target = request.address.target
        }
        var body = HTTPRequestBody.empty
        if let upload = request.body {
            body = upload.httpBody(length: request.contentLength)
        } else if let n = request.contentLength, n == 0 {
            headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        let hasBody = request.body != nil || (request.contentLength ?? 0) > 0
        var http = HTTPRequest(method: HTTPMethod(request.method), endpoint: endpoint, target: target, headers: headers, body: body)
        http.expectContinue = false
        http.deadline = request.deadline
        http.bodyObserver = request.body?.observer
        http.metricsSink = request.metrics
        // OSSHTTP counts the bytes that went out (the one place); the call's tracker keeps the
        // figure monotonic across attempts.
        if let progress = request.body?.progress {
            http.uploadProgress = { sent, _ in progress(sent) }
        }
        do {
            return try await client.exchange(http, signal: request.signal, adoptingSignal: request.signalIsTheCall) { response in
                let head = OSSResponseHead(statusCode: response.status, fields: response.headers)
                return try await handler(WireResponse(head: head, body: HTTPResponseReader(response, hasBody: hasBody)))
            }
        } catch let e as HTTPClientError {
            // The client's own body error (a rate-limit wait the switch ended, a stream of the
            // wrong length), as it was thrown: the HTTP error keeps it as its cause. A file that
            // could not be read is mapped below, keeping its SystemError under the HTTP error.
            if e.code == .bodySource, let original = e.underlying as? OSSClientError { throw original }
            throw HTTPWire.map(e, hasBody: hasBody)
        }
    }

    func shutdown() async { client.closeIdleConnections() }

    /// OSSHTTP's metrics as the client's public type (OSSHTTP's stay internal to this module).
    static func metrics(_ m: HTTPMetrics) -> OSSRequestMetrics {
        var r = OSSRequestMetrics()
        r.dns = m.dns
        r.connect = m.connect
        r.tlsHandshake = m.tlsHandshake
        r.requestSent = m.requestSent
        r.timeToFirstByte = m.timeToFirstByte
        r.total = m.total
        r.bytesSent = m.bytesSent
        r.bytesReceived = m.bytesReceived
        r.connectionReused = m.connectionReused
        r.remoteAddress = m.remoteAddress
        r.tlsVersion = m.tlsVersion
        r.tlsCipher = m.tlsCipher
        return r
    }

    /// An HTTP client error as the client error of the same meaning, its text said once (the
    /// transport's own message names what failed).
    /// - Parameter hasBody: whether the request carried a body; without one, whether "the body
    ///   was fully sent" means nothing and is left out.
    static func map(_ e: HTTPClientError, hasBody: Bool = true) -> OSSClientError {
        let sent: Bool? = hasBody ? e.bodyFullySent : nil
        let text = e.transportError.map(\.description) ?? e.description
        switch e.code {
        case .cancelled where e.cancellation == .disabled:
            // The client-wide switch fired the call's signal: the C++ SDK's "aborted" outcome.
            return OSSClientError(
                .abortedInFlight, "the request was aborted in flight: requests disabled", bodyFullySent: sent, underlying: e)
        case .cancelled: return OSSClientError(.cancelled, e.message, bodyFullySent: sent, underlying: e)
        case .timeout:
            return OSSClientError(.timeout, e.transportError == nil ? e.message : text, bodyFullySent: sent, underlying: e)
        case .transport:
            if let t = e.transportError {
                let mapped = WireErrors.map(t, bodyFullySent: sent)
                return OSSClientError(mapped.kind, text, bodyFullySent: sent, underlying: e)
            }
            return OSSClientError(.network, e.message, bodyFullySent: sent, underlying: e)
        case .parse: return OSSClientError(.network, e.description, bodyFullySent: sent, underlying: e)
        case .invalidRequest: return OSSClientError(.invalidArgument, e.message, underlying: e)
        default: return OSSClientError(.file, e.message, bodyFullySent: sent, underlying: e)
        }
    }
}

/// Reads an OSSHTTP streaming response's body, mapping its errors.
final class HTTPResponseReader: WireResponseBody {
    let response: HTTPStreamingResponse
    /// Whether the request carried a body (its errors then say whether it was all sent).
    let hasBody: Bool
    init(_ response: HTTPStreamingResponse, hasBody: Bool) {
        self.response = response
        self.hasBody = hasBody
    }

    func next() async throws -> [UInt8]? {
        do {
            return try await response.read()
        } catch let e as HTTPClientError {
            throw HTTPWire.map(e, hasBody: hasBody)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        do {
            return try await response.read(into: buffer)
        } catch let e as HTTPClientError {
            throw HTTPWire.map(e, hasBody: hasBody)
        }
    }
}

extension WireMetrics: HTTPMetricsSink {
    func record(_ metrics: HTTPMetrics) { record(HTTPWire.metrics(metrics)) }
}
