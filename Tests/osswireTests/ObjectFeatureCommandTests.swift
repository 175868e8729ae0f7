import Foundation
import OSSMockServer
import Testing

/// `osswire tag`, `acl`, `symlink`, `restore`, and what `stat` shows of them (issue 16, objects).
@Suite("osswire tag, acl, symlink, restore")
struct ObjectFeatureCommandTests {
    @Test("tag put/get/rm, acl set/get, symlink, restore and stat against the mock")
    func commands() async throws {
        var config = mockConfiguration(buckets: ["feat"])
        config.restoreDelay = .zero
        try await withMockServer(configuration: config) { server in
            let env = mockEnvironment(server)
            let dir = try TemporaryDirectory()
            let path = try dir.file("f.txt", Data("hello".utf8))
            #expect(try await osswire(["cp", path, "oss://feat/f.txt"], env).status == 0)

            #expect(try await osswire(["tag", "put", "oss://feat/f.txt", "team=data", "env=prod 1"], env).status == 0)
            let got = try await osswire(["tag", "get", "oss://feat/f.txt"], env)
            #expect(got.status == 0 && got.stdout == "team=data\nenv=prod 1\n")
            let stat = try jsonObject(try await osswire(["stat", "oss://feat/f.txt", "--json"], env).stdout)
            #expect(stat["tagging_count"] as? Int == 2)
            let tagsJSON = try jsonObject(try await osswire(["tag", "get", "oss://feat/f.txt", "--json"], env).stdout)
            #expect((tagsJSON["tags"] as? [[String: String]])?.first?["key"] == "team")
            #expect(try await osswire(["tag", "rm", "oss://feat/f.txt"], env).status == 0)
            #expect(try await osswire(["tag", "get", "oss://feat/f.txt"], env).stdout == "")

            let bad = try await osswire(["tag", "put", "oss://feat/f.txt", "a*=1"], env)
            #expect(bad.status == 2 && bad.stderr.contains("may only hold"))
            #expect(try await osswire(["acl", "set", "oss://feat/f.txt", "open"], env).status == 2)

            #expect(try await osswire(["acl", "get", "oss://feat/f.txt"], env).stdout == "default\n")
            #expect(try await osswire(["acl", "set", "oss://feat/f.txt", "private"], env).status == 0)
            #expect(try await osswire(["acl", "get", "oss://feat/f.txt"], env).stdout == "private\n")
            #expect(try await osswire(["acl", "set", "oss://feat", "public-read"], env).status == 0)
            #expect(try await osswire(["acl", "get", "oss://feat"], env).stdout == "public-read\n")

            #expect(try await osswire(["symlink", "oss://feat/link", "oss://feat/f.txt"], env).status == 0)
            #expect(try await osswire(["symlink", "oss://feat/link"], env).stdout == "oss://feat/f.txt\n")
            #expect(try await osswire(["cp", "oss://feat/link", "-"], env).stdout == "hello")

            #expect(try await osswire(["cp", path, "oss://feat/cold.txt"], env).status == 0)
            let notArchived = try await osswire(["restore", "oss://feat/cold.txt"], env)
            #expect(notArchived.status == 1 && notArchived.stderr.contains("OperationNotSupported"))
            // A bucket whose objects are Cold Archive by default; the mock restores at once (delay 0).
            #expect(try await osswire(["mb", "oss://cold", "--storage-class", "ColdArchive"], env).status == 0)
            #expect(try await osswire(["cp", path, "oss://cold/x"], env).status == 0)
            #expect(try await osswire(["cp", "oss://cold/x", "-"], env).stderr.contains("InvalidObjectState"))
            let restore = try jsonObject(
                try await osswire(["restore", "oss://cold/x", "--days", "2", "--tier", "Expedited", "--json"], env).stdout)
            #expect(restore["started"] as? Bool == true && restore["priority"] as? String == "Expedited")
            let restored = try jsonObject(try await osswire(["stat", "oss://cold/x", "--json"], env).stdout)
            #expect(restored["restore"] as? String == "restored" && restored["restore_expiry"] is String)
            #expect(restored["storage_class"] as? String == "ColdArchive")
            #expect(try await osswire(["cp", "oss://cold/x", "-"], env).stdout == "hello")
            #expect(try await osswire(["restore", "oss://cold/x", "--clean"], env).status == 0)
            #expect(try await osswire(["restore", "oss://cold/x", "--days", "0"], env).status == 2)
        }
    }
}
