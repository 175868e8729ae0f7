import Foundation
import OSSClient
import OSSMockServer
import OSSProtocol
import Testing

/// The CLI over a versioned bucket: ls --versions, rm and stat --version-id, cp --version-id.
@Suite("osswire and object versions")
struct VersioningCommandTests {
    @Test("ls --versions lists every version and delete marker; rm makes a marker, rm --version-id removes one version")
    func listAndRemoveVersions() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["ver"])) { server in
            let env = mockEnvironment(server)
            let client = try mockClient(server)
            try await client.putBucketVersioning("ver", status: "Enabled")
            let v1 = try #require(
                try await client.putObject(bucket: "ver", key: "doc", body: .bytes(Array("first".utf8))).versionId)
            let v2 = try #require(
                try await client.putObject(bucket: "ver", key: "doc", body: .bytes(Array("second!".utf8))).versionId)

            let rm = try await osswire(["rm", "oss://ver/doc"], env)
            #expect(rm.status == 0 && rm.stdout.contains("made delete marker"), "\(rm.stderr)")
            let plain = try await osswire(["ls", "oss://ver"], env)
            #expect(plain.status == 0 && plain.stdout.contains("0 objects"), "\(plain.stdout)")

            let text = try await osswire(["ls", "--versions", "oss://ver"], env)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("2 versions, 1 delete marker, 12 bytes"), "\(text.stdout)")
            #expect(text.stdout.contains(v1) && text.stdout.contains(v2) && text.stdout.contains("DELETED"))
            let json = try jsonObject(
                try await osswire(["ls", "--versions", "oss://ver/", "--max-keys", "1", "--json"], env).stdout)
            let entries = try #require(json["versions"] as? [[String: Any]])
            #expect(entries.count == 3 && json["count"] as? Int == 2 && json["delete_markers"] as? Int == 1)
            #expect(entries[0]["delete_marker"] as? Bool == true && entries[0]["is_latest"] as? Bool == true)
            #expect(entries.compactMap { $0["version_id"] as? String }.suffix(2) == [v2, v1])
            let marker = try #require(entries[0]["version_id"] as? String)

            let stat = try await osswire(["stat", "oss://ver/doc", "--version-id", v1, "--json"], env)
            #expect(try jsonObject(stat.stdout)["size"] as? Int == 5, "\(stat.stderr)")

            let unmark = try await osswire(["rm", "oss://ver/doc", "--version-id", marker], env)
            #expect(unmark.status == 0 && unmark.stdout.contains("delete marker \(marker)"), "\(unmark.stderr)")
            #expect(await server.service.objectBytes(bucket: "ver", key: "doc") == Array("second!".utf8))

            let dir = try TemporaryDirectory()
            let old = dir.path + "/old"
            let cp = try await osswire(["cp", "oss://ver/doc", old, "--version-id", v1], env)
            #expect(cp.status == 0, "\(cp.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: old)) == Data("first".utf8))
            let out = try await osswire(["cp", "oss://ver/doc", "-", "--version-id", v1], env)
            #expect(out.stdout == "first", "\(out.stderr)")
            let copy = try await osswire(["cp", "oss://ver/doc", "oss://ver/copy", "--version-id", v1], env)
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(await server.service.objectBytes(bucket: "ver", key: "copy") == Array("first".utf8))

            _ = try await osswire(["rm", "oss://ver/doc", "--version-id", v2], env)
            #expect(await server.service.objectBytes(bucket: "ver", key: "doc") == Array("first".utf8))
        }
    }

    @Test("--version-id mistakes are usage errors, exit 2, before anything is sent")
    func versionIdMistakes() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["ver"])) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let file = try dir.file("f", Data("x".utf8))
            for argv in [
                ["rm", "oss://ver/a", "oss://ver/b", "--version-id", "v"], ["rm", "oss://ver/a", "--version-id", ""],
                ["cp", file, "oss://ver/a", "--version-id", "v"],
                ["cp", "oss://ver/a", dir.path + "/g", "--version-id", ""],
                ["ls", "--versions"], ["stat", "oss://ver/a", "--version-id", ""],
            ] {
                let r = try await osswire(argv, env)
                #expect(r.status == 2, "\(argv): \(r.stderr)")
            }
            #expect(server.service.requestLog.isEmpty)
        }
    }
}
