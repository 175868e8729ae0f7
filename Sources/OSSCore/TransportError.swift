/// A failure below HTTP: which phase failed, with errno and the library's text where there is one.
///
/// A struct with static members rather than a public enum, so new cases never break users.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The phase that failed.
    public struct Phase: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case dns, connect, tlsHandshake = "TLS handshake", read, write, timeout, aborted, closed, configuration
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Name resolution (`getaddrinfo`).
        public static let dns = Phase(.dns)
        /// TCP connect.
        public static let connect = Phase(.connect)
        /// The TLS handshake, including certificate verification.
        public static let tlsHandshake = Phase(.tlsHandshake)
        /// Reading from an established connection.
        public static let read = Phase(.read)
        /// Writing to an established connection.
        public static let write = Phase(.write)
        /// A connect, idle or total deadline passed.
        public static let timeout = Phase(.timeout)
        /// The stream was aborted from another thread (cancel, disable).
        public static let aborted = Phase(.aborted)
        /// The stream was used after it was closed, or the peer closed it where bytes were expected.
        public static let closed = Phase(.closed)
        /// Bad settings (an unreadable CA file, an invalid host).
        public static let configuration = Phase(.configuration)

        public var description: String { base.rawValue }
    }

    /// The phase that failed.
    public let phase: Phase
    /// errno, where a system call failed.
    public let errno: Int32?
    /// What happened, for a person (OpenSSL's error text for TLS failures). Never holds a secret.
    public let message: String

    public init(phase: Phase, errno: Int32? = nil, message: String) {
        self.phase = phase
        self.errno = errno
        self.message = message
    }

    /// A failure from a system call during `phase`.
    public init(phase: Phase, _ error: SystemError) {
        self.init(phase: phase, errno: error.errno, message: error.description)
    }

    public static func aborted(_ message: String = "the connection was aborted") -> TransportError {
        TransportError(phase: .aborted, message: message)
    }

    public static func timeout(_ message: String) -> TransportError {
        TransportError(phase: .timeout, message: message)
    }

    /// The message, with errno when the message does not already carry it. Every message names
    /// what failed ("connect to 127.0.0.1:9000 failed: ...", "TLS handshake with ... timed out"),
    /// so the phase is not repeated in front of it; it stays in `phase`.
    public var description: String {
        var s = message
        if let errno, !message.contains("errno") { s += " (errno \(errno))" }
        return s
    }
}
