import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

@testable import OSSClient

/// The OSS commands of the `osswire` binary (`swift build --build-tests` builds it) against a
/// scripted peer on loopback.
@Suite("osswire ls/stat/rm/cp/mb/rb", .serialized)
struct CLITests {
    static func run(_ args: [String], env: [String: String], interruptAfter: Duration? = nil) async throws
        -> ProcessOutput
    {
        try await Products.runOSSWire(args, environment: env, interruptAfter: interruptAfter)
    }

    static func env(_ peer: ScriptedPeer) -> [String: String] {
        [
            "OSS_ACCESS_KEY_ID": testCredentials.accessKeyId, "OSS_ACCESS_KEY_SECRET": testCredentials.accessKeySecret,
            "OSS_ENDPOINT": peer.endpoint, "OSS_REGION": "cn-hangzhou",
        ]
    }

    @Test("mb, cp up and down, ls, stat, rm, rb work and print what they did")
    func roundTrip() async throws {
        let store = TinyOSS()
        let peer = try ScriptedPeer { r in
            let segments = r.path.split(separator: "/")
            if segments.count == 1 && r.path.hasSuffix("/") && (r.method == "PUT" || r.method == "DELETE") {
                return verifySignature(r).isValid ? PeerResponse(r.method == "PUT" ? 200 : 204) : PeerResponse(403)
            }
            return store.handle(r)
        }
        defer { peer.stop() }
        let env = Self.env(peer)
        let dir = NSTemporaryDirectory() + "osswire-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try data.write(to: URL(fileURLWithPath: dir + "/in.bin"))

        var r = try await Self.run(["mb", "oss://bkt"], env: env)
        #expect(r.status == 0 && r.stdout.contains("created oss://bkt"))
        r = try await Self.run(["cp", dir + "/in.bin", "oss://bkt/dir/"], env: env)
        #expect(r.status == 0 && r.stdout.contains("oss://bkt/dir/in.bin"))
        r = try await Self.run(["cp", dir + "/in.bin", "oss://bkt/a b.bin", "--json", "--signature-version", "1"], env: env)
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"bytes\":300000") && r.stdout.contains("\"bytes_sent\":300000"))
        #expect(r.stdout.contains("\"upload_id\":null") && r.stdout.contains("\"parts_total\":0"))
        #expect(r.stdout.contains("\"crc64\":\"") && r.stdout.contains("\"seconds\":"))
        r = try await Self.run(["ls", "oss://bkt"], env: env)
        #expect(r.status == 0 && r.stdout.contains("oss://bkt/dir/in.bin") && r.stdout.contains("oss://bkt/a b.bin"))
        r = try await Self.run(["stat", "oss://bkt/a b.bin", "--json"], env: env)
        #expect(r.status == 0 && r.stdout.hasPrefix("{") && r.stdout.contains("\"crc64\""))
        r = try await Self.run(["cp", "oss://bkt/a b.bin", dir + "/"], env: env)
        #expect(r.status == 0)
        let same1 = SameBytes(try Data(contentsOf: URL(fileURLWithPath: dir + "/a b.bin")), data)
        #expect(same1.equal, "\(same1)")
        r = try await Self.run(["rm", "oss://bkt/a b.bin"], env: env)
        #expect(r.status == 0 && r.stdout.contains("deleted oss://bkt/a b.bin"))
        r = try await Self.run(["stat", "oss://bkt/a b.bin"], env: env)
        #expect(r.status == 1 && r.stderr.contains("NoSuchKey"))
        r = try await Self.run(["rb", "oss://bkt"], env: env)
        #expect(r.status == 0 && r.stdout.contains("removed oss://bkt"))
    }

    @Test("against the mock server: ls with a prefix, stat sizes, cp both ways, rb of a non-empty bucket fails")
    func againstMock() async throws {
        var configuration = MockServerConfiguration()
        configuration.buckets = []
        try await withMockServer(configuration: configuration) { server in
            let env = [
                "OSS_ACCESS_KEY_ID": MockCredential.demo.accessKeyId,
                "OSS_ACCESS_KEY_SECRET": MockCredential.demo.accessKeySecret, "OSS_ENDPOINT": server.url,
                "OSS_REGION": server.configuration.region,
            ]
            let dir = NSTemporaryDirectory() + "osswire-cli-mock-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let data = Data((0..<123_457).map { UInt8(truncatingIfNeeded: $0 &* 3) })
            try data.write(to: URL(fileURLWithPath: dir + "/f.bin"))
            #expect(try await Self.run(["mb", "oss://cli-bucket"], env: env).status == 0)
            #expect(try await Self.run(["cp", dir + "/f.bin", "oss://cli-bucket/logs/a.bin"], env: env).status == 0)
            #expect(try await Self.run(["cp", dir + "/f.bin", "oss://cli-bucket/other.bin"], env: env).status == 0)
            let ls = try await Self.run(["ls", "oss://cli-bucket/logs/", "--json"], env: env)
            #expect(ls.status == 0 && ls.stdout.contains("\"key\":\"logs/a.bin\"") && !ls.stdout.contains("other.bin"))
            #expect(ls.stdout.contains("\"count\":1"))
            let stat = try await Self.run(["stat", "oss://cli-bucket/logs/a.bin"], env: env)
            #expect(stat.status == 0 && stat.stdout.contains("size: 123457"))
            let buckets = try await Self.run(["ls"], env: env)
            #expect(buckets.status == 0 && buckets.stdout.contains("oss://cli-bucket"))
            let down = try await Self.run(["cp", "oss://cli-bucket/logs/a.bin", dir + "/back.bin", "--json"], env: env)
            #expect(down.status == 0 && down.stdout.contains("\"bytes\":123457"))
            let same2 = SameBytes(try Data(contentsOf: URL(fileURLWithPath: dir + "/back.bin")), data)
            #expect(same2.equal, "\(same2)")
            let rb = try await Self.run(["rb", "oss://cli-bucket"], env: env)
            #expect(rb.status == 1 && rb.stderr.contains("BucketNotEmpty"))
            #expect(try await Self.run(["rm", "oss://cli-bucket/logs/a.bin", "oss://cli-bucket/other.bin"], env: env).status == 0)
            #expect(try await Self.run(["rb", "oss://cli-bucket"], env: env).status == 0)
        }
    }

    @Test("usage and configuration mistakes exit 2, failures exit 1, and the secret is never printed")
    func exitCodes() async throws {
        let peer = try ScriptedPeer { _ in PeerResponse(403, body: Array("<Error><Code>AccessDenied</Code></Error>".utf8)) }
        defer { peer.stop() }
        let env = Self.env(peer)
        #expect(try await Self.run(["ls", "--bogus"], env: env).status == 2)
        #expect(try await Self.run(["stat", "not-a-uri"], env: env).status == 2)
        #expect(try await Self.run(["rm"], env: env).status == 2)
        #expect(try await Self.run(["mb", "oss://bkt/key"], env: env).status == 2)
        #expect(try await Self.run(["cp", "/a", "/b"], env: env).status == 2)
        #expect(try await Self.run(["ls", "oss://bkt", "--signature-version", "3"], env: env).status == 2)
        var noEndpoint = env
        noEndpoint["OSS_ENDPOINT"] = nil
        #expect(try await Self.run(["ls", "oss://bkt"], env: noEndpoint).status == 2)
        let noCredentials = ["OSS_ENDPOINT": peer.endpoint, "OSS_REGION": "cn-hangzhou"]
        let missing = try await Self.run(["ls", "oss://bkt"], env: noCredentials)
        #expect(missing.status == 2 && missing.stderr.contains("OSS_ACCESS_KEY_ID"))
        let denied = try await Self.run(["stat", "oss://bkt/k"], env: env)
        #expect(denied.status == 1 && denied.stderr.contains("AccessDenied"))
        #expect(!denied.stderr.contains(testCredentials.accessKeySecret))
    }

    @Test("SIGINT during an upload to a peer that stopped reading exits 130 at once")
    func interrupt() async throws {
        let peer = try ScriptedPeer(stallUploads: true) { _ in PeerResponse(200) }
        defer { peer.stop() }
        let path = NSTemporaryDirectory() + "osswire-cli-big-\(UUID().uuidString)"
        try Data(count: 64 << 20).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try await Self.run(["cp", path, "oss://bkt/big"], env: Self.env(peer), interruptAfter: .milliseconds(500))
        #expect(r.status == 130)
        #expect(r.stderr.contains("interrupted"))
    }
}
