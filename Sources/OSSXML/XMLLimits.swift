/// Bounds the reader enforces, so a hostile or broken peer cannot exhaust memory or the stack.
public struct XMLLimits: Sendable, Hashable {
    /// Deepest element nesting allowed (the root is depth 1).
    public var maxDepth: Int
    /// Most elements allowed in one document.
    public var maxElements: Int
    /// Largest document, in bytes, allowed.
    public var maxDocumentBytes: Int

    public init(maxDepth: Int = 64, maxElements: Int = 1_000_000, maxDocumentBytes: Int = 64 << 20) {
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxDocumentBytes = maxDocumentBytes
    }

    /// Generous for every OSS response (a 1000-key listing is about 12,000 elements and 600 KB).
    public static let `default` = XMLLimits()
}
