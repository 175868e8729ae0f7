import OSSCore

/// Settings of a download.
public struct DownloadOptions: Sendable {
    /// Bytes per ranged GET. Default 8 MiB.
    public var partSize: Int64 = PartPlan.defaultPartSize
    /// Objects of at most this many bytes come in one GET, without a checkpoint; larger ones in
    /// parallel ranged GETs. `nil` (the default): the part size.
    public var singleRequestThreshold: Int64? = nil
    /// Ranged GETs at once. Default 4.
    public var jobs: Int = 4
    /// Where checkpoints are kept; `nil` keeps none.
    public var checkpointDirectory: String? = nil
    /// Tries per part (the first included) for failures worth another try.
    public var partAttempts: Int = 3
    /// Called as the download moves (monotonic, parts already on disk counted as done).
    public var progress: TransferProgressHandler? = nil
    /// `x-oss-traffic-limit` of each ranged GET, in bit/s (245760...838860800).
    public var trafficLimit: Int? = nil
    /// Whether the file is on the device before it gets its final name. `true` (the default):
    /// its data is handed to the device as it arrives and `fsync`ed, then renamed, then its
    /// directory `fsync`ed, so a download reported complete survives a crash or a power cut,
    /// and the disk's write speed bounds the download. `false`: the data is left in the page
    /// cache for the kernel to write later, as curl and the official SDKs leave it; faster when
    /// the disk is slower than the network, but after a crash the file under its final name may
    /// be incomplete. Checkpoints are written durably either way.
    public var flushToDisk: Bool = true

    public init() {}
}

/// Downloads an object to a file with parallel ranged GETs into a temporary file, renamed into
/// place only when complete and its CRC64 matches the object's.
public struct Downloader: Sendable {
    public let operations: any TransferOperations
    public var options: DownloadOptions

    public init(operations: any TransferOperations, options: DownloadOptions = DownloadOptions()) {
        self.operations = operations
        self.options = options
    }

    /// Starts downloading `bucket`/`key` to `file` in a task of its own.
    public func start(bucket: String, key: String, file: String) -> TransferHandle {
        let control = TransferControl()
        let run = DownloadRun(ops: operations, options: options, path: file, bucket: bucket, key: key, control: control)
        return TransferHandle(control: control) { await run.run() }
    }

    /// Downloads and waits for the outcome. Cancelling the calling task pauses the download.
    @concurrent public func download(bucket: String, key: String, file: String) async -> TransferOutcome {
        await start(bucket: bucket, key: key, file: file).outcome()
    }

    /// The temporary file a download to `path` writes into (the downloader names it through the
    /// destination's absolute path, which its checkpoint records).
    public static func temporaryPath(for path: String) -> String { path + ".osswire-download" }
}

/// One run of one download.
struct DownloadRun: Sendable {
    let ops: any TransferOperations
    let options: DownloadOptions
    let path: String
    let bucket: String
    let key: String
    let control: TransferControl

    func run() async -> TransferOutcome {
        let start = ContinuousClock.now
        var out = TransferOutcome(bucket: bucket, key: key, localPath: path)
        await runBody(&out)
        let elapsed = ContinuousClock.now - start
        out.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return out
    }

    private func runBody(_ out: inout TransferOutcome) async {
        guard !bucket.isEmpty, !key.isEmpty, options.jobs >= 1, options.partAttempts >= 1 else {
            out.error = TransferError.invalidArgument("bucket, key, jobs and part attempts must be given")
            return
        }
        let object: RemoteObject
        do {
            if let reason = control.reason { throw StopRequest(reason: reason) }
            object = try await ops.headObject(bucket: bucket, key: key)
        } catch {
            return stopped(&out, error: error, failure: classify(error))
        }
        out.bytes = object.size
        // A small object is one part, and not worth a checkpoint.
        let single = object.size <= (options.singleRequestThreshold ?? options.partSize)
        // Not a parted download: no parts to count (as for a single PutObject).
        defer {
            if single {
                out.partsTotal = 0
                out.partsDone = 0
            }
        }
        let plan: PartPlan
        do {
            plan = try PartPlan(
                totalSize: object.size, requestedPartSize: single ? max(options.partSize, object.size) : options.partSize)
        } catch {
            out.error = error
            return
        }
        out.partsTotal = plan.partCount
        // Absolute paths only, in the checkpoint and for the files: the same destination named
        // from another working directory resumes.
        let target = FilePaths.canonicalTarget(path)
        let temp = Downloader.temporaryPath(for: target)
        let store = single ? nil : options.checkpointDirectory.map { CheckpointStore(directory: $0) }
        let checkpointPath = store?.downloadPath(bucket: bucket, key: key, destination: target)
        var checkpoint = DownloadCheckpoint(
            bucket: bucket, key: key, destination: target, temporaryPath: temp,
            objectSize: object.size, etag: object.etag, objectCRC64: object.crc64, lastModified: object.lastModified,
            partSize: plan.partSize)
        var shown: Int64 = 0
        if let store, let checkpointPath {
            (checkpoint.parts, shown) = resumedParts(&out, store: store, path: checkpointPath, fresh: checkpoint)
            checkpoint.shownBytes = shown
        }
        if checkpoint.parts.isEmpty { FilePaths.remove(temp) }

        let file: FileDescriptor
        do {
            try FilePaths.makeDirectories(FilePaths.directory(of: target))
            file = try Self.openTemporary(temp, size: object.size, writeBehind: options.flushToDisk)
            if let store, let checkpointPath { try store.save(checkpoint.encode(), to: checkpointPath) }
        } catch {
            out.error = error
            return
        }
        defer { file.close() }
        out.checkpointPath = checkpointPath
        let progress = ProgressAggregator(
            totalBytes: object.size, partsTotal: plan.partCount, handler: options.progress)
        progress.resumed(
            parts: checkpoint.parts.count, bytes: checkpoint.parts.keys.reduce(0) { $0 + plan.range(ofPart: $1).length },
            shown: shown)
        out.partsResumed = checkpoint.parts.count

        let pending = object.size == 0 ? [] : plan.partNumbers.filter { checkpoint.parts[$0] == nil }
        var saveCheckpoint: (() throws -> Void)? = nil
        if let store, let checkpointPath {
            // The data is not fsynced for it: a resumed download re-checks every recorded part
            // against its CRC64 in the file (`resumedParts`), so a part a crash lost is fetched
            // again, and the disk is not flushed 20 times a gigabyte.
            saveCheckpoint = {
                checkpoint.shownBytes = progress.shown
                try store.save(checkpoint.encode(), to: checkpointPath)
            }
        }
        let (ops, bucket, key) = (self.ops, self.bucket, self.key)
        let conditions = RangeConditions(ifMatch: object.etag.isEmpty ? nil : object.etag, trafficLimit: options.trafficLimit)
        let scheduler = PartScheduler(jobs: options.jobs, attempts: options.partAttempts, control: control, ops: ops)
        let firstStop = await scheduler.run(
            pending,
            // A range that arrived short is worth another try too.
            retryable: { error, failure in
                failure.kind == .retryable || (error as? TransferError)?.kind == .invalidResponse
            },
            part: { number -> UInt64 in
                let range = plan.range(ofPart: number)
                let sink = RangeSink(file: file, offset: range.offset, length: range.length) {
                    progress.part(number, at: $0)
                }
                try await ops.getObject(
                    bucket: bucket, key: key, offset: range.offset, length: range.length, conditions: conditions, into: sink)
                guard sink.bytesWritten == range.length else {
                    throw TransferError(
                        .invalidResponse, "part \(number): \(sink.bytesWritten) bytes arrived, \(range.length) expected")
                }
                progress.finished(number, size: range.length)
                return sink.crc64
            },
            finished: { number, crc in checkpoint.parts[number] = crc },
            save: saveCheckpoint)
        out.partsDone = object.size == 0 ? plan.partCount : checkpoint.parts.count
        out.bytesTransferred = progress.bytesThisRun
        if let store, let checkpointPath, out.partsDone < plan.partCount, control.reason != .aborted {
            // The figure this run stopped at: the next run starts there.
            checkpoint.shownBytes = progress.shown
            try? store.save(checkpoint.encode(), to: checkpointPath)
        }

        if control.reason == .aborted {
            FilePaths.remove(temp)
            if let store, let checkpointPath { store.remove(checkpointPath) }
            out.checkpointPath = nil
            out.state = .aborted
            out.reason = .aborted
            return
        }
        if let stop = firstStop {
            return stopped(&out, error: stop.error, failure: stop.failure)
        }
        guard out.partsDone == plan.partCount, control.beginFinishing() else {
            return stopped(
                &out, error: StopRequest(reason: control.reason ?? .taskCancelled), failure: FailureClass(.cancelled))
        }
        defer { control.endFinishing() }
        let combined =
            object.size == 0
            ? 0
            : plan.partNumbers.reduce(UInt64(0)) {
                CRC64.combine($0, checkpoint.parts[$1]!, lengthOfB: UInt64(plan.range(ofPart: $1).length))
            }
        out.crc64 = combined
        out.etag = object.etag
        if let expected = object.crc64, expected != combined {
            FilePaths.remove(temp)
            if let store, let checkpointPath { store.remove(checkpointPath) }
            out.checkpointPath = nil
            out.state = .failed
            out.error = TransferError(
                .crcMismatch, "the object's CRC64 is \(expected), the bytes received give \(combined)")
            return
        }
        do {
            if options.flushToDisk {
                do { try file.sync() } catch { throw TransferError.file(error) }
            }
            try FilePaths.rename(temp, to: target)
            if options.flushToDisk { try FilePaths.syncDirectory(FilePaths.directory(of: target)) }
        } catch {
            out.error = error
            return
        }
        if let store, let checkpointPath { store.remove(checkpointPath) }
        out.checkpointPath = nil
        out.state = .completed
        progress.completed()
    }

    /// The write-behind window of a download's file: large enough that the device gets long
    /// sequential writes and few calls, small enough that it starts early. Measured on a VM
    /// with a fast disk, 1 GiB `cp` one after another (six alternating rounds, twice): 8 MiB
    /// windows 1.43-2.35 s, 64 MiB 0.59-1.09, none 0.72-1.53; after a `curl -o` of 1 GiB
    /// (synced, removed) all three took 1.7-2.5 s there. On a VM with a slow disk 8 MiB took 10%
    /// off none.
    static let writeBehindWindow: Int64 = 64 << 20

    /// Opens (creating) the temporary file a download writes into, at the object's size. With
    /// `writeBehind` its data goes to the device window by window as it arrives, so the sync
    /// before the rename waits for the last window rather than for the whole file.
    private static func openTemporary(_ path: String, size: Int64, writeBehind: Bool) throws(TransferError)
        -> FileDescriptor
    {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(
                path, .readWrite, options: .create, writeBehind: writeBehind ? writeBehindWindow : nil)
        } catch { throw TransferError.file(error) }
        do { try file.truncate(to: size) } catch {
            file.close()
            throw TransferError.file(error)
        }
        return file
    }

    /// The parts a checkpoint says are on disk, when it fits this object and destination, and the
    /// progress figure its run stopped at.
    private func resumedParts(
        _ out: inout TransferOutcome, store: CheckpointStore, path: String, fresh: DownloadCheckpoint
    )
        -> (parts: [Int: UInt64], shown: Int64)
    {
        var cp: DownloadCheckpoint
        do {
            guard let bytes = try store.load(path) else { return ([:], 0) }
            cp = try DownloadCheckpoint(decoding: bytes)
        } catch {
            out.notes.append("the checkpoint \(path) cannot be used (\(error.message)); starting the download again")
            store.remove(path)
            return ([:], 0)
        }
        // Builds before checkpoints named absolute paths recorded the temporary file as the
        // command gave it (relative to a working directory the checkpoint does not name), next to
        // an absolute destination. It was always the destination plus a suffix: resolved against
        // the destination, which is where it was.
        if !FilePaths.isAbsolute(cp.temporaryPath), FilePaths.isAbsolute(cp.destination),
            FilePaths.lastComponent(of: cp.temporaryPath)
                == FilePaths.lastComponent(of: Downloader.temporaryPath(for: cp.destination))
        {
            cp.temporaryPath = Downloader.temporaryPath(for: cp.destination)
        }
        var stale: String?
        if !FilePaths.isAbsolute(cp.destination) || !FilePaths.isAbsolute(cp.temporaryPath) {
            stale = "it names a relative path (\(FilePaths.isAbsolute(cp.destination) ? cp.temporaryPath : cp.destination))"
        } else if cp.bucket != fresh.bucket || cp.key != fresh.key || cp.destination != fresh.destination
            || cp.temporaryPath != fresh.temporaryPath
        {
            stale = "it is for another object or destination"
        } else if cp.objectSize != fresh.objectSize || !sameETag(cp.etag, fresh.etag)
            || cp.lastModified != fresh.lastModified
            || cp.objectCRC64 != fresh.objectCRC64
        {
            stale = "the object changed since it was made"
        } else if cp.partSize != fresh.partSize {
            stale = "it was made with parts of \(cp.partSize) bytes, not \(fresh.partSize)"
        } else if (try? FileIdentity.of(cp.temporaryPath).size) != cp.objectSize {
            stale = "its temporary file \(cp.temporaryPath) is missing or has the wrong size"
        }
        if let stale {
            out.notes.append("the checkpoint does not fit: \(stale); starting the download again")
            store.remove(path)
            return ([:], 0)
        }
        let listed = cp.parts.filter { $0.key >= 1 && $0.key <= PartPlan.maximumPartCount }
        let kept = verifiedParts(listed, in: cp.temporaryPath, partSize: cp.partSize, objectSize: cp.objectSize, out: &out)
        return (kept, cp.shownBytes)
    }

    /// The recorded parts whose bytes in the temporary file still have their recorded CRC64.
    /// Checkpoints are saved without flushing the data first, so after a crash a recorded part
    /// may not be on disk: it is fetched again instead of trusted.
    private func verifiedParts(
        _ parts: [Int: UInt64], in temporaryPath: String, partSize: Int64, objectSize: Int64, out: inout TransferOutcome
    ) -> [Int: UInt64] {
        guard !parts.isEmpty, let plan = try? PartPlan(totalSize: objectSize, requestedPartSize: partSize),
            let file = try? FileDescriptor.open(temporaryPath, .readOnly)
        else { return [:] }
        defer { file.close() }
        let buffer = IOBuffer(capacity: 1 << 20)
        var kept: [Int: UInt64] = [:]
        for (number, crc) in parts where number <= plan.partCount {
            let range = plan.range(ofPart: number)
            var running = CRC64()
            var done: Int64 = 0
            while done < range.length {
                let want = Int(min(Int64(buffer.capacity), range.length - done))
                guard let got = try? file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want]), at: range.offset + done),
                    got == want
                else { break }
                running.update(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<got]))
                done += Int64(got)
            }
            if done == range.length && running.value == crc { kept[number] = crc }
        }
        if kept.count < parts.count {
            out.notes.append("\(parts.count - kept.count) part(s) the checkpoint recorded are not in the file as recorded; fetching them again")
        }
        return kept
    }

    private func stopped(_ out: inout TransferOutcome, error: any Error, failure: FailureClass) {
        out.stop(error: error, failure: failure, requested: control.reason)
    }

    private func classify(_ error: any Error) -> FailureClass { FailureClass.of(error, by: ops) }
}
