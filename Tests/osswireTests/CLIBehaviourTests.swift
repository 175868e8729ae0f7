import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

/// Exit codes, `--json` shapes and the edge cases of issue 18, against the mock server.
@Suite("osswire: exit codes, --json, and the edge cases a new user meets")
struct CLIBehaviourTests {
    @Test("usage and configuration mistakes exit 2; failures exit 1")
    func exitCodes() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["exit-codes"])) { server in
            let env = mockEnvironment(server)
            var noCredentials = env
            noCredentials["OSS_ACCESS_KEY_SECRET"] = nil
            var noEndpoint = env
            noEndpoint["OSS_ENDPOINT"] = nil
            let mistakes: [([String], [String: String], String)] = [
                (["ls", "oss://exit-codes"], noCredentials, "no credentials"),
                (["stat", "oss://exit-codes/k"], noEndpoint, "no endpoint"),
                (["ls", "oss://Bad_Bucket"], env, "bucket name \"Bad_Bucket\""),
                (["presign", "oss://exit-codes/k", "--expires", "0"], env, "--expires"),
                (["cp", "oss://exit-codes/k", "/tmp/x", "--jobs", "0"], env, "--jobs"),
                (["ls", "oss://exit-codes", "--endpoint", "ftp://127.0.0.1"], env, "the scheme must be http or https"),
            ]
            for (args, environment, text) in mistakes {
                let r = try await osswire(args, environment)
                #expect(r.status == 2, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(text), "\(args): \(r.stderr)")
            }
            let missing = try await osswire(["stat", "oss://exit-codes/none"], env)
            #expect(missing.status == 1 && missing.stderr.contains("NoSuchKey"), "\(missing.stderr)")
        }
    }

    @Test("--json prints one object with state, code and error, for failures as for successes")
    func jsonAlwaysOneObject() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["json-shapes"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let path = try dir.file("f.bin", randomData(15617, seed: 1))
            #expect(try await osswire(["cp", path, "oss://json-shapes/f.bin"], env).status == 0)

            let stat = try jsonObject(try await osswire(["stat", "oss://json-shapes/f.bin", "--json"], env).stdout)
            #expect(stat["state"] as? String == "completed" && stat["code"] is NSNull && stat["error"] is NSNull)
            #expect(stat["size"] as? Int == 15617, "a number, not \"15617\"")
            #expect(stat["crc64"] is String, "a decimal string: 64 bits do not survive a reader's doubles")

            for args in [
                ["stat", "oss://json-shapes/none", "--json"], ["ls", "oss://no-such-bucket", "--json"],
                ["rm", "oss://no-such-bucket/k", "--json"], ["rb", "oss://json-shapes", "--json"],
                ["ls", "--json", "--bogus"], ["uploads", "ls", "oss://no-such-bucket", "--json"],
            ] {
                let r = try await osswire(args, env)
                #expect(r.status != 0, "\(args)")
                let o = try jsonObject(r.stdout)
                #expect(o["state"] as? String == "failed", "\(args): \(r.stdout)")
                #expect((o["code"] as? String)?.isEmpty == false, "\(args): \(r.stdout)")
                #expect((o["error"] as? String)?.isEmpty == false, "\(args): \(r.stdout)")
            }
            let presigned = try jsonObject(try await osswire(["presign", "oss://json-shapes/f.bin", "--json"], env).stdout)
            #expect(presigned["state"] as? String == "completed")
            #expect((presigned["url"] as? String)?.hasPrefix(server.url + "/json-shapes/f.bin?") == true, "\(presigned)")
            let ls = try jsonObject(try await osswire(["ls", "oss://json-shapes", "--json"], env).stdout)
            #expect(ls["state"] as? String == "completed" && ls["count"] as? Int == 1 && ls["bytes"] as? Int == 15617)
        }
    }

    @Test("cp --json has the same keys for upload, download, copy and an early failure; seconds are rounded")
    func cpJSONShape() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["cp-shapes"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let path = try dir.file("f.bin", randomData(300_000, seed: 2))
            let runs = [
                ["cp", path, "oss://cp-shapes/a", "--json"],
                ["cp", "oss://cp-shapes/a", dir.path + "/back", "--json"],
                ["cp", "oss://cp-shapes/a", "oss://cp-shapes/b", "--json"],
                ["cp", "oss://cp-shapes/none", dir.path + "/none", "--json"],
                ["cp", dir.path + "/missing", "oss://cp-shapes/c", "--json"],
            ]
            var shapes: [Set<String>] = []
            for (i, args) in runs.enumerated() {
                let r = try await osswire(args, env)
                #expect(r.status == (i < 3 ? 0 : 1), "\(args): \(r.stderr)")
                let o = try jsonObject(r.stdout)
                shapes.append(Set(o.keys))
                #expect(o["direction"] as? String == ["upload", "download", "copy", "download", "upload"][i])
                #expect(o["state"] as? String == (i < 3 ? "completed" : "failed"))
                if i < 3 {
                    #expect(o["bytes"] as? Int == 300_000, "\(args): \(r.stdout)")
                    #expect(o["code"] is NSNull && o["error"] is NSNull)
                } else {
                    #expect(o["code"] as? String == (i == 3 ? "NoSuchKey" : "FileError"), "\(r.stdout)")
                }
                // Milliseconds at most: no 0.0012345678.
                let seconds = try #require(r.stdout.firstMatch(of: /"seconds":([0-9.]+)/)).output.1
                #expect((seconds.split(separator: ".").last?.count ?? 0) <= 3, "\(seconds)")
            }
            #expect(Set(shapes).count == 1, "\(shapes)")
            for key in ["state", "code", "error", "bytes", "bytes_sent", "seconds", "upload_id", "parts_total", "parts_resumed", "crc64"] {
                #expect(shapes[0].contains(key), "missing \(key)")
            }
        }
    }

    @Test("ls with a bare bucket name is refused with the oss:// to type, never lists every bucket")
    func lsBareName() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["demo", "other"])) { server in
            let r = try await osswire(["ls", "demo"], mockEnvironment(server))
            #expect(r.status == 2)
            #expect(r.stdout.isEmpty, "nothing listed: \(r.stdout)")
            #expect(r.stderr.contains("osswire ls oss://demo"), "\(r.stderr)")
            #expect(server.service.requestLog.isEmpty, "no request sent")
        }
    }

    @Test("rm a b c tries every key, reports each failure and exits 1 if any failed")
    func rmTriesEveryKey() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["rm-many"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let path = try dir.file("f", randomData(100, seed: 3))
            for k in ["a", "c"] { #expect(try await osswire(["cp", path, "oss://rm-many/\(k)"], env).status == 0) }
            let r = try await osswire(["rm", "oss://rm-many/a", "oss://no-such-bucket/b", "oss://rm-many/c"], env)
            #expect(r.status == 1)
            #expect(r.stdout.contains("deleted oss://rm-many/a") && r.stdout.contains("deleted oss://rm-many/c"))
            #expect(r.stderr.contains("oss://no-such-bucket/b") && r.stderr.contains("NoSuchBucket"), "\(r.stderr)")
            #expect(server.service.objectKeys(bucket: "rm-many").isEmpty, "the key after the failure was deleted too")

            #expect(try await osswire(["cp", path, "oss://rm-many/d"], env).status == 0)
            let json = try jsonObject(
                try await osswire(["rm", "oss://no-such-bucket/x", "oss://rm-many/d", "--json"], env).stdout)
            #expect(json["state"] as? String == "failed" && json["code"] as? String == "NoSuchBucket")
            #expect(json["deleted"] as? [String] == ["oss://rm-many/d"])
            #expect((json["failed"] as? [[String: Any]])?.first?["object"] as? String == "oss://no-such-bucket/x")
        }
    }

    @Test("a missing destination directory is refused the same way for a small and a multipart download")
    func missingDestinationDirectory() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["dest-dir"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let small = try dir.file("small", randomData(1000, seed: 4))
            let big = try dir.file("big", randomData(600_000, seed: 5))
            let part = ["--part-size", "204800"]
            #expect(try await osswire(["cp", small, "oss://dest-dir/small"] + part, env).status == 0)
            #expect(try await osswire(["cp", big, "oss://dest-dir/big"] + part, env).status == 0)
            var texts: [String] = []
            for key in ["small", "big"] {
                let target = dir.path + "/no/such/dir/\(key)"
                let r = try await osswire(["cp", "oss://dest-dir/\(key)", target] + part, env)
                #expect(r.status == 1, "\(key): \(r.stderr)")
                #expect(r.stderr.contains("the directory \(dir.path)/no/such/dir does not exist"), "\(r.stderr)")
                #expect(!r.stderr.contains(".osswire-"), "no temporary file name: \(r.stderr)")
                texts.append(r.stderr.replacingOccurrences(of: key, with: "KEY"))
            }
            #expect(texts[0] == texts[1], "the same message for both sizes")
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/no"), "nothing created")
        }
    }

    @Test("an error states the problem once: what failed, where, and the code; a GET says nothing of a request body")
    func errorsSayTheProblemOnce() async throws {
        // A port that refuses connections for the whole test, and a mock that never answers.
        let refusing = try RefusingPort()
        let closed = refusing.url
        defer { withExtendedLifetime(refusing) {} }
        var stalling = mockConfiguration(buckets: ["errs"])
        stalling.faults.responseDelay = .seconds(3600)
        try await withMockServer(configuration: stalling) { server in
            var env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let file = try dir.file("up.txt", Data("hello".utf8))
            func check(_ args: [String], _ endpoint: String, says phrase: String, body: Bool) async throws {
                env["OSS_ENDPOINT"] = endpoint
                let r = try await osswire(args + ["--timeout", "1"], env)
                let text = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(r.status == 1, "\(args): \(r.stderr)")
                #expect(!text.contains("\n"), "one line: \(text)")
                #expect(text.components(separatedBy: phrase).count == 2, "\(phrase) said once: \(text)")
                #expect(text.components(separatedBy: "failed").count <= 2, "\(text)")
                #expect(text.contains("127.0.0.1:"), "names where: \(text)")
                #expect(text.contains("(ClientError:"), "ends with the code: \(text)")
                for stutter in ["connection failed", "timeout error", "connect error", "timed out: timed out", "file error"] {
                    #expect(!text.contains(stutter), "\(text)")
                }
                #expect(text.contains("request body") == body, "\(args): \(text)")
            }
            for args in [["stat", "oss://errs/k"], ["ls", "oss://errs"], ["cp", "oss://errs/k", dir.path + "/down"]] {
                try await check(args, closed, says: "connect to", body: false)
                try await check(args, server.url, says: "timed out", body: false)
            }
            // An upload cut by the stall says whether its body had all left.
            try await check(["cp", file, "oss://errs/up.txt"], server.url, says: "timed out", body: true)
        }
    }

    @Test("the missing-source message says whether the file does not exist, is a directory, or cannot be read")
    func missingSource() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["sources"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            var r = try await osswire(["cp", dir.path + "/nope", "oss://sources/k"], env)
            #expect(r.status == 1 && r.stderr.contains("\(dir.path)/nope does not exist"), "\(r.stderr)")
            r = try await osswire(["cp", dir.path, "oss://sources/k"], env)
            #expect(r.status == 1 && r.stderr.contains("is a directory") && r.stderr.contains("no recursive copy"), "\(r.stderr)")
            r = try await osswire(["cp", dir.path + "/nope/deeper", "oss://sources/k"], env)
            #expect(r.status == 1 && r.stderr.contains("does not exist"), "\(r.stderr)")
            // A path that exists but cannot be opened, even by root: a UNIX socket (ENXIO).
            let socketPath = dir.path + "/sock"
            let python = try #require(Shell.which("python3"))
            try Shell.run(python, ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath])
            r = try await osswire(["cp", socketPath, "oss://sources/k"], env)
            #expect(r.status == 1 && r.stderr.contains("cannot read \(socketPath): "), "\(r.stderr)")
            #expect(server.service.requestLog.isEmpty, "nothing sent for a source that cannot be read")
        }
    }
}
