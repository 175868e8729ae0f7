import OSSCore

/// The body of an upload: bytes in memory, a range of a file, or a stream of chunks.
///
/// Bytes and files can be re-read, so a failed attempt can be retried; a stream is read once, so
/// a request with a stream body is never retried after its first byte went out.
public struct OSSRequestBody: Sendable {
    enum Source: Sendable {
        case bytes([UInt8])
        case file(path: String, offset: Int64, length: Int64?)
        case stream(StreamBox, length: Int64?)
    }
    let source: Source

    /// No body.
    public static let empty = OSSRequestBody(source: .bytes([]))

    /// Bytes held in memory.
    public static func bytes(_ bytes: [UInt8]) -> OSSRequestBody { OSSRequestBody(source: .bytes(bytes)) }

    /// The UTF-8 bytes of a string.
    public static func string(_ text: String) -> OSSRequestBody { .bytes(Array(text.utf8)) }

    /// A file, or `length` bytes of it from `offset` (to its end when `nil`). Re-read on retry.
    public static func file(_ path: String, offset: Int64 = 0, length: Int64? = nil) -> OSSRequestBody {
        OSSRequestBody(source: .file(path: path, offset: offset, length: length))
    }

    /// Chunks from an async sequence, read once. With `length` the request carries a
    /// `Content-Length` (and fails if the stream gives a different count); without, it is sent
    /// chunked.
    public static func stream<S: AsyncSequence & Sendable>(_ chunks: S, length: Int64? = nil) -> OSSRequestBody
    where S.Element == [UInt8] {
        OSSRequestBody(source: .stream(StreamBox(chunks), length: length))
    }

    /// Whether a second attempt can send the same bytes again.
    public var isRewindable: Bool {
        if case .stream = source { return false }
        return true
    }

    /// The length when known without opening anything.
    var declaredLength: Int64? {
        switch source {
        case .bytes(let b): Int64(b.count)
        case .file(_, _, let length): length
        case .stream(_, let length): length
        }
    }

    /// The length, opening a file to learn its size when needed.
    /// - Throws: `OSSClientError` (`.file`, `.invalidArgument`) for a missing file or a range past its end.
    func resolvedLength() throws -> Int64? {
        switch source {
        case .bytes(let b): return Int64(b.count)
        case .stream(_, let length): return length
        case .file(let path, let offset, let length):
            let f = try LocalFile.openForReading(path)
            defer { f.close() }
            let size = try f.size()
            guard offset >= 0, offset <= size else {
                throw OSSClientError.invalidArgument("offset \(offset) is beyond the end of \(path) (\(size) bytes)")
            }
            if let length {
                guard length >= 0, offset + length <= size else {
                    throw OSSClientError.invalidArgument(
                        "\(length) bytes from offset \(offset) go beyond the end of \(path) (\(size) bytes)")
                }
                return length
            }
            return size - offset
        }
    }

    /// The whole body in memory (for small bodies: XML requests, MD5 computation).
    func collect() async throws -> [UInt8] {
        if case .bytes(let b) = source { return b }
        var out: [UInt8] = []
        var it = ChunkReader(self)
        while let c = try await it.next() { out.append(contentsOf: c) }
        return out
    }
}

/// A type-erased single-use chunk stream: the `Mutex` makes sure only one iterator is ever made.
final class StreamBox: Sendable {
    private let make: @Sendable () -> ErasedIterator
    private let used = PThreadMutex(false)

    init<S: AsyncSequence & Sendable>(_ s: S) where S.Element == [UInt8] {
        make = { ErasedIterator(s.makeAsyncIterator()) }
    }

    /// The one iterator, or `nil` when the stream was already consumed.
    func takeIterator() -> ErasedIterator? {
        let first = used.withLock { u -> Bool in
            defer { u = true }
            return !u
        }
        return first ? make() : nil
    }
}

/// An erased async iterator of chunks, used by one task at a time.
final class ErasedIterator {
    private let nextChunk: () async throws -> [UInt8]?

    init<I: AsyncIteratorProtocol>(_ iterator: I) where I.Element == [UInt8] {
        var it = iterator
        nextChunk = { try await it.next() }
    }

    func next() async throws -> [UInt8]? { try await nextChunk() }
}

/// Reads a body chunk by chunk: at most `chunkSize` bytes at a time from memory or a file.
struct ChunkReader {
    static let chunkSize = 256 * 1024

    private enum State {
        case bytes([UInt8], offset: Int)
        case file(path: String, file: LocalFile?, offset: Int64, remaining: Int64?)
        /// The iterator is taken at the first read, so an attempt that never read (a stale pooled
        /// connection retried by OSSHTTP) leaves the stream for the next one.
        case stream(StreamBox, ErasedIterator?)
    }
    private var state: State

    init(_ body: OSSRequestBody) {
        switch body.source {
        case .bytes(let b): state = .bytes(b, offset: 0)
        case .file(let path, let offset, let length): state = .file(path: path, file: nil, offset: offset, remaining: length)
        case .stream(let box, _): state = .stream(box, nil)
        }
    }

    /// The next chunk, or `nil` at the end.
    mutating func next() async throws -> [UInt8]? {
        switch state {
        case .bytes(let b, let offset):
            guard offset < b.count else { return nil }
            if offset == 0 && b.count <= ChunkReader.chunkSize {
                state = .bytes(b, offset: b.count)
                return b
            }
            let end = min(b.count, offset + ChunkReader.chunkSize)
            state = .bytes(b, offset: end)
            return Array(b[offset..<end])
        case .file(let path, let openFile, let offset, let remaining):
            if let remaining, remaining <= 0 { return nil }
            let file = try openFile ?? LocalFile.openForReading(path)
            let want = remaining.map { Int(min($0, Int64(ChunkReader.chunkSize))) } ?? ChunkReader.chunkSize
            let chunk = try file.read(at: offset, count: want)
            if chunk.isEmpty {
                file.close()
                if let remaining, remaining > 0 {
                    throw OSSClientError(.file, "\(path) ended \(remaining) bytes early (was it truncated while uploading?)")
                }
                state = .file(path: path, file: nil, offset: offset, remaining: 0)
                return nil
            }
            state = .file(
                path: path, file: file, offset: offset + Int64(chunk.count), remaining: remaining.map { $0 - Int64(chunk.count) })
            return chunk
        case .stream(let box, let taken):
            guard let it = taken ?? box.takeIterator() else {
                throw OSSClientError.invalidArgument("a stream body can be sent only once")
            }
            state = .stream(box, it)
            while let c = try await it.next() {
                if !c.isEmpty { return c }
            }
            return nil
        }
    }
}

/// A CRC64 updated from whichever task streams the body, read once the response arrived.
final class CRC64Accumulator: Sendable {
    private let crc = PThreadMutex(CRC64())
    private let count = PThreadMutex(Int64(0))

    init() {}

    func update(_ bytes: [UInt8]) {
        crc.withLock { $0.update(bytes) }
        count.withLock { $0 += Int64(bytes.count) }
    }

    func reset() {
        crc.withLock { $0 = CRC64() }
        count.withLock { $0 = 0 }
    }

    var value: UInt64 { crc.withLock { $0.value } }
    var byteCount: Int64 { count.withLock { $0 } }

    /// Compares with the server's `x-oss-hash-crc64ecma` header.
    /// - Throws: `OSSClientError` (`.crcMismatch`) when the header is present and differs.
    func verify(serverHeader: String?, what: String) throws {
        guard let serverHeader, let reported = UInt64(serverHeader.trimmingWhitespace()) else { return }
        let computed = value
        if computed != reported { throw OSSClientError.crcMismatch(expected: computed, reported: reported, what: what) }
    }
}

/// One attempt's upload body: chunks from the source, rate-limited, counted for progress and fed
/// to the CRC64 as they go.
struct UploadChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let body: OSSRequestBody
    let crc: CRC64Accumulator?
    let progress: ProgressTracker?
    let limiter: RateLimiter?
    let signals: [CancellationSignal]

    struct AsyncIterator: AsyncIteratorProtocol {
        var reader: ChunkReader
        let parent: UploadChunks
        var sent: Int64 = 0

        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await reader.next() else {
                if let expected = parent.body.declaredLength, sent != expected {
                    throw OSSClientError.invalidArgument("the body gave \(sent) bytes but its length was given as \(expected)")
                }
                return nil
            }
            if let limiter = parent.limiter, let reason = await limiter.acquire(chunk.count, wakingOn: parent.signals) {
                throw reason == .disabled
                    ? OSSClientError(.abortedInFlight, "requests were disabled while the body was sent", bodyFullySent: false)
                    : OSSClientError(.cancelled, "cancelled while the body was sent (\(reason))", bodyFullySent: false)
            }
            sent += Int64(chunk.count)
            if let expected = parent.body.declaredLength, sent > expected {
                throw OSSClientError.invalidArgument("the body gave more than the \(expected) bytes its length was given as")
            }
            parent.crc?.update(chunk)
            parent.progress?.add(chunk.count)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        crc?.reset()
        progress?.startAttempt()
        return AsyncIterator(reader: ChunkReader(body), parent: self)
    }
}
