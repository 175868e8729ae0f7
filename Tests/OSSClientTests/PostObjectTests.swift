import Foundation
import OSSCore
import OSSMockServer
import OSSProtocol
import OSSSigner
import OSSTestSupport
import Testing

@testable import OSSClient

/// Browser uploads (PostObject): forms signed by `presignPostObject`, sent by curl (a real
/// multipart/form-data client) to the mock server, which checks them as OSS does.
@Suite struct PostObjectTests {
    /// What curl got back.
    struct CurlAnswer {
        var status: Int
        var body: String
        var headers: String
        var code: String? {
            guard let a = body.range(of: "<Code>"), let b = body.range(of: "</Code>") else { return nil }
            return String(body[a.upperBound..<b.lowerBound])
        }
    }

    /// POSTs `fields` (as literal strings: `--form-string`), then the file, with curl.
    static func curlPost(
        _ url: String, _ fields: [(name: String, value: String)], file: String?, fileType: String? = nil,
        fileName: String? = nil, extra: [String] = []
    ) async throws -> CurlAnswer {
        let curl = try #require(Shell.which("curl"), "curl is installed by .ci/run")
        let dir = try Shell.makeTemporaryDirectory("postobject-curl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bodyPath = dir.appendingPathComponent("body").path
        let headPath = dir.appendingPathComponent("head").path
        // --max-time: a hang guard only.
        var args = ["-sS", "--max-time", "120", "-o", bodyPath, "-D", headPath, "-w", "%{http_code}"]
        for f in fields { args += ["--form-string", "\(f.name)=\(f.value)"] }
        if let file {
            var spec = "file=@\(file)"
            if let fileType { spec += ";type=\(fileType)" }
            if let fileName { spec += ";filename=\(fileName)" }
            args += ["-F", spec]
        }
        args += extra
        args.append(url)
        let arguments = args
        let status = try await Blocking.run { try Shell.run(curl, arguments) }
        let body = (try? String(contentsOfFile: bodyPath, encoding: .utf8)) ?? ""
        let headers = (try? String(contentsOfFile: headPath, encoding: .utf8)) ?? ""
        return CurlAnswer(status: Int(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, body: body, headers: headers)
    }

    static func withFile<R>(_ bytes: [UInt8], name: String = "photo.txt", _ body: (String) async throws -> R) async throws -> R {
        let dir = try Shell.makeTemporaryDirectory("postobject-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try writeTestFile(path, bytes)
        return try await body(path)
    }

    static let content = Array("hello from a browser form\n".utf8)

    static let userForm: [PostPolicy.Condition] = [
        .startsWith(field: "key", prefix: "user-42/"), .contentLengthRange(min: 1, max: 1000),
        .equals(field: "Content-Type", value: "text/plain"),
    ]

    @Test func curlUploadsWithTheSignedFormAndTheObjectIsStoredWithItsHeaders() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let form = try await client.presignPostObject(
                bucket: "bkt", expires: 3600, conditions: Self.userForm,
                fields: [
                    ("key", "user-42/${filename}"), ("Content-Type", "text/plain"), ("x-oss-meta-owner", "ann"),
                    ("Cache-Control", "no-cache"), ("success_action_status", "201"),
                ])
            #expect(form.url.hasSuffix("/bkt/"))
            #expect(form.fields.first?.name == "key" && form.fields[1].name == "policy")
            let answer = try await Self.withFile(Self.content) { path in
                try await Self.curlPost(form.url, form.fields, file: path, fileType: "application/octet-stream")
            }
            #expect(answer.status == 201, "\(answer.body)")
            #expect(answer.body.contains("<PostResponse>") && answer.body.contains("<Key>user-42/photo.txt</Key>"))
            #expect(answer.body.contains("<Bucket>bkt</Bucket>"))
            #expect(answer.body.contains("<Location>\(server.url)/bkt/user-42/photo.txt</Location>"), "\(answer.body)")
            let got = try await client.getObject(bucket: "bkt", key: "user-42/photo.txt")
            #expect(got.body == Self.content)
            let head = try await client.headObject(bucket: "bkt", key: "user-42/photo.txt")
            // The form's Content-Type field wins over the file part's.
            #expect(head.contentType == "text/plain")
            #expect(head.userMetadata["owner"] == "ann")
            #expect(head.headers.contains { $0.name.lowercased() == "cache-control" && $0.value == "no-cache" })
        }
    }

    @Test func defaultsTo204AndTakesTheFilePartsContentTypeAndSTS() async throws {
        var config = mockConfiguration()
        config.credentials = [MockCredential(accessKeyId: "STSID", accessKeySecret: "sts-secret", securityToken: "sts-token")]
        try await withMockServer(configuration: config) { server in
            let client = try mockClient(server) {
                $0.credentialsProvider = StaticCredentialsProvider(
                    accessKeyId: "STSID", accessKeySecret: "sts-secret", securityToken: "sts-token")
            }
            let form = try await client.presignPostObject(
                bucket: "bkt", conditions: [.startsWith(field: "Content-Type", prefix: "image/")], fields: [("key", "a.png")])
            #expect(form.field("x-oss-security-token") == "sts-token")
            let answer = try await Self.withFile(Self.content) { path in
                try await Self.curlPost(form.url, form.fields, file: path, fileType: "image/png")
            }
            #expect(answer.status == 204, "\(answer.body)")
            #expect(answer.headers.lowercased().contains("etag:"))
            let head = try await client.headObject(bucket: "bkt", key: "a.png")
            #expect(head.contentType == "image/png")

            // Without the token (or with another one), the same form is refused.
            var noToken = form.fields
            noToken.removeAll { $0.name == "x-oss-security-token" }
            let refused = try await Self.withFile(Self.content) { path in
                try await Self.curlPost(form.url, noToken, file: path, fileType: "image/png")
            }
            #expect(refused.status == 403 && refused.code == "InvalidSecurityToken", "\(refused.body)")
        }
    }

    @Test func successActionRedirectAnswers303WithTheObject() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let form = try await client.presignPostObject(
                bucket: "bkt", fields: [("key", "r.txt"), ("success_action_redirect", "https://example.com/done?x=1")])
            let answer = try await Self.withFile(Self.content) { path in try await Self.curlPost(form.url, form.fields, file: path) }
            #expect(answer.status == 303)
            #expect(answer.headers.contains("Location: https://example.com/done?x=1&bucket=bkt&key=r.txt&etag="))
            #expect(await server.service.objectBytes(bucket: "bkt", key: "r.txt") == Self.content)
        }
    }

    @Test func aV1FormIsAcceptedToo() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let policy = PostPolicy(
                expiration: UTCTime.now().adding(seconds: 600),
                conditions: [.exact(field: "bucket", value: "bkt"), .equals(field: "key", value: "v1.txt")])
            let signature = PostObjectSigner.signatureV1(policyBase64: policy.base64, secret: MockCredential.demo.accessKeySecret)
            let fields: [(name: String, value: String)] = [
                ("key", "v1.txt"), ("OSSAccessKeyId", MockCredential.demo.accessKeyId), ("policy", policy.base64),
                ("Signature", signature),
            ]
            let url = "\(server.url)/bkt"
            let ok = try await Self.withFile(Self.content) { path in try await Self.curlPost(url, fields, file: path) }
            #expect(ok.status == 204, "\(ok.body)")
            var bad = fields
            bad[3].value = PostObjectSigner.signatureV1(policyBase64: policy.base64, secret: "not-the-secret")
            let refused = try await Self.withFile(Self.content) { path in try await Self.curlPost(url, bad, file: path) }
            #expect(refused.status == 403 && refused.code == "SignatureDoesNotMatch")
        }
    }

    /// Each way a form can break the policy or the protocol, as OSS answers it; nothing is stored.
    @Test func refusedForms() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let fields: [(String, String)] = [("key", "user-42/${filename}"), ("Content-Type", "text/plain")]
            let form = try await client.presignPostObject(bucket: "bkt", expires: 3600, conditions: Self.userForm, fields: fields)
            func post(
                _ fields: [(name: String, value: String)], bytes: [UInt8] = Self.content, file: Bool = true,
                type: String? = nil, extra: [String] = []
            ) async throws -> CurlAnswer {
                try await Self.withFile(bytes) { path in
                    try await Self.curlPost(form.url, fields, file: file ? path : nil, fileType: type, extra: extra)
                }
            }
            func replacing(_ name: String, _ value: String) -> [(name: String, value: String)] {
                form.fields.map { $0.name == name ? ($0.name, value) : $0 }
            }

            // Expired policy: signed two hours ago for one hour.
            let old = try await client.presignPostObject(
                bucket: "bkt", expires: 3600, conditions: Self.userForm, fields: fields, at: UTCTime.now().adding(seconds: -7200))
            let expired = try await Self.withFile(Self.content) { path in try await Self.curlPost(old.url, old.fields, file: path) }
            #expect(expired.status == 403 && expired.code == "AccessDenied")
            #expect(expired.body.contains("Invalid according to Policy: Policy expired."))

            // A wrong signature, and a policy changed after signing.
            let sig = form.field("x-oss-signature")!
            let flipped = (sig.first == "0" ? "1" : "0") + sig.dropFirst()
            let wrongSig = try await post(replacing("x-oss-signature", flipped))
            #expect(wrongSig.status == 403 && wrongSig.code == "SignatureDoesNotMatch")
            let loosened = PostPolicy(expiration: form.expiration, conditions: form.policy.conditions.filter {
                if case .contentLengthRange = $0 { return false }
                return true
            })
            let tampered = try await post(replacing("policy", loosened.base64), bytes: Array(repeating: 65, count: 5000))
            #expect(tampered.status == 403 && tampered.code == "SignatureDoesNotMatch")

            // starts-with on the key.
            let outside = try await post(replacing("key", "user-43/${filename}"))
            #expect(outside.status == 403 && outside.code == "AccessDenied")
            #expect(outside.body.contains(#"Policy Condition failed: [&quot;starts-with&quot;,&quot;$key&quot;,&quot;user-42/&quot;]"#)
                || outside.body.contains(#"Policy Condition failed: ["starts-with","$key","user-42/"]"#), "\(outside.body)")

            // content-length-range: too big, too small (empty).
            let big = try await post(form.fields, bytes: Array(repeating: 66, count: 1001))
            #expect(big.status == 400 && big.code == "EntityTooLarge")
            let small = try await post(form.fields, bytes: [])
            #expect(small.status == 400 && small.code == "EntityTooSmall")

            // eq on Content-Type: the form field says text/html.
            let html = try await post(replacing("Content-Type", "text/html"))
            #expect(html.status == 403 && html.body.contains("Policy Condition failed"), "\(html.body)")

            // No file part; no key field.
            let noFile = try await post(form.fields, file: false)
            #expect(noFile.status == 400 && noFile.code == "InvalidArgument" && noFile.body.contains("'file'"))
            let noKey = try await post(form.fields.filter { $0.name != "key" })
            #expect(noKey.status == 400 && noKey.code == "InvalidArgument" && noKey.body.contains("'key'"))

            // A body that is not a form, and a form that is cut short.
            let garbage = try await Self.curlPost(
                form.url, [], file: nil,
                extra: ["-H", "Content-Type: multipart/form-data; boundary=xyz", "--data-binary", "not a form at all"])
            #expect(garbage.status == 400 && garbage.code == "MalformedPOSTRequest")
            let cut = try await Self.curlPost(
                form.url, [], file: nil,
                extra: [
                    "-H", "Content-Type: multipart/form-data; boundary=xyz", "--data-binary",
                    "--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbytes",
                ])
            #expect(cut.status == 400 && cut.code == "MalformedPOSTRequest")
            let notMultipart = try await Self.curlPost(form.url, [], file: nil, extra: ["--data-binary", "key=a"])
            #expect(notMultipart.status == 400 && notMultipart.code == "MalformedPOSTRequest")

            // An unsigned form, with anonymous access off.
            let anonymous = try await post([("key", "user-42/anon.txt")])
            #expect(anonymous.status == 403 && anonymous.code == "AccessDenied")

            // A policy that is not JSON, signed correctly: the signature passes, the policy does not.
            let broken = Base64.encode(Array("{oops".utf8))
            let date = String(form.field("x-oss-date")!.prefix(8))
            let resigned = PostObjectSigner.signature(
                policyBase64: broken, secret: MockCredential.demo.accessKeySecret, date: date,
                region: server.configuration.region, product: "oss")
            let notJSON = try await post(replacing("policy", broken).map { $0.name == "x-oss-signature" ? ($0.name, resigned) : $0 })
            #expect(notJSON.status == 400 && notJSON.code == "InvalidPolicyDocument", "\(notJSON.body)")

            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
        }
    }

    /// Bad conditions and fields are refused before anything is signed.
    @Test func badInputIsRefusedBeforeSigning() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            func refusal(
                _ conditions: [PostPolicy.Condition], _ fields: [(String, String)] = [], bucket: String = "bkt", expires: Int64 = 60
            ) async -> OSSClientError? {
                do {
                    _ = try await client.presignPostObject(bucket: bucket, expires: expires, conditions: conditions, fields: fields)
                    return nil
                } catch { return error as? OSSClientError }
            }
            #expect(await refusal([.contentLengthRange(min: 5, max: 1)])?.kind == .invalidArgument)
            #expect(await refusal([.equals(field: "x-oss-date", value: "x")])?.message.contains("signer") == true)
            #expect(await refusal([.equals(field: "nonsense", value: "x")])?.message.contains("nonsense") == true)
            #expect(await refusal([.equals(field: "Content-Type", value: "a")], [("Content-Type", "b")])?.message.contains("breaks") == true)
            #expect(await refusal([], [("key", "/abs")])?.kind == .invalidArgument)
            #expect(await refusal([], [("success_action_status", "302")])?.kind == .invalidArgument)
            #expect(await refusal([], [("x-oss-signature", "x")])?.kind == .invalidArgument)
            #expect(await refusal([], bucket: "Bad_Bucket")?.kind == .invalidArgument)
            #expect(await refusal([], expires: 8 * 86_400)?.kind == .invalidArgument)
            #expect(server.service.requestLog.isEmpty)
        }
    }
}
