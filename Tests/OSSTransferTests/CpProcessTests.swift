import Foundation
import OSSCore
import OSSMockServer
import OSSTestSupport
import Testing
@testable import OSSTransfer

/// The built `osswire` binary (`swift build --build-tests` builds it).
func osswireBinary() throws -> String {
    // The binary of the build running this test (any scratch path, sanitizer builds included).
    let binary = Products.osswire.path
    try #require(FileManager.default.isExecutableFile(atPath: binary), "osswire is not built at \(binary)")
    return binary
}

/// A running `osswire` process; stopped by pid if the test leaves it running. Spawned and
/// reaped by `SpawnedProcess`, not Foundation's `Process` (whose exit watch is blind past
/// descriptor 1023), so `wait()` ends when the child does.
final class OSSWireProcess {
    let process: SpawnedProcess

    init(_ args: [String], env: [String: String], cwd: String? = nil) throws {
        process = try SpawnedProcess(
            try osswireBinary(), args, environment: env.merging(Products.sanitizerEnvironment) { a, _ in a },
            directory: cwd)
    }

    /// What the child printed, kept by `wait()`.
    private var printed: (output: Data, error: Data)?

    /// Waits for the exit without blocking a concurrency thread (the mock server needs them),
    /// reading the child's output as it runs: a child that printed more than a pipe holds
    /// would otherwise never exit.
    func wait() async -> Int32 {
        let (status, output, error) = await process.finished()
        printed = (output, error)
        return status
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Everything the child printed to standard output; after `wait()`.
    var stdout: String { String(decoding: collected.output, as: UTF8.self) }
    /// Everything the child printed to standard error; after `wait()`.
    var stderr: String { String(decoding: collected.error, as: UTF8.self) }

    private var collected: (output: Data, error: Data) {
        guard let printed else { preconditionFailure("read osswire's output after wait()") }
        return printed
    }
}

@Suite("osswire cp as a process", .serialized)
struct CpProcessTests {
    static let env = [
        "OSS_ACCESS_KEY_ID": MockCredential.demo.accessKeyId,
        "OSS_ACCESS_KEY_SECRET": MockCredential.demo.accessKeySecret,
    ]

    static func cpArgs(_ src: String, _ dst: String, server: MockOSSServer, checkpoints: String) -> [String] {
        [
            "cp", src, dst, "--endpoint", server.url, "--region", "cn-hangzhou", "--part-size", "131072", "--jobs", "4",
            "--checkpoint-dir", checkpoints, "--json",
        ]
    }

    @Test("cp killed with SIGKILL at random moments, then run again, completes and the object equals the file")
    func sigkill() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-b"]
        config.faults.maxReceiveRate = 2 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: 4 << 20, seed: 21)
            let args = Self.cpArgs(path, "oss://bucket-b/k", server: server, checkpoints: scratch.checkpoints)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<5 {
                let p = try OSSWireProcess(args, env: Self.env)
                try await Task.sleep(for: .milliseconds(Int.random(in: 30...400, using: &generator)))
                p.signal(SIGKILL)
                _ = await p.wait()
            }
            let last = try OSSWireProcess(args, env: Self.env)
            let status = await last.wait()
            let err = last.stderr
            #expect(status == 0, "\(err)")
            let stored = SameBytes(await server.service.objectBytes(bucket: "bucket-b", key: "k"), bytes)
            #expect(stored.equal, "\(stored)")
            #expect(scratch.checkpointFiles.isEmpty)
        }
    }

    @Test("SIGINT pauses cp (exit 130, checkpoint kept); the same command run again resumes")
    func sigint() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-b"]
        config.faults.maxReceiveRate = 1 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: 4 << 20, seed: 22)
            let args = Self.cpArgs(path, "oss://bucket-b/k", server: server, checkpoints: scratch.checkpoints)
            let p = try OSSWireProcess(args, env: Self.env)
            // Wait until some parts are on the server.
            for _ in 0..<20_000 {
                if server.service.requestLog.filter({ $0.operation == "UploadPart" && $0.status == 200 }).count >= 3 {
                    break
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            p.signal(SIGINT)
            let status = await p.wait()
            #expect(status == 130)
            #expect(scratch.checkpointFiles.count == 1)
            let first = try #require(
                try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
            #expect(first["state"] as? String == "paused")
            server.service.setFaults(MockFaults())
            let again = try OSSWireProcess(args, env: Self.env)
            #expect(await again.wait() == 0)
            let second = try #require(
                try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
            #expect(second["upload_id"] as? String == first["upload_id"] as? String)
            #expect((second["parts_resumed"] as? Int ?? 0) >= 3)
            let stored = SameBytes(await server.service.objectBytes(bucket: "bucket-b", key: "k"), bytes)
            #expect(stored.equal, "\(stored)")
        }
    }

    /// The part numbers the mock holds for an upload, asked through ListParts.
    static func partsOnServer(_ server: MockOSSServer, bucket: String, key: String, uploadId: String) async throws
        -> [Int]
    {
        let client = try makeClient(server)
        return try await client.listParts(bucket: bucket, key: key, uploadId: uploadId).parts.map(\.partNumber).sorted()
    }

    @Test("SIGINT while parts are stored but unanswered: the message counts the parts the server has")
    func interruptCountsPartsOnServer() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-b"]
        // Parts are stored, then their answers wait (a hang guard, far longer than the test).
        config.faults.responseDelay = .seconds(600)
        config.faults.faultOperation = "UploadPart"
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: 1 << 20, seed: 23)  // 8 parts of 128 KiB
            let args = Self.cpArgs(path, "oss://bucket-b/k", server: server, checkpoints: scratch.checkpoints)
            let p = try OSSWireProcess(args, env: Self.env)
            // Wait until the four parts in flight are stored (their answers held back).
            var uploadId = ""
            for _ in 0..<60_000 {
                if let id = server.service.uploadIds(bucket: "bucket-b").first {
                    uploadId = id
                    if try await Self.partsOnServer(server, bucket: "bucket-b", key: "k", uploadId: id).count >= 4 {
                        break
                    }
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            p.signal(SIGINT)
            #expect(await p.wait() == 130)
            let onServer = try await Self.partsOnServer(server, bucket: "bucket-b", key: "k", uploadId: uploadId)
            #expect(onServer == [1, 2, 3, 4])
            let err = p.stderr
            #expect(err.contains("paused with 4 of 8 parts on the server"), "\(err)")
            let first = try #require(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
            #expect(first["parts_done"] as? Int == 4)

            server.service.setFaults(MockFaults())
            let again = try OSSWireProcess(args, env: Self.env)
            #expect(await again.wait() == 0, "\(again.stderr)")
            let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
            #expect(second["parts_resumed"] as? Int == 4)
            let stored = SameBytes(await server.service.objectBytes(bucket: "bucket-b", key: "k"), bytes)
            #expect(stored.equal, "\(stored)")
        }
    }

    @Test("a download paused with a relative destination resumes from another directory through its absolute path")
    func downloadResumesFromAnotherDirectory() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-b"]
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let bytes = Scratch.bytes(2 << 20, seed: 24)  // 16 parts of 128 KiB
            _ = try await makeClient(server).putObject(bucket: "bucket-b", key: "obj", body: .bytes(bytes))
            let here = scratch.path + "/here"
            let elsewhere = scratch.path + "/elsewhere"
            for d in [here, elsewhere] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
            // 64 KiB/s per connection: each 128 KiB range takes two seconds, the whole ~8 s.
            server.service.updateFaults { $0.maxSendRate = 64 << 10 }
            let p = try OSSWireProcess(
                Self.cpArgs("oss://bucket-b/obj", "out.bin", server: server, checkpoints: scratch.checkpoints),
                env: Self.env, cwd: here)
            // Wait until the checkpoint records a part on disk.
            for _ in 0..<60_000 {
                let files = scratch.checkpointFiles.filter { $0.hasSuffix(".checkpoint") }
                if let f = files.first,
                    let text = try? String(contentsOfFile: scratch.checkpoints + "/" + f, encoding: .utf8),
                    text.contains("\npart ")
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            p.signal(SIGINT)
            #expect(await p.wait() == 130, "\(p.stderr)")
            let first = try #require(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
            let done = try #require(first["parts_done"] as? Int)
            #expect(first["state"] as? String == "paused" && done >= 1)
            // The checkpoint names absolute paths only.
            let cpFile = try #require(first["checkpoint"] as? String)
            let cpText = try String(contentsOfFile: cpFile, encoding: .utf8)
            #expect(cpText.contains("\ndestination \(here)/out.bin\n") || cpText.contains("/here/out.bin"), "\(cpText)")
            #expect(!cpText.contains("\ntemporary out.bin"), "\(cpText)")

            server.service.setFaults(MockFaults())
            let again = try OSSWireProcess(
                Self.cpArgs("oss://bucket-b/obj", here + "/out.bin", server: server, checkpoints: scratch.checkpoints),
                env: Self.env, cwd: elsewhere)
            #expect(await again.wait() == 0, "\(again.stderr)")
            let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
            #expect(second["parts_resumed"] as? Int == done, "\(again.stdout)")
            let got = FileManager.default.contents(atPath: here + "/out.bin").map { [UInt8]($0) }
            #expect(got == bytes)
            #expect(!FileManager.default.fileExists(atPath: here + "/out.bin.osswire-download"))
            #expect(scratch.checkpointFiles.isEmpty)
        }
    }

    @Test("osswire demo runs the interruption scenario and says every step behaved")
    func demo() async throws {
        let p = try OSSWireProcess(["demo"], env: [:])
        let status = await p.wait()
        let out = p.stdout
        #expect(status == 0, "\(out)\n\(p.stderr)")
        let uploads = out.split(separator: "\n").filter { $0.hasPrefix("   upload ") }
        #expect(uploads.count == 4)
        #expect(uploads.allSatisfy { $0.contains("aborted in flight") || $0.contains("disabled before start") })
        #expect(out.contains("a fifth upload after the switch: paused (disabled before start) ClientError:100002"))
        #expect(out.contains("objects stored: none"))
        #expect(out.contains("(same id: true)"))
        #expect(out.contains("match"))
        #expect(out.contains("NoSuchUpload"))
    }
}
