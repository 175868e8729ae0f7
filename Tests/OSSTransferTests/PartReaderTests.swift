import Foundation
import OSSCore
import Testing
@testable import OSSTransfer

@Suite("Part reader and progress")
struct PartReaderTests {
    @Test("a range is read in buffer-sized chunks with its CRC64")
    func readsRange() async throws {
        let scratch = Scratch()
        let (path, bytes) = scratch.file("f", size: 1_000_003)
        let reader = try PartReader(path: path, buffers: 1, bufferSize: 4096)
        var got: [UInt8] = []
        var largest = 0
        let crc = try await reader.read(offset: 12_345, length: 500_000) { chunk in
            got.append(contentsOf: chunk)
            largest = max(largest, chunk.count)
        }
        #expect(got == Array(bytes[12_345..<512_345]))
        #expect(crc == CRC64.checksum(got))
        #expect(largest == 4096)
    }

    @Test("many parts read at once never allocate more buffers than the pool holds")
    func boundedPool() async throws {
        let scratch = Scratch()
        let (path, bytes) = scratch.file("f", size: 1 << 20)
        let file = try FileDescriptor.open(path, .readOnly)
        let pool = BufferPool(capacity: 3, bufferSize: 8192)
        let reader = PartReader(file: file, pool: pool)
        let crcs = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
            for i in 0..<16 {
                group.addTask { (i, try await reader.crc64(offset: Int64(i) << 16, length: 1 << 16)) }
            }
            var out: [Int: UInt64] = [:]
            for try await (i, c) in group { out[i] = c }
            return out
        }
        for i in 0..<16 { #expect(crcs[i] == CRC64.checksum(Array(bytes[(i << 16)..<((i + 1) << 16)]))) }
        #expect(pool.allocatedCount <= 3)
    }

    @Test("a file shorter than the range fails as a changed source")
    func truncated() async throws {
        let scratch = Scratch()
        let (path, _) = scratch.file("f", size: 1000)
        let reader = try PartReader(path: path)
        await #expect(throws: TransferError.self) { try await reader.crc64(offset: 500, length: 600) }
    }

    @Test("aggregate progress never goes back when a part restarts, and counts resumed parts")
    func monotonicProgress() {
        let log = ProgressLog()
        let agg = ProgressAggregator(totalBytes: 400, partsTotal: 4, handler: log.handler)
        agg.resumed(parts: 1, bytes: 100)
        agg.part(2, at: 60)
        agg.part(3, at: 50)
        agg.part(2, at: 10)  // part 2 retried from the start
        agg.part(2, at: 70)
        agg.finished(2, size: 100)
        agg.finished(3, size: 100)
        agg.finished(4, size: 100)
        let v = log.all
        #expect(v.first?.bytesTransferred == 100)
        #expect(v.first?.bytesResumed == 100)
        #expect(log.isMonotonic)
        // Every part done, but the object is not complete yet: one byte short of 100%.
        #expect(
            v.last
                == TransferProgress(
                    bytesTransferred: 399, totalBytes: 400, partsDone: 4, partsTotal: 4, bytesResumed: 100))
        #expect(!v.contains { $0.bytesTransferred >= 400 })
        agg.completed()
        #expect(
            log.all.last
                == TransferProgress(
                    bytesTransferred: 400, totalBytes: 400, partsDone: 4, partsTotal: 4, bytesResumed: 100,
                    isComplete: true))
        #expect(log.isMonotonic)
        #expect(agg.bytesThisRun == 300)
    }

    @Test("the same file named two ways has one identity; a changed file does not")
    func identity() throws {
        let scratch = Scratch()
        let (path, _) = scratch.file("f", size: 10)
        let a = try FileIdentity.of(path)
        #expect(a.difference(from: try FileIdentity.of(path)) == nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data([1]))
        try h.close()
        #expect(try FileIdentity.of(path).difference(from: a) != nil)
    }
}
