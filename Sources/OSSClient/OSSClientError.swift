import OSSCore
import OSSProtocol

/// An error raised on the client side: bad input, a cancelled or disabled request, a network
/// failure, a CRC64 mismatch, a response that makes no sense.
///
/// A struct with static members, never a public enum, so new kinds never break callers:
///
/// ```swift
/// catch let error as OSSClientError where error.kind == .abortedInFlight {
///     if error.bodyFullySent == false { /* the object was not written */ }
/// }
/// ```
public struct OSSClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The C++ SDK compatible code (`ClientError:100002`), or a short name where it has none.
        public let code: String
        private init(_ name: String, code: String) {
            self.name = name
            self.code = code
        }

        /// `disableRequests()` was in force: the request never started. C++ SDK `ClientError:100002`.
        public static let requestsDisabled = Kind("requests disabled", code: "ClientError:100002")
        /// `disableRequests()` aborted the request while it was in flight. C++ SDK `ClientError:200042`.
        public static let abortedInFlight = Kind("aborted in flight", code: "ClientError:200042")
        /// The calling Swift task was cancelled (libcurl's "aborted by callback", hence 200042).
        public static let cancelled = Kind("cancelled", code: "ClientError:200042")
        /// A connect, idle or total deadline passed (libcurl's CURLE_OPERATION_TIMEDOUT).
        public static let timeout = Kind("timed out", code: "ClientError:200028")
        /// The host name did not resolve (CURLE_COULDNT_RESOLVE_HOST).
        public static let dns = Kind("name resolution failed", code: "ClientError:200006")
        /// The TCP connection could not be made (CURLE_COULDNT_CONNECT).
        public static let connect = Kind("connect failed", code: "ClientError:200007")
        /// The TLS handshake or certificate verification failed (CURLE_SSL_CONNECT_ERROR).
        public static let tls = Kind("TLS failed", code: "ClientError:200035")
        /// The connection failed while sending or receiving (CURLE_RECV_ERROR).
        public static let network = Kind("network error", code: "ClientError:200056")
        /// The CRC64 the server reported differs from the one computed over the bytes sent or
        /// received. Never retried.
        public static let crcMismatch = Kind("CRC64 mismatch", code: "CrcCheckError")
        /// Bad input caught before any byte was sent (bucket name, key, header, part number).
        public static let invalidArgument = Kind("invalid argument", code: "ValidateError")
        /// The server's answer could not be understood (bad XML, a missing header).
        public static let invalidResponse = Kind("invalid response", code: "InvalidResponse")
        /// The credentials provider failed or gave empty credentials.
        public static let credentials = Kind("credentials unavailable", code: "CredentialsError")
        /// A local file could not be opened, read or written.
        public static let file = Kind("file error", code: "FileError")

        public var description: String { name }
    }

    /// What went wrong.
    public let kind: Kind
    /// Details for a person. Never holds a secret.
    public let message: String
    /// For a request that failed in flight: whether the server may have the whole request body.
    /// `false`: part of it never left this host (for a cancel, asked of the kernel just before
    /// the connection was reset, which discarded that part), so an upload cannot have stored the
    /// object. `true`: every byte had left (usually acknowledged), so the object may exist.
    /// `nil` when not known or not relevant. Stored implies `bodyFullySent == true`.
    public let bodyFullySent: Bool?
    /// The underlying error (a `TransportError`, an HTTP layer error, a `SystemError`), if any.
    public let underlying: (any Error & Sendable)?
    /// What the call cost (its last attempt's phases, the attempts made), when that attempt had a
    /// connection; `nil` for errors raised before one (bad input, DNS, connect).
    public var metrics: OSSRequestMetrics? = nil

    public init(_ kind: Kind, _ message: String, bodyFullySent: Bool? = nil, underlying: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.bodyFullySent = bodyFullySent
        self.underlying = underlying
    }

    /// The C++ SDK compatible code, for example `ClientError:100002`.
    public var code: String { kind.code }

    /// The problem said once (the message names what failed), then the code and, for a request
    /// with a body, whether it was all sent: `connect to 127.0.0.1:9000 failed: Connection refused
    /// (errno 111) (ClientError:200007)`.
    public var description: String {
        var s = message.isEmpty ? kind.name : message
        var notes = [kind.code]
        if let bodyFullySent { notes.append(bodyFullySent ? "request body fully sent" : "request body not fully sent") }
        s += " (" + notes.joined(separator: "; ") + ")"
        return s
    }

    // MARK: Constructors for common cases

    static func invalidArgument(_ message: String) -> OSSClientError {
        OSSClientError(.invalidArgument, message)
    }

    /// Input that breaks one of OSSProtocol's rules, refused before any byte is sent.
    init(_ error: ValidationError) {
        self.init(.invalidArgument, error.message, underlying: error)
    }

    static func invalidResponse(_ message: String) -> OSSClientError {
        OSSClientError(.invalidResponse, message)
    }

    static func crcMismatch(expected: UInt64, reported: UInt64, what: String) -> OSSClientError {
        OSSClientError(.crcMismatch, "\(what): computed CRC64 \(expected), server reported \(reported)")
    }
}

/// Runs OSSProtocol's input rules: a broken one fails as `.invalidArgument`, before any byte is sent.
func checkInput(_ rules: () throws -> Void) throws(OSSClientError) {
    do {
        try rules()
    } catch let e as ValidationError {
        throw OSSClientError(e)
    } catch {
        throw OSSClientError(.invalidArgument, "\(error)", underlying: error)
    }
}
