import Foundation
import OSSCore
import OSSMockServer
import OSSTestSupport
import Testing

@testable import OSSTransfer

/// Issue 8, point 4: checkpoint files are created with owner-only permissions (even under a
/// permissive umask) and hold no secret.
@Suite("Security: checkpoint files", .serialized)
struct SecurityCheckpointTests {
    static let secret = "Sekr1t-CHECKPOINT-LEAK-CANARY-18f2"
    static let token = "Tok3n-CHECKPOINT-LEAK-CANARY-STS-6a1"
    static let keyId = "LTAI-checkpoint-canary"

    static func mode(_ path: String) throws -> Int {
        var st = stat()
        try #require(stat(path, &st) == 0, "stat \(path)")
        return Int(st.st_mode) & 0o7777
    }

    @Test("osswire cp under umask 000, paused by SIGINT: the checkpoint is 0600 in a 0700 directory, with no secret")
    func cpCheckpointIsOwnerOnly() async throws {
        var config = MockServerConfiguration()
        config.buckets = ["bucket-s"]
        config.credentials = [MockCredential(accessKeyId: Self.keyId, accessKeySecret: Self.secret, securityToken: Self.token)]
        config.faults.maxReceiveRate = 1 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: 4 << 20, seed: 41)
            let checkpoints = scratch.path + "/state/checkpoints"  // created by cp itself
            let binary = try osswireBinary()
            // umask 000: every mode the program asks for is what the file gets.
            let args = [
                "-c", "umask 000; exec \"$0\" \"$@\"", binary, "cp", path, "oss://bucket-s/k", "--endpoint", server.url,
                "--region", "cn-hangzhou", "--part-size", "131072", "--jobs", "2", "--checkpoint-dir", checkpoints,
                "--json",
            ]
            let env = [
                "OSS_ACCESS_KEY_ID": Self.keyId, "OSS_ACCESS_KEY_SECRET": Self.secret, "OSS_SESSION_TOKEN": Self.token,
            ]
            let p = try SpawnedProcess(
                "/bin/sh", args, environment: env.merging(Products.sanitizerEnvironment) { a, _ in a })
            for _ in 0..<20_000 {
                if server.service.requestLog.filter({ $0.operation == "UploadPart" && $0.status == 200 }).count >= 2 {
                    break
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            kill(p.processIdentifier, SIGINT)
            let (status, output, errors) = await p.finished()
            let stdout = String(decoding: output, as: UTF8.self)
            let stderr = String(decoding: errors, as: UTF8.self)
            #expect(status == 130, "\(stdout)\(stderr)")

            let files = try FileManager.default.contentsOfDirectory(atPath: checkpoints)
            #expect(files.count == 1, "\(files)")
            #expect(try Self.mode(checkpoints) == 0o700)
            #expect(try Self.mode(scratch.path + "/state") == 0o700)
            for name in files {
                let file = checkpoints + "/" + name
                let mode = try Self.mode(file)
                #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))")
                let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
                #expect(!text.isEmpty)
                for bad in [Self.secret, Self.token] {
                    #expect(!text.contains(bad), "the checkpoint holds a secret: \(text)")
                }
                #expect(!text.lowercased().contains("authorization") && !text.contains("Signature="), "\(text)")
            }
            for bad in [Self.secret, Self.token] { #expect(!(stdout + stderr).contains(bad)) }

            // Resumed and finished: the checkpoint is removed and nothing printed leaks.
            server.service.setFaults(MockFaults())
            let again = try OSSWireProcess(Array(args.dropFirst(3)), env: env)
            #expect(await again.wait() == 0)
            let printed = again.stdout + again.stderr
            for bad in [Self.secret, Self.token] { #expect(!printed.contains(bad)) }
            #expect((try? FileManager.default.contentsOfDirectory(atPath: checkpoints))?.isEmpty ?? true)
            #expect(await server.service.objectBytes(bucket: "bucket-s", key: "k") == bytes)
        }
    }

    @Test("CheckpointStore.save leaves 0600 even over a world-readable checkpoint or temporary file")
    func saveReplacesLooseModes() throws {
        let scratch = Scratch()
        let store = CheckpointStore(directory: scratch.checkpoints)
        let path = store.uploadPath(source: "/data/f", bucket: "b", key: "k")
        try store.save(Array("first".utf8), to: path)
        #expect(try Self.mode(path) == 0o600)
        #expect(try Self.mode(scratch.checkpoints) == 0o700)
        // An older checkpoint and a stale temporary file, both world-readable and writable.
        #expect(chmod(path, 0o666) == 0)
        let temp = "\(path).tmp-\(getpid())"
        #expect(FileManager.default.createFile(atPath: temp, contents: Data("stale".utf8)))
        #expect(chmod(temp, 0o666) == 0)
        try store.save(Array("second".utf8), to: path)
        #expect(try Self.mode(path) == 0o600)
        #expect(try store.load(path) == Array("second".utf8))
        #expect(!FileManager.default.fileExists(atPath: temp))
    }
}
