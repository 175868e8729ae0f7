import OSSCore
import Testing

@testable import OSSMockServer

/// Signatures made by the official Python SDK (alibabacloud-oss-v2) for key `ak-test`, secret
/// `sk-test`, at 2026-11-25T03:30:00Z.
@Suite struct MockAuthTests {
    let credentials = [MockCredential(accessKeyId: "ak-test", accessKeySecret: "sk-test")]
    let now = UTCTime(year: 2026, month: 11, day: 25, hour: 3, minute: 31)!

    func request(_ method: String, _ target: String, _ headers: [(String, String)]) -> MockRequest {
        MockRequest(method: method, target: target, headers: headers.map { (name: $0.0, value: $0.1) })
    }

    var v4Header: MockRequest {
        request(
            "PUT", "/bkt/dir/a%20b.txt?partNumber=2&uploadId=ABC",
            [
                ("Content-Type", "text/plain"), ("x-oss-meta-a", "b"), ("Host", "127.0.0.1:9000"), ("x-oss-date", "20261125T033000Z"),
                ("Date", "Wed, 25 Nov 2026 03:30:00 GMT"), ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
                (
                    "Authorization",
                    "OSS4-HMAC-SHA256 Credential=ak-test/20261125/cn-hangzhou/oss/aliyun_v4_request,Signature=d923ff22443111ed7864c3c8a3e0a8ac8374832864ad59f38c46a222673b455b"
                ),
            ])
    }

    var v1Header: MockRequest {
        request(
            "PUT", "/bkt/dir/a%20b.txt?partNumber=2&uploadId=ABC",
            [
                ("Content-Type", "text/plain"), ("x-oss-meta-a", "b"), ("Host", "127.0.0.1:9000"),
                ("Date", "Wed, 25 Nov 2026 03:30:00 GMT"), ("Authorization", "OSS ak-test:SNFWioCzAXUPI1oNdjuDFfW5dAU="),
            ])
    }

    let v4Query =
        "/bkt/dir/a%20b.txt?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20261125T033000Z&x-oss-expires=3600&x-oss-credential=ak-test%2F20261125%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-signature=e5b14f9fc7b40461e4dbd55cc01920b0f2cccd9d577165dec7f003841ac541d0"
    let v1Query = "/bkt/dir/a%20b.txt?OSSAccessKeyId=ak-test&Expires=1795581000&Signature=F%2FSo1W4%2BVo8evK5WRaoKtufRQ18%3D"

    func verify(_ r: MockRequest, at time: UTCTime? = nil, credentials: [MockCredential]? = nil) -> MockOSSError? {
        do {
            try MockAuth.verify(r, credentials: credentials ?? self.credentials, allowAnonymous: false, now: time ?? now, maximumSkew: 900)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsTheSDKsSignatures() {
        #expect(verify(v4Header) == nil)
        #expect(verify(v1Header) == nil)
        #expect(verify(request("GET", v4Query, [("Host", "127.0.0.1:9000")])) == nil)
        #expect(verify(request("GET", v1Query, [("Host", "127.0.0.1:9000")])) == nil)
    }

    @Test func aWrongSecretIsSignatureDoesNotMatch() {
        let wrong = [MockCredential(accessKeyId: "ak-test", accessKeySecret: "other")]
        for r in [v4Header, v1Header, request("GET", v4Query, []), request("GET", v1Query, [])] {
            let e = verify(r, credentials: wrong)
            #expect(e?.code == "SignatureDoesNotMatch")
            #expect(e?.status == 403)
            #expect(!(e?.fields.contains { $0.value.contains("other") } ?? true))
        }
    }

    @Test func aTamperedRequestIsSignatureDoesNotMatch() {
        var r = v4Header
        r.headers.append((name: "x-oss-meta-extra", value: "1"))
        #expect(verify(r)?.code == "SignatureDoesNotMatch")
        var q = v1Header
        q.method = "GET"
        #expect(verify(q)?.code == "SignatureDoesNotMatch")
    }

    @Test func anUnknownKeyIsInvalidAccessKeyId() {
        let other = [MockCredential(accessKeyId: "someone-else", accessKeySecret: "sk-test")]
        #expect(verify(v4Header, credentials: other)?.code == "InvalidAccessKeyId")
        #expect(verify(v1Header, credentials: other)?.code == "InvalidAccessKeyId")
    }

    @Test func aSkewedClockIsRequestTimeTooSkewedWithServerTime() {
        let later = now.adding(seconds: 3600)
        let e = verify(v4Header, at: later)
        #expect(e?.code == "RequestTimeTooSkewed")
        #expect(e?.fields.contains { $0.name == "ServerTime" && $0.value == later.rfc1123 } == true)
        #expect(verify(v1Header, at: later)?.code == "RequestTimeTooSkewed")
    }

    @Test func expiredPresignedURLsAreAccessDenied() {
        let later = now.adding(seconds: 7200)
        let e = verify(request("GET", v4Query, []), at: later)
        #expect(e?.code == "AccessDenied" && e?.message == "Request has expired.")
        #expect(verify(request("GET", v1Query, []), at: later)?.code == "AccessDenied")
    }

    @Test func anonymousRequestsAreDeniedUnlessAllowed() {
        #expect(verify(request("GET", "/bkt/k", []))?.code == "AccessDenied")
    }

    @Test func stsTokensMustMatch() {
        let sts = [MockCredential(accessKeyId: "ak-test", accessKeySecret: "sk-test", securityToken: "tok")]
        #expect(verify(v4Header, credentials: sts)?.code == "InvalidSecurityToken")
        #expect(!String(describing: sts[0]).contains("sk-test"))
    }

    @Test func errorResponsesCarryOSSFields() async throws {
        var c = MockServerConfiguration()
        c.credentials = credentials
        c.buckets = ["bkt"]
        let oss = try MockOSS(configuration: c)
        let r = await oss.handle(v1Header, body: MockMemoryBody([]))
        #expect(r.status == 403)
        let text = String(decoding: try await r.body.collect(), as: UTF8.self)
        #expect(text.contains("<Code>RequestTimeTooSkewed</Code>") || text.contains("<Code>SignatureDoesNotMatch</Code>"))
        #expect(text.contains("<RequestId>\(r.header("x-oss-request-id")!)</RequestId>"))
        #expect(r.header("x-oss-ec") != nil)
        #expect(!text.contains("sk-test"))
    }
}
