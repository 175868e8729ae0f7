import OSSCore

/// Why a request failed on the client side.
///
/// A struct with static members rather than a public enum, so new cases never break users. Compare
/// with `~=` / `code` (`if case HTTPClientError.abortedInFlight = error`). In-flight failures say
/// whether the whole request body went out (`bodyFullySent`: if false the server cannot have
/// stored it) and whether any byte of the response arrived.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public static let requestsDisabled = Code("requests disabled")
        public static let abortedInFlight = Code("aborted in flight")
        public static let cancelled = Code("cancelled")
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
    /// Whether every byte of the request body was written (false: the server cannot have it all).
    public let bodyFullySent: Bool
    /// Whether any byte of the response arrived.
    public let responseStarted: Bool
    /// The transport failure underneath, when there is one.
    public let transportError: TransportError?
    /// The parse failure underneath, for `.parse`.
    public let parserError: HTTPParserError?

    init(
        _ code: Code, _ message: String, bodyFullySent: Bool = false, responseStarted: Bool = false,
        transportError: TransportError? = nil, parserError: HTTPParserError? = nil
    ) {
        self.code = code
        self.message = message
        self.bodyFullySent = bodyFullySent
        self.responseStarted = responseStarted
        self.transportError = transportError
        self.parserError = parserError
    }

    /// `disableRequests()` was in force when the request started; nothing was sent.
    /// C++ SDK code `ClientError:100002`.
    public static let requestsDisabled = HTTPClientError(.requestsDisabled, "requests are disabled")
    /// `disableRequests()` stopped the request while it was in flight. C++ SDK code `ClientError:200042`.
    public static let abortedInFlight = HTTPClientError(.abortedInFlight, "the request was aborted in flight")
    /// The Swift task running the request was cancelled.
    public static let cancelled = HTTPClientError(.cancelled, "the request was cancelled")
    /// A connect, idle (stall) or total deadline passed.
    public static let timeout = HTTPClientError(.timeout, "the request timed out")
    /// The connection failed (DNS, connect, TLS, read, write); see `transportError`.
    public static let transport = HTTPClientError(.transport, "the connection failed")
    /// The response was malformed; see `parserError`. The connection was thrown away.
    public static let parse = HTTPClientError(.parse, "the response was malformed")
    /// The request was refused before any byte was sent (CR/LF in a header, a bad target).
    public static let invalidRequest = HTTPClientError(.invalidRequest, "the request is invalid")
    /// Reading the request body (a file, the caller's sequence) failed.
    public static let bodySource = HTTPClientError(.bodySource, "reading the request body failed")

    /// The C++ SDK compatible code: `ClientError:100002` (disabled) or `ClientError:200042` (aborted).
    public var compatibilityCode: String? {
        switch code {
        case .requestsDisabled: return "ClientError:100002"
        case .abortedInFlight: return "ClientError:200042"
        default: return nil
        }
    }

    /// Matches errors of the same code: `case HTTPClientError.timeout:`.
    public static func ~= (pattern: HTTPClientError, value: any Error) -> Bool {
        (value as? HTTPClientError)?.code == pattern.code
    }

    /// The problem, said once: the transport's or parser's own text when there is one (it names
    /// what failed), else the message; then the C++ SDK code when there is one. Whether the body
    /// went out is in `bodyFullySent` and `responseStarted` (a GET has no body to speak of).
    public var description: String {
        var s = message
        if let t = transportError, code == .transport || code == .timeout {
            s = t.description
        } else if let p = parserError {
            s += ": \(p)"
        }
        if let c = compatibilityCode { s += " (\(c))" }
        return s
    }
}
