import Foundation
import OSSClient
import OSSMockServer
import OSSTestSupport
import Testing

/// `osswire presign post`: the form it prints, sent by curl to the mock server.
@Suite("osswire presign post")
struct PresignPostCommandTests {
    /// curl POSTs the fields (literal strings) then the file; returns the status and the body.
    static func curlPost(_ url: String, _ fields: [(String, String)], file: String) async throws -> (Int, String) {
        let curl = try #require(Shell.which("curl"), "curl is installed by .ci/run")
        var args = ["-sS", "--max-time", "120", "-w", "\n%{http_code}"]  // --max-time: a hang guard only
        for (n, v) in fields { args += ["--form-string", "\(n)=\(v)"] }
        args += ["-F", "file=@\(file);type=text/plain", url]
        let arguments = args
        let out = try await Blocking.run { try Shell.run(curl, arguments) }
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
    }

    @Test func theJSONFormUploadsWithCurlAndItsConditionsHold() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["web"])) { server in
            let env = mockEnvironment(server)
            let r = try await osswire(
                [
                    "presign", "post", "oss://web/uploads/", "--expires", "600", "--content-length-range", "1,64",
                    "--content-type", "text/plain", "--meta", "Owner=ann", "--success-action-status", "201", "--json",
                ], env)
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(json["state"] as? String == "completed")
            let url = try #require(json["url"] as? String)
            #expect(url == "\(server.url)/web/")
            let list = try #require(json["fields"] as? [[String: String]])
            let fields = list.map { ($0["name"]!, $0["value"]!) }
            #expect(fields.map(\.0).prefix(6) == [
                "key", "policy", "x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-signature",
            ])
            #expect(fields[0].1 == "uploads/${filename}")
            #expect((json["policy"] as? String)?.contains(#"["starts-with","$key","uploads/"]"#) == true)

            let dir = try TemporaryDirectory("presign-post")
            let small = dir.path + "/note.txt"
            try writeTestFile(small, Array("a note\n".utf8))
            let (status, body) = try await Self.curlPost(url, fields, file: small)
            #expect(status == 201, "\(body)")
            #expect(body.contains("<Key>uploads/note.txt</Key>"))
            let head = try await mockClient(server).headObject(bucket: "web", key: "uploads/note.txt")
            #expect(head.contentType == "text/plain")
            #expect(head.userMetadata["owner"] == "ann")

            let big = dir.path + "/big.txt"
            try writeTestFile(big, Array(repeating: 120, count: 65))
            let (tooBig, refusal) = try await Self.curlPost(url, fields, file: big)
            #expect(tooBig == 400 && refusal.contains("<Code>EntityTooLarge</Code>"))
        }
    }

    @Test func textOutputAndBadInput() async throws {
        let env = [
            "OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "sk", "OSS_ENDPOINT": "https://oss-cn-hangzhou.aliyuncs.com",
        ]
        let r = try await osswire(["presign", "post", "oss://bkt", "--at", "2026-12-05T13:00:00Z"], env)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "POST https://bkt.oss-cn-hangzhou.aliyuncs.com/")
        #expect(lines.contains("key=${filename}"))
        #expect(lines.contains("x-oss-credential=ak/20261205/cn-hangzhou/oss/aliyun_v4_request"))
        #expect(lines.contains("x-oss-date=20261205T130000Z"))
        #expect(!r.stdout.contains("sk"))
        for bad in [
            ["--content-length-range", "9,1"], ["--content-length-range", "x"], ["--expires", "0"],
            ["--success-action-status", "302"], ["--meta", "=v"],
        ] {
            let refused = try await osswire(["presign", "post", "oss://bkt/p/"] + bad, env)
            #expect(refused.status == 2, "\(bad): \(refused.stdout) \(refused.stderr)")
            #expect(refused.stdout.isEmpty)
        }
        let help = try await osswire(["presign", "--help"], env)
        #expect(help.stdout.contains("presign post"))
    }
}
