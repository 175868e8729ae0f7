import Glibc
import OSSClient
import OSSCore
import OSSTransfer
import Synchronization

/// `osswire cp SRC DST [--part-size N] [--jobs N] [--checkpoint-dir DIR] [--json]`: uploads and
/// downloads between a local file and `oss://bucket/key` through OSSTransfer (one PutObject up to
/// the part size, a resumable multipart upload above it; parallel ranged GETs for downloads),
/// and server-side copies between two `oss://` objects.
///
/// A progress bar with rate and ETA shows on a terminal; `--json` prints one JSON object at the
/// end. SIGINT pauses: the sockets close at once, the checkpoint stays, exit 130, and the same
/// command run again resumes. Checkpoints go to `--checkpoint-dir`, else
/// `$OSSWIRE_CHECKPOINT_DIR`, else `$XDG_STATE_HOME/osswire/checkpoints`, else
/// `~/.local/state/osswire/checkpoints`.
func cpCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv,
        valueOptions: Arguments.commonValueOptions.union(["part-size", "jobs", "checkpoint-dir", "content-type"]),
        flags: Arguments.commonFlags)
    guard args.positional.count == 2 else {
        throw UsageError("cp takes SRC and DST (a local path and/or oss://bucket/key)")
    }
    let partSize = try args.int("part-size").map(Int64.init) ?? PartPlan.defaultPartSize
    guard partSize >= PartPlan.minimumPartSize, partSize <= PartPlan.maximumPartSize else {
        throw UsageError("--part-size must be \(PartPlan.minimumPartSize)...\(PartPlan.maximumPartSize) bytes")
    }
    let jobs = try args.int("jobs") ?? 4
    guard (1...64).contains(jobs) else { throw UsageError("--jobs must be 1...64") }
    let checkpointDirectory = args.value("checkpoint-dir") ?? CheckpointStore.defaultDirectory
    let source = args.positional[0]
    let destination = args.positional[1]
    let srcURI = try OSSURI(parsing: source, requireKey: true)
    let dstURI = try OSSURI(parsing: destination, requireKey: false)
    if srcURI == nil && dstURI == nil { throw UsageError("cp needs an oss://bucket/key on at least one side") }
    let json = args.flag("json")

    let client = try CLIClient.make(args)
    if let src = srcURI, var dst = dstURI {
        return try await serverSideCopy(client: client, src: src, dst: &dst, json: json, source: source)
    }

    // The transfer in progress, paused by SIGINT from the watcher thread.
    let current = PThreadMutex<TransferHandle?>(nil)
    let interrupt = InterruptWatcher.install {
        if let handle = current.withLock({ $0 }) { handle.pause() } else { client.disableRequests() }
    }
    let meter = TransferMeter()
    let bar = TransferBar(meter: meter, enabled: !json && isatty(2) != 0)
    let ops = OSSClientOperations(client: client)
    let outcome: TransferOutcome
    let direction: String
    let shown: (from: String, to: String)
    if var dst = dstURI {
        guard try LocalPath.isRegularFile(source) else { throw CLIError("\(source) is not a readable regular file") }
        if dst.bucket.isEmpty { throw UsageError("expected oss://bucket/key, got \(destination)") }
        if dst.key.isEmpty || dst.key.hasSuffix("/") { dst.key += LocalPath.baseName(source) }
        var options = UploadOptions()
        options.partSize = partSize
        options.multipartThreshold = partSize
        options.jobs = jobs
        options.checkpointDirectory = checkpointDirectory
        options.progress = bar.handler
        let handle = Uploader(operations: ops, options: options).start(file: source, bucket: dst.bucket, key: dst.key)
        current.withLock { $0 = handle }
        if interrupt.fired { handle.pause() }
        outcome = await handle.outcome()
        direction = "upload"
        shown = (source, dst.description)
    } else {
        let src = srcURI!
        var path = destination
        if destination.hasSuffix("/") || LocalPath.isDirectory(destination) {
            path = (destination.hasSuffix("/") ? destination : destination + "/") + LocalPath.baseName(src.key)
        }
        var options = DownloadOptions()
        options.partSize = partSize
        options.jobs = jobs
        options.checkpointDirectory = checkpointDirectory
        options.progress = bar.handler
        direction = "download"
        shown = (src.description, path)
        let size = try await client.headObject(bucket: src.bucket, key: src.key).contentLength
        if size <= partSize {
            // One part's worth: a single GetObject (its whole-object CRC64 checked by the client).
            outcome = await singleGet(client: client, src: src, path: path, bar: bar, interrupt: interrupt)
        } else {
            let handle = Downloader(operations: ops, options: options).start(
                bucket: src.bucket, key: src.key, file: path)
            current.withLock { $0 = handle }
            if interrupt.fired { handle.pause() }
            outcome = await handle.outcome()
        }
    }
    bar.finish()
    for note in outcome.notes { printError("osswire cp: \(note)") }
    if json {
        printLine(outcome.json(direction: direction))
    }
    switch outcome.state {
    case .completed:
        if !json {
            let crc = outcome.crc64.map { ", crc64 \($0)" } ?? ""
            let resumed =
                outcome.partsResumed > 0 ? ", \(outcome.partsResumed) of \(outcome.partsTotal) parts resumed" : ""
            printLine(
                "\(shown.from) -> \(shown.to) (\(outcome.bytes) bytes in \(formatSeconds(outcome.seconds)) s\(resumed)\(crc))"
            )
        }
        return ExitCode.success
    case .paused where interrupt.fired:
        var text = "osswire cp: interrupted: paused with \(outcome.partsDone) of \(outcome.partsTotal) parts done"
        if let id = outcome.uploadId { text += " (upload \(id))" }
        if outcome.checkpointPath != nil { text += "; run the same command again to resume" }
        printError(text)
        return ExitCode.interrupted
    default:
        var text = "osswire cp: \(outcome.state)"
        if let code = outcome.errorCode { text += " (\(code))" }
        if let error = outcome.error { text += ": \(error)" }
        if outcome.checkpointPath != nil { text += "; the checkpoint is kept: run the same command again to resume" }
        printError(text)
        return ExitCode.failure
    }
}

/// Downloads a small object in one GetObject, through a temporary file renamed into place.
private func singleGet(client: OSSClient, src: OSSURI, path: String, bar: TransferBar, interrupt: InterruptWatcher)
    async
    -> TransferOutcome
{
    var outcome = TransferOutcome(bucket: src.bucket, key: src.key, localPath: path)
    let start = ContinuousClock.now
    do {
        let metadata = try await client.getObject(bucket: src.bucket, key: src.key, toFile: path) { p in
            bar.handler(
                TransferProgress(
                    bytesTransferred: p.bytesTransferred, totalBytes: p.totalBytes ?? p.bytesTransferred, partsDone: 0,
                    partsTotal: 0, bytesResumed: 0))
        }
        outcome.state = .completed
        outcome.bytes = metadata.contentLength
        outcome.bytesTransferred = metadata.contentLength
        outcome.crc64 = metadata.crc64
        outcome.etag = metadata.etag
    } catch let e as OSSClientError where interrupt.fired && (e.kind == .abortedInFlight || e.kind == .requestsDisabled)
    {
        outcome.state = .paused
        outcome.reason = .paused
    } catch {
        outcome.state = .failed
        outcome.error = error
        outcome.errorCode = (error as? OSSClientError)?.code ?? (error as? OSSServiceError)?.code
    }
    let elapsed = start.duration(to: .now)
    outcome.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return outcome
}

/// A server-side copy between two `oss://` objects (CopyObject).
private func serverSideCopy(client: OSSClient, src: OSSURI, dst: inout OSSURI, json: Bool, source: String) async throws
    -> Int32
{
    if dst.key.isEmpty || dst.key.hasSuffix("/") { dst.key += LocalPath.baseName(src.key) }
    let start = ContinuousClock.now
    let copied = try await client.copyObject(
        sourceBucket: src.bucket, sourceKey: src.key, bucket: dst.bucket, key: dst.key)
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    if json {
        printLine(
            "{\"source\":\(JSON.string(source)),\"destination\":\(JSON.string(dst.description)),\"bytes\":0,"
                + "\"bytes_sent\":0,\"seconds\":\(seconds),\"upload_id\":null,\"parts_total\":0,"
                + "\"parts_resumed\":0,\"crc64\":\(JSON.optional(copied.crc64.map { String($0) }))}")
    } else {
        printLine("\(source) -> \(dst.description) (server-side copy in \(formatSeconds(seconds)) s)")
    }
    return ExitCode.success
}

/// The transfer progress line on standard error (bar, bytes, rate, ETA, parts), redrawn at most
/// ten times a second.
final class TransferBar: Sendable {
    let meter: TransferMeter
    let enabled: Bool
    private let last = PThreadMutex<ContinuousClock.Instant?>(nil)
    private let drawn = Atomic<Bool>(false)

    init(meter: TransferMeter, enabled: Bool) {
        self.meter = meter
        self.enabled = enabled
    }

    var handler: TransferProgressHandler {
        { p in
            self.meter.record(p)
            guard self.enabled else { return }
            let now = ContinuousClock.now
            let due = self.last.withLock { l -> Bool in
                if let l, l.duration(to: now) < .milliseconds(100), p.bytesTransferred < p.totalBytes { return false }
                l = now
                return true
            }
            if due {
                self.drawn.store(true, ordering: .relaxed)
                self.writeErr("\r" + self.meter.line() + "\u{1b}[K")
            }
        }
    }

    func finish() {
        if enabled && drawn.load(ordering: .relaxed) { writeErr("\n") }
    }

    private func writeErr(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

private func formatSeconds(_ s: Double) -> String {
    let ms = Int((s * 1000).rounded())
    let frac = String(ms % 1000)
    return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}

/// `stat(2)`; a free function, since inside a type the name means the struct.
private func statFollowingLinks(_ path: String, _ st: inout Glibc.stat) -> Int32 {
    stat(path, &st)
}

/// Local file-system questions, without Foundation.
enum LocalPath {
    static func status(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return statFollowingLinks(path, &st) == 0 ? st : nil
    }

    static func isDirectory(_ path: String) -> Bool {
        guard let st = status(path) else { return false }
        return st.st_mode & S_IFMT == S_IFDIR
    }

    static func isRegularFile(_ path: String) throws -> Bool {
        guard let st = status(path) else { return false }
        return st.st_mode & S_IFMT == S_IFREG && access(path, R_OK) == 0
    }

    static func size(_ path: String) throws -> Int64 {
        guard let st = status(path) else { throw CLIError("cannot stat \(path)") }
        return Int64(st.st_size)
    }

    /// The last path segment (`a/b/c.txt` -> `c.txt`).
    static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }
}

/// A one-line progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar: Sendable {
    private struct State {
        var last: ContinuousClock.Instant? = nil
        var start = ContinuousClock.now
        var drawn = false
    }
    private let state = PThreadMutex(State())
    let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ done: Int64, total: Int64?) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { s in
            if let last = s.last, last.duration(to: now) < .milliseconds(100), done != total { return nil }
            s.last = now
            s.drawn = true
            let elapsed = s.start.duration(to: now)
            let secs = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, 0.001)
            let rate = Double(done) / secs
            var text = "\r\(ProgressBar.human(Double(done)))"
            if let total, total > 0 {
                let pct = Int(Double(done) * 100 / Double(total))
                let width = 30
                let filled = min(width, Int(Double(width) * Double(done) / Double(total)))
                text =
                    "\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] "
                    + "\(pct)% \(ProgressBar.human(Double(done)))/\(ProgressBar.human(Double(total)))"
            }
            return text + " \(ProgressBar.human(rate))/s   "
        }
        if let line { writeStderr(line) }
    }

    func finish() {
        guard enabled else { return }
        if state.withLock({ $0.drawn }) { writeStderr("\n") }
    }

    static func human(_ v: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var x = v
        var i = 0
        while x >= 1024 && i < units.count - 1 {
            x /= 1024
            i += 1
        }
        let tenths = Int((x * 10).rounded())
        return i == 0 ? "\(Int(v)) B" : "\(tenths / 10).\(tenths % 10) \(units[i])"
    }

    private func writeStderr(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

// MARK: - SIGINT

/// The write end of the interrupt pipe, written by the signal handler (async-signal-safe).
/// `nonisolated(unsafe)`: set once before the handler is installed, only read afterwards.
nonisolated(unsafe) private var interruptPipeWrite: Int32 = -1
/// How many SIGINTs arrived; a second one exits at once. Only touched by the signal handler.
nonisolated(unsafe) private var interruptCount: sig_atomic_t = 0

/// Turns SIGINT into a call on a dedicated thread (a signal handler may only do async-signal-safe
/// things: it writes one byte to a pipe, and the thread reads it).
final class InterruptWatcher: Sendable {
    private let flag = Atomic<Bool>(false)
    private let action: @Sendable () -> Void

    private init(action: @escaping @Sendable () -> Void) { self.action = action }

    /// Whether SIGINT arrived.
    var fired: Bool { flag.load(ordering: .acquiring) }

    /// Installs the SIGINT handler; `action` runs once, on the watcher thread, at the first SIGINT.
    static func install(_ action: @escaping @Sendable () -> Void) -> InterruptWatcher {
        let watcher = InterruptWatcher(action: action)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return watcher }
        interruptPipeWrite = fds[1]
        let readFD = fds[0]
        signal(SIGINT) { _ in
            interruptCount += 1
            if interruptCount > 1 { _exit(130) }
            var b: UInt8 = 1
            _ = write(interruptPipeWrite, &b, 1)
        }
        let context = Unmanaged.passRetained(WatcherContext(watcher: watcher, fd: readFD)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                let ctx = Unmanaged<WatcherContext>.fromOpaque(arg!).takeRetainedValue()
                var b: UInt8 = 0
                while true {
                    let n = read(ctx.fd, &b, 1)
                    if n == 1 { break }
                    if n < 0 && errno == EINTR { continue }
                    return nil
                }
                ctx.watcher.flag.store(true, ordering: .releasing)
                ctx.watcher.action()
                return nil
            }, context)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<WatcherContext>.fromOpaque(context).release()
        }
        return watcher
    }

    private final class WatcherContext {
        let watcher: InterruptWatcher
        let fd: Int32
        init(watcher: InterruptWatcher, fd: Int32) {
            self.watcher = watcher
            self.fd = fd
        }
    }
}
