import Foundation
import Glibc
import OSSClient
import OSSCore
import OSSHTTP
import OSSSigner

/// `reference`: OSSWire against an independent server, the figures of issue 12 and DESIGN.md.
///
/// The server is `Benchmarks/C/refserver.c`, a C program run as its own process (never ours).
/// Every round runs each client once per key length, in turn (interleaved), against that one
/// server; figures are medians over rounds x key lengths, ratios are taken within the run.
///
/// - `put`: one PutObject of `--bytes` from a file, V4-signed, CRC64 on (the server returns
///   `x-oss-hash-crc64ecma`, so the client really checks it): `osswire cp FILE oss://b/KEY
///   --part-size N` (the CLI as shipped, a child process) beside `curl -T FILE`, the C raw
///   socket write loop (`refclient put`: one buffer, no file, no CRC) and the C file loop
///   (`refclient putfile`: pread, liblzma CRC64, send) and ours' design in C (`refclient
///   putsendfile`: the same with sendfile(2) of the range read). `--tls`: the same over TLS 1.3
///   (`curl -k -T`; `refclient puttls` and `putfiletls`, the C loops on OpenSSL with ours'
///   cipher order and record batching).
/// - `get`: one GetObject of `--bytes` to a file, CRC64 on: `osswire cp oss://b/KEY FILE` beside
///   `curl -o FILE` and the C read loop (`refclient get`, recv into 256 KiB, write to the file),
///   and that loop with OSSWire's CRC64 after each write (`crcplace.c ... after`): the floor of
///   the work the target asks of ours. Also `cp` as shipped (no `--part-size`: 8 MiB ranged
///   GETs, four in flight on the file I/O threads, one per core, into one file), durable and
///   `--no-fsync`.
/// - `small`: `--count` V4-signed 4 KiB PutObjects on one kept-alive connection through the
///   public `OSSClient` API (in this process; the server is not), beside one curl process doing
///   the same uploads on one connection (`-K` list, `-H 'Expect:'`) and the C client's floor
///   (`refclient small`: prepared requests, no signing), and `refclient smallv4`: the same PUTs
///   doing in C the work an OSS client must do for each (OSSWire's head, V4 signature with
///   libcrypto, CRC64 with liblzma, status and CRC64 answer checked), the floor of that work
///   without a Swift stack.
struct ReferenceBenchmark {
    var what: String
    var bytes = 1 << 30
    var rounds = 5
    var count = 2000
    var tls = false
    var osswire: String
    /// Pins the server (and its per-connection processes) to this CPU (`--server-cpu`); run the
    /// bench itself under `taskset -c N` to place the clients (they inherit its CPU set).
    var serverCPU: Int? = nil
    /// Key lengths every client runs over (the loopback artefact: the head's length moves the
    /// body's alignment, which moves the kernel's copy speed).
    var keyLengths = [1, 2, 5, 9]

    static let sourceDirectory: String = {
        // Benchmarks/Sources/osswire-bench/Reference.swift -> Benchmarks/C
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("C").path
    }()

    /// Builds the C server and client into the scratch directory.
    static func buildC() throws -> (server: String, client: String) {
        let server = Scratch.directory + "/refserver", client = Scratch.directory + "/refclient"
        try Processes.run(
            "/usr/bin/cc", ["-O2", "-o", server, sourceDirectory + "/refserver.c", "-lssl", "-lcrypto", "-llzma"])
        try Processes.run(
            "/usr/bin/cc", ["-O2", "-o", client, sourceDirectory + "/refclient.c", "-llzma", "-lssl", "-lcrypto"])
        return (server, client)
    }

    /// Builds `crcplace.c` (the C read loop with OSSWire's own CRC64, from Sources/CLinuxShims)
    /// into the scratch directory.
    static func buildCRCPlace() throws -> String {
        let binary = Scratch.directory + "/crcplace"
        let shims = URL(fileURLWithPath: sourceDirectory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CLinuxShims").path
        let crc = try FileManager.default.contentsOfDirectory(atPath: shims)
            .filter { $0.hasPrefix("crc64") && $0.hasSuffix(".c") }.sorted().map { shims + "/" + $0 }
        try Processes.run("/usr/bin/cc", ["-O2", "-I", shims + "/include", "-o", binary, sourceDirectory + "/crcplace.c"] + crc)
        return binary
    }

    /// The reference server as a child process, stopped by its pid.
    final class Server {
        let process = Process()
        let port: Int
        let scheme: String

        /// - Parameter cpu: pins the server (and the process it forks per connection) to one CPU.
        init(binary: String, file: String, tls: (cert: String, key: String)?, cpu: Int? = nil) throws {
            var args = ["-f", file, "-c"]
            if let tls { args += ["-t", tls.cert, tls.key] }
            if let cpu {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
                process.arguments = ["-c", "\(cpu)", binary] + args
            } else {
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = args
            }
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.standardError
            try process.run()
            // One line: "listening on http://127.0.0.1:PORT".
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let d = out.fileHandleForReading.availableData
                if d.isEmpty { throw Processes.Failure(description: "refserver exited before listening") }
                line.append(d)
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]) else {
                throw Processes.Failure(description: "refserver said \(text)")
            }
            port = p
            scheme = tls == nil ? "http" : "https"
        }

        var endpoint: String { "\(scheme)://127.0.0.1:\(port)" }

        func stop() {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    /// Runs a child process to completion; its wall time in seconds, from before `posix_spawn`
    /// to `wait4` returning. (Foundation's `Process.waitUntilExit` polls its run loop every 50 ms
    /// here: every figure timed through it came out in 50 ms steps, 0.30, 0.35, 0.40 s ..., an
    /// error of up to 15% on a 1 GiB upload.)
    static func timed(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> Double
    {
        let errPath = Scratch.directory + "/timed-\(UInt32.random(in: 0...UInt32.max)).err"
        defer { unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw Processes.Failure(description: "posix_spawn \(executable): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Processes.Failure(description: "waitpid: errno \(errno)") }
        }
        let seconds = Stats.seconds(clock.now - start)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw Processes.Failure(
                description: "\(executable) \(arguments.joined(separator: " ")) exited with status \(status): \(text)")
        }
        return seconds
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"
    }

    /// How this binary has the Swift runtime: the small-PUT figures depend on it (a PutObject
    /// costs about a quarter more CPU through the runtime's shared libraries), and OSSWire ships
    /// with it linked in.
    static func runtimeLinkage() -> String {
        // Whether libswiftCore.so is loaded, asked of the dynamic loader (reading /proc/self/maps
        // through Foundation gave nothing, so a dynamic build was reported as linked in).
        dlopen("libswiftCore.so", RTLD_NOW | RTLD_NOLOAD) != nil
            ? "the Swift runtime from shared libraries (OSSWire ships it linked in: build with --static-swift-stdlib)"
            : "the Swift runtime linked in, as shipped"
    }

    func run() async throws {
        let (serverBinary, clientBinary) = try Self.buildC()
        let pattern = what == "sweep" ? "\(rounds) rounds" : "\(rounds) rounds x key lengths \(keyLengths), interleaved"
        var placement = ""
        if let serverCPU {
            let allowed = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }?
                .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "?"
            placement = "; server on CPU \(serverCPU), clients on CPU \(allowed)"
        }
        print("reference: \(what), against Benchmarks/C/refserver (C, its own process), \(pattern)\(placement); load average \(Self.loadAverage())")
        print("ours: \(Self.runtimeLinkage())")
        switch what {
        case "put", "get": try transfer(serverBinary: serverBinary, clientBinary: clientBinary)
        case "small": try await small(serverBinary: serverBinary, clientBinary: clientBinary)
        case "sweep": try sweep(serverBinary: serverBinary, clientBinary: clientBinary)
        default: throw Processes.Failure(description: "reference put|get|small|sweep")
        }
        print("load average at the end: \(Self.loadAverage())")
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OSS_ACCESS_KEY_ID"] = "LTAIbenchmark"
        env["OSS_ACCESS_KEY_SECRET"] = "bench-secret-not-real"
        env.removeValue(forKey: "OSS_SESSION_TOKEN")
        return env
    }

    func transfer(serverBinary: String, clientBinary: String) throws {
        let file = try Scratch.file(size: bytes)
        var certificate: (String, String)? = nil
        if tls {
            let dir = Scratch.directory
            try Processes.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                ])
            certificate = (dir + "/cert.pem", dir + "/key.pem")
        }
        let server = try Server(binary: serverBinary, file: file, tls: certificate, cpu: serverCPU)
        defer { server.stop() }
        let output = Scratch.directory + "/download"
        let insecure = tls ? ["--insecure"] : []
        var samples: [String: [Double]] = [:]
        var perKey: [String: [Int: [Double]]] = [:]
        func add(_ name: String, _ key: Int, _ seconds: Double) {
            let rate = Double(bytes) / seconds / 1e9
            samples[name, default: []].append(rate)
            perKey[name, default: [:]][key, default: []].append(rate)
        }
        let endpoint = ["--endpoint", server.endpoint, "--region", "cn-hangzhou"]
        // One request for the whole object (the part size as large as it).
        let common = endpoint + ["--part-size", "\(max(bytes, 1 << 20))"]
        // `cp` as shipped: its default 8 MiB ranged GETs, four in flight, into the same file
        // (the issue's own GET figure was this command).
        let shipped = endpoint + insecure
        let crcPlace = what == "get" && !tls ? try Self.buildCRCPlace() : nil
        for round in 0..<rounds {
            for length in keyLengths {
                let key = String(repeating: "k", count: length)
                let url = server.endpoint + "/bench/" + key
                var steps: [(String, () throws -> Double)] = []
                if what == "put" {
                    // Over TLS the C loops are OpenSSL clients that write as ours does (AES-128-GCM,
                    // records gathered into 256 KiB writes): the floor of any OpenSSL client.
                    steps.append(("C raw write loop", {
                        try Self.timed(clientBinary, [tls ? "puttls" : "put", "\(server.port)", "/bench/" + key, "\(bytes)"])
                    }))
                    steps.append(("C file+CRC64 loop", {
                        try Self.timed(clientBinary, [tls ? "putfiletls" : "putfile", "\(server.port)", "/bench/" + key, file])
                    }))
                    if !tls {
                        // Ours' plain-HTTP body path in C: pread, CRC64, sendfile of the same range.
                        steps.append(("C file+CRC64 sendfile", {
                            try Self.timed(clientBinary, ["putsendfile", "\(server.port)", "/bench/" + key, file])
                        }))
                    }
                    steps.append((tls ? "curl -k -T" : "curl -T", {
                        try Self.timed("/usr/bin/curl", (tls ? ["-k"] : []) + ["-s", "-S", "-f", "-o", "/dev/null", "-T", file, url])
                    }))
                    steps.append(("osswire cp (PutObject)", {
                        try Self.timed(osswire, ["cp", file, "oss://bench/" + key] + common + insecure, environment: environment)
                    }))
                } else {
                    // Every sample starts with no dirty pages: the one before may have left its
                    // whole file in the page cache (curl, the C loop, --no-fsync), and its
                    // write-back would otherwise run during the next sample, untimed there.
                    // The sync comes first and the unlink just before the sample: the file's
                    // now clean pages go back to the allocator and the sample's writes reuse
                    // them. The other order leaves them free for as long as the sync takes, and
                    // a VM with free page reporting (virtio-balloon) hands free pages back to
                    // its host after about 2 s; writing into such pages again costs a fault on
                    // the host each (a 1 GiB `dd` to a new file: 0.21-0.25 s right after an
                    // unlink, 1.12-1.28 s three seconds later), which decided samples by chance.
                    func fresh() {
                        sync()
                        unlink(output)
                    }
                    if !tls {
                        steps.append(("C read loop to a file", {
                            fresh()
                            return try Self.timed(clientBinary, ["get", "\(server.port)", "/bench/" + key, output])
                        }))
                        // The same loop doing the CRC64 the target asks of ours (OSSWire's own,
                        // each piece after its write, as ours takes it): the floor of that work.
                        if let crcPlace {
                            steps.append(("C read loop + CRC64", {
                                fresh()
                                return try Self.timed(crcPlace, ["\(server.port)", "/bench/" + key, output, "after"])
                            }))
                        }
                        // What cp does beyond curl: the file is on the disk before it is renamed
                        // into place, so the device's write speed bounds it.
                        steps.append(("C read loop + fsync", {
                            fresh()
                            return try Self.timed(clientBinary, ["getsync", "\(server.port)", "/bench/" + key, output])
                        }))
                    }
                    steps.append((tls ? "curl -k -o FILE" : "curl -o FILE", {
                        fresh()
                        return try Self.timed("/usr/bin/curl", (tls ? ["-k"] : []) + ["-s", "-S", "-f", "-o", output, url])
                    }))
                    steps.append(("osswire cp (GetObject)", {
                        fresh()
                        return try Self.timed(osswire, ["cp", "oss://bench/" + key, output] + common + insecure, environment: environment)
                    }))
                    // What curl does: the file left in the page cache.
                    steps.append(("osswire cp --no-fsync", {
                        fresh()
                        return try Self.timed(
                            osswire, ["cp", "oss://bench/" + key, output, "--no-fsync"] + common + insecure, environment: environment)
                    }))
                    steps.append(("osswire cp, 8 MiB parts", {
                        fresh()
                        return try Self.timed(osswire, ["cp", "oss://bench/" + key, output] + shipped, environment: environment)
                    }))
                    steps.append(("cp --no-fsync, 8 MiB parts", {
                        fresh()
                        return try Self.timed(
                            osswire, ["cp", "oss://bench/" + key, output, "--no-fsync"] + shipped, environment: environment)
                    }))
                }
                // Rotate who goes first from one sample to the next.
                let shift = (round * keyLengths.count + length) % steps.count
                for i in 0..<steps.count {
                    let (name, step) = steps[(i + shift) % steps.count]
                    add(name, length, try step())
                }
            }
        }
        unlink(output)
        let names = samples.keys.sorted()
        print("per key length (medians, GB/s = 1e9 bytes/s):")
        for name in names {
            let cells = keyLengths.map { "\($0): " + Stats.fixed(Stats.median(perKey[name]![$0]!)) }
            print("  " + name.padding(toLength: 30, withPad: " ", startingAt: 0) + cells.joined(separator: "  "))
        }
        print("medians of \(rounds * keyLengths.count) samples each:")
        for name in names {
            Stats.line(name, Stats.fixed(Stats.median(samples[name]!)) + " GB/s")
        }
        if what == "put" {
            let ours = Stats.median(samples["osswire cp (PutObject)"]!)
            for name in names where name != "osswire cp (PutObject)" {
                Stats.line("ours / " + name, Stats.fixed(ours / Stats.median(samples[name]!)) + "x")
            }
            return
        }
        // Like for like: the durable download against the C loop that also syncs, the one that
        // leaves the file in the page cache against curl and the plain C loop.
        let pairs = [
            ("osswire cp (GetObject)", "C read loop + fsync"), ("osswire cp --no-fsync", "C read loop to a file"),
            ("osswire cp --no-fsync", "C read loop + CRC64"), ("C read loop + CRC64", "C read loop to a file"),
            ("osswire cp --no-fsync", tls ? "curl -k -o FILE" : "curl -o FILE"),
            ("osswire cp (GetObject)", tls ? "curl -k -o FILE" : "curl -o FILE"),
            ("cp --no-fsync, 8 MiB parts", "C read loop to a file"), ("cp --no-fsync, 8 MiB parts", "C read loop + CRC64"),
            ("cp --no-fsync, 8 MiB parts", tls ? "curl -k -o FILE" : "curl -o FILE"),
            ("osswire cp, 8 MiB parts", "C read loop + fsync"),
        ]
        for (ours, peer) in pairs {
            guard let a = samples[ours], let b = samples[peer] else { continue }
            let label = (ours + " / " + peer).padding(toLength: 52, withPad: " ", startingAt: 0)
            print("  " + label + Stats.fixed(Stats.median(a) / Stats.median(b)) + "x")
        }
    }

    /// The spin of the busy-polling row and layer: about the time the refserver takes to answer
    /// (`OSSWIRE_BENCH_SPIN_US` sets another, in microseconds).
    static let busyPolling = Duration.microseconds(
        getenv("OSSWIRE_BENCH_SPIN_US").flatMap { Int(String(cString: $0)) } ?? 50)

    func small(serverBinary: String, clientBinary: String) async throws {
        let file = try Scratch.file(size: 4096)
        let server = try Server(binary: serverBinary, file: file, tls: nil, cpu: serverCPU)
        defer { server.stop() }
        var config = ""
        for i in 0..<count {
            config += "url = \"\(server.endpoint)/bench/small-\(i)\"\nupload-file = \"\(file)\"\n"
        }
        let configPath = Scratch.directory + "/curl-small.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let client = try Self.smallClient(port: server.port)
        var c: [Double] = [], cv4: [Double] = [], bare: [Double] = [], bareAsync: [Double] = [], curl: [Double] = []
        var ours: [Double] = [], oursThread: [Double] = [], oursSpin: [Double] = [], bareSpin: [Double] = []
        for _ in 0..<rounds {
            c.append(Double(count) / (try Self.timed(clientBinary, ["small", "\(server.port)", "/bench/small", "\(count)"])))
            cv4.append(Double(count) / (try Self.timed(clientBinary, ["smallv4", "\(server.port)", "/bench/small", "\(count)"])))
            bare.append(Double(count) / (try BareSwiftPuts.run(port: server.port, count: count)))
            bareAsync.append(Double(count) / (try await BareSwiftPuts.runOnTCPStream(port: server.port, count: count)))
            curl.append(Double(count) / (try Self.timed("/usr/bin/curl", ["-s", "-S", "-f", "-H", "Expect:", "-K", configPath])))
            ours.append(Double(count) / (try await Self.putObjects(client, count: count)))
            oursThread.append(Double(count) / (try await OSSClient.withDedicatedThread { try await Self.putObjects(client, count: count) }))
            oursSpin.append(Double(count) / (try await OSSClient.withDedicatedThread(busyPolling: Self.busyPolling) {
                try await Self.putObjects(client, count: count)
            }))
            bareSpin.append(Double(count) / (try await OSSClient.withDedicatedThread(busyPolling: Self.busyPolling) {
                try await BareSwiftPuts.runOnTCPStream(port: server.port, count: count)
            }))
        }
        let (mc, mcv4, mcurl, mo) = (Stats.median(c), Stats.median(cv4), Stats.median(curl), Stats.median(ours))
        let (mbare, mbareAsync, mot) = (Stats.median(bare), Stats.median(bareAsync), Stats.median(oursThread))
        let (mos, mbs) = (Stats.median(oursSpin), Stats.median(bareSpin))
        /// `N req/s (T µs each)`.
        func rate(_ perSecond: Double) -> String {
            Stats.fixed(perSecond, 0) + " req/s (" + Stats.fixed(1e6 / perSecond, 1) + " µs each)"
        }
        print("\(count) PutObjects of 4 KiB, V4-signed, one kept-alive connection; medians of \(rounds) rounds:")
        Stats.line("C client floor (refclient small)", rate(mc))
        Stats.line("C client, OSS's work (smallv4)", rate(mcv4))
        Stats.line("Swift, no stack (bare loop)", rate(mbare))
        Stats.line("Swift on TCPStream, no stack", rate(mbareAsync))
        Stats.line("curl -K, -H 'Expect:'", rate(mcurl))
        Stats.line("ours (OSSClient.putObject)", rate(mo))
        Stats.line("ours, withDedicatedThread", rate(mot))
        Stats.line("ours, busyPolling: 50 µs", rate(mos))
        Stats.line("ours / curl", Stats.fixed(mo / mcurl) + "x   (target >= 3x)")
        Stats.line("ours / C floor", Stats.fixed(mo / mc) + "x   (target >= 0.5x)")
        Stats.line("ours / C with OSS's work", Stats.fixed(mo / mcv4) + "x")
        Stats.line("ours / Swift, no stack", Stats.fixed(mo / mbare) + "x   (the stack's share: " + Stats.fixed(1e6 / mo - 1e6 / mbare, 1) + " µs a PUT)")
        Stats.line("ours / Swift on TCPStream", Stats.fixed(mo / mbareAsync) + "x   (the async transport's share: " + Stats.fixed(1e6 / mbareAsync - 1e6 / mbare, 1) + " µs a PUT)")
        Stats.line("on the dedicated thread / curl", Stats.fixed(mot / mcurl) + "x, / C floor " + Stats.fixed(mot / mc) + "x")
        Stats.line("busy polling / curl", Stats.fixed(mos / mcurl) + "x, / C floor " + Stats.fixed(mos / mc) + "x")
        Stats.line("TCPStream, no stack, busy polling", Stats.fixed(mbs, 0) + " req/s (" + Stats.fixed(1e6 / mbs, 1)
            + " µs each; the stack's share with busy polling: " + Stats.fixed(1e6 / mos - 1e6 / mbs, 1) + " µs a PUT)")
        Stats.line("3x curl means", Stats.fixed(1e6 / (3 * mcurl), 1) + " µs a PUT, " + Stats.fixed(mcv4 / (3 * mcurl)) + "x the time of the C client with OSS's work")
        await client.shutdown()
    }

    /// Ours alone, for a profiler: `count` V4-signed 4 KiB PutObjects on one connection to a
    /// refserver already running on `port` (the same calls as `small`); prints µs per PutObject.
    static func profileSmall(port: Int, count: Int, layer: String? = nil) async throws {
        if layer == "sign" {
            // V4 signing alone, in a loop with no socket: what a signature costs with warm caches.
            let signer = RequestSigner(region: "cn-hangzhou", credentialsProvider: StaticCredentialsProvider(
                accessKeyId: "LTAIbenchmark", accessKeySecret: "bench-secret-not-real"))
            var n = 0
            let seconds = try await Stats.time {
                for i in 0..<count {
                    let r = SigningRequest(method: "PUT", bucket: "bench", key: "small-\(i)", headers: [
                        ("Content-Type", "application/octet-stream"), ("User-Agent", "osswire/0.1"), ("Content-Length", "4096"),
                        ("Date", "Sun, 06 Dec 2026 05:00:00 GMT")])
                    n &+= try await signer.sign(r).count
                }
            }
            print("sign: \(count) signs, " + Stats.fixed(seconds * 1e6 / Double(count), 2) + " µs each \(n)")
            return
        }
        if layer == "bare-async-thread" {
            let seconds = try await OSSClient.withDedicatedThread {
                try await BareSwiftPuts.runOnTCPStream(port: port, count: count)
            }
            print("bare Swift on TCPStream, dedicated thread: \(count) PUTs, " + Stats.fixed(seconds * 1e6 / Double(count), 1) + " µs each")
            return
        }
        if layer == "thread" || layer == "thread-spin" {
            let client = try smallClient(port: port)
            let spin = layer == "thread" ? nil : Self.busyPolling
            let seconds = try await OSSClient.withDedicatedThread(busyPolling: spin) { try await putObjects(client, count: count) }
            await client.shutdown()
            print("ours, dedicated thread\(spin == nil ? "" : ", busy polling"): \(count) PutObjects, "
                + Stats.fixed(seconds * 1e6 / Double(count), 1) + " µs each")
            return
        }
        if layer == "bare" || layer == "bare-async" {
            let seconds = layer == "bare"
                ? try BareSwiftPuts.run(port: port, count: count)
                : try await BareSwiftPuts.runOnTCPStream(port: port, count: count)
            print("\(layer == "bare" ? "bare Swift" : "bare Swift on TCPStream"): \(count) PUTs, "
                + Stats.fixed(seconds * 1e6 / Double(count), 1) + " µs each")
            return
        }
        if layer == "memory" || layer == "memory-http" || layer == "memory-exchange" {
            // The stack alone: the same calls against an in-memory server that answers at once
            // (InstantStream), so every microsecond is the stack's own CPU.
            let body = [UInt8](repeating: 0x61, count: 4096)
            let connector = InstantConnector(bodyLength: body.count)
            if layer == "memory-exchange" {
                // HTTPClient's exchange alone: one request, signed once, sent again and again.
                let http = HTTPClient(configuration: HTTPClientConfiguration(), connector: connector)
                let request = try HTTPRequest(
                    method: .put, url: "http://127.0.0.1:\(port)/bench/small-0",
                    headers: try Ours.signedPutHeaders(key: "small-0", length: body.count), body: .bytes(body))
                let seconds = try await Stats.time {
                    for _ in 0..<count {
                        let response = try await http.execute(request)
                        guard response.status == 200 else { throw Ours.Failure(description: "PUT answered \(response.status)") }
                    }
                }
                print("HTTPClient exchange, in memory: \(count) PUTs, " + Stats.fixed(seconds * 1e6 / Double(count), 2) + " µs each")
                return
            }
            if layer == "memory-http" {
                let http = HTTPClient(configuration: HTTPClientConfiguration(), connector: connector)
                let seconds = try await Stats.time {
                    try await Ours.putSmall(client: http, baseURL: "http://127.0.0.1:\(port)", body: body, count: count)
                }
                print("HTTPClient, in memory: \(count) PUTs, " + Stats.fixed(seconds * 1e6 / Double(count), 2) + " µs each")
                return
            }
            let seconds = try await putObjects(port: port, count: count, connector: connector)
            print("ours, in memory: \(count) PutObjects, " + Stats.fixed(seconds * 1e6 / Double(count), 2) + " µs each")
            return
        }
        if layer == "http" || layer == "http-thread" {
            // The HTTP layer alone (HTTPClient, V4-signed by hand, no OSSClient): what OSSClient adds is the rest.
            let body = [UInt8](repeating: 0x61, count: 4096)
            let loop = { try await Stats.time { try await Ours.putSmall(baseURL: "http://127.0.0.1:\(port)", body: body, count: count) } }
            let seconds = layer == "http" ? try await loop() : try await OSSClient.withDedicatedThread { try await loop() }
            print("HTTPClient\(layer == "http" ? "" : ", dedicated thread"): \(count) PUTs, "
                + Stats.fixed(seconds * 1e6 / Double(count), 1) + " µs each")
            return
        }
        let seconds = try await putObjects(port: port, count: count)
        print("ours: \(count) PutObjects, " + Stats.fixed(seconds * 1e6 / Double(count), 1) + " µs each")
    }

    /// Seconds for `count` V4-signed 4 KiB PutObjects through the public API on one connection to
    /// 127.0.0.1:`port` (or to what `connector` opens), on a client of their own.
    static func putObjects(port: Int, count: Int, connector: (any StreamConnector)? = nil) async throws -> Double {
        let client = try smallClient(port: port, connector: connector)
        let seconds = try await putObjects(client, count: count)
        await client.shutdown()
        return seconds
    }

    /// The client of the small-PUT figures: V4, the benchmark's key, one connection.
    static func smallClient(port: Int, connector: (any StreamConnector)? = nil) throws -> OSSClient {
        var configuration = try OSSClientConfiguration(endpoint: "http://127.0.0.1:\(port)", region: "cn-hangzhou")
        configuration.credentialsProvider = StaticCredentialsProvider(
            accessKeyId: "LTAIbenchmark", accessKeySecret: "bench-secret-not-real")
        configuration.maxConnectionsPerHost = 1
        return try connector.map { try OSSClient(configuration: configuration, connector: $0) }
            ?? OSSClient(configuration: configuration)
    }

    /// Seconds for `count` 4 KiB PutObjects on `client`, keys `small-0`, `small-1`, ...
    static func putObjects(_ client: OSSClient, count: Int) async throws -> Double {
        let body = [UInt8](repeating: 0x61, count: 4096)
        return try await Stats.time {
            for i in 0..<count {
                _ = try await client.putObject(bucket: "bench", key: "small-\(i)", body: .bytes(body))
            }
        }
    }
}
