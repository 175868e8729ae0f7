import Foundation
import OSSCore
import Testing
@testable import OSSTransfer

@Suite("Downloader against an in-memory OSS")
struct DownloaderTests {
    static func options(_ scratch: Scratch, jobs: Int = 2, progress: TransferProgressHandler? = nil) -> DownloadOptions
    {
        var o = DownloadOptions()
        o.partSize = 100 << 10
        o.jobs = jobs
        o.checkpointDirectory = scratch.checkpoints
        o.progress = progress
        return o
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    @Test("an object arrives in parallel ranges, checked by CRC64, renamed into place")
    func download() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let bytes = Scratch.bytes((1 << 20) + 3, seed: 5)
        fake.setObject("b", "k", bytes)
        let progress = ProgressLog()
        let dest = scratch.path + "/out/file"
        let outcome = await Downloader(
            operations: fake, options: Self.options(scratch, jobs: 4, progress: progress.handler)
        )
        .download(bucket: "b", key: "k", file: dest)
        #expect(outcome.state == .completed, "\(outcome)")
        #expect(Self.read(dest) == bytes)
        #expect(outcome.crc64 == CRC64.checksum(bytes))
        #expect(outcome.partsTotal == 11)
        #expect(!FileManager.default.fileExists(atPath: Downloader.temporaryPath(for: dest)))
        #expect(scratch.checkpointFiles.isEmpty)
        #expect(progress.isMonotonic)
        #expect(progress.all.last?.bytesTransferred == Int64(bytes.count))
        #expect(fake.log.count("GetObject") == 11)
    }

    @Test("an object up to the single-request threshold comes in one GET with no checkpoint; a larger one in ranges")
    func singleRequestThreshold() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let small = Scratch.bytes(300 << 10, seed: 8)
        fake.setObject("b", "small", small)
        var options = Self.options(scratch)
        options.singleRequestThreshold = 512 << 10
        // Held in flight, the one GET of the small object has left no checkpoint behind it.
        fake.hold(after: 0)
        let handle = Downloader(operations: fake, options: options).start(
            bucket: "b", key: "small", file: scratch.path + "/small")
        try await fake.waitUntilHeld(1)
        #expect(scratch.checkpointFiles.isEmpty)
        fake.release()
        let one = await handle.outcome()
        #expect(one.state == .completed, "\(one)")
        #expect(Self.read(scratch.path + "/small") == small)
        #expect(fake.log.count("GetObject") == 1)
        #expect(one.partsTotal == 0 && one.crc64 == CRC64.checksum(small))

        // Above the threshold: parallel ranges of the part size, checkpointed.
        let large = Scratch.bytes(600 << 10, seed: 9)
        fake.setObject("b", "large", large)
        let parted = await Downloader(operations: fake, options: options).download(
            bucket: "b", key: "large", file: scratch.path + "/large")
        #expect(parted.state == .completed, "\(parted)")
        #expect(Self.read(scratch.path + "/large") == large)
        #expect(parted.partsTotal == 6 && fake.log.count("GetObject") == 1 + 6)
    }

    @Test("an empty object becomes an empty file")
    func empty() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        fake.setObject("b", "k", [])
        let dest = scratch.path + "/e"
        let outcome = await Downloader(operations: fake, options: Self.options(scratch)).download(
            bucket: "b", key: "k", file: dest)
        #expect(outcome.state == .completed)
        #expect(Self.read(dest) == [])
    }

    @Test("a paused download resumes fetching only the missing ranges; its progress starts where it stopped")
    func pauseAndResume() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let bytes = Scratch.bytes(1 << 20, seed: 6)
        fake.setObject("b", "k", bytes)
        let dest = scratch.path + "/file"
        fake.hold(after: 3)
        let firstProgress = ProgressLog()
        let handle = Downloader(operations: fake, options: Self.options(scratch, progress: firstProgress.handler)).start(
            bucket: "b", key: "k", file: dest)
        try await fake.waitUntilHeld(2)
        handle.pause()
        let first = await handle.outcome()
        #expect(first.state == .paused)
        #expect(!FileManager.default.fileExists(atPath: dest))
        #expect(scratch.checkpointFiles.count == 1)
        fake.release()
        let done = Set(fake.log.filter { $0.operation == "GetObject" && $0.succeeded }.compactMap(\.offset))
        #expect(done.count == first.partsDone)
        let before = fake.log.count
        let secondProgress = ProgressLog()
        let second = await Downloader(operations: fake, options: Self.options(scratch, progress: secondProgress.handler))
            .download(bucket: "b", key: "k", file: dest)
        #expect(second.state == .completed, "\(second)")
        #expect(second.partsResumed == first.partsDone)
        let fetched = Set(fake.log[before...].filter { $0.operation == "GetObject" }.compactMap(\.offset))
        #expect(fetched.isDisjoint(with: done))
        #expect(fetched.union(done).count == 11)
        #expect(Self.read(dest) == bytes)
        // The paused run's figure included the halves of the ranges in flight; the resumed run
        // starts there (not at its whole parts only), never goes back, and shows the whole object
        // only once it is in place.
        let stoppedAt = try #require(firstProgress.all.last)
        #expect(stoppedAt.bytesTransferred > Int64(first.partsDone) * (100 << 10))
        #expect(secondProgress.all.first?.bytesTransferred == stoppedAt.bytesTransferred)
        #expect(firstProgress.isMonotonic && firstProgress.fullOnlyWhenComplete)
        #expect(secondProgress.isMonotonic && secondProgress.fullOnlyWhenComplete)
        #expect(firstProgress.all.allSatisfy { $0.bytesTransferred < Int64(bytes.count) })
        #expect(secondProgress.all.last?.isComplete == true)
        #expect(secondProgress.all.last?.bytesTransferred == Int64(bytes.count))
    }

    @Test("a checkpoint of an earlier build (relative temporary path, no progress line) still resumes")
    func oldCheckpointWithRelativeTemporaryPath() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let bytes = Scratch.bytes(1 << 20, seed: 16)
        fake.setObject("b", "k", bytes)
        let dest = scratch.path + "/file"
        fake.hold(after: 3)
        let handle = Downloader(operations: fake, options: Self.options(scratch)).start(
            bucket: "b", key: "k", file: dest)
        try await fake.waitUntilHeld(2)
        handle.pause()
        let first = await handle.outcome()
        fake.release()
        #expect(first.state == .paused && first.partsDone >= 3)
        // Rewrite the checkpoint as the earlier build wrote it, run from the destination's
        // directory: `temporary file.osswire-download`, and no `shown` line.
        let store = CheckpointStore(directory: scratch.checkpoints)
        let cpPath = try #require(first.checkpointPath)
        var cp = try DownloadCheckpoint(decoding: try #require(try store.load(cpPath)))
        #expect(cp.temporaryPath.hasPrefix("/") && cp.destination.hasPrefix("/"))
        cp.temporaryPath = "file.osswire-download"
        let lines = String(decoding: cp.encode(), as: UTF8.self).split(separator: "\n")
            .filter { !$0.hasPrefix("shown ") && !$0.hasPrefix("checksum ") }
        var old = Array((lines.joined(separator: "\n") + "\n").utf8)
        old += Array("checksum \(Hex.encode(CRC64.checksum(old).bigEndianBytes))\n".utf8)
        try store.save(old, to: cpPath)
        let reread = try DownloadCheckpoint(decoding: old)
        #expect(reread.shownBytes == 0 && reread.temporaryPath == "file.osswire-download")

        let second = await Downloader(operations: fake, options: Self.options(scratch)).download(
            bucket: "b", key: "k", file: dest)
        #expect(second.state == .completed, "\(second)")
        #expect(second.partsResumed == first.partsDone, "\(second.notes)")
        #expect(!second.notes.contains { $0.contains("does not fit") })
        #expect(Self.read(dest) == bytes)
    }

    @Test("an object changed between runs is downloaded again from the start")
    func changedObject() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        fake.setObject("b", "k", Scratch.bytes(1 << 20, seed: 1))
        let dest = scratch.path + "/file"
        fake.hold(after: 2)
        let handle = Downloader(operations: fake, options: Self.options(scratch)).start(
            bucket: "b", key: "k", file: dest)
        try await fake.waitUntilHeld(2)
        handle.pause()
        _ = await handle.outcome()
        fake.release()
        let newBytes = Scratch.bytes(1 << 20, seed: 2)
        fake.setObject("b", "k", newBytes, etag: "\"E2\"", lastModified: "t2")
        let second = await Downloader(operations: fake, options: Self.options(scratch)).download(
            bucket: "b", key: "k", file: dest)
        #expect(second.state == .completed)
        #expect(second.partsResumed == 0)
        #expect(second.notes.contains { $0.contains("changed") })
        #expect(Self.read(dest) == newBytes)
    }

    @Test("bytes that do not match the object's CRC64 never reach the destination")
    func crcMismatch() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        fake.setObject("b", "k", Scratch.bytes(1 << 20, seed: 3))
        fake.corruptGet(offset: 200 << 10)
        let dest = scratch.path + "/file"
        let outcome = await Downloader(operations: fake, options: Self.options(scratch)).download(
            bucket: "b", key: "k", file: dest)
        #expect(outcome.state == .failed)
        #expect((outcome.error as? TransferError)?.kind == .crcMismatch)
        #expect(!FileManager.default.fileExists(atPath: dest))
        #expect(!FileManager.default.fileExists(atPath: Downloader.temporaryPath(for: dest)))
    }

    @Test("a failed range is tried again; an abort removes the temporary file and checkpoint")
    func retryAndAbort() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let bytes = Scratch.bytes(1 << 20, seed: 4)
        fake.setObject("b", "k", bytes)
        fake.injectGet(offset: 100 << 10, .failHalfway(.reset))
        let dest = scratch.path + "/file"
        let ok = await Downloader(operations: fake, options: Self.options(scratch)).download(
            bucket: "b", key: "k", file: dest)
        #expect(ok.state == .completed)
        #expect(Self.read(dest) == bytes)

        let dest2 = scratch.path + "/file2"
        fake.hold(after: 0)
        let handle = Downloader(operations: fake, options: Self.options(scratch)).start(
            bucket: "b", key: "k", file: dest2)
        try await fake.waitUntilHeld(2)
        handle.abort()
        let aborted = await handle.outcome()
        #expect(aborted.state == .aborted)
        #expect(!FileManager.default.fileExists(atPath: dest2))
        #expect(!FileManager.default.fileExists(atPath: Downloader.temporaryPath(for: dest2)))
        #expect(scratch.checkpointFiles.isEmpty)
    }

    @Test("a missing object fails with the server's code")
    func missing() async {
        let scratch = Scratch()
        let outcome = await Downloader(operations: FakeOSS(), options: Self.options(scratch))
            .download(bucket: "b", key: "nope", file: scratch.path + "/x")
        #expect(outcome.state == .failed)
        #expect(outcome.errorCode == "NoSuchKey")
    }
}
