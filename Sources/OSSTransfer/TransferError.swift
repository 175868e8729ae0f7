import OSSCore

/// An error of the transfer layer: a local file problem, a CRC64 mismatch, bad input, a
/// checkpoint that cannot be used, or a failure of the store underneath (`underlying`).
///
/// A struct with static members, so new kinds never break callers. Never holds a secret.
public struct TransferError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A local file could not be opened, read, written or renamed.
        public static let file = Kind("file error")
        /// Bad input caught before anything was sent (empty bucket, part size out of range).
        public static let invalidArgument = Kind("invalid argument")
        /// The CRC64 of the bytes sent or received differs from the one the server reports.
        public static let crcMismatch = Kind("CRC64 mismatch")
        /// A checkpoint file could not be read, is corrupt, or belongs to something else.
        public static let checkpoint = Kind("checkpoint unusable")
        /// The source changed while it was transferred (file size or time stamp, object ETag).
        public static let sourceChanged = Kind("source changed")
        /// An operation of the store failed (`underlying` holds the client's error).
        public static let operationFailed = Kind("operation failed")
        /// The server's answer does not fit what was asked (missing parts, wrong sizes).
        public static let invalidResponse = Kind("invalid response")

        public var description: String { name }
    }

    public let kind: Kind
    /// Details for a person.
    public let message: String
    /// The error from below (the client's service or client error, a `SystemError`), if any.
    public let underlying: (any Error & Sendable)?

    public init(_ kind: Kind, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    /// What went wrong, said once: the kind, the message, and the error underneath only when the
    /// message does not already hold its text.
    public var description: String {
        var s = "\(kind): \(message)"
        if let underlying {
            let text = "\(underlying)"
            if !message.contains(text) { s += " (\(text))" }
        }
        return s
    }

    static func file(_ what: String, errno code: Int32) -> TransferError {
        let e = SystemError(errno: code, operation: what)
        return TransferError(.file, e.description, underlying: e)
    }

    /// A local file error as the transfer layer reports it.
    static func file(_ error: SystemError) -> TransferError {
        TransferError(.file, error.description, underlying: error)
    }

    static func invalidArgument(_ message: String) -> TransferError { TransferError(.invalidArgument, message) }

    static func checkpoint(_ message: String) -> TransferError { TransferError(.checkpoint, message) }
}
