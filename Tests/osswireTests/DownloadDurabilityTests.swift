import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

/// `cp`'s downloads put the file on the disk before they rename it into place, unless
/// `--no-fsync` asks for curl's behaviour. What a download asked of the disk is read from
/// `strace -y`, which names the file behind each descriptor it syncs.
@Suite("osswire cp: a download is on the disk before its rename, unless --no-fsync")
struct DownloadDurabilityTests {
    /// The sync calls `osswire cp` made on the download's own file and directory (the
    /// checkpoint's are not counted: checkpoints are durable either way).
    struct Syncs {
        var file = 0
        var directory = 0
    }

    struct MissingTool: Error, CustomStringConvertible {
        var description: String { "/usr/bin/strace is not installed (.ci/run installs it)" }
    }

    /// Runs `osswire cp oss://bucket/key DIR/out/NAME` under strace and counts its syncs.
    func download(_ arguments: [String], to target: String, env: [String: String], log: String) async throws -> (
        output: ProcessOutput, syncs: Syncs
    ) {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else { throw MissingTool() }
        let output = try await Products.runOSSWire(
            arguments, environment: env,
            launcher: [strace, "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,sync_file_range", "-o", log])
        // `fsync(7</tmp/.../out/big.osswire-download>) = 0`, `fsync(8</tmp/.../out>) = 0`.
        let directory = (target as NSString).deletingLastPathComponent
        let name = (directory as NSString).lastPathComponent
        var syncs = Syncs()
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            if line.contains(".osswire-download>") { syncs.file += 1 }
            if line.contains("/\(name)>") { syncs.directory += 1 }
        }
        return (output, syncs)
    }

    @Test("the default syncs the file and its directory; --no-fsync leaves both to the kernel and the bytes arrive the same")
    func syncUnlessAsked() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["durable"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let part = ["--part-size", "204800"]
            let small = randomData(1000, seed: 41)
            let big = randomData(600_000, seed: 42)
            #expect(try await osswire(["cp", try dir.file("small", small), "oss://durable/small"] + part, env).status == 0)
            #expect(try await osswire(["cp", try dir.file("big", big), "oss://durable/big"] + part, env).status == 0)
            try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: true)
            // One GET (below the part size) and parallel ranged GETs with a checkpoint.
            for (key, bytes) in [("small", small), ("big", big)] {
                for noFsync in [false, true] {
                    let target = dir.path + "/out/\(key)-\(noFsync)"
                    let args =
                        ["cp", "oss://durable/\(key)", target, "--checkpoint-dir", dir.path + "/checkpoints"] + part
                        + (noFsync ? ["--no-fsync"] : [])
                    let r = try await download(args, to: target, env: env, log: dir.path + "/strace-\(key)-\(noFsync)")
                    let syncs = r.syncs
                    #expect(r.output.status == 0, "\(args): \(r.output.stderr)")
                    #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == bytes, "\(key), --no-fsync \(noFsync)")
                    #expect(!FileManager.default.fileExists(atPath: target + ".osswire-download"))
                    if noFsync {
                        #expect(syncs.file == 0 && syncs.directory == 0, "\(key): \(syncs)")
                    } else {
                        #expect(syncs.file >= 1 && syncs.directory >= 1, "\(key): \(syncs)")
                    }
                }
            }
        }
    }

    @Test("--no-fsync is refused for an upload and a copy: there is no downloaded file to leave in the page cache")
    func noFsyncIsForDownloads() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["durable-up"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let path = try dir.file("f", randomData(100, seed: 43))
            for args in [["cp", path, "oss://durable-up/f"], ["cp", "oss://durable-up/a", "oss://durable-up/b"]] {
                let r = try await osswire(args + ["--no-fsync"], env)
                #expect(r.status == 2, "\(args): \(r.stderr)")
                #expect(r.stderr.contains("--no-fsync is for downloads"), "\(r.stderr)")
            }
            let listed = try await osswire(["ls", "oss://durable-up"], env)
            #expect(listed.status == 0 && !listed.stdout.contains("f"), "nothing was uploaded: \(listed.stdout)")
        }
    }
}
