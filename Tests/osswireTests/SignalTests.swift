import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

@Suite("osswire and signals: SIGTERM pauses like SIGINT and exits 143", .serialized)
struct SignalTests {
    @Test("SIGTERM pauses cp: the resume hint, exit 143, the checkpoint kept; the same command resumes")
    func sigtermPausesCp() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["term"], maxReceiveRate: 1 << 20)) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let data = randomData(4 << 20, seed: 21)
            let path = try dir.file("big", data)
            let args = [
                "cp", path, "oss://term/k", "--part-size", "131072", "--jobs", "4", "--checkpoint-dir",
                dir.path + "/checkpoints", "--json",
            ]
            let p = try RunningOSSWire(args, env)
            // Some parts on the server: an event, polled, not a clock.
            while server.service.requestLog.filter({ $0.operation == "UploadPart" && $0.status == 200 }).count < 3 {
                try #require(p.isRunning, "cp ended before it could be stopped")
                try await Task.sleep(for: .milliseconds(5))
            }
            p.signal(SIGTERM)
            let first = try await p.finish()
            #expect(first.status == 143, "\(first.stderr)")
            #expect(first.stderr.contains("interrupted by SIGTERM") && first.stderr.contains("run the same command again to resume"))
            let paused = try jsonObject(first.stdout)
            #expect(paused["state"] as? String == "paused")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/checkpoints").count == 1)
            server.service.setFaults(MockFaults())
            let again = try await osswire(args, env)
            #expect(again.status == 0, "\(again.stderr)")
            let resumed = try jsonObject(again.stdout)
            #expect(resumed["upload_id"] as? String == paused["upload_id"] as? String)
            #expect((resumed["parts_resumed"] as? Int ?? 0) >= 3)
            let stored = SameBytes(await server.service.objectBytes(bucket: "term", key: "k"), data)
            #expect(stored.equal, "\(stored)")
        }
    }

    @Test("SIGINT during cp - while standard input stays open: the upload is aborted at once, exit 130")
    func sigintAbortsAStreamUpload() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["stream"])) { server in
            let p = try RunningOSSWire(
                ["cp", "-", "oss://stream/k", "--part-size", "1048576", "--json"], mockEnvironment(server), withInput: true)
            let input = try #require(p.input)
            // Three parts' worth, and the pipe left open: osswire waits for more.
            try await Blocking.run {
                signal(SIGPIPE, SIG_IGN)
                try input.write(contentsOf: Data(xorshiftBytes(3 << 20, seed: 22)))
            }
            while server.service.requestLog.filter({ $0.operation == "UploadPart" && $0.status == 200 }).count < 3 {
                try #require(p.isRunning, "cp ended before it could be stopped")
                try await Task.sleep(for: .milliseconds(5))
            }
            p.signal(SIGINT)
            let r = try await p.finish()
            try? input.close()
            #expect(r.status == 130, "\(r.stderr)")
            #expect(r.stderr.contains("was aborted: a stream cannot be resumed"), "\(r.stderr)")
            #expect(try jsonObject(r.stdout)["state"] as? String == "aborted")
            #expect(server.service.uploadIds(bucket: "stream").isEmpty, "no upload left behind")
            #expect(server.service.objectKeys(bucket: "stream").isEmpty)
        }
    }

    @Test("a command with nothing to pause exits at once: 130 after SIGINT, 143 after SIGTERM", arguments: [SIGINT, SIGTERM])
    func otherCommandsExitWithTheSignal(sig: Int32) async throws {
        let p = try RunningOSSWire(["demo"], [:])
        // The demo has started (its mock is listening); stop it there.
        #expect(try await p.waitForLine(startingWith: "mock OSS listening") != nil)
        p.signal(sig)
        let r = try await p.finish()
        #expect(r.status == 128 + sig)
    }
}
