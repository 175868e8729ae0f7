/// A document the reader refused: where (byte offset from the first byte fed) and what was expected.
///
/// A struct with static members rather than a public enum, so new kinds never break users.
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of problem, for callers that branch on it.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case malformed, truncated, mismatchedTag = "mismatched tag", invalidEntity = "invalid entity"
            case invalidUTF8 = "invalid UTF-8", forbidden, limitExceeded = "limit exceeded"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The bytes are not well-formed XML (a bad name, a missing `=`, text outside the root...).
        public static let malformed = Kind(.malformed)
        /// The document ended before it was complete.
        public static let truncated = Kind(.truncated)
        /// An end tag does not match the open element, or has none to close.
        public static let mismatchedTag = Kind(.mismatchedTag)
        /// An entity or character reference that is not one of the five predefined entities or a
        /// valid numeric reference.
        public static let invalidEntity = Kind(.invalidEntity)
        /// Bytes that are not UTF-8.
        public static let invalidUTF8 = Kind(.invalidUTF8)
        /// A construct refused on purpose: DOCTYPE / DTDs (and with them custom and external
        /// entities), or an encoding other than UTF-8.
        public static let forbidden = Kind(.forbidden)
        /// The document is deeper, larger or has more elements than `XMLLimits` allow.
        public static let limitExceeded = Kind(.limitExceeded)

        public var description: String { base.rawValue }
    }

    /// The class of problem.
    public let kind: Kind
    /// Byte offset, from the first byte given to the reader, where the problem was found.
    public let offset: Int
    /// What was found and what was expected, for a person.
    public let message: String

    public init(_ kind: Kind, offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "XML \(kind) at byte \(offset): \(message)" }
}
