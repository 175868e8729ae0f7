import OSSCore

/// What a request sends as its body: nothing, bytes, a byte range of a file, or an async sequence.
///
/// Bytes and file ranges are rewindable: a retry sends them again (a file range is re-read with
/// `pread`, so memory stays bounded). An async sequence is sent once.
///
/// A file range is the body path of every upload: read with `pread` into one reusable buffer (the
/// caller's `IOBuffer`, or one allocated per attempt), shown to the request's
/// `HTTPBodyObserver` (CRC64, progress, rate limit), and written to the socket from that same
/// buffer, or, on a plain TCP stream, as the same file range with `sendfile(2)` (the kernel copies
/// the page cache to the socket once). No allocation per chunk.
public struct HTTPRequestBody: Sendable {
    enum Storage: Sendable {
        case empty
        case bytes([UInt8])
        case file(FileBody)
        case stream(length: Int64?, makeSource: @Sendable () -> ChunkSource)
    }

    /// A file range and where its bytes are read into.
    struct FileBody: Sendable {
        enum Origin: Sendable {
            /// Opened for each attempt.
            case path(String)
            /// Opened by the caller, shared (positional reads), never closed here.
            case descriptor(FileDescriptor)
        }
        var origin: Origin
        var offset: Int64
        var length: Int64
        var buffer: IOBuffer?

        var path: String {
            switch origin {
            case .path(let p): p
            case .descriptor(let f): f.path
            }
        }
    }

    let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    /// No body.
    public static let empty = HTTPRequestBody(.empty)

    /// A body held in memory.
    public static func bytes(_ bytes: [UInt8]) -> HTTPRequestBody {
        bytes.isEmpty ? .empty : HTTPRequestBody(.bytes(bytes))
    }

    /// `length` bytes of the file at `path` from `offset`, opened for each attempt and read with
    /// `pread` while sending.
    public static func file(path: String, offset: Int64 = 0, length: Int64) -> HTTPRequestBody {
        HTTPRequestBody(.file(FileBody(origin: .path(path), offset: offset, length: length, buffer: nil)))
    }

    /// `length` bytes of an open file from `offset`, read with `pread` into `buffer` (one of the
    /// client's `writeBufferSize` per attempt when `nil`). The file stays open: the caller owns it.
    public static func file(_ file: FileDescriptor, offset: Int64 = 0, length: Int64, buffer: IOBuffer? = nil)
        -> HTTPRequestBody
    {
        HTTPRequestBody(.file(FileBody(origin: .descriptor(file), offset: offset, length: length, buffer: buffer)))
    }

    /// The chunks of an async sequence. With `length` the request uses Content-Length (and the
    /// sequence must produce exactly that many bytes); without, chunked transfer coding.
    public static func stream<S: AsyncSequence & Sendable>(_ sequence: S, length: Int64? = nil) -> HTTPRequestBody
    where S.Element == [UInt8] {
        HTTPRequestBody(
            .stream(
                length: length,
                makeSource: {
                    var iterator = sequence.makeAsyncIterator()
                    return ChunkSource { try await iterator.next() }
                }))
    }

    /// The body's length when known in advance.
    public var length: Int64? {
        switch storage {
        case .empty: return 0
        case .bytes(let b): return Int64(b.count)
        case .file(let f): return f.length
        case .stream(let n, _): return n
        }
    }

    /// Whether the body can be sent again from its start.
    public var isRewindable: Bool {
        if case .stream = storage { return false }
        return true
    }
}

/// Sees a request body's bytes on their way to the socket: where a client layer computes CRC64
/// and applies a rate limit, on the same buffer that is then written (nothing is copied for it).
/// Progress is counted by OSSHTTP itself (`HTTPRequest.uploadProgress`), in one place.
public protocol HTTPBodyObserver: Sendable {
    /// An attempt starts sending the body from its beginning (the first, or a retry on a fresh
    /// connection): counts start again.
    func attemptStarted()

    /// Waits until the next `count` bytes may be sent (a rate limit), or throws to stop the
    /// request (a cancel), which then fails with the error thrown.
    func admit(_ count: Int) async throws

    /// Sees the next bytes of the body just before they are written.
    /// - Parameter bytes: valid only during the call.
    func observe(_ bytes: UnsafeRawBufferPointer)
}

/// Pulls chunks from a user's async sequence. Used by one task only. `@concurrent`: the
/// sequence's iterator lives in this closure, and a user's `next()` runs where it always ran (the
/// pool), not on whatever executor the request happens to be on.
final class ChunkSource {
    private let nextChunk: @concurrent () async throws -> [UInt8]?
    init(_ next: @escaping @concurrent () async throws -> [UInt8]?) { nextChunk = next }
    func next() async throws -> [UInt8]? { try await nextChunk() }
}
