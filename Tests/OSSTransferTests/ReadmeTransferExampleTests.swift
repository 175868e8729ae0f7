import Foundation
import OSSClient
import OSSMockServer
import OSSSigner
import OSSTransfer
import Testing

/// README.md's OSSTransfer snippet, kept compiling and passing: pause, then resume with the same
/// UploadId. If this test changes, change the README with it.
@Suite struct ReadmeTransferExampleTests {
    @Test func pauseThenResumeAsTheReadmeShows() async throws {
        var serverConfig = MockServerConfiguration()
        serverConfig.buckets = ["my-bucket"]
        serverConfig.faults.maxReceiveRate = 2 << 20
        try await withMockServer(configuration: serverConfig) { server in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-transfer-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("big.iso").path
            try Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131) }).write(to: URL(fileURLWithPath: file))
            var config = try OSSClientConfiguration(endpoint: server.url, region: "cn-hangzhou")
            config.credentialsProvider = StaticCredentialsProvider(
                accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
            let client = try OSSClient(configuration: config)

            var options = UploadOptions()
            options.checkpointDirectory = dir.appendingPathComponent("checkpoints").path
            options.partSize = 256 << 10
            options.multipartThreshold = 256 << 10
            let handle = Uploader(operations: OSSClientOperations(client: client), options: options)
                .start(file: file, bucket: "my-bucket", key: "isos/big.iso")
            // Pause once the upload is under way on the server (no timing assumption).
            for _ in 0..<2000 where await server.service.uploadIds(bucket: "my-bucket").isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(50))
            handle.pause()
            let paused = await handle.outcome()
            #expect(paused.state == .paused)
            let uploadId = try #require(paused.uploadId)

            // The same call again resumes.
            server.service.setFaults(MockFaults())
            let resumed = await Uploader(operations: OSSClientOperations(client: client), options: options)
                .upload(file: file, bucket: "my-bucket", key: "isos/big.iso")
            #expect(resumed.state == .completed)
            #expect(resumed.uploadId == uploadId)
            #expect(await server.service.objectBytes(bucket: "my-bucket", key: "isos/big.iso")
                == Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        }
    }
}
