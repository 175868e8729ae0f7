import OSSCore
import OSSSigner
import Testing

@testable import OSSClient

/// How a signed request's headers come out of `SignerAdapter`: what the caller set, then what the
/// signer adds, each name once.
@Suite("SignerAdapter: the signer's headers merged into the request's")
struct SignerAdapterTests {
    @Test("the signer's headers replace the caller's of the same names, any case; the rest keep their order")
    func merge() async throws {
        var configuration = try OSSClientConfiguration(endpoint: "http://127.0.0.1:9", region: "cn-hangzhou")
        configuration.credentialsProvider = StaticCredentialsProvider(accessKeyId: "LTAIexample", accessKeySecret: "example-secret")
        let adapter = SignerAdapter(configuration: configuration)
        var headers: [(name: String, value: String)] = [
            ("authorization", "stale"), ("Content-Type", "text/plain"), ("X-OSS-DATE", "19700101T000000Z"),
            ("x-oss-meta-a", "1"), ("X-Oss-Content-Sha256", "stale"), ("Date", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ]
        try await adapter.sign(
            method: "PUT", bucket: "b", key: "k", query: [], headers: &headers, time: UTCTime(seconds: 1_800_000_000))
        let names = headers.map { $0.name.lowercased() }
        // Each name once.
        #expect(Set(names).count == names.count, "\(names)")
        // The caller's other fields first, in their order, then the signer's.
        #expect(names == ["content-type", "x-oss-meta-a", "x-oss-date", "date", "x-oss-content-sha256", "authorization"])
        // What the signer added replaced the stale ones.
        let value = { (name: String) in headers.first { $0.name.lowercased() == name }?.value }
        #expect(value("authorization")?.hasPrefix("OSS4-HMAC-SHA256 Credential=LTAIexample/") == true, "\(headers)")
        #expect(value("x-oss-date") == "20270115T080000Z")
        #expect(value("x-oss-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(value("date") == "Fri, 15 Jan 2027 08:00:00 GMT")
    }
}
