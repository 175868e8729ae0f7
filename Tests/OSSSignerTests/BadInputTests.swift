import OSSCore
import OSSSigner
import Testing

/// Input the wire cannot carry fails with a clear error, never a signature.
@Suite("Bad input")
struct BadInputTests {
    static let time = utc(2024, 1, 1)

    func allSigners(_ r: SigningRequest, _ c: OSSCredentials = akSk, region: String = "cn-hangzhou") -> [() throws ->
        Void]
    {
        [
            { _ = try SignerV1().sign(r, credentials: c, time: Self.time) },
            { _ = try SignerV4(region: region).sign(r, credentials: c, time: Self.time) },
            { _ = try Presigner.v1().presign(r, credentials: c, time: Self.time, expires: 60) },
            {
                _ = try Presigner(version: .v4, region: region).presign(r, credentials: c, time: Self.time, expires: 60)
            },
        ]
    }

    @Test(arguments: [
        SigningRequest(method: "GET", bucket: "b", key: "a\nb"),
        SigningRequest(method: "GET", bucket: "b", key: "a\rb"),
        SigningRequest(method: "GET", bucket: "b", key: "a\r\nX-Evil: 1"),
        SigningRequest(method: "GET", bucket: "b\n", key: "k"),
        SigningRequest(method: "GET", bucket: "", key: "k"),
        SigningRequest(method: "GET", bucket: "a/b", key: "k"),
        SigningRequest(method: "GET", bucket: "evil.com?x=", key: "k"),
        SigningRequest(method: "GET", bucket: "user@host", key: "k"),
        SigningRequest(method: "GET", bucket: "b c", key: "k"),
        SigningRequest(method: "GET\r\n", bucket: "b", key: "k"),
        SigningRequest(method: "", bucket: "b", key: "k"),
        SigningRequest(method: "GET", bucket: "b", key: "k", headers: [("X-Oss-Meta-A\r\n", "v")]),
        SigningRequest(method: "GET", bucket: "b", key: "k", headers: [("X Oss", "v")]),
        SigningRequest(method: "GET", bucket: "b", key: "k", headers: [("", "v")]),
        SigningRequest(method: "GET", bucket: "b", key: "k", headers: [("x-oss-meta-a", "v\r\nX-Evil: 1")]),
        SigningRequest(method: "GET", bucket: "b", key: "k", headers: [("x-oss-meta-a", "v\n")]),
        SigningRequest(method: "GET", bucket: "b", key: "k", query: [("a\n", "v")]),
    ])
    func lineBreaksAndEmptyNamesAreRefused(request: SigningRequest) {
        for sign in allSigners(request) {
            let error = #expect(throws: SigningError.self) { try sign() }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test(arguments: [
        OSSCredentials(accessKeyId: "", accessKeySecret: "sk"),
        OSSCredentials(accessKeyId: "ak", accessKeySecret: ""),
        OSSCredentials(accessKeyId: "", accessKeySecret: ""),
        OSSCredentials(accessKeyId: "ak\r\n", accessKeySecret: "sk"),
        OSSCredentials(accessKeyId: "ak", accessKeySecret: "sk", securityToken: "t\nX: y"),
    ])
    func badCredentialsAreRefused(credentials: OSSCredentials) {
        for sign in allSigners(SigningRequest(method: "GET", bucket: "b", key: "k"), credentials) {
            let error = #expect(throws: SigningError.self) { try sign() }
            #expect(error?.code == .missingCredentials)
            #expect(error.map { !$0.description.contains("sk") || credentials.accessKeySecret.isEmpty } == true)
        }
    }

    @Test func v4NeedsARegion() {
        let r = SigningRequest(method: "GET", bucket: "b", key: "k")
        let header = #expect(throws: SigningError.self) {
            try SignerV4(region: "").sign(r, credentials: akSk, time: Self.time)
        }
        #expect(header?.code == .missingRegion)
        let query = #expect(throws: SigningError.self) {
            try Presigner(version: .v4, region: nil).presign(r, credentials: akSk, time: Self.time, expires: 60)
        }
        #expect(query?.code == .missingRegion)
        // V1 does not need one.
        #expect(throws: Never.self) {
            try Presigner(version: .v1, region: nil).presign(r, credentials: akSk, time: Self.time, expires: 60)
        }
    }

    @Test func errorsNeverCarryTheSecret() {
        let secret = "VERYSECRETVALUE"
        let c = OSSCredentials(accessKeyId: "ak", accessKeySecret: secret)
        let r = SigningRequest(method: "GET", bucket: "b", key: "bad\nkey")
        for sign in allSigners(r, c) {
            do {
                try sign()
                Issue.record("signed bad input")
            } catch {
                #expect(!"\(error)".contains(secret))
                #expect(!String(reflecting: error).contains(secret))
            }
        }
    }
}
