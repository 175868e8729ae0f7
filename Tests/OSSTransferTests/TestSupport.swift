import Foundation
import OSSTestSupport
import OSSCore
import Synchronization
@testable import OSSTransfer

/// A scratch directory removed when the test ends.
final class Scratch {
    let path: String

    init() {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/osswire-transfer-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes a file of `size` pseudo-random bytes (seeded) and returns its path and bytes.
    @discardableResult
    func file(_ name: String, size: Int, seed: UInt64 = 1) -> (path: String, bytes: [UInt8]) {
        let bytes = Scratch.bytes(size, seed: seed)
        let p = "\(path)/\(name)"
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return (p, bytes)
    }

    var checkpoints: String { "\(path)/checkpoints" }

    /// Files in the checkpoint directory.
    var checkpointFiles: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []
    }

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] { xorshiftBytes(count, seed: seed) }
}

/// Collects progress reports.
final class ProgressLog: Sendable {
    let values = PThreadMutex<[TransferProgress]>([])
    var handler: TransferProgressHandler { { p in self.values.withLock { $0.append(p) } } }
    var all: [TransferProgress] { values.withLock { $0 } }

    /// Whether no report before the last one shows the whole object, and only a report marked
    /// complete does (the bar's 100%).
    var fullOnlyWhenComplete: Bool {
        let v = all
        return v.allSatisfy { p in p.totalBytes == 0 || p.isComplete == (p.bytesTransferred >= p.totalBytes) }
            && v.dropLast().allSatisfy { !$0.isComplete }
    }

    var isMonotonic: Bool {
        let v = all
        return zip(v, v.dropFirst()).allSatisfy {
            $0.bytesTransferred <= $1.bytesTransferred && $0.partsDone <= $1.partsDone
        }
    }
}

extension Array where Element == LogEntry {
    /// Part numbers of successful UploadPart calls for an upload.
    func partsSent(_ uploadId: String) -> [Int] {
        filter { $0.operation == "UploadPart" && $0.uploadId == uploadId && $0.succeeded }.compactMap(\.partNumber)
            .sorted()
    }

    func count(_ operation: String) -> Int { filter { $0.operation == operation }.count }
}
