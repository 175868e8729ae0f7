import Glibc
import OSSCore
internal import OSSCrypto

/// Stored bytes: in memory, or a file under the data directory that is removed when the last
/// object or part referring to it goes away. Immutable once made.
final class MockBlob: Sendable {
    enum Storage: Sendable {
        case memory([UInt8])
        case file(String)
        /// Counted and checked, not kept (`discardBodies`).
        case discarded
    }
    let storage: Storage
    let size: Int64

    init(memory: [UInt8]) {
        storage = .memory(memory)
        size = Int64(memory.count)
    }

    init(discardedSize size: Int64) {
        storage = .discarded
        self.size = size
    }

    var isDiscarded: Bool {
        if case .discarded = storage { return true }
        return false
    }

    init(file path: String, size: Int64) {
        storage = .file(path)
        self.size = size
    }

    deinit {
        if case .file(let path) = storage { FileDescriptor.remove(path) }
    }

    /// Calls `body` with consecutive pieces of `range`, each at most `chunk` bytes.
    func forEachChunk(in range: Range<Int64>, chunk: Int = 256 * 1024, _ body: (UnsafeRawBufferPointer) async throws -> Void)
        async throws
    {
        guard !range.isEmpty else { return }
        switch storage {
        case .memory(let bytes):
            // withUnsafeBytes cannot span a suspension: hand out copies through one buffer.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
            defer { buffer.deallocate() }
            var offset = Int(range.lowerBound)
            let end = Int(range.upperBound)
            while offset < end {
                let n = min(chunk, end - offset)
                bytes.withUnsafeBytes { src in
                    buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
                }
                try await body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                offset += n
            }
        case .discarded:
            throw MockOSSError.discarded
        case .file(let path):
            let file = try FileDescriptor.open(path, .readOnly)
            defer { file.close() }
            let buffer = IOBuffer(capacity: chunk)
            var offset = range.lowerBound
            while offset < range.upperBound {
                let want = Int(min(Int64(chunk), range.upperBound - offset))
                let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want]), at: offset)
                if n < want { throw SystemError(errno: EIO, operation: "read \(path) (file shorter than expected)") }
                try await body(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<n]))
                offset += Int64(n)
            }
        }
    }

    /// All bytes (for small blobs: XML bodies, tests).
    func readAll() async throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Int(size))
        try await forEachChunk(in: 0..<size) { out.append(contentsOf: $0) }
        return out
    }
}

/// What was computed while a body was stored.
struct MockBodyDigest: Sendable {
    var md5: [UInt8]
    var crc64: UInt64
    var size: Int64
}

/// Receives a body piece by piece, keeps it in memory or spills it to a file, and computes its
/// MD5 and CRC64 on the way. Nothing is visible to the store until `finish()`; a writer dropped
/// without finishing removes its file, so a body whose client went away leaves nothing behind.
/// Used by one task at a time.
final class MockBlobWriter {
    private var memory: [UInt8] = []
    private var file: FileDescriptor? = nil
    private var path: String? = nil
    private let directory: String?
    private let spillThreshold: Int
    private let discard: Bool
    private var md5: Digest?
    private var crc = CRC64()
    private(set) var size: Int64 = 0

    /// - Parameters:
    ///   - directory: where bodies larger than `spillThreshold` go; `nil` keeps them in memory.
    ///   - discard: keep no bytes, only count them and compute the CRC64.
    ///   - md5: compute the MD5 (always, unless discarding without a Content-MD5 to check).
    init(directory: String?, spillThreshold: Int, discard: Bool = false, md5: Bool = true) {
        self.directory = directory
        self.spillThreshold = spillThreshold
        self.discard = discard
        self.md5 = md5 ? Digest(.md5) : nil
    }

    deinit {
        file?.close()
        if let path { FileDescriptor.remove(path) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        md5?.update(bytes)
        crc.update(bytes)
        size += Int64(bytes.count)
        if discard { return }
        if file == nil, let directory, memory.count + bytes.count > spillThreshold {
            let p = "\(directory)/.upload-\(Hex.encode(secureRandomBytes(12)))"
            file = try FileDescriptor.open(p, .writeOnly, options: [.create, .exclusive], permissions: 0o600)
            path = p
            let pending = memory
            memory = []
            try file!.write(pending, at: 0)
        }
        if let file {
            // The spilled bytes so far are `size` less this piece.
            try file.write(bytes, at: size - Int64(bytes.count))
        } else {
            memory.append(contentsOf: bytes)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// 16 bytes standing in for the MD5 of a discarded body: the CRC64 and the size, big-endian.
    static func pseudoMD5(crc64: UInt64, size: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: crc64 >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: UInt64(size) >> (56 - 8 * UInt64($0))) }
    }

    /// Makes the blob and its digests. Call once.
    func finish() -> (MockBlob, MockBodyDigest) {
        let md5 = self.md5.take()?.finalize() ?? MockBlobWriter.pseudoMD5(crc64: crc.value, size: size)
        let digest = MockBodyDigest(md5: md5, crc64: crc.value, size: size)
        let blob: MockBlob
        if discard {
            blob = MockBlob(discardedSize: size)
        } else if let p = path {
            file?.close()
            blob = MockBlob(file: p, size: size)
        } else {
            blob = MockBlob(memory: memory)
            memory = []
        }
        file = nil
        path = nil
        return (blob, digest)
    }
}
