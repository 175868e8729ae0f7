import OSSCore

/// A request body as it arrives: read in pieces, may end early when the client goes away.
public protocol MockBodySource: AnyObject, Sendable {
    /// The announced length (`Content-Length`), `nil` for a chunked body.
    var expectedLength: Int64? { get }

    /// Reads the next bytes of the body into `buffer`.
    /// - Returns: the number of bytes read; 0 at the end of the body.
    /// - Throws: `MockBodyError.clientGone` when the client closed or reset the connection (or
    ///   was made to, by a fault) before the end of the body.
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int
}

/// Why a request body could not be read to its end.
public struct MockBodyError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// The client closed or reset the connection in the middle of the body.
    public static let clientGone = MockBodyError("the client went away in the middle of the body")
    /// The body's framing was broken (a bad chunk size).
    public static let malformed = MockBodyError("malformed body framing")
}

/// A body held in memory, for tests and in-process callers; can be told to end early.
public final class MockMemoryBody: MockBodySource {
    private let bytes: [UInt8]
    private let stopAfter: Int?
    private let position = PThreadMutex<Int>(0)
    public let expectedLength: Int64?

    /// - Parameters:
    ///   - bytes: the body.
    ///   - announcedLength: the `Content-Length` claimed; defaults to `bytes.count`.
    ///   - clientGoneAfter: end with `clientGone` after this many bytes (a truncated upload).
    public init(_ bytes: [UInt8], announcedLength: Int64? = nil, clientGoneAfter: Int? = nil) {
        self.bytes = bytes
        self.stopAfter = clientGoneAfter
        self.expectedLength = announcedLength ?? Int64(bytes.count)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        try position.withLock { pos in
            let end = stopAfter.map { min($0, bytes.count) } ?? bytes.count
            if pos >= end {
                if stopAfter != nil || Int64(pos) < (expectedLength ?? 0) { throw MockBodyError.clientGone }
                return 0
            }
            let n = min(buffer.count, end - pos, 64 * 1024)
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + pos, byteCount: n)
            }
            pos += n
            return n
        }
    }
}
