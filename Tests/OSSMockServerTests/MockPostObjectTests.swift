import OSSCore
import OSSProtocol
import Testing

@testable import OSSMockServer

/// The mock's PostObject form parser and limits, in process (the signed flows run with curl in
/// OSSClientTests/PostObjectTests).
@Suite struct MockPostObjectTests {
    static func form(_ parts: [(String, String)], file: String?, boundary: String = "b0undary", after: [(String, String)] = [])
        -> [UInt8]
    {
        var s = "preamble a form may carry\r\n"
        for (n, v) in parts { s += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(n)\"\r\n\r\n\(v)\r\n" }
        if let file {
            s += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".txt\"\r\n"
            s += "Content-Type: text/plain\r\n\r\n\(file)\r\n"
        }
        for (n, v) in after { s += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(n)\"\r\n\r\n\(v)\r\n" }
        s += "--\(boundary)--\r\n"
        return Array(s.utf8)
    }

    @Test func anAnonymousFormIsParsedAsOSSReadsIt() async throws {
        let oss = try anonymousService()
        let body = Self.form(
            [("KEY", "dir/${filename}"), ("x-oss-meta-Color", "red")], file: "line one\r\n--b0undar not a boundary",
            after: [("x-oss-meta-late", "ignored")])
        let a = try await send(
            oss, "POST", "/bkt", headers: [("Content-Type", "multipart/form-data; boundary=\"b0undary\"")], body: body)
        #expect(a.status == 204, "\(a.text)")
        let key = "dir/a \"q\".txt"
        #expect(await oss.objectBytes(bucket: "bkt", key: key) == Array("line one\r\n--b0undar not a boundary".utf8))
        let head = try await send(oss, "HEAD", "/bkt/dir/a%20%22q%22.txt")
        #expect(head.header("content-type") == "text/plain")
        #expect(head.header("x-oss-meta-color") == "red")
        #expect(head.header("x-oss-meta-late") == nil)
    }

    @Test func tooLargeAndMalformedBodiesAreRefused() async throws {
        let oss = try anonymousService()
        let type = ("Content-Type", "multipart/form-data; boundary=b0undary")
        let request = MockRequest(method: "POST", target: "/bkt", headers: [("Host", "127.0.0.1:9000"), type])
        let big = await oss.handle(request, body: MockMemoryBody([], announcedLength: Int64(MockOSS.postObjectBodyLimit) + 1))
        #expect(big.status == 400 && big.errorCode == "EntityTooLarge")
        let noEnd = try await send(oss, "POST", "/bkt", headers: [type], body: Array("--b0undary\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk".utf8))
        #expect(noEnd.code == "MalformedPOSTRequest")
        let noName = try await send(oss, "POST", "/bkt", headers: [type], body: Array("--b0undary\r\nContent-Type: text/plain\r\n\r\nk\r\n--b0undary--".utf8))
        #expect(noName.code == "MalformedPOSTRequest")
        let noBoundary = try await send(oss, "POST", "/bkt", headers: [("Content-Type", "multipart/form-data")], body: [1])
        #expect(noBoundary.code == "MalformedPOSTRequest")
        let badPolicy = try await send(oss, "POST", "/bkt", headers: [type], body: Self.form([("key", "k"), ("policy", "%%%")], file: "x"))
        #expect(badPolicy.status == 400 && badPolicy.code == "InvalidPolicyDocument")
        let badStorage = try await send(
            oss, "POST", "/bkt", headers: [type], body: Self.form([("key", "k"), ("x-oss-storage-class", "Gold")], file: "x"))
        #expect(badStorage.code == "InvalidArgument")
        let badKey = try await send(oss, "POST", "/bkt", headers: [type], body: Self.form([("key", "/abs")], file: "x"))
        #expect(badKey.code == "InvalidObjectName")
        let noBucket = try await send(oss, "POST", "/nobkt", headers: [type], body: Self.form([("key", "k")], file: "x"))
        #expect(noBucket.code == "NoSuchBucket")
        #expect(oss.objectKeys(bucket: "bkt").isEmpty)
    }
}
