import OSSCore
import Testing

@testable import OSSProtocol

/// Issue 16, upload ergonomics: the models both sides share.
@Suite("Upload headers, callbacks and Content-Type: the shared models")
struct UploadHeadersModelTests {
    @Test("a callback survives its headers: the mock reads what the client writes")
    func callbackRoundTrip() throws {
        let callback = UploadCallback(
            url: "http://127.0.0.1:9/a;https://backup.example/b", body: "{\"k\":\"${object}\",\"q\":\"\\\"\"}",
            bodyType: UploadCallback.jsonBodyType, host: "cb.example", sni: true, variables: ["x:who": "ann \u{263A}"])
        try callback.validate()
        let headers = callback.headers
        #expect(headers.map(\.0) == [UploadCallback.header, UploadCallback.variablesHeader])
        let read = try UploadCallback(header: headers[0].1, variablesHeader: headers[1].1)
        #expect(read == callback)
    }

    @Test("callbacks OSS refuses are refused", arguments: [
        UploadCallback(url: "", body: "b"), UploadCallback(url: "http://h/;", body: "b"),
        UploadCallback(url: "http://a/;http://b/;http://c/;http://d/;http://e/;http://f/", body: "b"),
        UploadCallback(url: "h/", body: "b"), UploadCallback(url: "http://h/", body: ""),
        UploadCallback(url: "http://h/", body: "b", bodyType: "text/xml"),
        UploadCallback(url: "http://h/", body: "b", host: ""),
        UploadCallback(url: "http://h/", body: "b", variables: ["x:Upper": "v"]),
        UploadCallback(url: "http://h/\r\n", body: "b"),
    ])
    func badCallbacks(_ callback: UploadCallback) {
        #expect(throws: ValidationError.self) { try callback.validate() }
    }

    @Test("headers that are not base64 JSON objects are refused by the reader")
    func badCallbackHeaders() {
        for text in ["%%%", Base64.encode(Array("[1]".utf8)), Base64.encode(Array("{\"callbackUrl\":1}".utf8)),
            Base64.encode(Array("{\"callbackUrl\":\"http://h/\",\"callbackBody\":\"b\"} x".utf8))]
        {
            #expect(throws: ValidationError.self) { try UploadCallback(header: text, variablesHeader: nil) }
        }
    }

    @Test("tagging: URL-encoded pairs within OSS's limits")
    func tagging() throws {
        let text = UploadHeaders.tagging([("a b", "c&d"), ("empty", "")])
        #expect(text == "a%20b=c%26d&empty=")
        let tags = try UploadRules.parseTagging(text)
        #expect(tags.map(\.key) == ["a b", "empty"] && tags.map(\.value) == ["c&d", ""])
        let eleven = (0..<11).map { "k\($0)=v" }.joined(separator: "&")
        for bad in [eleven, "=v", "a=1&a=2", String(repeating: "k", count: 129) + "=v", "k=%G0"] {
            #expect(throws: ValidationError.self) { try UploadRules.parseTagging(bad) }
        }
        #expect(try UploadRules.parseTagging(String(repeating: "k", count: 128) + "=" + String(repeating: "v", count: 256)).count == 1)
    }

    @Test("Content-Type by extension, case-insensitive, last component only")
    func contentType() {
        #expect(ContentType.forName("INDEX.HTM") == "text/html")
        #expect(ContentType.forName("/a.b/c.JSON") == "application/json")
        #expect(ContentType.forName("photo.jpeg") == "image/jpeg")
        #expect(ContentType.forName("archive.") == nil)
        #expect(ContentType.forName("a.b/noext") == nil)
        #expect(ContentType.forName("x.unknownext") == nil)
    }

    @Test("the object headers in a stable order, the callback apart")
    func objectHeaders() {
        var h = UploadHeaders(contentType: "text/plain", metadata: ["b": "2", "a": "1"])
        h.serverSideEncryption = "KMS"
        h.serverSideEncryptionKeyId = "k"
        h.callback = UploadCallback(url: "http://h/", body: "b")
        #expect(h.objectHeaders.map(\.0) == [
            "Content-Type", "x-oss-meta-a", "x-oss-meta-b", "x-oss-server-side-encryption", "x-oss-server-side-encryption-key-id",
        ])
        #expect(h.callbackHeaders.map(\.0) == ["x-oss-callback"])
        #expect(UploadHeaders().isEmpty && !h.isEmpty)
    }
}
