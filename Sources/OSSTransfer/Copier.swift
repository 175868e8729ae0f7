import OSSCore
import OSSProtocol

/// The operations a server-side copy needs besides those of uploads.
public protocol CopyOperations: TransferOperations {
    /// The source's size, identity and the headers a copy of it carries (Content-Type,
    /// metadata, Cache-Control, Content-Disposition), from HeadObject.
    func sourceObject(bucket: String, key: String) async throws -> (object: RemoteObject, headers: UploadHeaders)

    /// One CopyObject, only while the source's ETag is `sourceETag`. With `headers` the copy
    /// takes them (`x-oss-metadata-directive: REPLACE`), else the source's.
    func copyObject(
        sourceBucket: String, sourceKey: String, sourceETag: String, bucket: String, key: String, headers: UploadHeaders?
    ) async throws -> StoredObject

    /// One UploadPartCopy of `length` bytes of the source from `offset`, only while the source's
    /// ETag is `sourceETag`.
    func uploadPartCopy(
        sourceBucket: String, sourceKey: String, sourceETag: String, offset: Int64, length: Int64, bucket: String,
        key: String, uploadId: String, partNumber: Int
    ) async throws -> UploadedPart
}

/// Settings of a server-side copy.
public struct CopyOptions: Sendable {
    /// Objects larger than this are copied part by part (UploadPartCopy); OSS's CopyObject takes
    /// at most 1 GiB. Default 1 GiB.
    public var multipartThreshold: Int64 = 1 << 30
    /// The wished part size; raised to 100 KiB and grown to stay within 10,000 parts. Default 64 MiB.
    public var partSize: Int64 = 64 << 20
    /// Parts copied at once. Default 4.
    public var jobs: Int = 4
    /// Where checkpoints are kept; `nil` keeps none.
    public var checkpointDirectory: String? = nil
    /// Tries per part (the first included) for failures worth another try.
    public var partAttempts: Int = 3
    /// What the copy gets instead of the source's headers (REPLACE); `nil` copies the source's
    /// Content-Type, metadata, Cache-Control and Content-Disposition. No callback.
    public var headers: UploadHeaders? = nil
    /// Called as parts finish.
    public var progress: TransferProgressHandler? = nil

    public init() {}
}

/// Copies an object on the server: one CopyObject at or below the threshold, else a multipart
/// upload of UploadPartCopy parts, resumable (checkpoint, ListParts) and pausable like uploads.
/// Each request names the source's ETag, so a source changed in the middle fails the copy
/// (412) rather than make an object of two versions.
public struct Copier: Sendable {
    public let operations: any CopyOperations
    public var options: CopyOptions

    public init(operations: any CopyOperations, options: CopyOptions = CopyOptions()) {
        self.operations = operations
        self.options = options
    }

    /// Starts the copy in a task of its own.
    public func start(sourceBucket: String, sourceKey: String, bucket: String, key: String) -> TransferHandle {
        let control = TransferControl()
        let run = CopyRun(
            ops: operations, options: options, sourceBucket: sourceBucket, sourceKey: sourceKey, bucket: bucket, key: key,
            control: control)
        return TransferHandle(control: control) { await run.run() }
    }

    /// Copies and waits for the outcome. Cancelling the calling task pauses the copy.
    @concurrent public func copy(sourceBucket: String, sourceKey: String, bucket: String, key: String) async -> TransferOutcome {
        await start(sourceBucket: sourceBucket, sourceKey: sourceKey, bucket: bucket, key: key).outcome()
    }
}

/// What a resumable copy remembers: the source (bucket, key, ETag, size), the destination, the
/// part size, the headers, the UploadId and the parts done.
package struct CopyCheckpoint: Sendable, Hashable {
    package var sourceBucket: String
    package var sourceKey: String
    package var sourceETag: String
    package var size: Int64
    package var bucket: String
    package var key: String
    package var partSize: Int64
    package var uploadId: String
    package var headers: [String: String]
    package var parts: [Int: UploadCheckpoint.Part]

    package func encode() -> [UInt8] {
        var c = CheckpointCodec()
        c.add("source-bucket", sourceBucket)
        c.add("source-key", sourceKey)
        c.add("source-etag", sourceETag)
        c.add("size", String(size))
        c.add("bucket", bucket)
        c.add("key", key)
        c.add("part-size", String(partSize))
        c.add("upload-id", uploadId)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { c.add("header", name, value) }
        for p in parts.values.sorted(by: { $0.number < $1.number }) {
            c.add("part", String(p.number), p.etag, String(p.crc64), String(p.size))
        }
        return c.encode(kind: "copy")
    }

    package init(
        sourceBucket: String, sourceKey: String, sourceETag: String, size: Int64, bucket: String, key: String,
        partSize: Int64, uploadId: String, headers: [String: String], parts: [Int: UploadCheckpoint.Part] = [:]
    ) {
        self.sourceBucket = sourceBucket
        self.sourceKey = sourceKey
        self.sourceETag = sourceETag
        self.size = size
        self.bucket = bucket
        self.key = key
        self.partSize = partSize
        self.uploadId = uploadId
        self.headers = headers
        self.parts = parts
    }

    package init(decoding bytes: [UInt8]) throws(TransferError) {
        let f = CheckpointFields(lines: try CheckpointCodec.decode(bytes, kind: "copy"))
        sourceBucket = try f.string("source-bucket")
        sourceKey = try f.string("source-key")
        sourceETag = try f.string("source-etag")
        size = try f.int64("size")
        bucket = try f.string("bucket")
        key = try f.string("key")
        partSize = try f.int64("part-size")
        uploadId = try f.string("upload-id")
        guard !uploadId.isEmpty, partSize > 0 else { throw TransferError.checkpoint("the upload id or part size is empty") }
        var headers: [String: String] = [:]
        for v in f.all("header") {
            guard v.count == 2, !v[0].isEmpty, headers[v[0]] == nil else {
                throw TransferError.checkpoint("a header line is damaged")
            }
            headers[v[0]] = v[1]
        }
        self.headers = headers
        var parts: [Int: UploadCheckpoint.Part] = [:]
        for v in f.all("part") {
            guard v.count == 4, let n = Int(v[0]), (1...PartPlan.maximumPartCount).contains(n), let crc = UInt64(v[2]),
                let size = Int64(v[3]), parts[n] == nil
            else { throw TransferError.checkpoint("a part line is damaged") }
            parts[n] = UploadCheckpoint.Part(number: n, etag: v[1], crc64: crc, size: size)
        }
        self.parts = parts
    }
}

/// One run of one copy.
struct CopyRun: Sendable {
    let ops: any CopyOperations
    let options: CopyOptions
    let sourceBucket: String
    let sourceKey: String
    let bucket: String
    let key: String
    let control: TransferControl

    func run() async -> TransferOutcome {
        let start = ContinuousClock.now
        var out = TransferOutcome(bucket: bucket, key: key, localPath: "")
        await runBody(&out)
        let elapsed = ContinuousClock.now - start
        out.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return out
    }

    private func runBody(_ out: inout TransferOutcome) async {
        guard !sourceBucket.isEmpty, !sourceKey.isEmpty, !bucket.isEmpty, !key.isEmpty else {
            return fail(&out, TransferError.invalidArgument("the buckets and the keys must not be empty"))
        }
        guard options.jobs >= 1, options.partAttempts >= 1, options.multipartThreshold >= 0 else {
            return fail(&out, TransferError.invalidArgument("jobs and part attempts must be at least 1"))
        }
        if let h = options.headers {
            guard h.callback == nil else {
                return fail(&out, TransferError.invalidArgument("a copy takes no upload callback"))
            }
            do { try h.validate() } catch { return fail(&out, TransferError.invalidArgument(error.message)) }
        }
        let source: RemoteObject
        let sourceHeaders: UploadHeaders
        do {
            if let reason = control.reason { throw StopRequest(reason: reason) }
            (source, sourceHeaders) = try await ops.sourceObject(bucket: sourceBucket, key: sourceKey)
        } catch {
            return out.stop(error: error, failure: classify(error), requested: control.reason)
        }
        out.bytes = source.size
        let scheduler = PartScheduler(jobs: options.jobs, attempts: options.partAttempts, control: control, ops: ops)
        if source.size <= options.multipartThreshold {
            await single(&out, source: source, scheduler: scheduler)
        } else {
            // A multipart copy does not copy the source's headers by itself: the Initiate gives them.
            await multipart(&out, source: source, headers: options.headers ?? sourceHeaders, scheduler: scheduler)
        }
    }

    private func single(_ out: inout TransferOutcome, source: RemoteObject, scheduler: PartScheduler) async {
        out.partsTotal = 0
        let progress = ProgressAggregator(totalBytes: source.size, partsTotal: 1, handler: options.progress)
        let (ops, sourceBucket, sourceKey, bucket, key, headers) = (
            self.ops, self.sourceBucket, self.sourceKey, self.bucket, self.key, options.headers
        )
        var stored: StoredObject?
        let stop = await scheduler.run(
            [1],
            part: { _ in
                try await ops.copyObject(
                    sourceBucket: sourceBucket, sourceKey: sourceKey, sourceETag: source.etag, bucket: bucket, key: key,
                    headers: headers)
            },
            finished: { _, object in
                progress.finished(1, size: source.size)
                stored = object
            })
        if let stored {
            out.state = .completed
            out.etag = stored.etag
            out.crc64 = stored.crc64
            out.bytesTransferred = source.size
            progress.completed()
            if let a = stored.crc64, let b = source.crc64, a != b {
                out.state = .failed
                out.error = TransferError(.crcMismatch, "the copy's CRC64 is \(a), the source's \(b)")
            }
        } else {
            let stop = stop ?? PartScheduler.Stop(
                error: StopRequest(reason: control.reason ?? .taskCancelled), failure: FailureClass(.cancelled))
            out.stop(error: stop.error, failure: stop.failure, requested: control.reason)
        }
    }

    private func multipart(
        _ out: inout TransferOutcome, source: RemoteObject, headers: UploadHeaders, scheduler: PartScheduler
    ) async {
        let plan: PartPlan
        do { plan = try PartPlan(totalSize: source.size, requestedPartSize: options.partSize) } catch {
            return fail(&out, error)
        }
        out.partsTotal = plan.partCount
        var recorded: [String: String] = [:]
        for (name, value) in headers.objectHeaders { recorded[name.lowercased()] = value }
        let store = options.checkpointDirectory.map { CheckpointStore(directory: $0) }
        let checkpointPath = store?.uploadPath(
            source: "oss://\(sourceBucket)/\(sourceKey)", bucket: bucket, key: key)
        var checkpoint: CopyCheckpoint?
        // Resume: the same source version, destination, part size and headers.
        if let store, let checkpointPath, let bytes = try? store.load(checkpointPath) {
            if let cp = try? CopyCheckpoint(decoding: bytes), cp.sourceBucket == sourceBucket, cp.sourceKey == sourceKey,
                cp.bucket == bucket, cp.key == key
            {
                if sameETag(cp.sourceETag, source.etag), cp.size == source.size, cp.partSize == plan.partSize,
                    cp.headers == recorded
                {
                    do {
                        if let reason = control.reason { throw StopRequest(reason: reason) }
                        let listed = try await ops.listParts(bucket: bucket, key: key, uploadId: cp.uploadId)
                        var resumed = cp
                        resumed.parts = [:]
                        for p in listed where plan.partNumbers.contains(p.number) && p.size == plan.range(ofPart: p.number).length {
                            // Every part of this upload was copied from this source version (If-Match).
                            let crc = p.crc64 ?? cp.parts[p.number].flatMap { sameETag($0.etag, p.etag) ? $0.crc64 : nil }
                            if let crc { resumed.parts[p.number] = UploadCheckpoint.Part(number: p.number, etag: p.etag, crc64: crc, size: p.size) }
                        }
                        checkpoint = resumed
                    } catch {
                        let c = classify(error)
                        if c.kind != .noSuchUpload {
                            out.uploadId = cp.uploadId
                            out.checkpointPath = checkpointPath
                            return out.stop(error: error, failure: c, requested: control.reason)
                        }
                        out.notes.append("upload \(cp.uploadId) is no longer on the server; starting a fresh copy")
                    }
                } else {
                    out.notes.append(
                        "the checkpoint for upload \(cp.uploadId) does not fit (the source, the part size or the headers changed); starting a fresh copy")
                    _ = await sendAbort(uploadId: cp.uploadId)
                }
            }
            if checkpoint == nil { store.remove(checkpointPath) }
        }
        if checkpoint == nil {
            do {
                if let reason = control.reason { throw StopRequest(reason: reason) }
                let id = try await ops.initiateMultipartUpload(bucket: bucket, key: key, headers: headers)
                checkpoint = CopyCheckpoint(
                    sourceBucket: sourceBucket, sourceKey: sourceKey, sourceETag: source.etag, size: source.size,
                    bucket: bucket, key: key, partSize: plan.partSize, uploadId: id, headers: recorded)
            } catch {
                return out.stop(error: error, failure: classify(error), requested: control.reason)
            }
        }
        guard var checkpoint else { return }
        let uploadId = checkpoint.uploadId
        out.uploadId = uploadId
        out.checkpointPath = checkpointPath
        if let store, let checkpointPath {
            do { try store.save(checkpoint.encode(), to: checkpointPath) } catch { return fail(&out, error) }
        }
        let progress = ProgressAggregator(totalBytes: source.size, partsTotal: plan.partCount, handler: options.progress)
        progress.resumed(parts: checkpoint.parts.count, bytes: checkpoint.parts.values.reduce(0) { $0 + $1.size })
        out.partsResumed = checkpoint.parts.count
        var save: (() throws -> Void)? = nil
        if let store, let checkpointPath {
            save = { try store.save(checkpoint.encode(), to: checkpointPath) }
        }
        let pending = plan.partNumbers.filter { checkpoint.parts[$0] == nil }
        let (ops, sourceBucket, sourceKey, bucket, key) = (self.ops, self.sourceBucket, self.sourceKey, self.bucket, self.key)
        let firstStop = await scheduler.run(
            pending,
            part: { number -> UploadCheckpoint.Part in
                let range = plan.range(ofPart: number)
                let part = try await ops.uploadPartCopy(
                    sourceBucket: sourceBucket, sourceKey: sourceKey, sourceETag: source.etag, offset: range.offset,
                    length: range.length, bucket: bucket, key: key, uploadId: uploadId, partNumber: number)
                guard let crc = part.crc64 else {
                    throw TransferError(.crcMismatch, "UploadPartCopy of part \(number) reported no CRC64")
                }
                progress.finished(number, size: range.length)
                return UploadCheckpoint.Part(number: number, etag: part.etag, crc64: crc, size: range.length)
            },
            finished: { _, part in checkpoint.parts[part.number] = part },
            save: save)
        out.partsDone = checkpoint.parts.count
        out.bytesTransferred = pending.reduce(Int64(0)) { sum, n in
            sum + (checkpoint.parts[n] != nil ? plan.range(ofPart: n).length : 0)
        }
        if let store, let checkpointPath, checkpoint.parts.count < plan.partCount || control.reason != nil {
            try? store.save(checkpoint.encode(), to: checkpointPath)
        }
        if control.reason == .aborted {
            out.reason = .aborted
            if let error = await sendAbort(uploadId: uploadId), classify(error).kind != .noSuchUpload {
                out.state = .failed
                out.error = error
                return
            }
            if let store, let checkpointPath { store.remove(checkpointPath) }
            out.checkpointPath = nil
            out.state = .aborted
            return
        }
        if let stop = firstStop {
            if stop.failure.code == "PreconditionFailed" {
                // The source changed: these parts can never make a copy of it.
                _ = await sendAbort(uploadId: uploadId)
                if let store, let checkpointPath { store.remove(checkpointPath) }
                out.checkpointPath = nil
                out.state = .failed
                out.error = TransferError(
                    .sourceChanged, "oss://\(sourceBucket)/\(sourceKey) changed during the copy; upload \(uploadId) was aborted")
                return
            }
            return out.stop(error: stop.error, failure: stop.failure, requested: control.reason)
        }
        guard checkpoint.parts.count == plan.partCount, control.beginFinishing() else {
            return out.stop(
                error: StopRequest(reason: control.reason ?? .taskCancelled), failure: FailureClass(.cancelled),
                requested: control.reason)
        }
        defer { control.endFinishing() }
        let ordered = plan.partNumbers.map { checkpoint.parts[$0]! }
        let stored: StoredObject
        do {
            stored = try await ops.completeMultipartUpload(
                bucket: bucket, key: key, uploadId: uploadId,
                parts: ordered.map { UploadedPart(number: $0.number, etag: $0.etag, crc64: $0.crc64) })
        } catch {
            return out.stop(error: error, failure: classify(error), requested: nil)
        }
        if let store, let checkpointPath { store.remove(checkpointPath) }
        out.checkpointPath = nil
        let combined = ordered.reduce(UInt64(0)) { CRC64.combine($0, $1.crc64, lengthOfB: UInt64($1.size)) }
        out.crc64 = combined
        out.etag = stored.etag
        if let reported = stored.crc64 ?? source.crc64, reported != combined {
            out.state = .failed
            out.error = TransferError(
                .crcMismatch, "the copy's CRC64 is \(reported), its parts combine to \(combined)")
            return
        }
        out.state = .completed
        progress.completed()
    }

    private func sendAbort(uploadId: String) async -> (any Error)? {
        let (ops, bucket, key) = (self.ops, self.bucket, self.key)
        return await Task<(any Error)?, Never> {
            do {
                try await ops.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
                return nil
            } catch {
                return error
            }
        }.value
    }

    private func fail(_ out: inout TransferOutcome, _ error: any Error) {
        out.state = .failed
        out.error = error
    }

    private func classify(_ error: any Error) -> FailureClass { FailureClass.of(error, by: ops) }
}
