import Foundation
import OSSClient
import OSSMockServer
import OSSSigner
import OSSTestSupport
import Testing

/// A client for the mock, to look at what cp made.
func headClient(_ server: MockOSSServer) throws -> OSSClient {
    var c = try OSSClientConfiguration(endpoint: server.url, region: server.configuration.region)
    c.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    return try OSSClient(configuration: c)
}

/// Issue 16: `cp --content-type --meta --storage-class --acl --tagging --sse`, and the
/// Content-Type of the file's extension.
@Suite("cp: the headers an upload sets")
struct CpHeadersTests {
    static let flags = [
        "--meta", "owner=ann", "--meta", "Team=wire", "--storage-class", "IA", "--acl", "private",
        "--tagging", "env=prod&kind=a%20b", "--sse", "KMS", "--sse-kms-key-id", "kms-1", "--cache-control", "no-cache",
    ]

    static func expectFlags(_ m: ObjectMetadata) {
        #expect(m.userMetadata == ["owner": "ann", "team": "wire"])
        #expect(m.storageClass == "IA")
        #expect(m.headers.first { $0.name.lowercased() == "cache-control" }?.value == "no-cache")
        #expect(m.headers.first { $0.name.lowercased() == "x-oss-server-side-encryption" }?.value == "KMS")
        #expect(m.headers.first { $0.name.lowercased() == "x-oss-server-side-encryption-key-id" }?.value == "kms-1")
    }

    @Test("an upload (single, multipart, standard input) gets every flag's header and the extension's Content-Type")
    func uploads() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["cp-headers"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let small = try dir.file("page.html", randomData(1000, seed: 1))
            let big = try dir.file("movie.mp4", randomData(350_000, seed: 2))
            let client = try headClient(server)
            let part = ["--part-size", "102400", "--checkpoint-dir", dir.path + "/cp"]
            for (path, key, type) in [(small, "s", "text/html"), (big, "b", "video/mp4")] {
                let r = try await osswire(["cp", path, "oss://cp-headers/\(key)"] + part + Self.flags, env)
                #expect(r.status == 0, "\(r.stderr)")
                let m = try await client.headObject(bucket: "cp-headers", key: key)
                Self.expectFlags(m)
                #expect(m.contentType == type)
            }
            #expect(try await client.headObject(bucket: "cp-headers", key: "b").objectType == "Multipart")
            // --content-type wins over the extension; standard input takes the key's extension.
            let given = try await osswire(["cp", small, "oss://cp-headers/g", "--content-type", "text/plain"], env)
            #expect(given.status == 0, "\(given.stderr)")
            #expect(try await client.headObject(bucket: "cp-headers", key: "g").contentType == "text/plain")
            let piped = try await osswire(
                ["cp", "-", "oss://cp-headers/in.json", "--meta", "from=stdin"], env, input: Data("{}".utf8))
            #expect(piped.status == 0, "\(piped.stderr)")
            let m = try await client.headObject(bucket: "cp-headers", key: "in.json")
            #expect(m.contentType == "application/json")
            #expect(m.userMetadata == ["from": "stdin"])
            // A server-side copy with --content-type and --meta replaces the source's.
            let copy = try await osswire(
                ["cp", "oss://cp-headers/s", "oss://cp-headers/s2", "--content-type", "text/x-copy", "--meta", "c=1"], env)
            #expect(copy.status == 0, "\(copy.stderr)")
            let c = try await client.headObject(bucket: "cp-headers", key: "s2")
            #expect(c.contentType == "text/x-copy")
            #expect(c.userMetadata == ["c": "1"])
            await client.shutdown()
        }
    }

    @Test("bad values are usage errors (exit 2) before anything is sent", arguments: [
        ["--storage-class", "Glacier"], ["--acl", "public"], ["--tagging", "a=1&a=2"],
        ["--tagging", String(repeating: "k", count: 129) + "=v"], ["--tagging", "k=" + String(repeating: "v", count: 257)],
        ["--sse", "AES128"], ["--sse-kms-key-id", "k"], ["--sse", "AES256", "--sse-kms-key-id", "k"],
        ["--meta", "novalue"], ["--meta", "bad name=v"], ["--meta", "a=1", "--meta", "A=2"],
    ])
    func refused(_ flags: [String]) async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["cp-bad"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let path = try dir.file("f.txt", randomData(100, seed: 3))
            let r = try await osswire(["cp", path, "oss://cp-bad/k", "--json"] + flags, env)
            #expect(r.status == 2, "\(flags): \(r.stderr)")
            #expect(r.stderr.contains("Try 'osswire cp --help'."))
            #expect(try jsonObject(r.stdout)["code"] as? String == "UsageError")
            #expect(server.service.requestLog.isEmpty)
        }
    }

    @Test("a download refuses the upload flags")
    func downloadRefuses() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["cp-down"])) { server in
            let dir = try TemporaryDirectory()
            let r = try await osswire(["cp", "oss://cp-down/k", dir.path + "/out", "--acl", "private"], mockEnvironment(server))
            #expect(r.status == 2)
            #expect(server.service.requestLog.isEmpty)
        }
    }
}

/// Issue 16: `cp oss://a/k oss://b/k` through the copier, with real byte counts in `--json`.
@Suite("cp: server-side copies")
struct CpCopyTests {
    @Test("a copy over --copy-threshold goes part by part; --json reports the bytes and parts")
    func multipartCopy() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["cp-copy"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let data = randomData(350_000, seed: 7)
            let path = try dir.file("src.bin", data)
            #expect(try await osswire(["cp", path, "oss://cp-copy/src"], env).status == 0)
            let small = try jsonObject(try await osswire(["cp", "oss://cp-copy/src", "oss://cp-copy/one", "--json"], env).stdout)
            #expect(small["state"] as? String == "completed")
            #expect(small["direction"] as? String == "copy")
            #expect(small["bytes"] as? Int == 350_000 && small["bytes_sent"] as? Int == 350_000)
            #expect(small["parts_total"] as? Int == 0)

            let args = ["--copy-threshold", "102400", "--part-size", "102400", "--checkpoint-dir", dir.path + "/cp", "--json"]
            let r = try await osswire(["cp", "oss://cp-copy/src", "oss://cp-copy/parts"] + args, env)
            #expect(r.status == 0, "\(r.stderr)")
            let json = try jsonObject(r.stdout)
            #expect(json["state"] as? String == "completed")
            #expect(json["bytes"] as? Int == 350_000 && json["bytes_sent"] as? Int == 350_000)
            #expect(json["parts_total"] as? Int == 4 && json["parts_done"] as? Int == 4)
            #expect(json["upload_id"] is String)
            #expect(await server.service.objectBytes(bucket: "cp-copy", key: "parts") == [UInt8](data))
            #expect(server.service.requestLog.filter { $0.operation == "UploadPartCopy" }.count == 4)
            #expect(server.service.requestLog.filter { $0.operation == "CopyObject" }.count == 1)
        }
    }
}
