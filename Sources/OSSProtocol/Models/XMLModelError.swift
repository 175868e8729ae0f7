import OSSXML

/// An XML body that could not be turned into a model: which element, and what was wrong.
///
/// A struct with static members rather than a public enum, so new kinds never break users.
public struct XMLModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of problem.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidXML = "invalid XML", wrongRoot = "unexpected root element"
            case missingElement = "missing element", malformedValue = "malformed value"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The body is not well-formed XML (see `xmlError`).
        public static let invalidXML = Kind(.invalidXML)
        /// The root element is not the one the model expects.
        public static let wrongRoot = Kind(.wrongRoot)
        /// A required element is absent.
        public static let missingElement = Kind(.missingElement)
        /// An element holds text that is not a valid value of its type (a number, a boolean, a
        /// time stamp, URL-encoding).
        public static let malformedValue = Kind(.malformedValue)

        public var description: String { base.rawValue }
    }

    /// The class of problem.
    public let kind: Kind
    /// The element concerned, as a path from the root (`ListPartsResult/Part[2]/Size`).
    public let path: String
    /// What was wrong, for a person.
    public let message: String
    /// The reader's error, for `invalidXML`.
    public let xmlError: XMLError?

    public init(_ kind: Kind, path: String, _ message: String, xmlError: XMLError? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.xmlError = xmlError
    }

    public var description: String { "\(kind) at \(path): \(message)" }
}
