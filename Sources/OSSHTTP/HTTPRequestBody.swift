import Glibc
import OSSCore

/// What a request sends as its body: nothing, bytes, a byte range of a file, or an async sequence.
///
/// Bytes and file ranges are rewindable: a retry sends them again (a file range is reopened and
/// re-read with `pread`, so memory stays bounded). An async sequence is sent once.
public struct HTTPRequestBody: Sendable {
    enum Storage: Sendable {
        case empty
        case bytes([UInt8])
        case file(path: String, offset: Int64, length: Int64)
        case stream(length: Int64?, makeSource: @Sendable () -> ChunkSource)
    }

    let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    /// No body.
    public static let empty = HTTPRequestBody(.empty)

    /// A body held in memory.
    public static func bytes(_ bytes: [UInt8]) -> HTTPRequestBody {
        bytes.isEmpty ? .empty : HTTPRequestBody(.bytes(bytes))
    }

    /// `length` bytes of the file at `path` from `offset`, read with `pread` while sending.
    public static func file(path: String, offset: Int64 = 0, length: Int64) -> HTTPRequestBody {
        HTTPRequestBody(.file(path: path, offset: offset, length: length))
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
        case .file(_, _, let n): return n
        case .stream(let n, _): return n
        }
    }

    /// Whether the body can be sent again from its start.
    public var isRewindable: Bool {
        if case .stream = storage { return false }
        return true
    }
}

/// Pulls chunks from a user's async sequence. Used by one task only.
final class ChunkSource {
    private let nextChunk: () async throws -> [UInt8]?
    init(_ next: @escaping () async throws -> [UInt8]?) { nextChunk = next }
    func next() async throws -> [UInt8]? { try await nextChunk() }
}

/// A file opened for one attempt, read with `pread`; closed when released.
final class BodyFile {
    let fd: Int32

    init(path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.current("open \(path)") }
        self.fd = fd
    }

    /// Reads exactly `count` bytes at `offset` into `buffer` (fewer only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: Int64) throws(SystemError) -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.current("pread")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    deinit { _ = Glibc.close(fd) }
}
