import OSSCore

/// One HTTP/1.1 request: where it goes, what it asks, and what it sends.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// Scheme, host and port.
    public var endpoint: Endpoint
    /// The origin-form request target: path and query, already percent-encoded (`/key?partNumber=1`).
    public var target: String
    /// Header fields. `Host`, `Content-Length` and `Transfer-Encoding` are added when absent.
    public var headers: HTTPHeaders
    public var body: HTTPRequestBody
    /// Send `Expect: 100-continue` and wait (briefly) for `100 Continue` or an early final response
    /// before sending the body.
    public var expectContinue: Bool = false
    /// Called as body bytes go out: (bytes sent so far, total when known). Called on the request's
    /// task; keep it quick. The one place an upload's progress is counted.
    public var uploadProgress: (@Sendable (Int64, Int64?) -> Void)? = nil
    /// When the whole request must be over (the layer above computes it once for a call and all
    /// its attempts); `nil` uses the client's `totalTimeout` from now, if any.
    public var deadline: ContinuousClock.Instant? = nil
    /// Sees every piece of the body just before it is written (CRC64 and rate limits of the layer
    /// above); see `HTTPBodyObserver`. Progress is `uploadProgress`'s.
    public var bodyObserver: (any HTTPBodyObserver)? = nil
    /// Called once when the request is over, successfully or not, with its final metrics (`total`
    /// then runs to the end of the request even when the body was not read to its end). Not called
    /// when the request failed before it had a connection.
    public var metricsHandler: (@Sendable (HTTPMetrics) -> Void)? = nil
    /// Told the final metrics as `metricsHandler` is: for the layer above, whose recorder is an
    /// object already (no closure made for each request).
    package var metricsSink: (any HTTPMetricsSink)? = nil

    public init(
        method: HTTPMethod, endpoint: Endpoint, target: String = "/", headers: HTTPHeaders = [:],
        body: HTTPRequestBody = .empty
    ) {
        self.method = method
        self.endpoint = endpoint
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// A request to an absolute `http://` or `https://` URL (`http://127.0.0.1:8080/path?q`).
    /// - Throws: `HTTPValidationError` for anything else.
    public init(
        method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: HTTPRequestBody = .empty
    ) throws(HTTPValidationError) {
        let (endpoint, target) = try Self.parseURL(url)
        self.init(method: method, endpoint: endpoint, target: target, headers: headers, body: body)
    }

    /// The `Host` field value: the host, with the port unless it is the scheme's default.
    public var hostHeader: String {
        let h = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        let defaultPort = endpoint.tls ? 443 : 80
        return endpoint.port == defaultPort ? h : "\(h):\(endpoint.port)"
    }

    /// Splits an absolute URL into endpoint and origin-form target.
    static func parseURL(_ url: String) throws(HTTPValidationError) -> (Endpoint, String) {
        let tls: Bool
        var rest: Substring
        if url.hasPrefix("http://") {
            tls = false
            rest = url.dropFirst(7)
        } else if url.hasPrefix("https://") {
            tls = true
            rest = url.dropFirst(8)
        } else {
            throw HTTPValidationError("the URL must start with http:// or https://")
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if authority.contains("@") { throw HTTPValidationError("user information in URLs is not supported") }
        var host: Substring
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HTTPValidationError("unclosed [ in the host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw HTTPValidationError("junk after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw HTTPValidationError("the URL has no host") }
        var port = tls ? 443 : 80
        if let portText {
            guard let p = Int(portText), p > 0, p < 65536 else { throw HTTPValidationError("bad port '\(portText)'") }
            port = p
        }
        var target = String(rest)
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        return (Endpoint(host: String(host), port: port, tls: tls), target)
    }
}

/// A request that must not reach the wire: a CR, LF or NUL in a header or target, a bad method or
/// header name, or a body length that contradicts the headers.
public struct HTTPValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "invalid HTTP request: \(message)" }
}

/// Where the layer above takes a request's final metrics (see `HTTPRequest.metricsSink`).
package protocol HTTPMetricsSink: AnyObject, Sendable {
    func record(_ metrics: HTTPMetrics)
}
