import OSSCore
import OSSSigner
import Testing

@Suite("Presigner")
struct PresignerTests {
    // aliyun/alibabacloud-oss-go-sdk-v2 oss/signer/signer_test.go TestV1AuthQuery case 1
    // (= aliyun/alibabacloud-oss-python-sdk-v2 tests/unit/signer/test_v1.py test_auth_query).
    @Test func sdkVectorV1() throws {
        let request = SigningRequest(method: "GET", bucket: "bucket", key: "key", query: [("versionId", "versionId")])
        let url = try Presigner.v1().presign(
            request, credentials: akSk, time: UTCTime(seconds: 1_699_807_420 - 900), expires: 900)
        #expect(
            url.url(scheme: "http", host: "oss-cn-hangzhou.aliyuncs.com", pathStyle: false)
                == "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?Expires=1699807420&OSSAccessKeyId=ak"
                + "&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D&versionId=versionId")
        #expect(url.expiration == UTCTime(seconds: 1_699_807_420))
    }

    // Go signer_test.go TestV1AuthQuery case 2 / Python test_v1.py test_auth_query_with_token:
    // a `+` in the key, the STS token signed as the `security-token` sub-resource.
    @Test func sdkVectorV1WithToken() throws {
        let request = SigningRequest(
            method: "GET", bucket: "bucket", key: "key+123", query: [("versionId", "versionId")])
        let url = try Presigner.v1().presign(
            request, credentials: akSkToken, time: UTCTime(seconds: 1_699_808_204 - 60), expires: 60)
        #expect(
            url.url(scheme: "http", host: "oss-cn-hangzhou.aliyuncs.com", pathStyle: false)
                == "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak"
                + "&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId")
    }

    // The OSS documentation's URL-signature example (GET /oss-example/oss-api.pdf, Expires 1141889120).
    @Test func documentationExampleV1() throws {
        let creds = OSSCredentials(
            accessKeyId: "44CF9590006BF252F707", accessKeySecret: "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV")
        let url = try Presigner.v1().presign(
            SigningRequest(method: "GET", bucket: "oss-example", key: "oss-api.pdf"), credentials: creds,
            time: UTCTime(seconds: 1_141_889_060), expires: 60)
        #expect(value(url.query, "Signature") == "EwaNTn1erJGkimiJ9WmXgwnANLc=")
        #expect(
            url.url(scheme: "https", host: "oss-cn-hangzhou.aliyuncs.com", pathStyle: true)
                == "https://oss-cn-hangzhou.aliyuncs.com/oss-example/oss-api.pdf?Expires=1141889120"
                + "&OSSAccessKeyId=44CF9590006BF252F707&Signature=EwaNTn1erJGkimiJ9WmXgwnANLc%3D")
    }

    func sdkV4Request() -> SigningRequest {
        SigningRequest(
            method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query: sdkQuery,
            headers: [
                ("x-oss-head1", "value"), ("abc", "value"), ("ZAbc", "value"), ("XYZ", "value"),
                ("content-type", "application/octet-stream"),
            ])
    }

    // Go signer_test.go TestV4AuthQuery / Python test_v4.py test_auth_query.
    @Test func sdkVectorV4() throws {
        let url = try Presigner(version: .v4, region: "cn-hangzhou").presign(
            sdkV4Request(), credentials: akSk, time: UTCTime(seconds: 1_702_781_677), expires: 599)
        #expect(value(url.query, "x-oss-signature-version") == "OSS4-HMAC-SHA256")
        #expect(value(url.query, "x-oss-expires") == "599")
        #expect(value(url.query, "x-oss-credential") == "ak/20231217/cn-hangzhou/oss/aliyun_v4_request")
        #expect(
            value(url.query, "x-oss-signature") == "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe")
        #expect(value(url.query, "x-oss-additional-headers") == nil)
        #expect(url.queryString.contains("x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"))
    }

    // Go signer_test.go TestV4AuthQueryToken / Python test_v4.py test_auth_query_with_token.
    @Test func sdkVectorV4WithToken() throws {
        let url = try Presigner(version: .v4, region: "cn-hangzhou").presign(
            sdkV4Request(), credentials: akSkToken, time: UTCTime(seconds: 1_702_785_388), expires: 599)
        #expect(value(url.query, "x-oss-date") == "20231217T035628Z")
        #expect(value(url.query, "x-oss-security-token") == "token")
        #expect(
            value(url.query, "x-oss-signature") == "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5")
    }

    // Go signer_test.go TestV4AuthQueryWithAdditionalHeaders (both cases).
    @Test(arguments: [["ZAbc", "abc"], ["x-oss-no-exist", "abc", "x-oss-head1", "ZAbc"]])
    func sdkVectorV4WithAdditionalHeaders(additional: [String]) throws {
        let url = try Presigner(version: .v4, region: "cn-hangzhou", additionalHeaders: additional).presign(
            sdkV4Request(), credentials: akSk, time: UTCTime(seconds: 1_702_783_809), expires: 599)
        #expect(value(url.query, "x-oss-date") == "20231217T033009Z")
        #expect(value(url.query, "x-oss-additional-headers") == "abc;zabc")
        #expect(
            value(url.query, "x-oss-signature") == "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7")
        #expect(url.queryString.contains("x-oss-additional-headers=abc%3Bzabc"))
    }

    // Go signer_test.go TestV4AuthQueryWithCloudBox (both cases).
    @Test(
        arguments: [
            (1_702_781_677, ["ZAbc", "abc"], "07284191b9b4978ac3520cd39ee2dea2747eda454089359371ff463a6c7ba20f"),
            (
                1_702_783_809, ["x-oss-no-exist", "abc", "x-oss-head1", "ZAbc"],
                "16782cc8a7a554523db055eb804b508522e7e370073108ad88ee2f47496701dd"
            ),
        ] as [(Int64, [String], String)])
    func sdkVectorV4CloudBox(seconds: Int64, additional: [String], signature: String) throws {
        let presigner = Presigner.v4(SignerV4(region: "cb-123", product: "oss-cloudbox", additionalHeaders: additional))
        let url = try presigner.presign(
            sdkV4Request(), credentials: akSk, time: UTCTime(seconds: seconds), expires: 599)
        #expect(value(url.query, "x-oss-credential") == "ak/20231217/cb-123/oss-cloudbox/aliyun_v4_request")
        #expect(value(url.query, "x-oss-signature") == signature)
    }

    // Independently computed with Python: the URL the CLI prints for
    // `presign oss://bucket/a/b.txt --at 20231217T025437Z --endpoint http://127.0.0.1:9000 --region cn-hangzhou`.
    @Test func pathStyleV4URL() throws {
        let url = try Presigner(version: .v4, region: "cn-hangzhou").presign(
            SigningRequest(method: "GET", bucket: "bucket", key: "a/b.txt"), credentials: akSk,
            time: UTCTime(seconds: 1_702_781_677), expires: 900)
        #expect(
            url.url(scheme: "http", host: "127.0.0.1:9000", pathStyle: true)
                == "http://127.0.0.1:9000/bucket/a/b.txt?x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"
                + "&x-oss-date=20231217T025437Z&x-oss-expires=900"
                + "&x-oss-signature=b73e39a64552462c1c780e0129269678ebcabf1e0df7ea7b08b7cfffa37d1f7d"
                + "&x-oss-signature-version=OSS4-HMAC-SHA256")
    }

    @Test func urlPathEncodesTheKey() throws {
        let url = try Presigner(version: .v4, region: "r").presign(
            SigningRequest(method: "GET", bucket: "b", key: "a b/c+d?#%😀"), credentials: akSk, time: utc(2024, 1, 1),
            expires: 60)
        let text = url.url(scheme: "https", host: "oss-r.aliyuncs.com", pathStyle: false)
        #expect(text.hasPrefix("https://b.oss-r.aliyuncs.com/a%20b/c%2Bd%3F%23%25%F0%9F%98%80?"))
    }

    @Test func v4ExpiryLimits() throws {
        let presigner = Presigner(version: .v4, region: "cn-hangzhou")
        let request = SigningRequest(method: "GET", bucket: "b", key: "k")
        _ = try presigner.presign(request, credentials: akSk, time: utc(2024, 1, 1), expires: 604_800)
        for bad: Int64 in [604_801, 0, -1] {
            let error = #expect(throws: SigningError.self) {
                try presigner.presign(request, credentials: akSk, time: utc(2024, 1, 1), expires: bad)
            }
            #expect(error?.code == .invalidExpiration)
        }
        // V1 has no upper bound.
        _ = try Presigner.v1().presign(request, credentials: akSk, time: utc(2024, 1, 1), expires: 30 * 86_400)
    }
}
