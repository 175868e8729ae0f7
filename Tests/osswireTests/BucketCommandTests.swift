import Foundation
import OSSClient
import OSSMockServer
import OSSProtocol
import Testing

/// `osswire bucket`: reads and configurations against the mock (issue 16, part 4).
@Suite("osswire bucket")
struct BucketCommandTests {
    @Test("info, stat, exists; a configuration put from a file, from flags, read back and removed")
    func bucketCommands() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["cfg", "logs"])) { server in
            let env = mockEnvironment(server)
            let info = try jsonObject(try await osswire(["bucket", "info", "oss://cfg", "--json"], env).stdout)
            #expect(info["bucket"] as? String == "cfg" && info["acl"] as? String == "private")
            let stat = try await osswire(["bucket", "stat", "oss://cfg"], env)
            #expect(stat.status == 0 && stat.stdout.contains("objects: 0"))
            #expect(try await osswire(["bucket", "exists", "oss://cfg"], env).stdout.contains("exists: true"))
            #expect(try await osswire(["bucket", "exists", "oss://nope"], env).stdout.contains("exists: false"))

            // Before any put: OSS's error, exit 1.
            let none = try await osswire(["bucket", "cors", "get", "oss://cfg"], env)
            #expect(none.status == 1 && none.stderr.contains("NoSuchCORSConfiguration"), "\(none.stderr)")

            let dir = try TemporaryDirectory()
            let cors = try dir.file(
                "cors.xml",
                Data("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>".utf8))
            let put = try await osswire(["bucket", "cors", "put", "oss://cfg", cors], env)
            #expect(put.status == 0, "\(put.stderr)")
            #expect(try await osswire(["bucket", "cors", "get", "oss://cfg"], env).stdout.contains("<AllowedOrigin>*</AllowedOrigin>"))
            #expect(try await osswire(["bucket", "cors", "rm", "oss://cfg"], env).status == 0)
            #expect(try await osswire(["bucket", "cors", "get", "oss://cfg"], env).status == 1)

            // What the typed model leaves out (a mirror rule's headers) is sent and kept as written.
            let website = try dir.file(
                "website.xml",
                Data(
                    """
                    <WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><RoutingRules><RoutingRule>
                    <RuleNumber>1</RuleNumber><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition>
                    <Redirect><RedirectType>Mirror</RedirectType><MirrorURL>http://origin.example/</MirrorURL>
                    <MirrorHeaders><PassAll>true</PassAll><Pass>x-a</Pass></MirrorHeaders></Redirect></RoutingRule></RoutingRules>
                    </WebsiteConfiguration>
                    """.utf8))
            #expect(try await osswire(["bucket", "website", "put", "oss://cfg", website], env).status == 0)
            #expect(try await osswire(["bucket", "website", "get", "oss://cfg"], env).stdout.contains("<Pass>x-a</Pass>"))

            #expect(try await osswire(["bucket", "tags", "put", "oss://cfg", "--tag", "team=data", "--tag", "env="], env).status == 0)
            #expect(try await osswire(["bucket", "tags", "get", "oss://cfg"], env).stdout.contains("<Key>team</Key><Value>data</Value>"))
            #expect(try await osswire(["bucket", "encryption", "put", "oss://cfg", "--sse", "AES256"], env).status == 0)
            #expect(try await osswire(["bucket", "logging", "put", "oss://cfg", "--target-bucket", "logs"], env).status == 0)
            let after = try jsonObject(try await osswire(["bucket", "info", "oss://cfg", "--json"], env).stdout)
            #expect(after["sse"] as? String == "AES256" && after["log_bucket"] as? String == "logs")

            let policy = try dir.file("p.json", Data(#"{"Version":"1","Statement":[{"Effect":"Deny","Action":["oss:*"]}]}"#.utf8))
            #expect(try await osswire(["bucket", "policy", "put", policy, "oss://cfg"], env).status == 0)
            #expect(try await osswire(["bucket", "policy", "get", "oss://cfg"], env).stdout.contains(#""Effect":"Deny""#))

            // Bad input: refused before anything is sent, exit 2 for usage, 1 for a rule broken.
            server.service.clearRequestLog()
            let badTag = try await osswire(["bucket", "tags", "put", "oss://cfg", "--tag", String(repeating: "k", count: 65) + "=v"], env)
            #expect(badTag.status != 0 && badTag.stderr.contains("1 to 64 bytes"), "\(badTag.stderr)")
            let badSSE = try await osswire(["bucket", "encryption", "put", "oss://cfg", "--sse", "ROT13"], env)
            #expect(badSSE.status != 0 && badSSE.stderr.contains("ROT13"), "\(badSSE.stderr)")
            let notXML = try dir.file("bad.xml", Data("<CORSConfiguration>".utf8))
            #expect(try await osswire(["bucket", "cors", "put", "oss://cfg", notXML], env).status == 2)
            #expect(try await osswire(["bucket", "referer", "rm", "oss://cfg"], env).status == 2)
            #expect(try await osswire(["bucket", "acl", "get", "oss://cfg"], env).status == 2)
            #expect(server.service.requestLog.isEmpty)
        }
    }

    @Test("ls --bucket-tag lists only the buckets with a tag key, a tag, or all the tags given")
    func listBucketsByTag() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["tag-a", "tag-b", "plain"])) { server in
            let env = mockEnvironment(server)
            let client = try mockClient(server)
            _ = try await client.putBucketTags("tag-a", [OSSTag(key: "env", value: "test")])
            _ = try await client.putBucketTags("tag-b", [OSSTag(key: "env", value: "prod"), OSSTag(key: "team", value: "x=y")])
            func names(_ tags: [String]) async throws -> [String] {
                let r = try await osswire(["ls", "--json"] + tags.flatMap { ["--bucket-tag", $0] }, env)
                #expect(r.status == 0, "\(r.stderr)")
                return (try jsonObject(r.stdout)["buckets"] as? [[String: Any]] ?? []).compactMap { $0["bucket"] as? String }
            }
            #expect(try await names([]) == ["plain", "tag-a", "tag-b"])
            #expect(try await names(["env"]) == ["tag-a", "tag-b"])
            #expect(try await names(["env=test"]) == ["tag-a"])
            #expect(try await names(["env=prod", "team=x=y"]) == ["tag-b"])
            #expect(try await names(["env=test", "team=x=y"]) == [])
            let bad = try await osswire(["ls", "--bucket-tag", "env", "--bucket-tag", "team=x"], env)
            #expect(bad.status == 2 && bad.stderr.contains("KEY=VALUE"), "\(bad.stderr)")
            let withURI = try await osswire(["ls", "oss://tag-a", "--bucket-tag", "env"], env)
            #expect(withURI.status == 2, "\(withURI.stderr)")
        }
    }
}
