import OSSCore

/// The `curl` side of the benchmark: the same uploads, to the same in-process server, in the
/// same run, by the curl found on PATH.
struct BenchCurl {
    let path: String

    /// `curl -T FILE URL` (with `-k` over TLS); the time is curl's own `time_total`, so process
    /// start-up is not counted against it.
    func upload(file: String, url: String, insecure: Bool) async throws -> Duration {
        var args = ["-s", "-S", "--http1.1", "-o", "/dev/null", "-w", "\n%{http_code} %{time_total}\n", "-T", file]
        if insecure { args.append("-k") }
        args.append(url)
        let result = try await runCurl(args)
        let last = result.output.split(separator: "\n").last.map(String.init) ?? ""
        let fields = last.split(separator: " ")
        guard result.status == 0, fields.count == 2, fields[0] == "200", let seconds = Double(fields[1]) else {
            throw BenchFailure("curl -T failed (exit \(result.status)): \(result.output)")
        }
        return .nanoseconds(Int64(seconds * 1e9))
    }

    /// `count` uploads of one small file in one curl process (`-K` config, one connection kept
    /// alive, as curl reuses it); timed from start to exit.
    func smallUploads(config: String, count: Int) async throws -> Duration {
        let start = ContinuousClock.now
        let result = try await runCurl(["-s", "-S", "--http1.1", "-w", "%{http_code}\n", "-K", config])
        let elapsed = ContinuousClock.now - start
        let ok = result.output.split(separator: "\n").filter { $0 == "200" }.count
        guard result.status == 0, ok == count else {
            throw BenchFailure("curl small uploads failed (exit \(result.status), \(ok) of \(count) answered 200)")
        }
        return elapsed
    }

    /// The `-K` config for `smallUploads`: each URL with its upload file.
    static func smallConfig(file: String, port: Int, count: Int) -> String {
        var text = ""
        for i in 0..<count {
            text += "upload-file = \"\(file)\"\nurl = \"http://127.0.0.1:\(port)/bench/curl-small/\(i)\"\n"
            text += "output = \"/dev/null\"\n"
        }
        return text
    }

    private func runCurl(_ args: [String]) async throws -> BenchSystem.ProcessResult {
        let path = self.path
        let outcome = await BenchSystem.onThread {
            Result { () throws(SystemError) in try BenchSystem.run(path, args) }
        }
        return try outcome.get()
    }
}
