import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import Testing
@testable import OSSTransfer

@Suite("Downloads of one object version")
struct VersionDownloadTests {
    /// The Downloader given `reading(versionId:)` fetches that version in parallel ranges, while
    /// the current version is another one; an unknown version fails with NoSuchVersion.
    @Test func aDownloadOfAnOlderVersionInRanges() async throws {
        try await withMockServer(configuration: MockServerTransferTests.configuration()) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            try await client.putBucketVersioning("bucket-b", status: "Enabled")
            let (_, old) = scratch.file("old", size: (512 << 10) + 7, seed: 21)
            let (_, new) = scratch.file("new", size: 300 << 10, seed: 22)
            let v1 = try #require(try await client.putObject(bucket: "bucket-b", key: "k", body: .bytes(old)).versionId)
            try await client.putObject(bucket: "bucket-b", key: "k", body: .bytes(new))

            var options = DownloadOptions()
            options.partSize = 128 << 10
            options.checkpointDirectory = scratch.checkpoints
            let dest = scratch.path + "/dest"
            let ops = OSSClientOperations(client: client).reading(versionId: v1)
            let down = await Downloader(operations: ops, options: options).download(
                bucket: "bucket-b", key: "k", file: dest)
            #expect(down.state == .completed, "\(down)")
            #expect(FileManager.default.contents(atPath: dest).map { [UInt8]($0) } == old)
            #expect(down.crc64 == CRC64.checksum(old))
            let gets = server.service.requestLog.filter { $0.operation == "GetObject" }
            #expect(gets.count == 5 && gets.allSatisfy { $0.query.contains("versionId=") })

            let missing = await Downloader(
                operations: OSSClientOperations(client: client).reading(versionId: "CAEQnothing")
            )
            .download(bucket: "bucket-b", key: "k", file: scratch.path + "/none")
            #expect(missing.state == .failed && missing.errorCode == "NoSuchVersion", "\(missing)")
            await client.shutdown()
        }
    }
}
