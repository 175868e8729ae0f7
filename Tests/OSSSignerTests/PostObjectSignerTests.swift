import OSSCore
import OSSProtocol
import Testing

@testable import OSSSigner

/// The V4 POST policy signature (browser uploads), checked against values computed with
/// Python's `hmac`/`hashlib`/`base64` (independent of this code).
@Suite struct PostObjectSignerTests {
    static let time = UTCTime(year: 2026, month: 12, day: 5, hour: 13, minute: 0, second: 0)!

    @Test func signatureIsHexHMACSHA256OfTheBase64PolicyUnderTheV4Key() {
        let policy = PostPolicy(
            expiration: UTCTime(year: 2026, month: 12, day: 5, hour: 14)!, conditions: [.exact(field: "bucket", value: "bkt")])
        #expect(policy.json == #"{"expiration":"2026-12-05T14:00:00.000Z","conditions":[{"bucket":"bkt"}]}"#)
        let b64 = "eyJleHBpcmF0aW9uIjoiMjAyNi0xMi0wNVQxNDowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiYmt0In1dfQ=="
        #expect(policy.base64 == b64)
        #expect(
            PostObjectSigner.signature(policyBase64: b64, secret: "secret", date: "20261205", region: "cn-hangzhou", product: "oss")
                == "ab8a80959756e2fd70db7176918847aa01d391e879b2767babc335ad9d6b66f0")
        #expect(PostObjectSigner.signatureV1(policyBase64: b64, secret: "secret") == "dYd07D2CFZ5lVe+oQKORB9qQnDY=")
    }

    @Test func theFormCarriesTheV4FieldsInOrderAndThePolicyTheirConditions() throws {
        let creds = OSSCredentials(accessKeyId: "AK", accessKeySecret: "secret", securityToken: "tok")
        let form = try PostObjectSigner(region: "cn-hangzhou").sign(
            bucket: "bkt", conditions: [.startsWith(field: "key", prefix: "u/"), .contentLengthRange(min: 1, max: 10)],
            fields: [("success_action_status", "201"), ("key", "u/${filename}")], credentials: creds, time: Self.time,
            expires: 600)
        #expect(form.fields.map(\.name) == [
            "key", "policy", "x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-signature",
            "x-oss-security-token", "success_action_status",
        ])
        #expect(form.field("x-oss-credential") == "AK/20261205/cn-hangzhou/oss/aliyun_v4_request")
        #expect(form.field("x-oss-date") == "20261205T130000Z")
        #expect(form.expiration == Self.time.adding(seconds: 600))
        let decoded = try PostPolicy(json: Base64.decode(form.field("policy")!)!)
        #expect(decoded == form.policy)
        #expect(decoded.conditions.contains(.exact(field: "bucket", value: "bkt")))
        #expect(decoded.conditions.contains(.exact(field: "x-oss-signature-version", value: "OSS4-HMAC-SHA256")))
        #expect(decoded.conditions.contains(.exact(field: "x-oss-credential", value: form.field("x-oss-credential")!)))
        #expect(decoded.conditions.contains(.exact(field: "x-oss-date", value: "20261205T130000Z")))
        #expect(decoded.conditions.contains(.exact(field: "x-oss-security-token", value: "tok")))
        #expect(
            form.field("x-oss-signature")
                == PostObjectSigner.signature(
                    policyBase64: form.field("policy")!, secret: "secret", date: "20261205", region: "cn-hangzhou",
                    product: "oss"))
        // The token is in the form, never in an error or description.
        #expect(!String(describing: creds).contains("secret"))
    }

    @Test func badInputProducesNothing() {
        let creds = OSSCredentials(accessKeyId: "AK", accessKeySecret: "secret")
        let signer = PostObjectSigner(region: "cn-hangzhou")
        func refused(_ conditions: [PostPolicy.Condition], _ fields: [(name: String, value: String)] = [], expires: Int64 = 60)
            -> SigningError?
        {
            do {
                _ = try signer.sign(bucket: "bkt", conditions: conditions, fields: fields, credentials: creds, time: Self.time, expires: expires)
                return nil
            } catch { return error as? SigningError }
        }
        #expect(refused([.contentLengthRange(min: 10, max: 1)])?.code == .invalidInput)
        #expect(refused([.contentLengthRange(min: -1, max: 1)])?.code == .invalidInput)
        #expect(refused([.equals(field: "x-oss-credential", value: "x")])?.message.contains("signer") == true)
        #expect(refused([.equals(field: "favourite-colour", value: "x")])?.message.contains("favourite-colour") == true)
        #expect(refused([.startsWith(field: "bucket", prefix: "b")]) != nil)
        #expect(refused([.exact(field: "bucket", value: "other")])?.message.contains("other") == true)
        #expect(refused([.equals(field: "success_action_status", value: "302")]) != nil)
        #expect(refused([.startsWith(field: "key", prefix: "u/")], [("key", "v/a")])?.message.contains("breaks") == true)
        #expect(refused([], [("policy", "x")]) != nil)
        #expect(refused([], [("file", "x")]) != nil)
        #expect(refused([], [("x-oss-meta-a", "1\r\nInjected: 1")]) != nil)
        #expect(refused([], expires: 0)?.code == .invalidExpiration)
        #expect(refused([], expires: 604_801)?.code == .invalidExpiration)
        #expect(throws: SigningError.self) {
            try PostObjectSigner(region: "").sign(bucket: "bkt", conditions: [], fields: [], credentials: creds, time: Self.time, expires: 60)
        }
    }

    @Test func policyJSONDecodesOSSForms() throws {
        let text = #"""
            { "expiration": "2026-12-05T14:00:00Z", "conditions": [ {"bucket": "b"}, ["eq", "$key", "a\u00e9\"b"],
              ["starts-with", "$Content-Type", "image/"], ["content-length-range", 0, 1048576],
              ["in", "$x-oss-meta-k", ["1", "2"]], ["not-in", "$cache-control", ["no-cache"]] ] }
            """#
        let p = try PostPolicy(json: Array(text.utf8))
        #expect(p.expiration == UTCTime(year: 2026, month: 12, day: 5, hour: 14)!)
        #expect(p.conditions == [
            .exact(field: "bucket", value: "b"), .equals(field: "key", value: "aé\"b"),
            .startsWith(field: "Content-Type", prefix: "image/"), .contentLengthRange(min: 0, max: 1_048_576),
            .oneOf(field: "x-oss-meta-k", values: ["1", "2"]), .noneOf(field: "cache-control", values: ["no-cache"]),
        ])
        // Round trip through the encoder.
        #expect(try PostPolicy(json: Array(p.json.utf8)) == p)
        for bad in [
            "", "{", "[]", #"{"conditions":[]}"#, #"{"expiration":"tomorrow","conditions":[]}"#,
            #"{"expiration":"2026-12-05T14:00:00Z"}"#, #"{"expiration":"2026-12-05T14:00:00Z","conditions":[["eq","key","x"]]}"#,
            #"{"expiration":"2026-12-05T14:00:00Z","conditions":[["content-length-range",5,1]]}"#,
            #"{"expiration":"2026-12-05T14:00:00Z","conditions":[["content-length-range",1,"test"]]}"#,
            #"{"expiration":"2026-12-05T14:00:00Z","conditions":[["matches","$key","x"]]}"#,
            #"{"expiration":"2026-12-05T14:00:00Z","conditions":[]} x"#,
        ] {
            #expect(throws: ValidationError.self, "\(bad)") { try PostPolicy(json: Array(bad.utf8)) }
        }
    }
}
