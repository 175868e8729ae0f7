/// HTTP version of a message.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    public var description: String { "HTTP/\(major).\(minor)" }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable, Hashable {
    public var version: HTTPVersion
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders

    public init(version: HTTPVersion = .http1_1, status: Int, reason: String = "", headers: HTTPHeaders = [:]) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// Whether the connection may carry another message afterwards (RFC 9112 §9.3).
    public var keepAlive: Bool {
        HTTPMessageFraming.keepAlive(version: version, headers: headers)
    }
}

/// The request line and headers of a request, as the server side sees it.
public struct HTTPRequestHead: Sendable, Hashable {
    public var method: HTTPMethod
    /// The request target as sent (`/bucket/key?uploads`).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The target's path, before any `?`.
    public var path: Substring {
        if let q = target.firstIndex(of: "?") { return target[..<q] }
        return target[...]
    }

    /// The target's query, after the first `?`, or empty.
    public var query: Substring {
        if let q = target.firstIndex(of: "?") { return target[target.index(after: q)...] }
        return ""
    }

    /// Whether the client asked for `100 Continue` before sending its body (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        headers.containsToken("100-continue", in: "Expect")
    }

    public var keepAlive: Bool {
        HTTPMessageFraming.keepAlive(version: version, headers: headers)
    }
}

/// Body framing rules shared by both directions.
enum HTTPMessageFraming {
    /// RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`.
    static func keepAlive(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        // No Connection field (the usual case): nothing to split.
        if !headers.contains("Connection") { return !(version.major == 1 && version.minor == 0) }
        if headers.containsToken("close", in: "Connection") { return false }
        if version.major == 1 && version.minor == 0 { return headers.containsToken("keep-alive", in: "Connection") }
        return true
    }
}
