import Foundation
import OSSTestSupport
import Testing

@Suite("presign command")
struct PresignCommandTests {
    let creds = ["OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "sk"]

    // The OSS documentation's URL-signature example (also asserted by SDK tests):
    // GET /oss-example/oss-api.pdf, Expires 1141889120, Signature EwaNTn1erJGkimiJ9WmXgwnANLc=.
    @Test func v1DocumentationExample() async throws {
        let r = try await Products.runOSSWire(
            [
                "presign", "oss://oss-example/oss-api.pdf", "--signature-version", "1", "--at", "2006-03-09T07:24:20Z",
                "--expires", "60", "--endpoint", "oss-cn-hangzhou.aliyuncs.com",
            ],
            environment: [
                "OSS_ACCESS_KEY_ID": "44CF9590006BF252F707",
                "OSS_ACCESS_KEY_SECRET": "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout
                == "https://oss-example.oss-cn-hangzhou.aliyuncs.com/oss-api.pdf?Expires=1141889120"
                + "&OSSAccessKeyId=44CF9590006BF252F707&Signature=EwaNTn1erJGkimiJ9WmXgwnANLc%3D\n")
    }

    // Signature computed independently (Python hmac/hashlib implementation of the V4 canonical
    // request); an IP-address endpoint implies path-style addressing.
    @Test func v4AgainstIPEndpointIsPathStyleAndReproducible() async throws {
        let args = [
            "presign", "oss://bucket/a/b.txt", "--at", "20231217T025437Z", "--endpoint", "http://127.0.0.1:9000",
            "--region", "cn-hangzhou",
        ]
        let expected =
            "http://127.0.0.1:9000/bucket/a/b.txt?x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"
            + "&x-oss-date=20231217T025437Z&x-oss-expires=900"
            + "&x-oss-signature=b73e39a64552462c1c780e0129269678ebcabf1e0df7ea7b08b7cfffa37d1f7d"
            + "&x-oss-signature-version=OSS4-HMAC-SHA256\n"
        let first = try await Products.runOSSWire(args, environment: creds)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == expected)
        // The same with --at in extended form gives the same URL.
        var extended = args
        extended[3] = "2023-12-17T02:54:37Z"
        #expect(try await Products.runOSSWire(extended, environment: creds).stdout == expected)
    }

    @Test func regionAndEndpointFromTheEnvironment() async throws {
        var env = creds
        env["OSS_ENDPOINT"] = "https://oss-cn-shanghai.aliyuncs.com"
        let r = try await Products.runOSSWire(
            ["presign", "oss://my-bucket/dir/file name.txt", "--at", "2024-02-29T12:00:00Z"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("https://my-bucket.oss-cn-shanghai.aliyuncs.com/dir/file%20name.txt?"))
        #expect(r.stdout.contains("x-oss-credential=ak%2F20240229%2Fcn-shanghai%2Foss%2Faliyun_v4_request"))
        #expect(r.stdout.contains("x-oss-date=20240229T120000Z"))

        env["OSS_REGION"] = "cn-beijing"
        env["OSS_ENDPOINT"] = nil
        let fromRegion = try await Products.runOSSWire(
            [
                "presign", "oss://b/k", "--at", "2024-02-29T12:00:00Z", "--path-style", "--method", "put", "--expires",
                "60",
            ],
            environment: env)
        #expect(fromRegion.status == 0, "\(fromRegion.stderr)")
        #expect(fromRegion.stdout.hasPrefix("https://oss-cn-beijing.aliyuncs.com/b/k?"))
        #expect(fromRegion.stdout.contains("x-oss-expires=60&"))
    }

    @Test func stsTokenGoesIntoTheURL() async throws {
        var env = creds
        env["OSS_SESSION_TOKEN"] = "tok+en/1"
        let v4 = try await Products.runOSSWire(
            ["presign", "oss://b/k", "--endpoint", "oss-cn-hangzhou.aliyuncs.com", "--at", "2024-01-01T00:00:00Z"],
            environment: env)
        #expect(v4.stdout.contains("x-oss-security-token=tok%2Ben%2F1"))
        let v1 = try await Products.runOSSWire(
            ["presign", "oss://b/k", "--endpoint", "oss-cn-hangzhou.aliyuncs.com", "--signature-version", "1"], environment: env
        )
        #expect(v1.stdout.contains("security-token=tok%2Ben%2F1"))
    }

    @Test func missingCredentialsFailWithoutPrintingASecret() async throws {
        let r = try await Products.runOSSWire(
            ["presign", "oss://b/k", "--endpoint", "oss-cn-hangzhou.aliyuncs.com"],
            environment: ["OSS_ACCESS_KEY_ID": "ak", "OSS_SECRET_DECOY": "do-not-print"])
        // A configuration mistake, like every usage mistake: exit 2.
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("OSS_ACCESS_KEY_SECRET"))
        #expect(!r.stderr.contains("do-not-print"))
    }

    @Test func configurationMistakesExitTwo() async throws {
        // V4 expiry over 7 days, and none at all.
        let long = try await Products.runOSSWire(
            ["presign", "oss://b/k", "--endpoint", "oss-cn-hangzhou.aliyuncs.com", "--expires", "604801"],
            environment: ["OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "SECRETSECRET"])
        #expect(long.status == 2)
        #expect(long.stdout.isEmpty)
        #expect(long.stderr.contains("604800"))
        #expect(!long.stderr.contains("SECRETSECRET"))
        let zero = try await Products.runOSSWire(
            ["presign", "oss://b/k", "--endpoint", "oss-cn-hangzhou.aliyuncs.com", "--expires", "0"], environment: creds)
        #expect(zero.status == 2 && zero.stderr.contains("--expires"), "\(zero.stderr)")
        // V4 without any region.
        let noRegion = try await Products.runOSSWire(["presign", "oss://b/k", "--endpoint", "http://127.0.0.1:9000"], environment: creds)
        #expect(noRegion.status == 2)
        #expect(noRegion.stderr.contains("region"))
        // ...while V1 needs none.
        let v1 = try await Products.runOSSWire(
            ["presign", "oss://b/k", "--endpoint", "http://127.0.0.1:9000", "--signature-version", "1"], environment: creds)
        #expect(v1.status == 0)
        #expect(v1.stdout.hasPrefix("http://127.0.0.1:9000/b/k?Expires="))
    }

    @Test(arguments: [
        ["presign"],
        ["presign", "oss://b"],
        ["presign", "oss://b/"],
        ["presign", "s3://b/k"],
        ["presign", "oss://b/k", "oss://b/k2"],
        ["presign", "oss://b/k", "--expires", "soon"],
        ["presign", "oss://b/k", "--signature-version", "2"],
        ["presign", "oss://b/k", "--at", "yesterday"],
        ["presign", "oss://b/k", "--bogus"],
        ["presign", "oss://b/k", "--endpoint", "ftp://x"],
    ])
    func usageErrorsExitTwo(args: [String]) async throws {
        var env = creds
        env["OSS_ENDPOINT"] = "oss-cn-hangzhou.aliyuncs.com"
        let r = try await Products.runOSSWire(args, environment: env)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func noEndpointIsAUsageError() async throws {
        let r = try await Products.runOSSWire(["presign", "oss://b/k"], environment: creds)
        #expect(r.status == 2)
        #expect(r.stderr.contains("endpoint"))
    }
}
