/// Malformed or unacceptable HTTP/1.1 input. The connection that produced it must be thrown away.
///
/// A struct with static members rather than a public enum, so new cases never break users. Two errors
/// are equal when they are the same kind; `detail` only explains.
public struct HTTPParserError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: String, Sendable, Hashable {
        case invalidStartLine = "invalid start line"
        case invalidVersion = "unsupported HTTP version"
        case invalidStatus = "invalid status code"
        case invalidHeader = "invalid header field"
        case headerBlockTooLarge = "header block too large"
        case tooManyHeaders = "too many header fields"
        case invalidContentLength = "invalid Content-Length"
        case conflictingContentLength = "conflicting Content-Length values"
        case contentLengthWithChunked = "Content-Length together with Transfer-Encoding"
        case unsupportedTransferEncoding = "unsupported Transfer-Encoding"
        case invalidChunkSize = "invalid chunk size"
        case invalidChunk = "invalid chunk framing"
        case truncatedHead = "connection closed in the middle of the header block"
        case truncatedBody = "connection closed before the end of the body"
        case connectionClosed = "connection closed before any byte of the response"
        case unexpectedData = "bytes beyond the end of the message"
        case bodyTooLarge = "body too large"
    }

    private let kind: Kind
    /// More about what was wrong, for a person.
    public let detail: String

    private init(_ kind: Kind, _ detail: String = "") {
        self.kind = kind
        self.detail = detail
    }

    func with(_ detail: String) -> HTTPParserError { HTTPParserError(kind, detail) }

    /// The status line or request line is not `HTTP-version SP status-code ...` / `method SP target SP version`.
    public static let invalidStartLine = HTTPParserError(.invalidStartLine)
    /// Not HTTP/1.0 or HTTP/1.1.
    public static let invalidVersion = HTTPParserError(.invalidVersion)
    /// The status code is not three digits.
    public static let invalidStatus = HTTPParserError(.invalidStatus)
    /// A header line without a colon, a bad name, a bad value, or obsolete line folding.
    public static let invalidHeader = HTTPParserError(.invalidHeader)
    /// The start line and headers exceed the configured size.
    public static let headerBlockTooLarge = HTTPParserError(.headerBlockTooLarge)
    /// More header fields than the configured count.
    public static let tooManyHeaders = HTTPParserError(.tooManyHeaders)
    public static let invalidContentLength = HTTPParserError(.invalidContentLength)
    public static let conflictingContentLength = HTTPParserError(.conflictingContentLength)
    /// Both framings at once (RFC 9112 §6.1: a smuggling vector).
    public static let contentLengthWithChunked = HTTPParserError(.contentLengthWithChunked)
    public static let unsupportedTransferEncoding = HTTPParserError(.unsupportedTransferEncoding)
    public static let invalidChunkSize = HTTPParserError(.invalidChunkSize)
    /// A chunk not followed by CRLF, or a bad trailer.
    public static let invalidChunk = HTTPParserError(.invalidChunk)
    /// The peer closed after part of the header block.
    public static let truncatedHead = HTTPParserError(.truncatedHead)
    /// The peer closed before the declared end of the body.
    public static let truncatedBody = HTTPParserError(.truncatedBody)
    /// The peer closed before sending anything (a stale kept-alive connection).
    public static let connectionClosed = HTTPParserError(.connectionClosed)
    /// Bytes arrived after the message when none were expected (beyond Content-Length).
    public static let unexpectedData = HTTPParserError(.unexpectedData)
    /// A request body larger than the server's limit.
    public static let bodyTooLarge = HTTPParserError(.bodyTooLarge)

    public static func == (a: HTTPParserError, b: HTTPParserError) -> Bool { a.kind == b.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    public var description: String {
        detail.isEmpty ? "HTTP parse error: \(kind.rawValue)" : "HTTP parse error: \(kind.rawValue): \(detail)"
    }
}
