import CLZMA
import Foundation
import Glibc

/// `multipart`: a large multipart upload to `osswire mock-server --data-dir`, `osswire cp` vs the
/// official Python SDK's uploader, each a child process whose peak RSS (wait4's ru_maxrss) and
/// wall time are measured. Every upload is checked (size and CRC64 by HeadObject) and deleted.
struct MultipartBenchmark {
    var bytes = 2 << 30
    var partSize = 64 << 20
    var jobs = 4
    var rounds = 3
    var osswire: String? = nil
    var venv: String? = nil

    static let region = "cn-hangzhou"
    // OSS bucket names are 3-63 characters: the mock rejects "b".
    static let bucket = "bench"
    static let targetKiB = 16 * 1024

    func run() throws {
        let binary = try Self.findOsswire(osswire)
        let python = try Self.pythonVenv(venv)
        let script = try Self.benchFile("python/upload.py")
        let dataDir = Scratch.directory + "/mock-data"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let path = try Scratch.file(size: bytes)
        let expectedCRC = try Self.crc64(ofFile: path)

        let mock = try MockServerProcess(binary: binary, dataDir: dataDir, bucket: Self.bucket)
        defer { mock.stop() }
        var env = ProcessInfo.processInfo.environment
        env["OSS_ACCESS_KEY_ID"] = mock.accessKeyId
        env["OSS_ACCESS_KEY_SECRET"] = mock.accessKeySecret
        env["OSS_ENDPOINT"] = nil
        env["OSS_REGION"] = nil
        let common = ["--endpoint", mock.url, "--region", Self.region]

        print(
            "multipart: \(bytes >> 20) MiB file, parts of \(partSize >> 20) MiB, \(jobs) in parallel, to "
                + "osswire mock-server --data-dir on \(mock.url); \(rounds) rounds interleaved, medians "
                + "(MB/s = 1e6 bytes/s, RSS = peak resident set of the uploading process)")
        print("  osswire: \(binary)")
        print("  python:  \(python) (alibabacloud-oss-v2)")
        if !Child.haveGNUTime {
            print("  warning: no /usr/bin/time (apt-get install time): peak RSS figures include this process's own")
        }

        // Baselines: what the runtime, OpenSSL and the client cost before any large buffer.
        let help = try Child.run(binary, ["--help"], environment: env)
        let tiny = Scratch.directory + "/tiny-4KiB"
        _ = FileManager.default.createFile(atPath: tiny, contents: Data(repeating: 0x5a, count: 4096))
        let tinyCp = try Child.run(
            binary, ["cp", tiny, "oss://\(Self.bucket)/tiny", "--json"] + common, environment: env)
        try tinyCp.check("osswire cp (4 KiB)")
        _ = try Child.run(binary, ["rm", "oss://\(Self.bucket)/tiny"] + common, environment: env)
        let pyTiny = try Child.run(
            python, [script, mock.url, Self.region, Self.bucket, "tiny-py", tiny, String(partSize), String(jobs)],
            environment: env)
        try pyTiny.check("python uploader (4 KiB)")
        _ = try Child.run(binary, ["rm", "oss://\(Self.bucket)/tiny-py"] + common, environment: env)

        var ours: [Child.Result] = [], theirs: [Child.Result] = []
        for round in 0..<rounds {
            let key = "k\(round)"
            let o = try Child.run(
                binary,
                ["cp", path, "oss://\(Self.bucket)/\(key)", "--part-size", String(partSize), "--jobs", String(jobs),
                    "--json"] + common,
                environment: env)
            try o.check("osswire cp")
            try verify(key: key, expectedCRC: expectedCRC, binary: binary, common: common, env: env)
            ours.append(o)
            print("  round \(round + 1): osswire cp  \(mbps(o.seconds)) MB/s, peak RSS \(mib(o.maxRSSKiB)) MiB")

            let pkey = "p\(round)"
            let p = try Child.run(
                python,
                [script, mock.url, Self.region, Self.bucket, pkey, path, String(partSize), String(jobs)],
                environment: env)
            try p.check("python uploader")
            try verify(key: pkey, expectedCRC: expectedCRC, binary: binary, common: common, env: env)
            theirs.append(p)
            print("  round \(round + 1): python SDK  \(mbps(p.seconds)) MB/s, peak RSS \(mib(p.maxRSSKiB)) MiB")
        }

        let oursMBps = Stats.median(ours.map { Double(bytes) / $0.seconds / 1e6 })
        let pyMBps = Stats.median(theirs.map { Double(bytes) / $0.seconds / 1e6 })
        let oursRSS = Stats.median(ours.map { Double($0.maxRSSKiB) })
        let pyRSS = Stats.median(theirs.map { Double($0.maxRSSKiB) })
        let oursWorst = ours.map(\.maxRSSKiB).max() ?? 0
        print("results (medians of \(rounds)):")
        Stats.line("osswire cp throughput", Stats.fixed(oursMBps, 1) + " MB/s")
        Stats.line("python SDK uploader throughput", Stats.fixed(pyMBps, 1) + " MB/s")
        Stats.line("ours / python throughput", Stats.fixed(oursMBps / pyMBps) + "x")
        Stats.line("osswire cp peak RSS", Stats.fixed(oursRSS / 1024, 1) + " MiB (worst round " + mib(oursWorst) + ")")
        Stats.line("python SDK uploader peak RSS", Stats.fixed(pyRSS / 1024, 1) + " MiB")
        let oursAnon = Stats.median(ours.map { Double($0.maxAnonKiB) })
        let anonWorst = ours.map(\.maxAnonKiB).max() ?? 0
        Stats.line(
            "osswire cp peak RssAnon", Stats.fixed(oursAnon / 1024, 1) + " MiB (worst round " + mib(anonWorst)
                + "; heap, stacks, anonymous maps)")
        Stats.line("baseline: 4 KiB cp RssAnon", mib(tinyCp.maxAnonKiB) + " MiB")
        let allowance = jobs * (256 << 10) / 1024 + 2048
        Stats.line(
            "target: heap (jobs x buf + 2 MiB)",
            "growth over the 4 KiB cp " + mib(max(0, anonWorst - tinyCp.maxAnonKiB)) + " MiB, allowed "
                + mib(allowance) + " MiB: " + (anonWorst - tinyCp.maxAnonKiB <= allowance ? "met" : "NOT met"))
        Stats.line("baseline: osswire --help", mib(help.maxRSSKiB) + " MiB")
        Stats.line("baseline: osswire cp of 4 KiB", mib(tinyCp.maxRSSKiB) + " MiB")
        Stats.line("baseline: python uploader, 4 KiB", mib(pyTiny.maxRSSKiB) + " MiB")
        Stats.line(
            "target: peak RSS <= 16 MiB",
            (oursWorst <= Self.targetKiB ? "met" : "NOT met") + " (worst round " + mib(oursWorst) + " MiB)")
    }

    private func mbps(_ seconds: Double) -> String { Stats.fixed(Double(bytes) / seconds / 1e6, 1) }
    private func mib(_ kib: Int) -> String { Stats.fixed(Double(kib) / 1024, 1) }

    /// HeadObject through `osswire stat --json`: size and x-oss-hash-crc64ecma must match the file;
    /// then the object is deleted so the mock's data dir holds one upload at most.
    private func verify(key: String, expectedCRC: UInt64, binary: String, common: [String], env: [String: String])
        throws
    {
        let stat = try Child.run(binary, ["stat", "oss://\(Self.bucket)/\(key)", "--json"] + common, environment: env)
        try stat.check("osswire stat")
        guard let object = try JSONSerialization.jsonObject(with: Data(stat.output.utf8)) as? [String: Any],
            // `stat --json` prints the size as a number (it was a string before issue 18).
            let size = (object["size"] as? Int) ?? (object["size"] as? String).flatMap({ Int($0) }),
            let crc = (object["crc64"] as? String).flatMap({ UInt64($0) })
        else {
            throw Processes.Failure(description: "osswire stat: unexpected output \(stat.output)")
        }
        guard size == bytes, crc == expectedCRC else {
            throw Processes.Failure(
                description: "\(key): size \(size) crc64 \(crc), expected \(bytes) and \(expectedCRC)")
        }
        let rm = try Child.run(binary, ["rm", "oss://\(Self.bucket)/\(key)"] + common, environment: env)
        try rm.check("osswire rm")
    }

    /// CRC64-ECMA of a file by liblzma's `lzma_crc64` (the same CRC as OSS's), so the check does
    /// not trust our own library.
    static func crc64(ofFile path: String) throws -> UInt64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Processes.Failure(description: "open \(path)") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var crc: UInt64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            guard n >= 0 else { throw Processes.Failure(description: "read \(path)") }
            if n == 0 { break }
            crc = lzma_crc64(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), n, crc)
        }
        return crc
    }

    /// The release `osswire`: `--osswire`, else ../.build/release/osswire from Benchmarks/ (or
    /// .build/release/osswire from the repository root).
    static func findOsswire(_ given: String?) throws -> String {
        let candidates = given.map { [$0] } ?? ["../.build/release/osswire", ".build/release/osswire"]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
            return URL(fileURLWithPath: c).standardizedFileURL.path
        }
        throw Processes.Failure(
            description: "no osswire binary (\(candidates.joined(separator: ", "))): run "
                + "`swift build -c release --product osswire` at the repository root, or pass --osswire PATH")
    }

    /// A file of the benchmark package (python/upload.py), from Benchmarks/ or the repository root.
    static func benchFile(_ relative: String) throws -> String {
        for c in [relative, "Benchmarks/" + relative] where FileManager.default.fileExists(atPath: c) {
            return URL(fileURLWithPath: c).standardizedFileURL.path
        }
        throw Processes.Failure(description: "\(relative) not found: run osswire-bench from Benchmarks/")
    }

    /// The venv's python: `--venv DIR`, else the one python/setup_venv.sh makes (created if missing).
    static func pythonVenv(_ given: String?) throws -> String {
        let setup = try benchFile("python/setup_venv.sh")
        let result = try Child.run("/bin/bash", [setup] + (given.map { [$0] } ?? []), environment: nil)
        try result.check("python/setup_venv.sh")
        let dir = result.output.split(separator: "\n").last.map(String.init) ?? ""
        return dir + "/bin/python"
    }
}

/// A child process run to completion, its own peak RSS (KiB) and wall time measured.
///
/// The peak RSS is measured through GNU time (`/usr/bin/time -f %M`, Debian package `time`): wait4's
/// ru_maxrss of a child we spawn directly would include our own RSS, because Linux keeps the
/// high-water mark of the address space a child had before exec (posix_spawn's vfork shares ours,
/// about 30 MiB with Foundation). GNU time is a small C program (about 2 MiB), so what it reports
/// for its child is that child's own figure (the `osswire --help` baseline shows the floor).
/// Without GNU time, the wait4 figure is used and printed with a warning.
enum Child {
    static let gnuTime = "/usr/bin/time"
    static var haveGNUTime: Bool { FileManager.default.isExecutableFile(atPath: gnuTime) }

    struct Result {
        var status: Int32
        var seconds: Double
        var maxRSSKiB: Int
        var output: String
        var command: String
        /// The highest `RssAnon` seen (heap, stacks, anonymous mappings), sampled every 2 ms.
        var maxAnonKiB: Int = 0

        func check(_ what: String) throws {
            guard status == 0 else {
                throw Processes.Failure(description: "\(what) exited \(status): \(command)\n\(output)")
            }
        }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]?) throws -> Result {
        let tag = UInt32.random(in: 0...UInt32.max)
        let outPath = Scratch.directory + "/child-\(tag).out"
        let rssPath = Scratch.directory + "/child-\(tag).rss"
        defer {
            unlink(outPath)
            unlink(rssPath)
        }
        let viaTime = haveGNUTime
        let (exe, args) =
            viaTime
            ? (gnuTime, ["-f", "%M", "-o", rssPath, executable] + arguments) : (executable, arguments)
        let clock = ContinuousClock()
        let start = clock.now
        let pid = try spawn(exe, args, environment: environment, stdoutPath: outPath)
        let sampler = AnonSampler(pid: pid, throughTime: viaTime)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw Processes.Failure(description: "wait4: errno \(errno)") }
        }
        let anon = sampler.stop()
        let seconds = Stats.seconds(clock.now - start)
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        var rss = usage.ru_maxrss
        if viaTime {
            // GNU time writes "Command exited with non-zero status N" before the figure on failure.
            let text = (try? String(contentsOfFile: rssPath, encoding: .utf8)) ?? ""
            if let last = text.split(separator: "\n").last, let kib = Int(last.trimmingCharacters(in: .whitespaces)) {
                rss = kib
            }
        }
        return Result(
            status: exit, seconds: seconds, maxRSSKiB: rss, output: output,
            command: ([executable] + arguments).joined(separator: " "), maxAnonKiB: anon)
    }

    /// Starts `executable` with stdout to `stdoutPath` (stderr inherited); returns its pid.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?, stdoutPath: String)
        throws -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = envStrings.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw Processes.Failure(description: "posix_spawn \(executable): errno \(rc)") }
        return pid
    }
}

/// `osswire mock-server --data-dir DIR --bucket B` on 127.0.0.1:0, stopped by its pid.
final class MockServerProcess {
    let pid: pid_t
    let url: String
    let accessKeyId: String
    let accessKeySecret: String
    private var stopped = false

    init(binary: String, dataDir: String, bucket: String) throws {
        let outPath = Scratch.directory + "/mock-server.out"
        pid = try Child.spawn(
            binary, ["mock-server", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--bucket", bucket],
            environment: nil, stdoutPath: outPath)
        var lines: [String] = []
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").map(String.init)
            if lines.contains(where: { $0.hasPrefix("listening on ") }) { break }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw Processes.Failure(description: "osswire mock-server exited at start: \(text)")
            }
            usleep(50_000)
        }
        func value(_ prefix: String) -> String? {
            lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
        guard let url = value("listening on "), let id = value("OSS_ACCESS_KEY_ID="),
            let secret = value("OSS_ACCESS_KEY_SECRET=")
        else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw Processes.Failure(description: "osswire mock-server did not start: \(lines)")
        }
        self.url = url
        accessKeyId = id
        accessKeySecret = secret
    }

    /// SIGTERM (it removes its objects and exits), then reaps it.
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}

/// Samples a child's anonymous resident memory (`RssAnon` in /proc/PID/status: the heap, thread
/// stacks and other anonymous mappings, no code pages) every 2 ms and keeps the highest value.
/// Through GNU time, the child measured is time's own child.
final class AnonSampler: @unchecked Sendable {
    // @unchecked Sendable: `peak` and `running` are guarded by `lock`.
    private let lock = NSLock()
    private var peak = 0
    private var running = true

    init(pid: pid_t, throughTime: Bool) {
        let thread = Thread { [self] in sample(pid: pid, throughTime: throughTime) }
        thread.start()
    }

    private func sample(pid: pid_t, throughTime: Bool) {
        while lock.withLock({ running }) {
            var target = pid
            if throughTime,
                let kids = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8),
                let first = kids.split(separator: " ").first, let child = pid_t(first)
            {
                target = child
            }
            if let status = try? String(contentsOfFile: "/proc/\(target)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
                let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            {
                lock.withLock { peak = max(peak, kib) }
            }
            usleep(2000)
        }
    }

    /// Stops sampling; the highest value seen (KiB).
    func stop() -> Int {
        lock.withLock {
            running = false
            return peak
        }
    }
}
