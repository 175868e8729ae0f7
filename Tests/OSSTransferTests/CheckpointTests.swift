import Foundation
import OSSCore
import Testing
@testable import OSSTransfer

@Suite("Checkpoints")
struct CheckpointTests {
    static func sample() -> UploadCheckpoint {
        let id = FileIdentity(
            path: "/data/a b/%weird\nname é.bin", size: 123_456_789, modifiedSeconds: 1_700_000_000,
            modifiedNanoseconds: 123_456_789, device: 2049, inode: 99)
        var cp = UploadCheckpoint(
            source: id, bucket: "bucket", key: "dir/key with spaces/ü", partSize: 8 << 20,
            uploadId: "0004B9895DBBB6EC98E")
        cp.parts[1] = .init(
            number: 1, etag: "\"5B3C1A2E053D763E1B002CC607C5A0FE\"", crc64: 0x995D_C9BB_DF19_39FA, size: 8 << 20)
        cp.parts[3] = .init(number: 3, etag: "\"AA\"", crc64: 1, size: 8 << 20)
        cp.shownBytes = 20 << 20
        return cp
    }

    /// The same checkpoint as an earlier build wrote it: no `shown` line (checksum recomputed).
    static func withoutShownLine(_ bytes: [UInt8]) -> [UInt8] {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().filter { !$0.hasPrefix("shown ") && !$0.hasPrefix("checksum ") }
        var old = Array((lines.joined(separator: "\n") + "\n").utf8)
        old += Array("checksum \(Hex.encode(CRC64.checksum(old).bigEndianBytes))\n".utf8)
        return old
    }

    @Test("the progress figure to resume from is kept; a checkpoint without it (an earlier build's) reads as 0")
    func shownBytes() throws {
        let cp = Self.sample()
        #expect(try UploadCheckpoint(decoding: cp.encode()).shownBytes == 20 << 20)
        var old = cp
        old.shownBytes = 0
        #expect(try UploadCheckpoint(decoding: Self.withoutShownLine(cp.encode())) == old)
        let d = DownloadCheckpoint(
            bucket: "b", key: "k", destination: "/d", temporaryPath: "/d.osswire-download", objectSize: 10, etag: "e",
            objectCRC64: nil, lastModified: "", partSize: 1, parts: [1: 5], shownBytes: 7)
        #expect(try DownloadCheckpoint(decoding: d.encode()) == d)
        #expect(try DownloadCheckpoint(decoding: Self.withoutShownLine(d.encode())).shownBytes == 0)
    }

    @Test("an upload checkpoint survives encoding, odd paths and keys included")
    func uploadRoundTrip() throws {
        let cp = Self.sample()
        #expect(try UploadCheckpoint(decoding: cp.encode()) == cp)
    }

    @Test("a download checkpoint survives encoding, with and without an object CRC64")
    func downloadRoundTrip() throws {
        var cp = DownloadCheckpoint(
            bucket: "b", key: "k/ä", destination: "/tmp/x y", temporaryPath: "/tmp/x y.osswire-download",
            objectSize: 99,
            etag: "\"E\"", objectCRC64: 42, lastModified: "Wed, 25 Nov 2026 04:00:00 GMT", partSize: 100 << 10,
            parts: [1: 7, 2: 8])
        #expect(try DownloadCheckpoint(decoding: cp.encode()) == cp)
        cp.objectCRC64 = nil
        #expect(try DownloadCheckpoint(decoding: cp.encode()) == cp)
    }

    @Test("any changed byte is detected")
    func everyByteFlip() throws {
        let bytes = Self.sample().encode()
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0x20
            #expect(throws: TransferError.self) { try UploadCheckpoint(decoding: damaged) }
        }
    }

    @Test("any truncation is detected")
    func everyTruncation() throws {
        let bytes = Self.sample().encode()
        for n in 0..<bytes.count {
            #expect(throws: TransferError.self) { try UploadCheckpoint(decoding: Array(bytes[0..<n])) }
        }
    }

    @Test("a download checkpoint is not read as an upload checkpoint")
    func wrongKind() {
        let d = DownloadCheckpoint(
            bucket: "b", key: "k", destination: "/d", temporaryPath: "/t", objectSize: 1, etag: "e", objectCRC64: nil,
            lastModified: "", partSize: 1)
        #expect(throws: TransferError.self) { try UploadCheckpoint(decoding: d.encode()) }
    }

    @Test("a saved checkpoint is owner-only, replaces the old one and leaves no temporary file")
    func atomicSave() throws {
        let scratch = Scratch()
        let store = CheckpointStore(directory: scratch.checkpoints + "/nested")
        let path = store.uploadPath(source: "/src", bucket: "b", key: "k")
        var cp = Self.sample()
        try store.save(cp.encode(), to: path)
        cp.parts[7] = .init(number: 7, etag: "\"7\"", crc64: 7, size: 7)
        try store.save(cp.encode(), to: path)
        #expect(try UploadCheckpoint(decoding: try #require(try store.load(path))) == cp)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: store.directory) == [FilePaths.lastComponent(of: path)])
        store.remove(path)
        #expect(try store.load(path) == nil)
    }

    @Test("a checkpoint holds no credentials")
    func noSecrets() throws {
        let text = String(decoding: Self.sample().encode(), as: UTF8.self)
        #expect(!text.lowercased().contains("secret"))
        #expect(!text.lowercased().contains("signature"))
        #expect(!text.contains("access"))
    }

    @Test("each source and destination has its own checkpoint file")
    func distinctPaths() {
        let store = CheckpointStore(directory: "/c")
        let a = store.uploadPath(source: "/f", bucket: "b", key: "k1")
        let b = store.uploadPath(source: "/f", bucket: "b", key: "k2")
        let c = store.uploadPath(source: "/g", bucket: "b", key: "k1")
        let d = store.downloadPath(bucket: "b", key: "k1", destination: "/f")
        #expect(Set([a, b, c, d]).count == 4)
        #expect(a == store.uploadPath(source: "/f", bucket: "b", key: "k1"))
    }
}
