import Foundation
import OSSCore
import OSSProtocol
import Testing
@testable import OSSTransfer

@Suite("Uploader against an in-memory OSS")
struct UploaderTests {
    /// Options for a 1 MiB file in 100 KiB parts (11 parts).
    static func options(_ scratch: Scratch, jobs: Int = 2, progress: TransferProgressHandler? = nil) -> UploadOptions {
        var o = UploadOptions()
        o.partSize = 100 << 10
        o.multipartThreshold = 100 << 10
        o.jobs = jobs
        o.checkpointDirectory = scratch.checkpoints
        o.bufferSize = 16 << 10
        o.progress = progress
        return o
    }

    @Test("a file at or below the threshold goes in one PutObject")
    func singlePut() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("small", size: 100 << 10)
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(outcome.uploadId == nil)
        #expect(fake.object("b", "k") == bytes)
        #expect(outcome.crc64 == CRC64.checksum(bytes))
        #expect(fake.log.map(\.operation) == ["PutObject"])
    }

    @Test("a larger file goes multipart; the object and its CRC64 equal the file's; progress is monotonic")
    func multipart() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let progress = ProgressLog()
        let (path, bytes) = scratch.file("big", size: (1 << 20) + 7)
        let outcome = await Uploader(
            operations: fake, options: Self.options(scratch, jobs: 4, progress: progress.handler)
        )
        .upload(file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed, "\(outcome)")
        #expect(outcome.partsTotal == 11)
        #expect(outcome.partsDone == 11)
        #expect(outcome.partsResumed == 0)
        #expect(fake.object("b", "k") == bytes)
        #expect(outcome.crc64 == CRC64.checksum(bytes))
        #expect(outcome.bytesTransferred == Int64(bytes.count))
        #expect(progress.isMonotonic)
        #expect(progress.all.last?.bytesTransferred == Int64(bytes.count))
        #expect(fake.maxInFlight <= 4)
        #expect(scratch.checkpointFiles.isEmpty)
    }

    @Test("a part answered 503 twice is then accepted")
    func retriesServiceUnavailable() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        fake.inject(part: 3, .fail(.serviceUnavailable), .fail(.serviceUnavailable))
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(fake.object("b", "k") == bytes)
        #expect(fake.log.filter { $0.partNumber == 3 }.map(\.succeeded) == [false, false, true])
    }

    @Test("a reset in the middle of a part and a wrong CRC64 on another are retried from the file")
    func resetAndWrongCRC() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        fake.inject(part: 2, .failHalfway(.reset))
        fake.inject(part: 5, .wrongCRC)
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(fake.object("b", "k") == bytes)
        #expect(outcome.crc64 == CRC64.checksum(bytes))
        #expect(fake.log.filter { $0.partNumber == 2 }.count == 2)
        #expect(fake.log.filter { $0.partNumber == 5 }.count == 2)
    }

    @Test("a part that keeps failing fails the upload with its cause and keeps the checkpoint")
    func persistentFailure() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        fake.inject(part: 4, .fail(.accessDenied))
        let (path, _) = scratch.file("big", size: 1 << 20)
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .failed)
        #expect(outcome.errorCode == "AccessDenied")
        #expect(outcome.uploadId != nil)
        #expect(scratch.checkpointFiles.count == 1)
    }

    /// Starts an upload, waits until two parts are held mid-body, stops it with `stop`, and
    /// returns the outcome; then resumes and checks only the missing parts are sent.
    func pauseAndResume(stop: (FakeOSS, TransferHandle) async -> Void, expectReason: CancellationSignal.Reason)
        async throws
    {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: (1 << 20) + 12_345)
        let uploader = Uploader(operations: fake, options: Self.options(scratch))
        fake.hold(after: 3)
        let handle = uploader.start(file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(2)
        await stop(fake, handle)
        let first = await handle.outcome()
        #expect(first.state == .paused, "\(first)")
        #expect(first.reason == expectReason)
        let uploadId = try #require(first.uploadId)
        #expect(fake.uploadExists(uploadId))
        #expect(first.partsDone >= 3 && first.partsDone < 11)
        #expect(first.partsDone == fake.partNumbers(uploadId).count)
        #expect(scratch.checkpointFiles.count == 1)
        fake.release()
        fake.enableRequests()

        let onServer = Set(fake.partNumbers(uploadId))
        let logBefore = fake.log.count
        let progress = ProgressLog()
        var options = Self.options(scratch, progress: progress.handler)
        options.jobs = 3
        let second = await Uploader(operations: fake, options: options).upload(file: path, bucket: "b", key: "k")
        #expect(second.state == .completed, "\(second)")
        #expect(second.uploadId == uploadId)
        #expect(second.partsResumed == onServer.count)
        let resent = Array(fake.log[logBefore...]).partsSent(uploadId)
        #expect(Set(resent) == Set(1...11).subtracting(onServer))
        #expect(fake.object("b", "k") == bytes)
        #expect(second.crc64 == CRC64.checksum(bytes))
        #expect(progress.isMonotonic)
        #expect(progress.all.first?.bytesResumed == Int64(onServer.count) * (100 << 10))
        #expect(scratch.checkpointFiles.isEmpty)
    }

    @Test("pause stops the parts mid-body; the next run resumes the same UploadId sending only missing parts")
    func pause() async throws {
        try await pauseAndResume(stop: { _, h in h.pause() }, expectReason: .paused)
    }

    @Test("cancelling the caller's task pauses; the next run resumes")
    func taskCancellation() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let uploader = Uploader(operations: fake, options: Self.options(scratch))
        fake.hold(after: 2)
        let caller = Task { await uploader.upload(file: path, bucket: "b", key: "k") }
        try await fake.waitUntilHeld(2)
        caller.cancel()
        let first = await caller.value
        #expect(first.state == .paused)
        #expect(first.reason == .taskCancelled)
        let uploadId = try #require(first.uploadId)
        fake.release()
        let second = await uploader.upload(file: path, bucket: "b", key: "k")
        #expect(second.state == .completed)
        #expect(second.uploadId == uploadId)
        #expect(fake.object("b", "k") == bytes)
    }

    @Test("the client-wide switch pauses with the aborted-in-flight code; after enabling, the upload resumes")
    func disable() async throws {
        try await pauseAndResume(stop: { fake, _ in fake.disableRequests() }, expectReason: .disabled)
    }

    @Test("a single PutObject stopped by the switch says disabled-before-start or aborted-in-flight")
    func disableSinglePut() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, _) = scratch.file("small", size: 50_000)
        let uploader = Uploader(operations: fake, options: Self.options(scratch))
        fake.hold(after: 0)
        let inFlight = uploader.start(file: path, bucket: "b", key: "k1")
        try await fake.waitUntilHeld(1)
        fake.disableRequests()
        let a = await inFlight.outcome()
        let b = await uploader.upload(file: path, bucket: "b", key: "k2")
        #expect(a.state == .paused && a.reason == .disabled)
        #expect(a.errorCode == "ClientError:200042")
        #expect(a.failureClass?.kind == .abortedInFlight)
        #expect(b.errorCode == "ClientError:100002")
        #expect(b.failureClass?.kind == .disabledBeforeStart)
        #expect(fake.object("b", "k1") == nil && fake.object("b", "k2") == nil)
        fake.enableRequests()
        fake.hold(after: nil)
        #expect(await uploader.upload(file: path, bucket: "b", key: "k3").state == .completed)
    }

    @Test("abort after the caller's task was cancelled still sends AbortMultipartUpload; the UploadId is then refused")
    func abortAfterCancellation() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, _) = scratch.file("big", size: 1 << 20)
        let uploader = Uploader(operations: fake, options: Self.options(scratch))
        fake.hold(after: 1)
        let caller = Task { () -> TransferOutcome in
            let handle = uploader.start(file: path, bucket: "b", key: "k")
            try? await fake.waitUntilHeld(2)
            withUnsafeCurrentTask { $0?.cancel() }
            handle.abort()
            return await handle.outcome()
        }
        let outcome = await caller.value
        #expect(outcome.state == .aborted, "\(outcome)")
        let uploadId = try #require(outcome.uploadId)
        #expect(fake.log.contains { $0.operation == "AbortMultipartUpload" && $0.uploadId == uploadId && $0.succeeded })
        #expect(!fake.uploadExists(uploadId))
        #expect(scratch.checkpointFiles.isEmpty)
        // Every part had settled before the abort went out.
        let abortIndex = try #require(fake.log.firstIndex { $0.operation == "AbortMultipartUpload" })
        #expect(fake.log[(abortIndex + 1)...].allSatisfy { $0.operation != "UploadPart" })
        fake.release()
        let range = FileRange(path: path, offset: 0, length: 100 << 10, reader: try PartReader(path: path))
        await #expect(throws: FakeError.self) {
            try await fake.uploadPart(
                bucket: "b", key: "k", uploadId: uploadId, partNumber: 1, source: range, progress: { _ in })
        }
        #expect(fake.log.last?.operation == "UploadPart")
    }

    @Test("abort after a pause upgrades it to an abort")
    func abortReplacesPause() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, _) = scratch.file("big", size: 1 << 20)
        fake.hold(after: 0)
        let handle = Uploader(operations: fake, options: Self.options(scratch)).start(file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(2)
        handle.pause()
        handle.abort()
        let outcome = await handle.outcome()
        #expect(outcome.state == .aborted)
        #expect(fake.log.count("AbortMultipartUpload") == 1)
    }

    /// Runs an upload paused after some parts, so a checkpoint exists; returns its UploadId.
    func pausedUpload(_ fake: FakeOSS, _ scratch: Scratch, path: String) async throws -> String {
        fake.hold(after: 3)
        let handle = Uploader(operations: fake, options: Self.options(scratch)).start(file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(2)
        handle.pause()
        let outcome = await handle.outcome()
        fake.release()
        #expect(outcome.state == .paused)
        return try #require(outcome.uploadId)
    }

    @Test("a file changed between runs starts a fresh upload and aborts the old one")
    func changedFile() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, _) = scratch.file("big", size: 1 << 20)
        let oldId = try await pausedUpload(fake, scratch, path: path)
        let (_, newBytes) = scratch.file("big", size: (1 << 20) + 1, seed: 2)
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(outcome.uploadId != oldId)
        #expect(outcome.partsResumed == 0)
        #expect(outcome.notes.contains { $0.contains("changed") && $0.contains("aborted") })
        #expect(!fake.uploadExists(oldId))
        #expect(fake.log.contains { $0.operation == "AbortMultipartUpload" && $0.uploadId == oldId })
        #expect(fake.object("b", "k") == newBytes)
    }

    @Test("a corrupt checkpoint starts a fresh upload with a clear note")
    func corruptCheckpoint() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let oldId = try await pausedUpload(fake, scratch, path: path)
        let file = scratch.checkpoints + "/" + scratch.checkpointFiles[0]
        var content = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        content[content.count / 2] ^= 1
        try Data(content).write(to: URL(fileURLWithPath: file))
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(outcome.uploadId != oldId)
        #expect(outcome.notes.contains { $0.contains("cannot be used") && $0.contains("damaged") })
        #expect(fake.object("b", "k") == bytes)
    }

    @Test("a checkpoint whose UploadId was aborted elsewhere starts a fresh upload")
    func abortedElsewhere() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let oldId = try await pausedUpload(fake, scratch, path: path)
        try await fake.abortMultipartUpload(bucket: "b", key: "k", uploadId: oldId)
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(outcome.uploadId != oldId)
        #expect(outcome.notes.contains { $0.contains("NoSuchUpload") })
        #expect(fake.object("b", "k") == bytes)
    }

    @Test("a different part size starts a fresh upload and aborts the old one")
    func differentPartSize() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let oldId = try await pausedUpload(fake, scratch, path: path)
        var options = Self.options(scratch)
        options.partSize = 200 << 10
        let outcome = await Uploader(operations: fake, options: options).upload(file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(outcome.partsTotal == 6)
        #expect(!fake.uploadExists(oldId))
        #expect(fake.object("b", "k") == bytes)
    }

    @Test("a part damaged on the server is sent again; a part the checkpoint missed is verified and kept")
    func damagedAndUnrecordedParts() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        let id = try await pausedUpload(fake, scratch, path: path)
        let onServer = fake.partNumbers(id)
        #expect(onServer.count >= 3)
        fake.corruptStoredPart(id, onServer[0])
        // Forget one part in the checkpoint, as if the run died between the part and the write.
        let store = CheckpointStore(directory: scratch.checkpoints)
        let cpPath = store.uploadPath(source: FilePaths.canonical(path), bucket: "b", key: "k")
        var cp = try UploadCheckpoint(decoding: try #require(try store.load(cpPath)))
        cp.parts[onServer[1]] = nil
        try store.save(cp.encode(), to: cpPath)
        let before = fake.log.count
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        let resent = Array(fake.log[before...]).partsSent(id)
        #expect(resent.contains(onServer[0]))
        #expect(!resent.contains(onServer[1]))
        #expect(outcome.notes.contains { $0.contains("do not match") })
        #expect(fake.object("b", "k") == bytes)
    }

    @Test("a pause counts a part that landed though its answer was lost; progress never shows 100% early and resumes where it stopped")
    func pauseCountsLandedPartsAndKeepsProgress() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: (1 << 20) + 12_345)
        let total = Int64(bytes.count)
        // Parts 1 and 2 finish; part 3 is stored on the server but its answer is held (a pause
        // cuts it); part 4 is held half-way through its body, by its number: held only once
        // part 3 had landed, it finished first whenever it ran ahead of part 3 (as under ASan).
        fake.inject(part: 3, .landThenHold)
        fake.hold(fromPart: 4)
        let first = ProgressLog()
        let handle = Uploader(operations: fake, options: Self.options(scratch, progress: first.handler)).start(
            file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(2)
        handle.pause()
        let paused = await handle.outcome()
        fake.release()
        #expect(paused.state == .paused, "\(paused)")
        let uploadId = try #require(paused.uploadId)
        // What the server has, as the outcome (and so the CLI's message) says.
        #expect(fake.partNumbers(uploadId) == [1, 2, 3])
        #expect(paused.partsDone == 3)
        #expect(first.isMonotonic && first.fullOnlyWhenComplete)
        #expect(first.all.allSatisfy { $0.bytesTransferred < total })
        let stoppedAt = try #require(first.all.last)
        #expect(stoppedAt.partsDone == 3)
        // Parts 1-3 and half of part 4 were reported.
        #expect(stoppedAt.bytesTransferred >= 3 * (100 << 10))

        let second = ProgressLog()
        let resumed = await Uploader(operations: fake, options: Self.options(scratch, progress: second.handler)).upload(
            file: path, bucket: "b", key: "k")
        #expect(resumed.state == .completed, "\(resumed)")
        #expect(resumed.partsResumed == 3)
        #expect(fake.object("b", "k") == bytes)
        // The resumed run starts exactly where the paused one stopped, never goes back, and
        // reaches 100% only with the completed object.
        #expect(second.all.first?.bytesTransferred == stoppedAt.bytesTransferred)
        let kept: Int64 = 3 * (100 << 10)
        #expect(second.all.first?.bytesResumed == kept)
        #expect(second.isMonotonic && second.fullOnlyWhenComplete)
        #expect(second.all.last == TransferProgress(
            bytesTransferred: total, totalBytes: total, partsDone: 11, partsTotal: 11, bytesResumed: kept,
            isComplete: true))
    }

    @Test("a file changed in place with its mtime put back: the changed parts are sent again and the object equals the file")
    func changedInPlaceWithMtimeRestored() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, original) = scratch.file("big", size: 1 << 20)
        let id = try await pausedUpload(fake, scratch, path: path)
        let onServer = fake.partNumbers(id)
        #expect(onServer.count >= 3 && onServer.contains(1))
        var before = stat()
        #expect(stat(path, &before) == 0)
        // Change a byte of part 1 (on the server) and one of part 9 (not sent yet), in place.
        var changed = original
        changed[10] ^= 0xff
        changed[8 * (100 << 10) + 5] ^= 0xff
        let fd = open(path, O_WRONLY)
        #expect(fd >= 0)
        for offset in [10, 8 * (100 << 10) + 5] {
            var b = changed[offset]
            #expect(pwrite(fd, &b, 1, off_t(offset)) == 1)
        }
        close(fd)
        // Put the modification time back, to the nanosecond (as touch -r would).
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        var after = stat()
        #expect(stat(path, &after) == 0)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)

        let logBefore = fake.log.count
        let outcome = await Uploader(operations: fake, options: Self.options(scratch)).upload(
            file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed, "\(outcome)")
        #expect(outcome.uploadId == id)
        let resent = Array(fake.log[logBefore...]).partsSent(id)
        #expect(resent.contains(1))
        #expect(resent.contains(9))
        #expect(Set(resent).isDisjoint(with: Set(onServer).subtracting([1])))
        #expect(outcome.partsResumed == onServer.count - 1)
        #expect(outcome.notes.contains { $0.contains("do not match") && $0.contains("1") })
        #expect(fake.object("b", "k") == changed)
        #expect(outcome.crc64 == CRC64.checksum(changed))
    }

    @Test("without a checkpoint directory a paused upload keeps its UploadId in the outcome only")
    func noCheckpointDirectory() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, _) = scratch.file("big", size: 1 << 20)
        var options = Self.options(scratch)
        options.checkpointDirectory = nil
        fake.hold(after: 0)
        let handle = Uploader(operations: fake, options: options).start(file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(2)
        handle.pause()
        let outcome = await handle.outcome()
        #expect(outcome.state == .paused)
        #expect(outcome.uploadId != nil)
        #expect(outcome.checkpointPath == nil)
        #expect(scratch.checkpointFiles.isEmpty)
    }

    @Test("a missing file or an empty bucket fails before any request")
    func badInput() async {
        let scratch = Scratch()
        let fake = FakeOSS()
        let uploader = Uploader(operations: fake, options: Self.options(scratch))
        let a = await uploader.upload(file: scratch.path + "/missing", bucket: "b", key: "k")
        #expect(a.state == .failed)
        #expect((a.error as? TransferError)?.kind == .file)
        let (path, _) = scratch.file("f", size: 10)
        let b = await uploader.upload(file: path, bucket: "", key: "k")
        #expect(b.state == .failed)
        #expect(fake.log.isEmpty)
    }

    @Test("once CompleteMultipartUpload is under way, pause and abort are ignored and the upload completes")
    func stopDuringComplete() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 1 << 20)
        fake.holdCompletes()
        let handle = Uploader(operations: fake, options: Self.options(scratch)).start(file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(1)
        handle.pause()
        handle.abort()
        fake.release()
        let outcome = await handle.outcome()
        #expect(outcome.state == .completed)
        #expect(fake.log.count("AbortMultipartUpload") == 0)
        #expect(fake.object("b", "k") == bytes)
    }

    @Test("a file changed while it is sent is not completed; its upload is aborted")
    func changedDuringUpload() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, _) = scratch.file("big", size: 1 << 20)
        fake.hold(after: 2)
        let handle = Uploader(operations: fake, options: Self.options(scratch)).start(file: path, bucket: "b", key: "k")
        try await fake.waitUntilHeld(2)
        scratch.file("big", size: 1 << 20, seed: 9)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data([0]))
        try h.close()
        fake.release()
        let outcome = await handle.outcome()
        #expect(outcome.state == .failed)
        #expect(
            (outcome.error as? TransferError)?.kind == .sourceChanged
                || (outcome.error as? TransferError)?.kind == .file)
        #expect(fake.object("b", "k") == nil)
        #expect(fake.log.count("CompleteMultipartUpload") == 0)
        #expect(!fake.uploadExists(try #require(outcome.uploadId)))
    }

    @Test("file data in memory is bounded by jobs × buffer size, whatever the part size")
    func boundedMemory() async throws {
        let scratch = Scratch()
        let fake = FakeOSS()
        let (path, bytes) = scratch.file("big", size: 6 << 20)
        var options = Self.options(scratch, jobs: 3)
        options.partSize = 2 << 20
        options.bufferSize = 8 << 10
        let outcome = await Uploader(operations: fake, options: options).upload(file: path, bucket: "b", key: "k")
        #expect(outcome.state == .completed)
        #expect(fake.object("b", "k") == bytes)
        #expect(fake.maxPoolBuffers >= 1 && fake.maxPoolBuffers <= 3)
        #expect(fake.maxInFlight <= 3)
    }
}
