import OSSCore
import OSSProtocol

/// Settings of an upload.
public struct UploadOptions: Sendable {
    /// The wished part size; raised to 100 KiB and grown to stay within 10,000 parts. Default 8 MiB.
    public var partSize: Int64 = PartPlan.defaultPartSize
    /// Files of at most this many bytes go in one PutObject; larger ones go multipart. Default 8 MiB.
    public var multipartThreshold: Int64 = PartPlan.defaultPartSize
    /// Parts sent at once. Default 4.
    public var jobs: Int = 4
    /// Where checkpoints are kept; `nil` keeps none (a paused upload then cannot be resumed by a
    /// later run).
    public var checkpointDirectory: String? = nil
    /// Tries per part (the first included) for failures worth another try (network, 5xx, CRC64).
    public var partAttempts: Int = 3
    /// The size of each read buffer; memory for file data is `jobs × bufferSize`.
    public var bufferSize: Int = 256 << 10
    /// Called as the upload moves (monotonic, resumed parts counted as done).
    public var progress: TransferProgressHandler? = nil
    /// What the object gets (Content-Type, metadata, Cache-Control, Content-Disposition, storage
    /// class, ACL, tagging, server-side encryption) and the upload callback, for a single
    /// PutObject and a multipart upload alike (the callback goes on the Complete). Checked before
    /// a byte is sent. A resumed upload keeps them: its checkpoint records them, and a run with
    /// other headers starts a fresh upload.
    public var headers = UploadHeaders()
    /// Without a Content-Type in `headers`, take the file's extension's (else the key's), as
    /// the official SDKs do. Default on.
    public var detectContentType = true

    public init() {}
}

/// Uploads a local file to an object: one PutObject at or below the threshold, else a
/// resumable multipart upload with parallel parts, checkpoints and CRC64 checks.
///
/// ```swift
/// let handle = Uploader(operations: ops, options: options).start(file: path, bucket: "b", key: "k")
/// // later, from anywhere: handle.pause() or handle.abort()
/// let outcome = await handle.outcome()
/// ```
public struct Uploader: Sendable {
    public let operations: any TransferOperations
    public var options: UploadOptions

    public init(operations: any TransferOperations, options: UploadOptions = UploadOptions()) {
        self.operations = operations
        self.options = options
    }

    /// Starts uploading `file` to `bucket`/`key` in a task of its own.
    /// - Returns: a handle to pause, abort, or wait for the outcome.
    public func start(file: String, bucket: String, key: String) -> TransferHandle {
        let control = TransferControl()
        let run = UploadRun(ops: operations, options: options, path: file, bucket: bucket, key: key, control: control)
        return TransferHandle(control: control) { await run.run() }
    }

    /// Uploads `file` to `bucket`/`key` and waits for the outcome. Cancelling the calling task
    /// pauses the upload (its sockets are shut down at once; the checkpoint stays).
    @concurrent public func upload(file: String, bucket: String, key: String) async -> TransferOutcome {
        await start(file: file, bucket: bucket, key: key).outcome()
    }
}

/// One run of one upload.
struct UploadRun: Sendable {
    let ops: any TransferOperations
    let options: UploadOptions
    let path: String
    let bucket: String
    let key: String
    let control: TransferControl

    /// The headers sent: the options', with the Content-Type of the file's extension (else the
    /// key's) when none is given.
    var headers: UploadHeaders {
        var h = options.headers
        if h.contentType == nil, options.detectContentType {
            h.contentType = ContentType.forName(path) ?? ContentType.forName(key)
        }
        return h
    }

    /// What a checkpoint records of the headers: every header sent, names lower case.
    var recordedHeaders: [String: String] {
        var out: [String: String] = [:]
        for (name, value) in headers.objectHeaders + headers.callbackHeaders { out[name.lowercased()] = value }
        return out
    }

    func run() async -> TransferOutcome {
        let start = ContinuousClock.now
        var out = TransferOutcome(bucket: bucket, key: key, localPath: path)
        await runBody(&out)
        let elapsed = ContinuousClock.now - start
        out.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return out
    }

    private func runBody(_ out: inout TransferOutcome) async {
        guard !bucket.isEmpty, !key.isEmpty else {
            return fail(&out, TransferError.invalidArgument("the bucket and the key must not be empty"))
        }
        guard options.jobs >= 1, options.partAttempts >= 1, options.bufferSize >= 1 else {
            return fail(&out, TransferError.invalidArgument("jobs, part attempts and buffer size must be at least 1"))
        }
        do { try headers.validate() } catch {
            return fail(&out, TransferError.invalidArgument(error.message))
        }
        let file: FileDescriptor
        let identity: FileIdentity
        do {
            file = try FileDescriptor.open(path, .readOnly)
            identity = FileIdentity(path: FilePaths.canonical(path), stat: try file.status())
        } catch {
            return fail(&out, TransferError.file(error))
        }
        defer { file.close() }
        out.bytes = identity.size
        let scheduler = PartScheduler(jobs: options.jobs, attempts: options.partAttempts, control: control, ops: ops)
        let pool = BufferPool(capacity: options.jobs, bufferSize: options.bufferSize)
        let reader = PartReader(file: file, pool: pool)
        if identity.size <= options.multipartThreshold {
            await putWhole(&out, identity: identity, reader: reader, scheduler: scheduler)
        } else {
            await multipart(&out, identity: identity, reader: reader, scheduler: scheduler)
        }
    }

    // MARK: One PutObject

    private func putWhole(
        _ out: inout TransferOutcome, identity: FileIdentity, reader: PartReader, scheduler: PartScheduler
    ) async {
        // Not a multipart upload: no parts to count (as `cp --json` reports it).
        out.partsTotal = 0
        let progress = ProgressAggregator(totalBytes: identity.size, partsTotal: 1, handler: options.progress)
        let (ops, bucket, key, path, headers) = (self.ops, self.bucket, self.key, self.path, self.headers)
        var stored: StoredObject?
        var interrupted: [InterruptedRequest] = []
        // One part through the scheduler, so a whole-file PUT is tried as often as a part is.
        let stop = await scheduler.run(
            [1],
            part: { _ in
                try await ops.putObject(
                    bucket: bucket, key: key,
                    source: FileRange(path: path, offset: 0, length: identity.size, reader: reader), headers: headers,
                    progress: { progress.part(1, at: $0) })
            },
            finished: { _, object in
                progress.finished(1, size: identity.size)
                stored = object
            },
            failed: { _, failure in
                if let b = failure.bodyFullySent { interrupted.append(InterruptedRequest(partNumber: nil, bodyFullySent: b)) }
            })
        out.interrupted = interrupted
        out.bytesTransferred = progress.bytesThisRun
        if let stored {
            out.state = .completed
            out.etag = stored.etag
            out.crc64 = stored.crc64
            out.callbackBody = stored.callbackBody
            progress.completed()
        } else {
            let stop = stop ?? PartScheduler.Stop(
                error: StopRequest(reason: control.reason ?? .taskCancelled), failure: FailureClass(.cancelled))
            stopped(&out, error: stop.error, failure: stop.failure)
        }
    }

    // MARK: Multipart

    private func multipart(
        _ out: inout TransferOutcome, identity: FileIdentity, reader: PartReader, scheduler: PartScheduler
    ) async {
        let plan: PartPlan
        do { plan = try PartPlan(totalSize: identity.size, requestedPartSize: options.partSize) } catch {
            return fail(&out, error)
        }
        out.partsTotal = plan.partCount
        let store = options.checkpointDirectory.map { CheckpointStore(directory: $0) }
        let checkpointPath = store?.uploadPath(source: identity.path, bucket: bucket, key: key)

        // A NoSuchUpload in the middle (the upload was aborted elsewhere) starts one fresh upload;
        // its progress starts where the vanished one's stopped (the figure never goes back).
        var shown: Int64 = 0
        for round in 0..<2 {
            var known: [Int: UploadCheckpoint.Part] = [:]
            var uploadId: String?
            if let store, let checkpointPath {
                let resumed = await resume(
                    &out, store: store, path: checkpointPath, identity: identity, plan: plan, reader: reader)
                switch resumed {
                case .stop:
                    // An abort that came while the parts were listed still abandons the upload.
                    if control.reason == .aborted, let id = out.uploadId {
                        await abandon(&out, uploadId: id, store: store, checkpointPath: checkpointPath)
                    }
                    return
                case .fresh: break
                case .resume(let id, let parts, let previouslyShown):
                    uploadId = id
                    known = parts
                    shown = max(shown, previouslyShown)
                }
            }
            if uploadId == nil {
                do {
                    if let reason = control.reason { throw StopRequest(reason: reason) }
                    var objectHeaders = headers
                    objectHeaders.callback = nil
                    let id = try await ops.initiateMultipartUpload(bucket: bucket, key: key, headers: objectHeaders)
                    uploadId = id
                    if let store, let checkpointPath {
                        let cp = UploadCheckpoint(
                            source: identity, bucket: bucket, key: key, partSize: plan.partSize, uploadId: id,
                            headers: recordedHeaders)
                        do { try store.save(cp.encode(), to: checkpointPath) } catch {
                            _ = await sendAbort(uploadId: id)
                            return fail(&out, error)
                        }
                    }
                } catch {
                    return stopped(&out, error: error, failure: classify(error))
                }
            }
            guard let uploadId else { return }
            out.uploadId = uploadId
            out.checkpointPath = checkpointPath
            let again = await send(
                &out, uploadId: uploadId, known: known, identity: identity, plan: plan, reader: reader, store: store,
                checkpointPath: checkpointPath, mayRestart: round == 0, scheduler: scheduler, shown: &shown)
            if !again { return }
        }
    }

    /// What the checkpoint allows.
    enum Resumption {
        /// Stop: the outcome is set (paused or failed while listing parts).
        case stop
        /// Start a fresh upload.
        case fresh
        /// Resume this upload; these parts are on the server and match the file. `shown`: the
        /// progress figure the previous run stopped at.
        case resume(uploadId: String, parts: [Int: UploadCheckpoint.Part], shown: Int64)
    }

    private func resume(
        _ out: inout TransferOutcome, store: CheckpointStore, path: String, identity: FileIdentity, plan: PartPlan,
        reader: PartReader
    ) async -> Resumption {
        let cp: UploadCheckpoint
        var loaded: [UInt8]?
        do {
            loaded = try store.load(path)
            guard let bytes = loaded else { return .fresh }
            cp = try UploadCheckpoint(decoding: bytes)
        } catch {
            out.notes.append(await abandonDamaged(path: path, bytes: loaded, why: error.message))
            store.remove(path)
            return .fresh
        }
        if case .fresh(let stale, let abortOld) = UploadResume.verdict(
            cp, bucket: bucket, key: key, file: identity, partSize: plan.partSize, headers: recordedHeaders)
        {
            var note = "the checkpoint for upload \(cp.uploadId) does not fit: \(stale); starting a fresh upload"
            if abortOld {
                if let error = await sendAbort(uploadId: cp.uploadId) {
                    let c = classify(error)
                    if c.kind != .noSuchUpload { note += " (aborting the old upload failed: \(error))" }
                } else {
                    note += " (the old upload was aborted)"
                }
            }
            out.notes.append(note)
            store.remove(path)
            return .fresh
        }
        let listed: [ListedPart]
        do {
            if let reason = control.reason { throw StopRequest(reason: reason) }
            listed = try await ops.listParts(bucket: bucket, key: key, uploadId: cp.uploadId)
        } catch {
            let c = classify(error)
            if c.kind == .noSuchUpload {
                out.notes.append(
                    "upload \(cp.uploadId) is no longer on the server (NoSuchUpload); starting a fresh upload")
                store.remove(path)
                return .fresh
            }
            out.uploadId = cp.uploadId
            out.checkpointPath = path
            stopped(&out, error: error, failure: c)
            return .stop
        }
        // Every part kept is checked against the file's bytes, recorded ones too: a file changed
        // in place with its modification time put back still fits the checkpoint's identity.
        var fileCRCs: [Int: UInt64] = [:]
        for n in UploadResume.partsToRead(listed: listed, checkpoint: cp, plan: plan) {
            let range = plan.range(ofPart: n)
            fileCRCs[n] = try? await reader.crc64(offset: range.offset, length: range.length)
        }
        let match = UploadResume.match(listed: listed, checkpoint: cp, plan: plan, fileCRCs: fileCRCs)
        if !match.damaged.isEmpty {
            out.notes.append(
                "parts \(match.damaged.map(String.init).joined(separator: ", ")) on the server do not match the file's bytes now; sending them again"
            )
        }
        return .resume(uploadId: cp.uploadId, parts: match.parts, shown: cp.shownBytes)
    }

    /// Sends the missing parts and completes the upload.
    /// - Parameter shown: the progress figure to start from; set to the one this run stopped at.
    /// - Returns: `true` when the upload vanished (NoSuchUpload) and a fresh one should start.
    private func send(
        _ out: inout TransferOutcome, uploadId: String, known: [Int: UploadCheckpoint.Part], identity: FileIdentity,
        plan: PartPlan, reader: PartReader, store: CheckpointStore?, checkpointPath: String?, mayRestart: Bool,
        scheduler: PartScheduler, shown: inout Int64
    ) async -> Bool {
        let progress = ProgressAggregator(
            totalBytes: identity.size, partsTotal: plan.partCount, handler: options.progress)
        progress.resumed(parts: known.count, bytes: known.values.reduce(0) { $0 + $1.size }, shown: shown)
        defer { shown = progress.shown }
        out.partsResumed = known.count
        var checkpoint = UploadCheckpoint(
            source: identity, bucket: bucket, key: key, partSize: plan.partSize, uploadId: uploadId, parts: known,
            shownBytes: progress.shown, headers: recordedHeaders)
        if let store, let checkpointPath {
            // Record what ListParts confirmed (and drop what it did not).
            try? store.save(checkpoint.encode(), to: checkpointPath)
        }
        let pending = plan.partNumbers.filter { known[$0] == nil }
        var saveCheckpoint: (() throws -> Void)? = nil
        if let store, let checkpointPath {
            saveCheckpoint = {
                checkpoint.shownBytes = progress.shown
                try store.save(checkpoint.encode(), to: checkpointPath)
            }
        }
        let (ops, bucket, key, path) = (self.ops, self.bucket, self.key, self.path)
        var interrupted: [InterruptedRequest] = []
        let firstStop = await scheduler.run(
            pending,
            part: { number -> UploadCheckpoint.Part in
                let range = plan.range(ofPart: number)
                let part = try await ops.uploadPart(
                    bucket: bucket, key: key, uploadId: uploadId, partNumber: number,
                    source: FileRange(path: path, offset: range.offset, length: range.length, reader: reader),
                    progress: { progress.part(number, at: $0) })
                // The part is on the server now: a stop arriving from here on must not lose it, so
                // the CRC64 a server did not report is read from the file in a task of its own
                // (not cancelled with this one).
                let crc: UInt64
                if let reported = part.crc64 {
                    crc = reported
                } else {
                    crc = try await Task { try await reader.crc64(offset: range.offset, length: range.length) }.value
                }
                progress.finished(number, size: range.length)
                return UploadCheckpoint.Part(number: number, etag: part.etag, crc64: crc, size: range.length)
            },
            finished: { _, part in checkpoint.parts[part.number] = part },
            save: saveCheckpoint,
            failed: { number, failure in
                if let b = failure.bodyFullySent { interrupted.append(InterruptedRequest(partNumber: number, bodyFullySent: b)) }
            })
        out.interrupted = interrupted.sorted { ($0.partNumber ?? 0) < ($1.partNumber ?? 0) }
        if control.reason == .paused, checkpoint.parts.count < plan.partCount {
            // Parts cut short whose answer never came may still have landed (their whole body
            // had reached the server): ask, so the outcome counts what the server has.
            for part in await confirmLandedParts(uploadId: uploadId, plan: plan, reader: reader, known: checkpoint.parts) {
                checkpoint.parts[part.number] = part
                progress.confirmed(part.number, size: part.size)
            }
        }
        out.partsDone = checkpoint.parts.count
        out.bytesTransferred = progress.bytesThisRun
        if let store, let checkpointPath, checkpoint.parts.count < plan.partCount || control.reason != nil {
            // The figure this run stopped at: the next run starts there.
            checkpoint.shownBytes = progress.shown
            try? store.save(checkpoint.encode(), to: checkpointPath)
        }

        if control.reason == .aborted {
            await abandon(&out, uploadId: uploadId, store: store, checkpointPath: checkpointPath)
            return false
        }
        if let stop = firstStop {
            if stop.failure.kind == .noSuchUpload, mayRestart, control.reason == nil {
                out.notes.append("upload \(uploadId) vanished from the server (NoSuchUpload); starting a fresh upload")
                if let store, let checkpointPath { store.remove(checkpointPath) }
                return true
            }
            stopped(&out, error: stop.error, failure: stop.failure)
            return false
        }
        // A file that changed while it was sent would make an object of mixed contents.
        var now = try? FileIdentity.of(path)
        now?.path = identity.path
        if now.flatMap({ $0.difference(from: identity) }) != nil || now == nil {
            let change = now.flatMap { $0.difference(from: identity) } ?? "it can no longer be examined"
            _ = await sendAbort(uploadId: uploadId)
            if let store, let checkpointPath { store.remove(checkpointPath) }
            out.checkpointPath = nil
            out.state = .failed
            out.error = TransferError(
                .sourceChanged, "\(path) changed while it was uploaded (\(change)); upload \(uploadId) was aborted")
            return false
        }
        guard checkpoint.parts.count == plan.partCount, control.beginFinishing() else {
            // A stop came after the last part: keep the upload for a resume.
            stopped(
                &out, error: StopRequest(reason: control.reason ?? .taskCancelled), failure: FailureClass(.cancelled))
            return false
        }
        defer { control.endFinishing() }
        let ordered = plan.partNumbers.map { n -> UploadCheckpoint.Part in checkpoint.parts[n]! }
        let stored: StoredObject
        do {
            stored = try await ops.completeMultipartUpload(
                bucket: bucket, key: key, uploadId: uploadId,
                parts: ordered.map { UploadedPart(number: $0.number, etag: $0.etag, crc64: $0.crc64) },
                callback: headers.callback)
        } catch {
            let failure = classify(error)
            if failure.code == "CallbackFailed" {
                // The object is stored and the upload is gone: nothing is left to resume.
                if let store, let checkpointPath { store.remove(checkpointPath) }
                out.checkpointPath = nil
                out.uploadId = uploadId
                out.partsDone = plan.partCount
                out.errorCode = failure.code
                fail(&out, error)
                return false
            }
            stopped(&out, error: error, failure: failure)
            return false
        }
        if let store, let checkpointPath { store.remove(checkpointPath) }
        out.checkpointPath = nil
        let combined = ordered.reduce(UInt64(0)) { CRC64.combine($0, $1.crc64, lengthOfB: UInt64($1.size)) }
        out.crc64 = combined
        out.etag = stored.etag
        out.callbackBody = stored.callbackBody
        if let reported = stored.crc64, reported != combined {
            out.state = .failed
            out.error = TransferError(
                .crcMismatch, "the completed object's CRC64 is \(reported), the file's parts combine to \(combined)")
            return false
        }
        out.state = .completed
        progress.completed()
        return false
    }

    /// After a pause: the parts the server lists that this run does not count yet and that hold
    /// the file's bytes (size and CRC64 checked against the file). Asked from a task of its own
    /// (the transfer's task is cancelled by the pause), once, and for at most five seconds: a
    /// pause must not wait long on a server that does not answer (a loopback or regional OSS
    /// answers in milliseconds; the bound is only for one that hangs). Any failure finds nothing.
    private func confirmLandedParts(
        uploadId: String, plan: PartPlan, reader: PartReader, known: [Int: UploadCheckpoint.Part]
    ) async -> [UploadCheckpoint.Part] {
        let (ops, bucket, key) = (self.ops, self.bucket, self.key)
        let task = Task<[UploadCheckpoint.Part], Never> {
            await withTaskGroup(of: [UploadCheckpoint.Part]?.self) { group in
                group.addTask {
                    guard let listed = try? await ops.listParts(bucket: bucket, key: key, uploadId: uploadId) else {
                        return []
                    }
                    var found: [UploadCheckpoint.Part] = []
                    for p in listed where known[p.number] == nil && plan.partNumbers.contains(p.number) {
                        let range = plan.range(ofPart: p.number)
                        guard p.size == range.length, let crc = p.crc64,
                            let file = try? await reader.crc64(offset: range.offset, length: range.length), file == crc
                        else { continue }
                        found.append(UploadCheckpoint.Part(number: p.number, etag: p.etag, crc64: crc, size: p.size))
                    }
                    return found
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first ?? []
            }
        }
        return await task.value
    }

    /// A checkpoint that cannot be decoded may still name the upload it started: abort that
    /// upload rather than leave its parts on the server, or say that one may be left.
    /// - Returns: the note for the outcome.
    private func abandonDamaged(path: String, bytes: [UInt8]?, why: String) async -> String {
        var note = "the checkpoint \(path) cannot be used (\(why)); starting a fresh upload"
        if let bytes, let id = UploadCheckpoint.salvageUploadId(from: bytes, bucket: bucket, key: key) {
            if let error = await sendAbort(uploadId: id) {
                if classify(error).kind == .noSuchUpload {
                    note += "; the upload it named, \(id), is no longer on the server"
                } else {
                    note += "; the upload it named, \(id), could not be aborted (\(error)): abort it "
                        + "(osswire uploads abort oss://\(bucket)/\(key) --upload-id \(id))"
                }
            } else {
                note += "; the upload it named, \(id), was aborted"
            }
        } else {
            note += "; no upload id can be read from it: an upload it started may be left on the server "
                + "(osswire uploads ls oss://\(bucket)/\(key) lists it, osswire uploads abort removes it)"
        }
        return note
    }

    // MARK: Endings

    /// Aborts the upload on the server after the parts settled, then removes the checkpoint.
    private func abandon(
        _ out: inout TransferOutcome, uploadId: String, store: CheckpointStore?, checkpointPath: String?
    ) async {
        out.reason = .aborted
        if let error = await sendAbort(uploadId: uploadId), classify(error).kind != .noSuchUpload {
            out.state = .failed
            out.error = error
            out.errorCode = classify(error).code
            out.notes.append("AbortMultipartUpload failed; the checkpoint is kept so a later run can resume or abort")
            return
        }
        if let store, let checkpointPath { store.remove(checkpointPath) }
        out.checkpointPath = nil
        out.state = .aborted
    }

    /// Sends AbortMultipartUpload from a task of its own, so it goes out even when the caller's
    /// task is cancelled, and waits for the answer.
    /// - Returns: the error, if it failed.
    private func sendAbort(uploadId: String) async -> (any Error)? {
        let ops = self.ops
        let bucket = self.bucket
        let key = self.key
        let task = Task<(any Error)?, Never> {
            do {
                try await ops.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
                return nil
            } catch {
                return error
            }
        }
        return await task.value
    }

    private func stopped(_ out: inout TransferOutcome, error: any Error, failure: FailureClass) {
        out.stop(error: error, failure: failure, requested: control.reason)
    }

    private func fail(_ out: inout TransferOutcome, _ error: any Error) {
        out.state = .failed
        out.error = error
    }

    private func classify(_ error: any Error) -> FailureClass { FailureClass.of(error, by: ops) }
}

/// Whether two ETags name the same bytes (quotes and case aside).
func sameETag(_ a: String, _ b: String) -> Bool {
    func norm(_ s: String) -> String {
        var t = Substring(s)
        while t.first == "\"" || t.first == " " { t = t.dropFirst() }
        while t.last == "\"" || t.last == " " { t = t.dropLast() }
        return t.uppercased()
    }
    return norm(a) == norm(b)
}
