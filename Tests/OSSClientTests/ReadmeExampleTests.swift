import Foundation
import OSSClient
import OSSMockServer
import OSSSigner
import Testing

/// The library example of README.md, kept compiling and passing here: if this test changes,
/// change the README with it.
@Suite struct ReadmeExampleTests {
    @Test func createUploadListDownloadCancel() async throws {
        var serverConfig = MockServerConfiguration()
        serverConfig.buckets = ["my-bucket"]
        try await withMockServer(configuration: serverConfig) { server in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let source = dir.appendingPathComponent("report.csv").path
            let bytes = [UInt8]((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try Data(bytes).write(to: URL(fileURLWithPath: source))
            let copy = dir.appendingPathComponent("copy.csv").path

            // --- README example starts ---
            var config = try OSSClientConfiguration(endpoint: server.url, region: "cn-hangzhou")
            config.credentialsProvider = StaticCredentialsProvider(
                accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
            let client = try OSSClient(configuration: config)

            // Upload a file (streamed with pread, CRC64 checked against the server's).
            let put = try await client.putObject(bucket: "my-bucket", key: "reports/2026.csv", body: .file(source))
            print("stored", put.etag, put.crc64 ?? 0)

            // List, page by page.
            for try await page in client.listObjectsV2Pages(bucket: "my-bucket", .init(prefix: "reports/")) {
                for object in page.contents { print(object.key, object.size ?? 0) }
            }

            // Download to a file (written to a temporary name, renamed when complete and checked).
            try await client.getObject(bucket: "my-bucket", key: "reports/2026.csv", toFile: copy)

            // Cancel: a Task's cancellation resets the connection at once, mid-body; what had not left
            // the host is discarded, so the server cannot store the object unless bodyFullySent is true.
            let upload = Task { try await client.putObject(bucket: "my-bucket", key: "big", body: .file(source)) }
            upload.cancel()
            do {
                _ = try await upload.value
            } catch let error as OSSClientError {
                print(error.code, error.bodyFullySent ?? false)  // ClientError:200042 false
            }
            // --- README example ends ---

            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(bytes))
            // The example cancels a task that may already be running, so either can win (under
            // ThreadSanitizer the upload once finished first). What the call said holds either
            // way: a success stored the file; a cancel that says the body did not all leave
            // stored nothing (and it is the cancelled-task code).
            let stored = await server.service.objectBytes(bucket: "my-bucket", key: "big")
            switch await upload.result {
            case .success:
                #expect(stored == bytes)
            case .failure(let error):
                let e = try #require(error as? OSSClientError, "\(error)")
                #expect(e.code == "ClientError:200042")
                if e.bodyFullySent != true { #expect(stored == nil) }
            }
        }
    }

    /// The README's `withDedicatedThread` example.
    @Test func smallRequestsOnADedicatedThread() async throws {
        var serverConfig = MockServerConfiguration()
        serverConfig.buckets = ["my-bucket"]
        try await withMockServer(configuration: serverConfig) { server in
            var config = try OSSClientConfiguration(endpoint: server.url, region: "cn-hangzhou")
            config.credentialsProvider = StaticCredentialsProvider(
                accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
            let client = try OSSClient(configuration: config)
            let smallObjects = (0..<5).map { i in ("small/\(i)", [UInt8](repeating: UInt8(i), count: 4096)) }

            // --- README example starts ---
            let results = try await OSSClient.withDedicatedThread {
                var etags: [String] = []
                for (key, bytes) in smallObjects {
                    etags.append(try await client.putObject(bucket: "my-bucket", key: key, body: .bytes(bytes)).etag)
                }
                return etags
            }
            // --- README example ends ---

            #expect(results.count == smallObjects.count && results.allSatisfy { !$0.isEmpty })
            for (key, bytes) in smallObjects {
                #expect(await server.service.objectBytes(bucket: "my-bucket", key: key) == bytes)
            }
            await client.shutdown()
        }
    }
}
