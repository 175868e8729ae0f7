import OSSCore

/// Why a request failed on the client side, with its cause.
///
/// A struct with static members rather than a public enum, so new cases never break users. Compare
/// with `~=` / `code` (`if case HTTPClientError.timeout = error`). In-flight failures say whether
/// the server may have the whole request body (`bodyFullySent`: if false it cannot have stored it)
/// and whether any byte of the response arrived; the error underneath (a `TransportError`, an
/// `HTTPParserError`, the body source's own error) is kept in `underlying`. What a failure means
/// for a retry or for a caller's error codes is the layer above's to decide.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The request's signal fired: task cancellation or the caller's signal (see `cancellation`).
        public static let cancelled = Code("cancelled")
        /// A connect, idle (stall) or total deadline passed.
        public static let timeout = Code("timeout")
        public static let transport = Code("transport")
        public static let parse = Code("malformed response")
        public static let invalidRequest = Code("invalid request")
        public static let bodySource = Code("request body source failed")
        public var description: String { name }
    }

    public let code: Code
    /// What happened, for a person. Never holds a secret.
    public let message: String
    /// Whether the server may have the whole request body. False: it cannot have it all (part
    /// of it never left this host, and a cancel's reset discarded that part), so it cannot have
    /// stored it. True: every byte was handed over and, when the request was aborted, had left
    /// this host before the reset (the kernel is asked, just before it); usually the peer had
    /// acknowledged it. A stored object implies `bodyFullySent`.
    public let bodyFullySent: Bool
    /// Whether any byte of the response arrived.
    public let responseStarted: Bool
    /// Whether any byte of the request body was handed to the connection.
    public let bodyStarted: Bool
    /// Whether the request went out on a kept-alive connection from the pool.
    public let connectionReused: Bool
    /// Why the request's signal fired, for `.cancelled` and a total deadline (`.deadline`): the
    /// reason the caller gave (`.disabled`, `.paused`, ...) or `.taskCancelled`.
    public let cancellation: CancellationSignal.Reason?
    /// The error underneath: a `TransportError`, an `HTTPParserError`, or what the body source threw.
    public let underlying: (any Error & Sendable)?

    init(
        _ code: Code, _ message: String, bodyFullySent: Bool = false, responseStarted: Bool = false,
        bodyStarted: Bool = false, connectionReused: Bool = false, cancellation: CancellationSignal.Reason? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.bodyFullySent = bodyFullySent
        self.responseStarted = responseStarted
        self.bodyStarted = bodyStarted
        self.connectionReused = connectionReused
        self.cancellation = cancellation
        self.underlying = underlying
    }

    /// The transport failure underneath, when there is one.
    public var transportError: TransportError? { underlying as? TransportError }
    /// The parse failure underneath, for `.parse`.
    public var parserError: HTTPParserError? { underlying as? HTTPParserError }

    /// Whether this is what a kept-alive connection the server had already closed produces: a
    /// request without a body started on a connection from the pool, and the connection failed
    /// (reset, closed, EOF) before any byte of the response. Once body bytes went out, the
    /// server may have read them (loopback buffers hold a whole small upload), so a failure then
    /// is the request's, not the connection's. The request may be sent again at once on a fresh
    /// connection; whether it is, is the caller's policy.
    public var isStaleConnection: Bool {
        guard connectionReused, !responseStarted, !bodyStarted else { return false }
        if code == .transport { return true }
        return code == .parse && parserError == .connectionClosed
    }

    /// The task running the request was cancelled, or the caller's signal fired.
    public static let cancelled = HTTPClientError(.cancelled, "the request was cancelled")
    /// A connect, idle (stall) or total deadline passed.
    public static let timeout = HTTPClientError(.timeout, "the request timed out")
    /// The connection failed (DNS, connect, TLS, read, write); see `transportError`.
    public static let transport = HTTPClientError(.transport, "the connection failed")
    /// The response was malformed; see `parserError`. The connection was thrown away.
    public static let parse = HTTPClientError(.parse, "the response was malformed")
    /// The request was refused before any byte was sent (CR/LF in a header, a bad target).
    public static let invalidRequest = HTTPClientError(.invalidRequest, "the request is invalid")
    /// Reading the request body (a file, the caller's sequence) failed; the cause is `underlying`.
    public static let bodySource = HTTPClientError(.bodySource, "reading the request body failed")

    /// Matches errors of the same code: `case HTTPClientError.timeout:`.
    public static func ~= (pattern: HTTPClientError, value: any Error) -> Bool {
        (value as? HTTPClientError)?.code == pattern.code
    }

    /// The problem, said once: the transport's or parser's own text when there is one (it names
    /// what failed), else the message with the body source's error. Whether the body went out is
    /// in `bodyFullySent` and `responseStarted` (a GET has no body to speak of).
    public var description: String {
        if let t = transportError, code == .transport || code == .timeout, cancellation == nil { return t.description }
        if let p = parserError { return "\(message): \(p)" }
        if code == .bodySource, let u = underlying { return "\(message): \(u)" }
        return message
    }
}
