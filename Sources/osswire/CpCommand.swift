#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OSSClient
import OSSCore
import Synchronization

/// `osswire cp SRC DST`: one-request uploads (PutObject) and downloads (GetObject) between a
/// local file and `oss://bucket/key`, and server-side copies between two `oss://` objects.
///
/// A progress bar shows on a terminal; `--json` prints one JSON object at the end. SIGINT
/// closes the sockets at once (`disableRequests()`), removes a partial download and exits 130.
func cpCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["part-size", "jobs", "checkpoint-dir", "content-type"]),
        flags: Arguments.commonFlags)
    guard args.positional.count == 2 else { throw UsageError("cp takes SRC and DST (a local path and/or oss://bucket/key)") }
    _ = try args.int("part-size")
    _ = try args.int("jobs")
    let source = args.positional[0]
    let destination = args.positional[1]
    let srcURI = try OSSURI(parsing: source, requireKey: true)
    var dstURI = try OSSURI(parsing: destination, requireKey: false)
    if srcURI == nil && dstURI == nil { throw UsageError("cp needs an oss://bucket/key on at least one side") }
    let json = args.flag("json")

    let client = try CLIClient.make(args)
    let interrupt = InterruptWatcher.install { client.disableRequests() }
    let bar = ProgressBar(enabled: !json && isatty(2) != 0)
    let start = ContinuousClock.now
    var bytes: Int64 = 0
    var sent: Int64 = 0
    var crc: UInt64? = nil
    var finalDestination = destination

    do {
        switch (srcURI, dstURI) {
        case (nil, var dst?):
            // Upload: local file -> oss://bucket/key (a key ending in '/' gets the file's name).
            guard try LocalPath.isRegularFile(source) else { throw CLIError("\(source) is not a readable regular file") }
            if dst.bucket.isEmpty { throw UsageError("expected oss://bucket/key, got \(destination)") }
            if dst.key.isEmpty || dst.key.hasSuffix("/") { dst.key += LocalPath.baseName(source) }
            dstURI = dst
            finalDestination = dst.description
            let size = try LocalPath.size(source)
            guard size <= 5 << 30 else {
                throw CLIError("\(source) is \(size) bytes; a single PutObject takes at most 5 GiB (multipart cp is in OSSTransfer)")
            }
            var options = PutObjectOptions(contentType: args.value("content-type"))
            options.progress = { p in bar.update(p.bytesTransferred, total: p.totalBytes) }
            let result = try await client.putObject(bucket: dst.bucket, key: dst.key, body: .file(source), options: options)
            bytes = size
            sent = size
            crc = result.crc64
        case (let src?, nil):
            // Download: oss://bucket/key -> local path (a directory gets the key's last segment).
            var path = destination
            if destination.hasSuffix("/") || LocalPath.isDirectory(destination) {
                path = (destination.hasSuffix("/") ? destination : destination + "/") + LocalPath.baseName(src.key)
            }
            finalDestination = path
            let metadata = try await client.getObject(bucket: src.bucket, key: src.key, toFile: path) { p in
                bar.update(p.bytesTransferred, total: p.totalBytes)
            }
            bytes = metadata.contentLength
            crc = metadata.crc64
        case (let src?, var dst?):
            // Server-side copy.
            if dst.key.isEmpty || dst.key.hasSuffix("/") { dst.key += LocalPath.baseName(src.key) }
            finalDestination = dst.description
            let copied = try await client.copyObject(
                sourceBucket: src.bucket, sourceKey: src.key, bucket: dst.bucket, key: dst.key)
            crc = copied.crc64
        case (nil, nil):
            throw UsageError("cp needs an oss://bucket/key on at least one side")
        }
    } catch let e as OSSClientError where interrupt.fired && (e.kind == .abortedInFlight || e.kind == .requestsDisabled) {
        bar.finish()
        printError("osswire cp: interrupted (\(e.bodyFullySent == true ? "body fully sent" : "body not fully sent"))")
        return ExitCode.interrupted
    } catch {
        bar.finish()
        throw error
    }
    bar.finish()
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    if json {
        printLine(
            "{\"source\":\(JSON.string(source)),\"destination\":\(JSON.string(finalDestination)),\"bytes\":\(bytes),"
                + "\"bytes_sent\":\(sent),\"seconds\":\(seconds),\"upload_id\":null,\"parts_total\":0,"
                + "\"parts_resumed\":0,\"crc64\":\(JSON.optional(crc.map { String($0) }))}")
    } else {
        printLine("\(source) -> \(finalDestination) (\(bytes) bytes in \(formatSeconds(seconds)) s)")
    }
    return ExitCode.success
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
    private let state = Mutex(State())
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
                text = "\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] "
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
