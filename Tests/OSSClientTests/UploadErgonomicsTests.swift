import Foundation
import OSSCore
import OSSMockServer
import OSSProtocol
import OSSTestSupport
import Testing

@testable import OSSClient

/// Issue 16, upload ergonomics: Content-Type from the file name, the headers an upload sets
/// (single PUT and multipart), upload callbacks, and the checks made before a byte is sent.
@Suite("Upload headers, Content-Type and callbacks against the mock")
struct UploadErgonomicsTests {
    static let part = (0..<(100 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> (dir: String, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osswire-upload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (dir, path)
    }

    static func everything() -> UploadHeaders {
        var h = UploadHeaders(contentType: "text/x-custom", metadata: ["owner": "ann", "project": "wire"])
        h.cacheControl = "max-age=60"
        h.contentDisposition = "attachment; filename=\"r.txt\""
        h.storageClass = "IA"
        h.acl = "private"
        h.tagging = UploadHeaders.tagging([("team", "a b"), ("env", "prod")])
        h.serverSideEncryption = "KMS"
        h.serverSideEncryptionKeyId = "key-1"
        return h
    }

    static func expectEverything(_ m: ObjectMetadata) {
        #expect(m.contentType == "text/x-custom")
        #expect(m.userMetadata == ["owner": "ann", "project": "wire"])
        #expect(m.headers.first { $0.name.lowercased() == "cache-control" }?.value == "max-age=60")
        #expect(m.headers.first { $0.name.lowercased() == "content-disposition" }?.value == "attachment; filename=\"r.txt\"")
        #expect(m.storageClass == "IA")
        #expect(m.headers.first { $0.name.lowercased() == "x-oss-server-side-encryption" }?.value == "KMS")
        #expect(m.headers.first { $0.name.lowercased() == "x-oss-server-side-encryption-key-id" }?.value == "key-1")
    }

    @Test("a file without a Content-Type gets its extension's; an unknown extension stays octet-stream")
    func contentTypeFromExtension() async throws {
        let page = try Self.temporaryFile("index.HTML", Array("<p>hi</p>".utf8))
        defer { try? FileManager.default.removeItem(atPath: page.dir) }
        let other = try Self.temporaryFile("data.qqq", [1, 2, 3])
        defer { try? FileManager.default.removeItem(atPath: other.dir) }
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            try await client.putObject(bucket: "bkt", key: "site/index", body: .file(page.path))
            #expect(try await client.headObject(bucket: "bkt", key: "site/index").contentType == "text/html")
            // No extension on the file: the key's.
            try await client.putObject(bucket: "bkt", key: "img/logo.png", body: .file(other.path))
            #expect(try await client.headObject(bucket: "bkt", key: "img/logo.png").contentType == "image/png")
            try await client.putObject(bucket: "bkt", key: "raw", body: .file(other.path))
            #expect(try await client.headObject(bucket: "bkt", key: "raw").contentType == "application/octet-stream")
            // A Content-Type given wins.
            try await client.putObject(
                bucket: "bkt", key: "given", body: .file(page.path), options: PutObjectOptions(contentType: "text/plain"))
            #expect(try await client.headObject(bucket: "bkt", key: "given").contentType == "text/plain")
        }
        #expect(ContentType.forName("a/b.tar.GZ") == "application/gzip")
        #expect(ContentType.forName("dir.v2/README") == nil)
        #expect(ContentType.forName(".bashrc") == nil)
    }

    @Test("PutObject and a multipart upload both give the object every header set")
    func headersOnPutAndMultipart() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let headers = Self.everything()
            let put = try await client.putObject(bucket: "bkt", key: "single", body: .bytes([1, 2, 3]), headers: headers)
            #expect(put.callbackBody == nil)
            Self.expectEverything(try await client.headObject(bucket: "bkt", key: "single"))

            let id = try await client.initiateMultipartUpload(bucket: "bkt", key: "multi", headers: headers).uploadId
            var parts: [CompleteMultipartUpload.Part] = []
            for n in 1...2 {
                let p = try await client.uploadPart(bucket: "bkt", key: "multi", uploadId: id, partNumber: n, body: .bytes(Self.part))
                parts.append(CompleteMultipartUpload.Part(partNumber: n, eTag: p.etag))
            }
            try await client.completeMultipartUpload(bucket: "bkt", key: "multi", uploadId: id, parts: parts)
            let head = try await client.headObject(bucket: "bkt", key: "multi")
            Self.expectEverything(head)
            #expect(head.objectType == "Multipart")
            // GET gives them too.
            let got = try await client.getObject(bucket: "bkt", key: "multi", range: ByteRange(0...9))
            Self.expectEverything(got.metadata)
            // The answers of the upload's steps name its encryption, as OSS's do.
            let (initiated, _) = try await client.send(
                .initiateMultipartUpload(bucket: "bkt", key: "sse", options: PutObjectOptions(uploadHeaders: headers)))
            #expect(initiated.header("x-oss-server-side-encryption") == "KMS")
            #expect(initiated.header("x-oss-server-side-encryption-key-id") == "key-1")
            let sseId = try InitiateMultipartUploadResult.decode(
                try await client.send(.initiateMultipartUpload(bucket: "bkt", key: "sse2", options: PutObjectOptions(uploadHeaders: headers))).1
            ).uploadId
            let (part, _) = try await client.send(
                .uploadPart(bucket: "bkt", key: "sse2", uploadId: sseId, partNumber: 1, body: .bytes([1, 2])))
            #expect(part.header("x-oss-server-side-encryption") == "KMS")
        }
    }

    @Test("bad headers and callbacks are refused before a byte is sent", arguments: [
        { (h: inout UploadHeaders) in h.storageClass = "Glacier" },
        { (h: inout UploadHeaders) in h.acl = "public" },
        { (h: inout UploadHeaders) in h.tagging = String(repeating: "k", count: 129) + "=v" },
        { (h: inout UploadHeaders) in h.tagging = "k=" + String(repeating: "v", count: 257) },
        { (h: inout UploadHeaders) in h.tagging = "a=1&a=2" },
        { (h: inout UploadHeaders) in h.tagging = "=v" },
        { (h: inout UploadHeaders) in h.tagging = "k=%zz" },
        { (h: inout UploadHeaders) in h.serverSideEncryption = "AES128" },
        { (h: inout UploadHeaders) in h.serverSideEncryptionKeyId = "k" },
        { (h: inout UploadHeaders) in h.metadata = ["bad name": "v"] },
        { (h: inout UploadHeaders) in h.contentType = "text/plain\r\nx: y" },
        { (h: inout UploadHeaders) in h.callback = UploadCallback(url: "", body: "b") },
        { (h: inout UploadHeaders) in h.callback = UploadCallback(url: "http://127.0.0.1:1/", body: "") },
        { (h: inout UploadHeaders) in h.callback = UploadCallback(url: "ftp://host/", body: "b") },
        { (h: inout UploadHeaders) in h.callback = UploadCallback(url: "http://h/", body: "b", bodyType: "text/plain") },
        { (h: inout UploadHeaders) in
            h.callback = UploadCallback(url: "http://h/", body: "b", variables: ["name": "v"])
        },
    ] as [@Sendable (inout UploadHeaders) -> Void])
    func refusedBeforeSending(_ breakIt: @Sendable (inout UploadHeaders) -> Void) async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            var h = UploadHeaders()
            breakIt(&h)
            await #expect(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bkt", key: "k", body: .bytes([1]), headers: h)
            }
            await #expect(throws: OSSClientError.self) {
                try await client.initiateMultipartUpload(bucket: "bkt", key: "k", headers: h)
            }
            if let callback = h.callback {
                await #expect(throws: OSSClientError.self) {
                    try await client.completeMultipartUpload(
                        bucket: "bkt", key: "k", uploadId: "id", parts: [.init(partNumber: 1, eTag: "\"e\"")],
                        callback: callback)
                }
            }
            #expect(server.service.requestLog.isEmpty)
        }
    }

    @Test("the mock refuses a callback header that is not base64 JSON with a URL and a body")
    func mockRefusesBadCallback() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            for value in ["not base64!", Base64.encode(Array("{\"callbackUrl\":\"http://h/\"}".utf8))] {
                var options = PutObjectOptions()
                options.headers = [(UploadCallback.header, value)]
                let error = await #expect(throws: OSSServiceError.self) {
                    try await client.putObject(bucket: "bkt", key: "cb", body: .bytes([1]), options: options)
                }
                #expect(error?.code == "InvalidArgument")
            }
            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
            var options = PutObjectOptions()
            options.headers = [(UploadHeaders.serverSideEncryptionHeader, "AES128")]
            let error = await #expect(throws: OSSServiceError.self) {
                try await client.putObject(bucket: "bkt", key: "sse", body: .bytes([1]), options: options)
            }
            #expect(error?.code == "InvalidEncryptionAlgorithmError")
        }
    }

    @Test("callback on PutObject and CompleteMultipartUpload: the callback server gets the variables, the caller its answer")
    func callbackSucceeds() async throws {
        let peer = try ScriptedPeer { _ in PeerResponse(200, [("Content-Type", "application/json")], body: Array("{\"ok\":true}".utf8)) }
        // OSS's 5 s for the callback is a clock, and a loaded machine can miss it: this test
        // checks what the callback gets and gives back, so the mock waits as long as it takes.
        var configuration = mockConfiguration()
        configuration.callbackTimeout = .seconds(3600)
        do {
            try await withMockServer(configuration: configuration) { server in
                let client = try mockClient(server)
                var h = UploadHeaders(contentType: "text/plain")
                h.callback = UploadCallback(
                    url: peer.endpoint + "/notify",
                    body: "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&who=${x:who}",
                    variables: ["x:who": "ann"])
                let put = try await client.putObject(bucket: "bkt", key: "a.txt", body: .bytes(Array("hello".utf8)), headers: h)
                #expect(put.callbackBody == Array("{\"ok\":true}".utf8))
                #expect(!put.etag.isEmpty)
                let first = try #require(peer.received.first)
                #expect(first.method == "POST")
                #expect(first.path == "/notify")
                #expect(first.header("content-type") == UploadCallback.formBodyType)
                let etag = put.etag.replacingOccurrences(of: "\"", with: "")
                #expect(
                    String(decoding: first.body, as: UTF8.self)
                        == "bucket=bkt&object=a.txt&etag=\(etag)&size=5&mimeType=text/plain&who=ann")

                // Multipart: the callback goes on the Complete, with a JSON body.
                var m = UploadHeaders()
                m.callback = UploadCallback(
                    url: peer.endpoint + "/multi", body: "{\"object\":\"${object}\",\"size\":${size}}",
                    bodyType: UploadCallback.jsonBodyType)
                let id = try await client.initiateMultipartUpload(bucket: "bkt", key: "m\"q", headers: m).uploadId
                let p = try await client.uploadPart(bucket: "bkt", key: "m\"q", uploadId: id, partNumber: 1, body: .bytes(Self.part))
                let done = try await client.completeMultipartUpload(
                    bucket: "bkt", key: "m\"q", uploadId: id, parts: [.init(partNumber: 1, eTag: p.etag)], callback: m.callback)
                #expect(done.callbackBody == Array("{\"ok\":true}".utf8))
                #expect(done.result.eTag.hasSuffix("-1\""))
                let second = try #require(peer.received.last)
                #expect(second.path == "/multi")
                #expect(second.header("content-type") == "application/json")
                #expect(String(decoding: second.body, as: UTF8.self) == "{\"object\":\"m\\\"q\",\"size\":\(Self.part.count)}")
                #expect(peer.received.count == 2)
            }
        } catch {
            await peer.stopAndWait()
            throw error
        }
        await peer.stopAndWait()
    }

    @Test("a failed callback is 203 CallbackFailed: the client says the object was stored, and it is")
    func callbackFails() async throws {
        let peer = try ScriptedPeer { _ in PeerResponse(500, body: Array("no".utf8)) }
        // A port bound and never listening while the test runs: the connect is refused (a port
        // freed by a stopped server could be handed to another test's server meanwhile).
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let closedURL = refusing.url + "/x"
        do {
            try await withMockServer(configuration: mockConfiguration()) { server in
                let client = try mockClient(server)
                for (n, url) in [peer.endpoint + "/cb", closedURL].enumerated() {
                    var h = UploadHeaders()
                    h.callback = UploadCallback(url: url, body: "object=${object}")
                    let key = "stored-\(n)"
                    let error = await #expect(throws: OSSServiceError.self) {
                        try await client.putObject(bucket: "bkt", key: key, body: .bytes([7, 7]), headers: h)
                    }
                    #expect(error?.statusCode == 203)
                    #expect(error?.code == "CallbackFailed")
                    #expect(error?.message.contains("the object was stored") == true)
                    #expect(await server.service.objectBytes(bucket: "bkt", key: key) == [7, 7])
                }
                // Only one try each: a 203 is not retried.
                #expect(server.service.requestLog.filter { $0.operation == "PutObject" }.count == 2)

                var m = UploadHeaders()
                m.callback = UploadCallback(url: peer.endpoint + "/cb", body: "object=${object}")
                let id = try await client.initiateMultipartUpload(bucket: "bkt", key: "mp", headers: m).uploadId
                let p = try await client.uploadPart(bucket: "bkt", key: "mp", uploadId: id, partNumber: 1, body: .bytes(Self.part))
                let error = await #expect(throws: OSSServiceError.self) {
                    try await client.completeMultipartUpload(
                        bucket: "bkt", key: "mp", uploadId: id, parts: [.init(partNumber: 1, eTag: p.etag)], callback: m.callback)
                }
                #expect(error?.code == "CallbackFailed")
                #expect(await server.service.objectBytes(bucket: "bkt", key: "mp") == Self.part)
            }
        } catch {
            await peer.stopAndWait()
            throw error
        }
        await peer.stopAndWait()
    }
}
