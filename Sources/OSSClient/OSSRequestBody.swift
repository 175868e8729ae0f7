import OSSCore
internal import OSSHTTP

/// The body of an upload: bytes in memory, a range of a file, or a stream of chunks.
///
/// Bytes and files can be re-read, so a failed attempt can be retried; a stream is read once, so
/// a request with a stream body is never retried after its first byte went out.
///
/// A file body takes the one body path of OSSWire (see `HTTPRequestBody`): read with `pread`
/// into one reusable buffer, seen there by the CRC64, the progress count and the rate limit,
/// and sent: over TLS from that buffer, on plain TCP as the same file range with `sendfile(2)`.
public struct OSSRequestBody: Sendable {
    enum Source: Sendable {
        case bytes([UInt8])
        case file(path: String, offset: Int64, length: Int64?)
        case descriptor(FileDescriptor, offset: Int64, length: Int64, buffer: IOBuffer?)
        case stream(StreamBox, length: Int64?)
    }
    let source: Source

    /// No body.
    public static let empty = OSSRequestBody(source: .bytes([]))

    /// Bytes held in memory.
    public static func bytes(_ bytes: [UInt8]) -> OSSRequestBody { OSSRequestBody(source: .bytes(bytes)) }

    /// The UTF-8 bytes of a string.
    public static func string(_ text: String) -> OSSRequestBody { .bytes(Array(text.utf8)) }

    /// A file, or `length` bytes of it from `offset` (to its end when `nil`). Opened once per
    /// request and re-read on retry.
    public static func file(_ path: String, offset: Int64 = 0, length: Int64? = nil) -> OSSRequestBody {
        OSSRequestBody(source: .file(path: path, offset: offset, length: length))
    }

    /// `length` bytes of an open file from `offset`, read into `buffer` (one buffer of the
    /// client's size per attempt when `nil`). The caller keeps the file open until the call
    /// returns; the transfer layer passes its shared descriptor and a buffer from its pool, so
    /// memory for file data stays at `jobs × bufferSize`.
    public static func file(_ file: FileDescriptor, offset: Int64, length: Int64, buffer: IOBuffer? = nil)
        -> OSSRequestBody
    {
        OSSRequestBody(source: .descriptor(file, offset: offset, length: length, buffer: buffer))
    }

    /// Chunks from an async sequence, read once. With `length` the request carries a
    /// `Content-Length` (and fails if the stream gives a different count); without, it is sent
    /// chunked.
    public static func stream<S: AsyncSequence & Sendable>(_ chunks: S, length: Int64? = nil) -> OSSRequestBody
    where S.Element == [UInt8] {
        OSSRequestBody(source: .stream(StreamBox(chunks), length: length))
    }

    /// Whether sending it reads a file (with blocking `pread`).
    var readsFile: Bool {
        switch source {
        case .file, .descriptor: true
        case .bytes, .stream: false
        }
    }

    /// Whether a second attempt can send the same bytes again.
    public var isRewindable: Bool {
        if case .stream = source { return false }
        return true
    }

    /// The body with its file opened and its length known: what one request sends on each of
    /// its attempts. The caller closes `opened` (the file this call opened, if any) at the end.
    /// - Throws: `OSSClientError` (`.file`, `.invalidArgument`) for a missing file or a range past its end.
    func prepared() throws -> (body: OSSRequestBody, length: Int64?, opened: FileDescriptor?) {
        switch source {
        case .bytes(let b): return (self, Int64(b.count), nil)
        case .stream(_, let length): return (self, length, nil)
        case .descriptor(let file, let offset, let length, _):
            try Self.checkRange(file, offset: offset, length: length)
            return (self, length, nil)
        case .file(let path, let offset, let length):
            let file: FileDescriptor
            do { file = try FileDescriptor.open(path, .readOnly) } catch { throw OSSClientError.file(error) }
            do {
                let n = try Self.checkRange(file, offset: offset, length: length)
                return (.file(file, offset: offset, length: n), n, file)
            } catch {
                file.close()
                throw error
            }
        }
    }

    /// The range's length after checking it lies within the file.
    @discardableResult
    private static func checkRange(_ file: FileDescriptor, offset: Int64, length: Int64?) throws -> Int64 {
        let size: Int64
        do { size = try file.size() } catch { throw OSSClientError.file(error) }
        guard offset >= 0, offset <= size else {
            throw OSSClientError.invalidArgument("offset \(offset) is beyond the end of \(file.path) (\(size) bytes)")
        }
        guard let length else { return size - offset }
        guard length >= 0, offset + length <= size else {
            throw OSSClientError.invalidArgument(
                "\(length) bytes from offset \(offset) go beyond the end of \(file.path) (\(size) bytes)")
        }
        return length
    }

    /// Calls `body` with each piece of the body in turn (for MD5 and for wires that are not
    /// sockets), reading a file through one buffer.
    func forEachPiece(_ body: (UnsafeRawBufferPointer) async throws -> Void) async throws {
        switch source {
        case .bytes(let b):
            let buffer = IOBuffer(capacity: b.count)
            b.withUnsafeBytes { buffer.bytes.copyMemory(from: $0) }
            if !b.isEmpty { try await body(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<b.count])) }
        case .file:
            let (prepared, _, opened) = try prepared()
            defer { opened?.close() }
            try await prepared.forEachPiece(body)
        case .descriptor(let file, let offset, let length, let given):
            let buffer = given ?? IOBuffer(capacity: Int(min(length, Int64(HTTPClientConfiguration().writeBufferSize))))
            var done: Int64 = 0
            while done < length {
                let want = Int(min(Int64(buffer.capacity), length - done))
                let got: Int
                do {
                    got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want]), at: offset + done)
                } catch {
                    throw OSSClientError.file(error)
                }
                guard got == want else { throw OSSClientError.fileEndedEarly(file.path, missing: length - done - Int64(got)) }
                try await body(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<got]))
                done += Int64(got)
            }
        case .stream(let box, _):
            guard let it = box.takeIterator() else {
                throw OSSClientError.invalidArgument("a stream body can be sent only once")
            }
            let buffer = IOBuffer(capacity: 256 << 10)
            while let chunk = try await it.next() {
                var at = 0
                while at < chunk.count {
                    let n = min(buffer.capacity, chunk.count - at)
                    chunk.withUnsafeBytes { buffer.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[at..<(at + n)])) }
                    try await body(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<n]))
                    at += n
                }
            }
        }
    }

    /// The whole body in memory (for small bodies: XML requests, tests).
    func collect() async throws -> [UInt8] {
        if case .bytes(let b) = source { return b }
        var out: [UInt8] = []
        try await forEachPiece { out.append(contentsOf: $0) }
        return out
    }
}

extension OSSClientError {
    /// A local file error.
    static func file(_ error: SystemError) -> OSSClientError {
        OSSClientError(.file, error.description, underlying: error)
    }

    /// A file that ended before its range did (it shrank while it was sent).
    static func fileEndedEarly(_ path: String, missing: Int64) -> OSSClientError {
        OSSClientError(.file, "\(path) ended \(missing) bytes early (was it truncated while uploading?)", bodyFullySent: false)
    }
}

/// A type-erased single-use chunk stream: the lock makes sure only one iterator is ever made.
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

/// An erased async iterator of chunks, used by one task at a time. `@concurrent` for the reason
/// `ChunkSource` gives: the user's iterator runs on the pool, as it always did.
final class ErasedIterator {
    private let nextChunk: @concurrent () async throws -> [UInt8]?

    init<I: AsyncIteratorProtocol>(_ iterator: I) where I.Element == [UInt8] {
        var it = iterator
        nextChunk = { try await it.next() }
    }

    func next() async throws -> [UInt8]? { try await nextChunk() }
}

/// A stream body's chunks as OSSHTTP pulls them. The iterator is taken at the first read, so an
/// attempt that never read (a stale pooled connection retried by OSSHTTP) leaves the stream for
/// the next one.
struct StreamChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let box: StreamBox

    struct AsyncIterator: AsyncIteratorProtocol {
        let box: StreamBox
        var taken: ErasedIterator?
        mutating func next() async throws -> [UInt8]? {
            if taken == nil {
                guard let it = box.takeIterator() else {
                    throw OSSClientError.invalidArgument("a stream body can be sent only once")
                }
                taken = it
            }
            return try await taken!.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(box: box, taken: nil) }
}

/// A CRC64 updated as the body goes out (or the answer comes in), read once the response arrived.
///
/// `@unchecked Sendable` without a lock: one call's task feeds and reads it, one step after
/// another (the body's observer and the answer's pump run inside the exchange, the checks after
/// it). It is `Sendable` only because the observer that holds it must be.
final class CRC64Accumulator: @unchecked Sendable {
    private var crc = CRC64()
    private var count: Int64 = 0

    init() {}

    func update(_ bytes: UnsafeRawBufferPointer) {
        crc.update(bytes)
        count += Int64(bytes.count)
    }

    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func reset() {
        crc = CRC64()
        count = 0
    }

    var value: UInt64 { crc.value }
    var byteCount: Int64 { count }

    /// Compares with the server's `x-oss-hash-crc64ecma` header.
    /// - Throws: `OSSClientError` (`.crcMismatch`) when the header is present and differs.
    func verify(serverHeader: String?, what: String) throws {
        guard let serverHeader, let reported = ByteScan.decimalUInt64(serverHeader) else { return }
        let computed = value
        if computed != reported { throw OSSClientError.crcMismatch(expected: computed, reported: reported, what: what) }
    }
}

/// What watches an upload's body on its way out, once, on the buffer that is then written: the
/// CRC64 and the send rate limit, and the call's signal that ends a rate-limit wait. Progress is
/// not counted here: OSSHTTP counts the bytes that go out (`HTTPRequest.uploadProgress`), the one
/// place, and `UploadBody.progress` receives them.
final class UploadObserver: HTTPBodyObserver {
    let crc: CRC64Accumulator?
    let limiter: RateLimiter?
    /// The call's signal: it ends a rate-limit wait at once.
    let signal: CancellationSignal

    init(crc: CRC64Accumulator?, limiter: RateLimiter?, signal: CancellationSignal) {
        self.crc = crc
        self.limiter = limiter
        self.signal = signal
    }

    func attemptStarted() {
        crc?.reset()
    }

    /// Waits for the send rate limit. A wait the call's signal ends throws; the request fails
    /// then with the signal's reason (OSSHTTP keeps this error as its cause).
    func admit(_ count: Int) async throws {
        guard let limiter, let reason = await limiter.acquire(count, wakingOn: signal) else { return }
        throw reason == .disabled
            ? OSSClientError(.abortedInFlight, "requests were disabled while the body was sent", bodyFullySent: false)
            : OSSClientError(.cancelled, "cancelled while the body was sent (\(reason))", bodyFullySent: false)
    }

    func observe(_ bytes: UnsafeRawBufferPointer) {
        crc?.update(bytes)
    }
}

/// One request's upload body as the client hands it to the wire: the body (its file already
/// open) and the observer every attempt reports to. OSSHTTP sends it on its one body path; a
/// wire that is not a socket (the tests' scripted ones) reads it as chunks, through the same
/// observer.
struct UploadBody: Sendable {
    let body: OSSRequestBody
    let observer: UploadObserver
    /// Told how many bytes of the body this attempt has sent so far (the call's tracker).
    let progress: (@Sendable (Int64) -> Void)?

    /// The body as OSSHTTP sends it.
    func httpBody(length: Int64?) -> HTTPRequestBody {
        switch body.source {
        case .bytes(let b): return .bytes(b)
        case .descriptor(let file, let offset, let n, let buffer): return .file(file, offset: offset, length: n, buffer: buffer)
        case .file(let path, let offset, let n): return .file(path: path, offset: offset, length: n ?? length ?? 0)
        case .stream(let box, _): return .stream(StreamChunks(box: box), length: length)
        }
    }

    /// Reads the body piece by piece through the observer, as a socket send would (for wires
    /// that are not sockets: the tests' scripted ones), until `take` returns false.
    /// - Throws: `.invalidArgument` when a stream gives more or fewer bytes than `length`.
    func read(length: Int64?, _ take: ([UInt8]) async throws -> Bool) async throws {
        observer.attemptStarted()
        var sent: Int64 = 0
        do {
            try await body.forEachPiece { piece in
                sent += Int64(piece.count)
                if let length, sent > length {
                    throw OSSClientError.invalidArgument("the body gave more than the \(length) bytes its length was given as")
                }
                try await observer.admit(piece.count)
                observer.observe(piece)
                if try await !take(Array(piece)) { throw StopReading() }
                progress?(sent)
            }
        } catch is StopReading {
            return
        }
        if let length, sent != length {
            throw OSSClientError.invalidArgument("the body gave \(sent) bytes but its length was given as \(length)")
        }
    }

    private struct StopReading: Error {}
}
