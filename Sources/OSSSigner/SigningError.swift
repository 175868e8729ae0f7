/// An input the signer refuses: it never produces a signature for it.
///
/// A struct with static members rather than a public enum, so new cases never break users.
/// The message names the offending field but never carries a secret.
public struct SigningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of input was refused.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidInput = "invalid input"
            case missingCredentials = "missing credentials"
            case missingRegion = "missing region"
            case invalidExpiration = "invalid expiration"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A key, bucket, method, header name or header value the wire cannot carry (CR, LF, NUL).
        public static let invalidInput = Code(.invalidInput)
        /// An empty access key id or secret.
        public static let missingCredentials = Code(.missingCredentials)
        /// V4 signing without a region.
        public static let missingRegion = Code(.missingRegion)
        /// A presigned URL whose lifetime is negative or longer than V4 allows (7 days).
        public static let invalidExpiration = Code(.invalidExpiration)

        public var description: String { base.rawValue }
    }

    /// What kind of input was refused.
    public let code: Code
    /// A human-readable explanation (never contains a secret).
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func invalidInput(_ message: String) -> SigningError { SigningError(code: .invalidInput, message: message) }
}
