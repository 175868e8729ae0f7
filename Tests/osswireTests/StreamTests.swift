import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

/// `-` and destinations that are not regular files: written in place, never replaced; standard
/// input uploaded as a stream with bounded memory.
@Suite("osswire cp: streams, devices and FIFOs")
struct StreamTests {
    /// The mode bits' file type of `path` (S_IFCHR, S_IFIFO, S_IFREG...), without following links.
    static func fileType(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    @Test("a download to a FIFO is written into it in place: the reader gets the object, the FIFO stays a FIFO")
    func downloadToFIFO() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["fifo"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let data = randomData(700_000, seed: 11)
            let src = try dir.file("src", data)
            #expect(try await osswire(["cp", src, "oss://fifo/k"], env).status == 0)
            let fifo = dir.path + "/fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            // The reader: opens the FIFO (waiting for the writer) and reads to the end.
            let reader = Task {
                try await Blocking.run { () throws -> Data in
                    let handle = try #require(FileHandle(forReadingAtPath: fifo))
                    defer { try? handle.close() }
                    return handle.readDataToEndOfFile()
                }
            }
            // A part size under the object's size: even a "multipart-sized" object streams in order.
            let r = try await osswire(["cp", "oss://fifo/k", fifo, "--part-size", "204800"], env)
            #expect(r.status == 0, "\(r.stderr)")
            let read = SameBytes(try await reader.value, data)
            #expect(read.equal, "the FIFO's reader got \(read)")
            #expect(Self.fileType(fifo) == S_IFIFO, "still a FIFO, not replaced by a regular file")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["fifo", "src"], "no temporary file")
        }
    }

    @Test(
        "a device node is written in place and stays a device; /dev/full's twin reports the disk full",
        .enabled(if: geteuid() == 0, "mknod needs root; CI runs as root"))
    func downloadToDevice() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["device"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let src = try dir.file("src", randomData(50_000, seed: 12))
            #expect(try await osswire(["cp", src, "oss://device/k"], env).status == 0)
            // Twins of /dev/null (1,3) and /dev/full (1,7) in a private directory: a regression
            // replaces these, never the system's own.
            let null = dir.path + "/null"
            let full = dir.path + "/full"
            // glibc's makedev for small numbers: major << 8 | minor.
            #expect(mknod(null, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0)
            #expect(mknod(full, S_IFCHR | 0o666, dev_t(1 << 8 | 7)) == 0)
            let ok = try await osswire(["cp", "oss://device/k", null, "--json"], env)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(try jsonObject(ok.stdout)["bytes"] as? Int == 50_000)
            #expect(Self.fileType(null) == S_IFCHR)
            let noSpace = try await osswire(["cp", "oss://device/k", full], env)
            #expect(noSpace.status == 1)
            #expect(noSpace.stderr.contains("write \(full)") && noSpace.stderr.contains("No space left on device"), "\(noSpace.stderr)")
            #expect(Self.fileType(full) == S_IFCHR)
        }
    }

    @Test("- as the destination is standard output: exactly the object's bytes, the summary on standard error")
    func downloadToStdout() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["stdout"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let data = randomData(1_000_003, seed: 13)
            let src = try dir.file("src", data)
            #expect(try await osswire(["cp", src, "oss://stdout/k"], env).status == 0)
            for extra in [[], ["--json"]] {
                let r = try await osswire(["cp", "oss://stdout/k", "-"] + extra, env, directory: dir.path)
                #expect(r.status == 0, "\(r.stderr)")
                let out = SameBytes(r.stdoutData, data)
                #expect(out.equal, "stdout holds the object only: \(out); status \(r.status), \(r.stderr)")
                #expect(r.stderr.contains("oss://stdout/k -> -") || r.stderr.contains("\"destination\":\"-\""), "\(r.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/-"), "no file named -")
        }
    }

    @Test("cp - uploads standard input: one PutObject when it fits a part, else a multipart upload")
    func uploadFromStdin() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["stdin"])) { server in
            let env = mockEnvironment(server)
            let part = ["--part-size", "1048576"]
            let big = randomData(3_500_000, seed: 14)
            let r = try await osswire(["cp", "-", "oss://stdin/big", "--json"] + part, env, input: big)
            #expect(r.status == 0, "\(r.stderr)")
            let o = try jsonObject(r.stdout)
            #expect(o["bytes"] as? Int == big.count && o["parts_total"] as? Int == 4)
            let stored = SameBytes(await server.service.objectBytes(bucket: "stdin", key: "big"), big)
            #expect(stored.equal, "\(stored)")
            #expect(server.service.requestLog.filter { $0.operation == "UploadPart" }.count == 4)

            let small = randomData(1000, seed: 15)
            #expect(try await osswire(["cp", "-", "oss://stdin/small"] + part, env, input: small).status == 0)
            let storedSmall = SameBytes(await server.service.objectBytes(bucket: "stdin", key: "small"), small)
            #expect(storedSmall.equal, "\(storedSmall)")
            #expect(try await osswire(["cp", "-", "oss://stdin/empty"], env, input: Data()).status == 0)
            #expect(await server.service.objectBytes(bucket: "stdin", key: "empty") == [])
            #expect(server.service.uploadIds(bucket: "stdin").isEmpty)
        }
    }

    @Test("a stream upload's memory does not grow with the stream: 256 MiB through a 1 MiB-part upload")
    func uploadFromStdinHasBoundedMemory() async throws {
        // The mock runs as a process of its own: 256 MiB through an in-process server would keep
        // this process's cooperative threads busy for seconds, starving the suites beside it.
        let mock = try RunningOSSWire(["mock-server", "--port", "0", "--bucket", "bounded", "--discard-bodies"], [:])
        let export = try #require(try await mock.waitForLine(startingWith: "export "))
        var env: [String: String] = [:]
        for assignment in export.dropFirst("export ".count).split(separator: " ") {
            let pair = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            env[pair[0]] = pair[1]
        }
        let total = 256 << 20
        var sanitizer = Products.sanitizerEnvironment
        // Under AddressSanitizer, freed memory stays resident in its quarantine (256 MiB by
        // default): that is the sanitizer's memory, not the upload's. A small quarantine keeps
        // use-after-free detection and lets the bound measure what osswire holds.
        if let asan = sanitizer["ASAN_OPTIONS"] { sanitizer["ASAN_OPTIONS"] = asan + " quarantine_size_mb=16" }
        let process = try SpawnedProcess(
            Products.osswire.path, ["cp", "-", "oss://bounded/big", "--part-size", "1048576", "--jobs", "2", "--json"],
            environment: env.merging(sanitizer) { a, _ in a }, withInput: true, errors: .null)
        let input = try #require(process.standardInput)
        let pid = process.processIdentifier
        // Feed the stream; once the last byte is taken, the peak so far covers all but the
        // last part. VmHWM is the process's peak resident set.
        let peakKiB: Int = try await Blocking.run {
            signal(SIGPIPE, SIG_IGN)
            let chunk = Data(xorshiftBytes(1 << 20, seed: 16))
            for _ in 0..<(total >> 20) { try input.write(contentsOf: chunk) }
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            try input.close()
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        let (status, out) = try await Blocking.run { () -> (Int32, String) in
            let r = process.finish()
            return (r.status, String(decoding: r.output, as: UTF8.self))
        }
        #expect(status == 0, "\(out)")
        let result = try jsonObject(out)
        #expect(result["bytes"] as? Int == total && result["parts_total"] as? Int == 256, "\(out)")
        #expect(peakKiB > 0)
        // Reading the stream whole would need 256 MiB; (jobs + 1) parts are 3 MiB.
        #expect(peakKiB < 128 << 10, "peak resident set \(peakKiB) KiB for a 256 MiB stream")
        mock.signal(SIGTERM)
        #expect(try await mock.finish().status == 0)
    }
}
