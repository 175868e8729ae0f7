import Foundation
import OSSClient
import OSSMockServer
import OSSTestSupport
import Testing

@testable import OSSTransfer

/// A checkpoint that cannot be used must not orphan the multipart upload it started: the
/// upload it names is aborted, or the user is told one may be left.
@Suite("Uploader: damaged checkpoints do not orphan uploads")
struct DamagedCheckpointTests {
    /// Starts an upload on the server and writes its checkpoint (as a paused run leaves it),
    /// then damages the file with `damage`. Returns the upload id.
    static func leaveDamagedCheckpoint(
        client: OSSClient, scratch: Scratch, path: String, damage: (inout [UInt8]) -> Void
    ) async throws -> String {
        let id = try await client.initiateMultipartUpload(bucket: "bucket-b", key: "k").uploadId
        var identity = try FileIdentity.of(path)
        identity.path = FilePaths.canonical(path)
        let checkpoint = UploadCheckpoint(
            source: identity, bucket: "bucket-b", key: "k", partSize: 100 << 10, uploadId: id)
        let store = CheckpointStore(directory: scratch.checkpoints)
        var bytes = checkpoint.encode()
        damage(&bytes)
        try store.save(bytes, to: store.uploadPath(source: identity.path, bucket: "bucket-b", key: "k"))
        return id
    }

    static func options(_ scratch: Scratch) -> UploadOptions {
        var o = UploadOptions()
        o.partSize = 100 << 10
        o.multipartThreshold = 100 << 10
        o.checkpointDirectory = scratch.checkpoints
        return o
    }

    @Test("a checkpoint whose checksum fails but names its upload: that upload is aborted, a fresh one completes")
    func damagedButReadableIdIsAborted() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-b"]
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("f", size: 350_000, seed: 41)
            let client = try makeClient(server)
            // One byte of the size line changed: the checksum no longer matches.
            let orphan = try await Self.leaveDamagedCheckpoint(client: client, scratch: scratch, path: path) { b in
                let text = String(decoding: b, as: UTF8.self)
                let at = text.range(of: "\nsize ")!.upperBound.utf16Offset(in: text)
                b[at] = b[at] == UInt8(ascii: "9") ? UInt8(ascii: "1") : UInt8(ascii: "9")
            }
            let outcome = await Uploader(operations: OSSClientOperations(client: client), options: Self.options(scratch))
                .upload(file: path, bucket: "bucket-b", key: "k")
            #expect(outcome.state == .completed, "\(outcome)")
            #expect(outcome.uploadId != orphan)
            let note = try #require(outcome.notes.first { $0.contains("cannot be used") }, "\(outcome.notes)")
            #expect(note.contains("the upload it named, \(orphan), was aborted"), "\(note)")
            #expect(server.service.uploadIds(bucket: "bucket-b").isEmpty, "no upload left open")
            #expect(server.service.requestLog.contains { $0.operation == "AbortMultipartUpload" && $0.uploadId == orphan })
            let stored = SameBytes(await server.service.objectBytes(bucket: "bucket-b", key: "k"), bytes)
            #expect(stored.equal, "\(stored)")
            await client.shutdown()
        }
    }

    @Test("a checkpoint whose upload id cannot be read: the note says an upload may be left and how to find it")
    func unreadableIdIsReported() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-b"]
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, _) = scratch.file("f", size: 350_000, seed: 42)
            let client = try makeClient(server)
            let orphan = try await Self.leaveDamagedCheckpoint(client: client, scratch: scratch, path: path) { b in
                let text = String(decoding: b, as: UTF8.self).replacingOccurrences(of: "\nupload-id ", with: "\nupl\u{0}ad-id ")
                b = Array(text.utf8)
            }
            let outcome = await Uploader(operations: OSSClientOperations(client: client), options: Self.options(scratch))
                .upload(file: path, bucket: "bucket-b", key: "k")
            #expect(outcome.state == .completed, "\(outcome)")
            let note = try #require(outcome.notes.first { $0.contains("cannot be used") }, "\(outcome.notes)")
            #expect(note.contains("no upload id can be read"), "\(note)")
            #expect(note.contains("osswire uploads ls oss://bucket-b/k"), "\(note)")
            // Nothing was aborted on a guess: the orphan is still there, for the user to see.
            #expect(server.service.uploadIds(bucket: "bucket-b") == [orphan])
            await client.shutdown()
        }
    }

    @Test("removing a checkpoint also removes the temporary file a killed write left, never a live process's")
    func abandonedTemporaryFiles() throws {
        let scratch = Scratch()
        let store = CheckpointStore(directory: scratch.checkpoints)
        let path = store.uploadPath(source: "/f", bucket: "b", key: "k")
        try store.save(Array("x".utf8), to: path)
        // A process that has exited: its pid names no process (until reused, which a fresh
        // pid is not, this soon).
        let finished = try SpawnedProcess("/bin/true", [], environment: [:])
        finished.waitUntilExit()
        let dead = "\(path).tmp-\(finished.processIdentifier)"
        let alive = "\(path).tmp-1"  // init: always running
        let other = "\(path)-other.tmp-\(finished.processIdentifier)"  // another checkpoint's
        for p in [dead, alive, other] { #expect(FileManager.default.createFile(atPath: p, contents: Data([1]))) }
        store.remove(path)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: dead), "a killed write's temporary file is removed")
        #expect(FileManager.default.fileExists(atPath: alive), "a live process's write is left alone")
        #expect(FileManager.default.fileExists(atPath: other), "another checkpoint's file is left alone")
    }

    @Test("salvaging an id: only from an osswire upload checkpoint of this destination, one plausible id")
    func salvageRules() throws {
        let identity = FileIdentity(path: "/f", size: 1, modifiedSeconds: 0, modifiedNanoseconds: 0, device: 0, inode: 0)
        let good = UploadCheckpoint(source: identity, bucket: "b", key: "k", partSize: 1, uploadId: "UP%1").encode()
        var torn = good
        torn.removeLast(20)
        #expect(UploadCheckpoint.salvageUploadId(from: torn, bucket: "b", key: "k") == "UP%1")
        #expect(UploadCheckpoint.salvageUploadId(from: torn, bucket: "b", key: "other") == nil)
        #expect(UploadCheckpoint.salvageUploadId(from: torn, bucket: "other", key: "k") == nil)
        #expect(UploadCheckpoint.salvageUploadId(from: Array("garbage upload-id X\n".utf8), bucket: "b", key: "k") == nil)
        let twice = good + Array("upload-id OTHER\n".utf8)
        #expect(UploadCheckpoint.salvageUploadId(from: twice, bucket: "b", key: "k") == nil)
        let spaced = Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "UP%251", with: "UP%201").utf8)
        #expect(UploadCheckpoint.salvageUploadId(from: spaced, bucket: "b", key: "k") == nil)
    }
}
