import Glibc
import OSSClient
import OSSCore
import OSSProtocol
import OSSTransfer

/// `osswire cp SRC DST [--part-size N] [--jobs N] [--checkpoint-dir DIR] [--no-fsync] [--json]`:
/// uploads and downloads between a local file and `oss://bucket/key` through OSSTransfer (one
/// PutObject up to the part size, a resumable multipart upload above it; parallel ranged GETs for
/// downloads), server-side copies between two `oss://` objects, and streams: `-` (standard input
/// or output) and destinations that are not regular files (devices, FIFOs), written in place.
///
/// A progress bar shows on a terminal, then one summary line; `--json` prints one JSON object,
/// the same shape for upload, download and copy, failures included. SIGINT and SIGTERM pause:
/// the sockets close at once, the checkpoint stays, exit 130 (143 for SIGTERM), and the same
/// command run again resumes.
func cpCommand(_ argv: [String]) async throws -> Int32 {
    var cp = CpRun(json: argv.prefix(while: { $0 != "--" }).contains("--json"))
    do {
        return try await cp.run(argv)
    } catch {
        // One JSON object of the usual shape for a cp that failed before any transfer started.
        let report = FailureReport(error)
        var outcome = TransferOutcome(bucket: cp.bucket ?? "", key: cp.key ?? "", localPath: cp.localPath ?? "")
        outcome.state = .failed
        outcome.error = error
        outcome.errorCode = report.code
        if cp.json {
            let text = outcome.json(direction: cp.direction, source: cp.source, destination: cp.destination)
            if cp.destination == "-" { printError(text) } else { printLine(text) }
        }
        printError("osswire cp: \(report.text)")
        if report.hint { printError("Try 'osswire cp --help'.") }
        return report.status
    }
}

/// One cp: what it is about (for the JSON of an early failure too) and how it runs.
struct CpRun {
    let json: Bool
    var direction = "upload"
    var source: String?
    var destination: String?
    var bucket: String?
    var key: String?
    var localPath: String?
    /// `--version-id`: the version of the source object a download or copy reads.
    var versionId: String?

    init(json: Bool) { self.json = json }

    mutating func run(_ argv: [String]) async throws -> Int32 {
        let args = try Arguments(
            argv,
            valueOptions: Arguments.commonValueOptions.union(["part-size", "jobs", "checkpoint-dir", "copy-threshold", "version-id"])
                .union(CpRun.headerOptions),
            flags: Arguments.commonFlags.union(["no-fsync"]))
        guard args.positional.count == 2 else {
            throw UsageError("cp takes SRC and DST (a local path or -, and oss://bucket/key)")
        }
        source = args.positional[0]
        destination = args.positional[1]
        let partSize = try args.int("part-size").map(Int64.init) ?? PartPlan.defaultPartSize
        guard partSize >= PartPlan.minimumPartSize, partSize <= PartPlan.maximumPartSize else {
            throw UsageError("--part-size must be \(PartPlan.minimumPartSize)...\(PartPlan.maximumPartSize) bytes")
        }
        let jobs = try args.int("jobs") ?? 4
        guard (1...64).contains(jobs) else { throw UsageError("--jobs must be 1...64") }
        let checkpointDirectory = args.value("checkpoint-dir") ?? CheckpointStore.defaultDirectory
        let headers = try CpRun.uploadHeaders(args)
        let copyThreshold = try args.int("copy-threshold").map(Int64.init) ?? (1 << 30)
        let srcURI = try OSSURI(parsing: source!, requireKey: true)
        var dstURI = try OSSURI(parsing: destination!, requireKey: false)
        guard srcURI != nil || dstURI != nil else {
            throw UsageError("cp needs an oss://bucket/key on at least one side")
        }
        if var dst = dstURI, dst.key.isEmpty || dst.key.hasSuffix("/") {
            // oss://bucket/dir/ keeps the source's name.
            guard source != "-" else { throw UsageError("an upload from - needs a full key: oss://\(dst.bucket)/key") }
            dst.key += LocalPath.baseName(srcURI?.key ?? source!)
            dstURI = dst
            destination = dst.description
        }

        let settings = CpSettings(
            partSize: partSize, jobs: jobs, checkpointDirectory: checkpointDirectory, headers: headers,
            flushToDisk: !args.flag("no-fsync"))
        // Local checks first: a missing file is not the server's business.
        var sourceKind = LocalPath.Kind.regular
        var target = ""
        var streamOut = false
        if let src = srcURI, dstURI == nil {
            guard headers.isEmpty else {
                throw UsageError("--content-type, --meta, --storage-class, --acl, --tagging and --sse set what an upload or copy makes, not a download")
            }
            direction = "download"
            (bucket, key) = (src.bucket, src.key)
            target = destination!
            if target == "-" {
                streamOut = true
            } else {
                if target.hasSuffix("/") || LocalPath.isDirectory(target) {
                    target = (target.hasSuffix("/") ? target : target + "/") + LocalPath.baseName(src.key)
                }
                switch LocalPath.kind(target) {
                case .special: streamOut = true  // a device or FIFO: written in place, never replaced
                case .directory: throw CLIError("cannot write \(target): it is a directory", code: "FileError")
                default: try LocalPath.checkDestination(target)
                }
                localPath = target
            }
        } else if let dst = dstURI {
            guard settings.flushToDisk else {
                throw UsageError("--no-fsync is for downloads: it leaves a downloaded file in the page cache")
            }
            (bucket, key) = (dst.bucket, dst.key)
            if srcURI == nil {
                if source == "-" {
                    sourceKind = .special
                } else {
                    sourceKind = try LocalPath.checkSource(source!)
                    localPath = source
                }
            } else {
                direction = "copy"
            }
        }

        versionId = try CpRun.versionId(args, sourceIsOSS: srcURI != nil)
        let client = try CLIClient.make(args)
        if let src = srcURI, let dst = dstURI {
            let bar = TransferBar(meter: TransferMeter(), enabled: !json && TransferBar.stderrIsTerminal)
            let outcome =
                if let versionId {
                    await copyVersion(client: client, src: src, dst: dst, versionId: versionId, settings: settings)
                } else {
                    await copy(client: client, src: src, dst: dst, settings: settings, threshold: copyThreshold, bar: bar)
                }
            bar.finish()
            return report(outcome)
        }
        let bar = TransferBar(meter: TransferMeter(), enabled: !json && TransferBar.stderrIsTerminal)
        let outcome: TransferOutcome
        if direction == "upload" {
            let dst = dstURI!
            if sourceKind == .special {
                outcome = await StreamUpload(
                    client: client, path: source!, bucket: dst.bucket, key: dst.key, settings: settings, bar: bar
                ).run()
            } else {
                outcome = await upload(client: client, dst: dst, settings: settings, bar: bar)
            }
        } else {
            let src = srcURI!
            if streamOut {
                outcome = await StreamDownload(
                    client: client, bucket: src.bucket, key: src.key, path: target, bar: bar, versionId: versionId
                ).run()
            } else {
                outcome = await download(client: client, src: src, path: target, settings: settings, bar: bar)
            }
        }
        bar.finish()
        return report(outcome)
    }

    /// A regular file up: OSSTransfer's resumable uploader.
    private func upload(client: OSSClient, dst: OSSURI, settings: CpSettings, bar: TransferBar) async -> TransferOutcome {
        var options = UploadOptions()
        options.partSize = settings.partSize
        options.multipartThreshold = settings.partSize
        options.jobs = settings.jobs
        options.checkpointDirectory = settings.checkpointDirectory
        options.progress = bar.handler
        options.headers = settings.headers
        let handle = Uploader(operations: OSSClientOperations(client: client), options: options)
            .start(file: source!, bucket: dst.bucket, key: dst.key)
        Signals.onSignal { _ in handle.pause() }
        return await handle.outcome()
    }

    /// An object down to a regular file: OSSTransfer's downloader (one GET up to the part size,
    /// else resumable parallel ranged GETs), through a temporary file renamed into place.
    private func download(client: OSSClient, src: OSSURI, path: String, settings: CpSettings, bar: TransferBar) async
        -> TransferOutcome
    {
        var options = DownloadOptions()
        options.partSize = settings.partSize
        options.singleRequestThreshold = settings.partSize
        options.jobs = settings.jobs
        options.checkpointDirectory = settings.checkpointDirectory
        options.progress = bar.handler
        options.flushToDisk = settings.flushToDisk
        let ops: any TransferOperations =
            versionId.map { OSSClientOperations(client: client).reading(versionId: $0) } ?? OSSClientOperations(client: client)
        let handle = Downloader(operations: ops, options: options).start(bucket: src.bucket, key: src.key, file: path)
        Signals.onSignal { _ in handle.pause() }
        return await handle.outcome()
    }

    /// A server-side copy of one version of the source: one CopyObject with
    /// `x-oss-copy-source: /bucket/key?versionId=...` (OSS copies up to 1 GiB this way; the
    /// multipart copier reads the current version only).
    private func copyVersion(client: OSSClient, src: OSSURI, dst: OSSURI, versionId: String, settings: CpSettings)
        async -> TransferOutcome
    {
        Signals.onSignal { _ in client.disableRequests() }
        var outcome = TransferOutcome(bucket: dst.bucket, key: dst.key, localPath: "")
        do {
            let options = PutObjectOptions(uploadHeaders: settings.headers, callback: false)
            let copied = try await client.copyObject(
                sourceBucket: src.bucket, sourceKey: src.key, sourceVersionId: versionId, bucket: dst.bucket,
                key: dst.key, replaceMetadata: !settings.headers.isEmpty, options: options)
            outcome.state = .completed
            outcome.crc64 = copied.crc64
            outcome.etag = copied.result.eTag
            // CopyObject does not say the size; ask, so the summary is the same as for the others.
            if let m = try? await client.headObject(bucket: dst.bucket, key: dst.key) {
                outcome.bytes = m.contentLength
                outcome.bytesTransferred = m.contentLength
            }
        } catch {
            outcome.settle(error: error, interrupted: Signals.received != nil)
        }
        return outcome
    }

    /// A server-side copy between two `oss://` objects: OSSTransfer's copier (one CopyObject up
    /// to `threshold`, else a resumable multipart copy of UploadPartCopy parts). With header
    /// flags the copy takes those headers instead of the source's.
    private func copy(
        client: OSSClient, src: OSSURI, dst: OSSURI, settings: CpSettings, threshold: Int64, bar: TransferBar
    ) async -> TransferOutcome {
        var options = CopyOptions()
        options.multipartThreshold = threshold
        options.partSize = settings.partSize
        options.jobs = settings.jobs
        options.checkpointDirectory = settings.checkpointDirectory
        options.headers = settings.headers.isEmpty ? nil : settings.headers
        options.progress = bar.handler
        let handle = Copier(operations: OSSClientOperations(client: client), options: options).start(
            sourceBucket: src.bucket, sourceKey: src.key, bucket: dst.bucket, key: dst.key)
        Signals.onSignal { _ in handle.pause() }
        return await handle.outcome()
    }

    /// Prints the outcome (the JSON object, or the summary line or the failure) and returns the
    /// exit status.
    private func report(_ outcome: TransferOutcome) -> Int32 {
        var outcome = outcome
        if outcome.state == .failed, outcome.errorCode == nil, let error = outcome.error {
            outcome.errorCode = FailureReport(error).code
        }
        for note in outcome.notes { printError("osswire cp: \(note)") }
        // With the object going to standard output, what cp says goes to standard error.
        let toStderr = destination == "-"
        func say(_ text: String) { if toStderr { printError(text) } else { printLine(text) } }
        if json { say(outcome.json(direction: direction, source: source, destination: destination)) }
        switch outcome.state {
        case .completed:
            if !json {
                var text = "\(source!) -> \(destination!): "
                text += TransferMeter.summary(bytes: outcome.bytes, moved: outcome.bytesTransferred, seconds: outcome.seconds)
                if direction == "copy" { text += ", server-side copy" }
                if outcome.partsResumed > 0 { text += ", \(outcome.partsResumed) of \(outcome.partsTotal) parts resumed" }
                if let crc = outcome.crc64 { text += ", crc64 \(crc)" }
                say(text)
            }
            return ExitCode.success
        case .paused where Signals.received != nil, .aborted where Signals.received != nil:
            var text = "osswire cp: interrupted by \(Signals.receivedName)"
            if outcome.state == .aborted {
                text += ": the upload was aborted (a stream cannot be resumed)"
            } else if outcome.partsTotal > 0 {
                // Parts whose answer came, and for an upload the parts the server listed when
                // it paused (a part cut short after its whole body arrived may have landed).
                let place = direction == "upload" ? "on the server" : "on disk"
                text += ": paused with \(outcome.partsDone) of \(outcome.partsTotal) parts \(place)"
                if let id = outcome.uploadId { text += " (upload \(id))" }
            }
            if let note = outcome.interruptedNote { text += "; \(note)" }
            if outcome.checkpointPath != nil { text += "; run the same command again to resume" }
            printError(text)
            return Signals.exitStatus
        default:
            // A failure is said by its error, which names what failed ("connect to ... failed");
            // a state in front of it would say "failed" twice.
            var text = "osswire cp: "
            if let error = outcome.error {
                text += outcome.state == .failed ? FailureReport(error).text : "\(outcome.state): \(FailureReport(error).text)"
            } else {
                text += "\(outcome.state)"
            }
            if outcome.checkpointPath != nil { text += "; the checkpoint is kept: run the same command again to resume" }
            printError(text)
            if let error = outcome.error, FailureReport(error).status == ExitCode.usage { return ExitCode.usage }
            return ExitCode.failure
        }
    }
}

/// The transfer settings cp's options give.
struct CpSettings {
    var partSize: Int64
    var jobs: Int
    var checkpointDirectory: String
    /// What the object gets (`--content-type`, `--meta`, `--storage-class`, `--acl`, `--tagging`, `--sse`).
    var headers = UploadHeaders()
    /// A download's file is on the device before it is renamed into place (not `--no-fsync`).
    var flushToDisk = true
}

extension CpRun {
    /// The options that set what an upload makes.
    static let headerOptions: Set<String> = [
        "content-type", "meta", "storage-class", "acl", "tagging", "sse", "sse-kms-key-id", "cache-control",
        "content-disposition",
    ]

    /// The upload headers of the command line, checked before anything is sent.
    /// - Throws: `UsageError` (exit 2) for a value OSS would refuse.
    static func uploadHeaders(_ args: Arguments) throws -> UploadHeaders {
        var h = UploadHeaders()
        h.contentType = args.value("content-type")
        h.cacheControl = args.value("cache-control")
        h.contentDisposition = args.value("content-disposition")
        for item in args.values("meta") {
            guard let (key, value) = Arguments.assignment(item), !key.isEmpty else {
                throw UsageError("--meta takes NAME=VALUE, not \(Validation.quoted(item))")
            }
            let name = ASCIICase.lowercased(key)
            guard h.metadata[name] == nil else { throw UsageError("--meta \(name) is given twice") }
            h.metadata[name] = value
        }
        h.storageClass = args.value("storage-class")
        h.acl = args.value("acl")
        h.tagging = args.value("tagging")
        if let sse = args.value("sse") {
            let upper = sse.uppercased()
            h.serverSideEncryption = upper == "AES256" || upper == "KMS" || upper == "SM4" ? upper : sse
        }
        h.serverSideEncryptionKeyId = args.value("sse-kms-key-id")
        if h.serverSideEncryptionKeyId != nil, h.serverSideEncryption == nil {
            throw UsageError("--sse-kms-key-id needs --sse KMS")
        }
        do { try h.validate() } catch { throw UsageError(error.message) }
        return h
    }
}

extension TransferOutcome {
    /// Sets the outcome of a whole object received in one GetObject.
    mutating func complete(with metadata: ObjectMetadata) {
        state = .completed
        bytes = metadata.contentLength
        bytesTransferred = metadata.contentLength
        crc64 = metadata.crc64
        etag = metadata.etag
    }

    /// Sets the outcome of a request that threw: paused when a signal stopped it, else failed.
    mutating func settle(error: any Error, interrupted: Bool) {
        if interrupted, let e = error as? OSSClientError,
            e.kind == .abortedInFlight || e.kind == .requestsDisabled || e.kind == .cancelled
        {
            state = .paused
            reason = .paused
            if e.kind != .requestsDisabled, let sent = e.bodyFullySent {
                self.interrupted = [InterruptedRequest(partNumber: nil, bodyFullySent: sent)]
            }
            return
        }
        state = .failed
        self.error = error
        errorCode = FailureReport(error).code
    }
}

extension TransferOutcome {
    /// What the interrupt message says of the requests a stop cut short: "may exist" only when
    /// the server may have a whole body (it had all left this host before the reset), and that
    /// nothing was stored when no whole body can have arrived. Nil when none was cut short.
    var interruptedNote: String? {
        guard let any = bodyFullySent else { return nil }
        if partsTotal == 0 {
            return any
                ? "the object may exist on the server (its whole body had left before the connection was reset)"
                : "the object was not stored (the connection was reset before its whole body left)"
        }
        let whole = interrupted.filter(\.bodyFullySent).compactMap(\.partNumber)
        if whole.isEmpty {
            return "the \(interrupted.count) part\(interrupted.count == 1 ? "" : "s") in flight cannot have been stored (reset before their whole body left)"
        }
        let list = whole.map(String.init).joined(separator: ", ")
        return "part\(whole.count == 1 ? "" : "s") \(list) had left whole before the reset and may exist on the server (counted above when the server listed \(whole.count == 1 ? "it" : "them"))"
    }
}

/// Seconds from `start` to now.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = start.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
