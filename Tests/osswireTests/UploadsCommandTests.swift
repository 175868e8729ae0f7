import Foundation
import OSSClient
import OSSMockServer
import OSSSigner
import OSSTestSupport
import Testing

/// A client of the mock server, for setting up what the CLI then looks at.
func mockClient(_ server: MockOSSServer) throws -> OSSClient {
    var c = try OSSClientConfiguration(endpoint: server.url, region: server.configuration.region)
    c.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    return try OSSClient(configuration: c)
}

@Suite("osswire uploads ls|abort")
struct UploadsCommandTests {
    @Test("uploads ls lists the unfinished uploads under a prefix; abort --upload-id removes one")
    func listAndAbortOne() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["ups"])) { server in
            let env = mockEnvironment(server)
            let client = try mockClient(server)
            let a = try await client.initiateMultipartUpload(bucket: "ups", key: "logs/a").uploadId
            let b = try await client.initiateMultipartUpload(bucket: "ups", key: "logs/b").uploadId
            let c = try await client.initiateMultipartUpload(bucket: "ups", key: "other").uploadId

            let all = try await osswire(["uploads", "ls", "oss://ups"], env)
            #expect(all.status == 0, "\(all.stderr)")
            for id in [a, b, c] { #expect(all.stdout.contains(id)) }
            #expect(all.stdout.contains("3 unfinished uploads"))
            let logs = try jsonObject(try await osswire(["uploads", "ls", "oss://ups/logs/", "--json"], env).stdout)
            #expect(logs["count"] as? Int == 2 && logs["state"] as? String == "completed")
            let listed = (logs["uploads"] as? [[String: Any]] ?? []).compactMap { $0["upload_id"] as? String }
            #expect(Set(listed) == [a, b])

            let r = try await osswire(["uploads", "abort", "oss://ups/logs/a", "--upload-id", a], env)
            #expect(r.status == 0 && r.stdout.contains("aborted upload \(a)"), "\(r.stderr)")
            #expect(Set(server.service.uploadIds(bucket: "ups")) == [b, c])
            // Aborting it again: the server says it is gone; exit 1 with its code.
            let again = try await osswire(["uploads", "abort", "oss://ups/logs/a", "--upload-id", a, "--json"], env)
            #expect(again.status == 1)
            #expect(try jsonObject(again.stdout)["code"] as? String == "NoSuchUpload")
            await client.shutdown()
        }
    }

    @Test("abort --all removes every upload of the key; --older-than keeps the recent ones")
    func abortAllOlderThan() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["old"])) { server in
            let env = mockEnvironment(server)
            let client = try mockClient(server)
            // Two uploads started "two hours ago" (the server's clock set back; the client learns
            // the offset from RequestTimeTooSkewed), one now, and one of another key.
            server.service.updateFaults { $0.clockSkewSeconds = -7200 }
            let old1 = try await client.initiateMultipartUpload(bucket: "old", key: "k").uploadId
            let old2 = try await client.initiateMultipartUpload(bucket: "old", key: "k").uploadId
            server.service.updateFaults { $0.clockSkewSeconds = 0 }
            let fresh = try await mockClient(server).initiateMultipartUpload(bucket: "old", key: "k").uploadId
            let other = try await mockClient(server).initiateMultipartUpload(bucket: "old", key: "k2").uploadId

            let none = try await osswire(["uploads", "abort", "oss://old/k", "--all", "--older-than", "3h"], env)
            #expect(none.status == 0 && none.stdout.contains("no unfinished uploads of oss://old/k older than 3h"))
            let r = try await osswire(["uploads", "abort", "oss://old/k", "--all", "--older-than", "1h", "--json"], env)
            #expect(r.status == 0, "\(r.stderr)")
            let aborted = (try jsonObject(r.stdout)["aborted"] as? [[String: Any]] ?? []).compactMap { $0["upload_id"] as? String }
            #expect(Set(aborted) == [old1, old2])
            #expect(Set(server.service.uploadIds(bucket: "old")) == [fresh, other])
            let rest = try await osswire(["uploads", "abort", "oss://old/k", "--all"], env)
            #expect(rest.status == 0 && rest.stdout.contains("aborted upload \(fresh)"))
            #expect(server.service.uploadIds(bucket: "old") == [other], "another key's upload is left alone")
            await client.shutdown()
        }
    }

    @Test("durations read as a person writes them; nonsense is a usage error")
    func durations() async throws {
        for bad in ["soon", "1y", "-5m", "h"] {
            let r = try await osswire(["uploads", "abort", "oss://b/k", "--all", "--older-than", bad])
            #expect(r.status == 2 && r.stderr.contains("--older-than takes a duration"), "\(bad): \(r.stderr)")
        }
        let r = try await osswire(["uploads", "abort", "oss://b/k", "--upload-id", "x", "--older-than", "1h"])
        #expect(r.status == 2 && r.stderr.contains("--older-than goes with --all"))
    }
}
