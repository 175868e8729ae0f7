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
    public func download(bucket: String, key: String, file: String) async -> TransferOutcome {
        await start(bucket: bucket, key: key, file: file).outcome()
    }

    /// The temporary file a download to `path` writes into.
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
        let temp = Downloader.temporaryPath(for: path)
        let store = single ? nil : options.checkpointDirectory.map { CheckpointStore(directory: $0) }
        let checkpointPath = store?.downloadPath(bucket: bucket, key: key, destination: FilePaths.canonicalTarget(path))
        var checkpoint = DownloadCheckpoint(
            bucket: bucket, key: key, destination: FilePaths.canonicalTarget(path), temporaryPath: temp,
            objectSize: object.size, etag: object.etag, objectCRC64: object.crc64, lastModified: object.lastModified,
            partSize: plan.partSize)
        if let store, let checkpointPath {
            checkpoint.parts = resumedParts(&out, store: store, path: checkpointPath, fresh: checkpoint)
        }
        if checkpoint.parts.isEmpty { FilePaths.remove(temp) }

        let file: TransferFile
        do {
            try FilePaths.makeDirectories(FilePaths.directory(of: path))
            file = try TransferFile.openForWriting(temp)
            try file.truncate(to: object.size)
            if let store, let checkpointPath { try store.save(checkpoint.encode(), to: checkpointPath) }
        } catch {
            out.error = error
            return
        }
        out.checkpointPath = checkpointPath
        let progress = ProgressAggregator(
            totalBytes: object.size, partsTotal: plan.partCount, handler: options.progress)
        progress.resumed(
            parts: checkpoint.parts.count, bytes: checkpoint.parts.keys.reduce(0) { $0 + plan.range(ofPart: $1).length }
        )
        out.partsResumed = checkpoint.parts.count

        let pending = object.size == 0 ? [] : plan.partNumbers.filter { checkpoint.parts[$0] == nil }
        var saveCheckpoint: (() throws -> Void)? = nil
        if let store, let checkpointPath {
            saveCheckpoint = {
                // The bytes reach the disk before the checkpoint says they are there.
                try file.sync()
                try store.save(checkpoint.encode(), to: checkpointPath)
            }
        }
        let (ops, bucket, key) = (self.ops, self.bucket, self.key)
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
                try await ops.getObject(bucket: bucket, key: key, offset: range.offset, length: range.length, into: sink)
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
            if (try? file.sync()) != nil { try? store.save(checkpoint.encode(), to: checkpointPath) }
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
            try file.sync()
            try FilePaths.rename(temp, to: path)
            try FilePaths.syncDirectory(FilePaths.directory(of: path))
        } catch {
            out.error = error
            return
        }
        if let store, let checkpointPath { store.remove(checkpointPath) }
        out.checkpointPath = nil
        out.state = .completed
    }

    /// The parts a checkpoint says are on disk, when it fits this object and destination.
    private func resumedParts(
        _ out: inout TransferOutcome, store: CheckpointStore, path: String, fresh: DownloadCheckpoint
    )
        -> [Int: UInt64]
    {
        let cp: DownloadCheckpoint
        do {
            guard let bytes = try store.load(path) else { return [:] }
            cp = try DownloadCheckpoint(decoding: bytes)
        } catch {
            out.notes.append("the checkpoint \(path) cannot be used (\(error.message)); starting the download again")
            store.remove(path)
            return [:]
        }
        var stale: String?
        if cp.bucket != fresh.bucket || cp.key != fresh.key || cp.destination != fresh.destination
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
            return [:]
        }
        return cp.parts.filter { $0.key >= 1 && $0.key <= PartPlan.maximumPartCount }
    }

    private func stopped(_ out: inout TransferOutcome, error: any Error, failure: FailureClass) {
        out.stop(error: error, failure: failure, requested: control.reason)
    }

    private func classify(_ error: any Error) -> FailureClass { FailureClass.of(error, by: ops) }
}
