import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSTransfer

struct MatrixError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One row of the matrix: a fault and how to inject it for an operation.
struct Fault: Sendable {
    var name: String
    /// How the fault is injected, for the table.
    var how: @Sendable (Operation) -> String
    /// The mock faults for an operation (`faultOperation`/`faultTimes` are set by the runner).
    var faults: @Sendable (Operation) -> MockFaults
    /// A client-side setting (the slow reader on download).
    var receiveRateLimit: @Sendable (Operation) -> Int? = { _ in nil }
    /// Restart the server instead of injecting faults (before the request, or between parts).
    var restart = false
    /// Whether the fault strikes once (`fault-times 1`) or on every request.
    var once = true
}

let allFaults: [Fault] = [
    Fault(
        name: "reset mid-body",
        how: { op in
            op == .download
                ? "`close-after-headers` (the response body never comes)"
                : "`reset-after-bytes \(Settings.midBody)`"
        },
        faults: { op in
            var f = MockFaults()
            if op == .download { f.closeAfterHeaders = true } else { f.resetAfterBodyBytes = Settings.midBody }
            return f
        }),
    Fault(
        name: "stall",
        how: { op in
            op == .download
                ? "`response-delay-ms 5000` (idle timeout 2 s)"
                : "`stall-after-bytes \(Settings.midBody)` (idle timeout 2 s)"
        },
        faults: { op in
            var f = MockFaults()
            if op == .download { f.responseDelay = .seconds(5) } else { f.stallAfterBodyBytes = Settings.midBody }
            return f
        }),
    Fault(
        name: "slow reader",
        how: { op in
            op == .download
                ? "client reads at \(Settings.slowRate) B/s (`receiveRateLimit`)"
                : "`max-recv-rate \(Settings.slowRate)` (every request)"
        },
        faults: { op in
            var f = MockFaults()
            if op != .download { f.maxReceiveRate = Settings.slowRate }
            return f
        },
        receiveRateLimit: { op in op == .download ? Settings.slowRate : nil }),
    Fault(
        name: "5xx",
        how: { op in "`fail \(op.faultedOperation):1:503:ServiceUnavailable`" },
        faults: { op in
            var f = MockFaults()
            f.errorRules = [MockErrorRule(operation: op.faultedOperation, nth: 1, status: 503, code: "ServiceUnavailable")]
            return f
        }),
    Fault(
        name: "403 + `Connection: close` mid-body",
        how: { op in
            op == .download
                ? "`fail GetObject:1:403:AccessDenied` + `connection-close` (no request body)"
                : "`forbidden-after-bytes \(Settings.midBody)`"
        },
        faults: { op in
            var f = MockFaults()
            if op == .download {
                f.errorRules = [MockErrorRule(operation: "GetObject", nth: 1, status: 403, code: "AccessDenied")]
                f.connectionClose = true
            } else {
                f.forbiddenAfterBodyBytes = Settings.midBody
            }
            return f
        }),
    Fault(
        name: "truncated response",
        how: { _ in "`truncate-response` (half of head + body, then close)" },
        faults: { _ in
            var f = MockFaults()
            f.truncateResponse = true
            return f
        }),
    Fault(
        name: "garbage response",
        how: { _ in "`garbage-response`" },
        faults: { _ in
            var f = MockFaults()
            f.garbageResponse = true
            return f
        }),
    Fault(
        name: "wrong CRC",
        how: { _ in "`wrong-crc64`" },
        faults: { _ in
            var f = MockFaults()
            f.wrongCRC64 = true
            return f
        }),
    Fault(
        name: "server restart between parts",
        how: { op in
            switch op {
            case .put: "restart before the PUT (pooled connection goes stale)"
            case .multipart: "restart after part 1 (new, empty store)"
            case .uploader: "part 2 refused (403) so the run stops with its checkpoint; restart; run again"
            case .download: "restart after the upload, before the GET (new, empty store)"
            }
        },
        faults: { _ in MockFaults() }, restart: true),
]

/// Runs one cell: a fresh server and client, the fault, the operation, then the check.
func runCell(_ fault: Fault, _ op: Operation, file: String, data: [UInt8], scratch: String) async -> CellResult {
    let key = "cell/\(op.faultedOperation)/\(fault.name.filter { $0.isLetter || $0.isNumber })"
    let download = scratch + "/download-\(op.faultedOperation)-\(fault.name.filter { $0.isLetter })"
    try? FileManager.default.removeItem(atPath: download)
    var configuration = MockServerConfiguration()
    configuration.buckets = [Settings.bucket]
    let box: ServerBox
    let client: OSSClient
    do {
        box = ServerBox(try MockOSSServer(configuration: configuration))
        client = try makeClient(box.server)
    } catch {
        return CellResult(
            fault: fault.name, operation: op, outcome: "setup failed", succeeded: false, recovery: "-",
            check: "\(error)", checkHolds: false, attempts: 0, seconds: 0)
    }
    client.setReceiveRateLimit(fault.receiveRateLimit(op))

    @Sendable func inject() {
        var f = fault.faults(op)
        if fault.once {
            f.faultOperation = op.faultedOperation
            f.faultTimes = 1
        }
        box.server.service.setFaults(f)
    }

    let started = ContinuousClock.now
    let outcome = await withHangGuard(Settings.hangGuard, onTimeout: { client.disableRequests() }) {
        () async -> (error: (any Error)?, recovery: String) in
        do {
            switch op {
            case .put:
                if fault.restart {
                    // A first request leaves a pooled keep-alive connection to the old server.
                    try await client.putObject(bucket: Settings.bucket, key: key + ".warm", body: .bytes([1, 2, 3]))
                    try await box.restart()
                } else {
                    inject()
                }
                try await client.putObject(bucket: Settings.bucket, key: key, body: .file(file))
                return (nil, "")
            case .multipart:
                if !fault.restart { inject() }
                let how = try await MultipartRun(client: client, box: box, key: key, file: file, data: data)
                    .run(restartAfterFirstPart: fault.restart)
                return (nil, how)
            case .uploader:
                var options = UploadOptions()
                options.partSize = Settings.partSize
                options.multipartThreshold = Settings.partSize
                options.jobs = 2
                options.checkpointDirectory = scratch + "/checkpoints"
                if fault.restart {
                    var f = MockFaults()
                    f.errorRules = [MockErrorRule(operation: "UploadPart", nth: 2, status: 403, code: "AccessDenied", count: 1000)]
                    box.server.service.setFaults(f)
                } else {
                    inject()
                }
                let first = await Uploader(operations: OSSClientOperations(client: client), options: options)
                    .upload(file: file, bucket: Settings.bucket, key: key)
                if first.state == .completed { return (nil, "") }
                if fault.restart { try await box.restart() }
                // The same upload run again: resumes from its checkpoint.
                let second = await Uploader(operations: OSSClientOperations(client: client), options: options)
                    .upload(file: file, bucket: Settings.bucket, key: key)
                let firstError = first.error.map(describe) ?? first.errorCode ?? "\(first.state)"
                if second.state == .completed {
                    return (nil, "first run \(first.state) (\(firstError)); second run resumed \(second.partsResumed) of \(second.partsTotal) parts")
                }
                return (second.error ?? MatrixError("second run \(second.state): \(second.errorCode ?? "")"), "")
            case .download:
                try await client.putObject(bucket: Settings.bucket, key: key, body: .file(file))
                if fault.restart { try await box.restart() } else { inject() }
                try await client.getObject(bucket: Settings.bucket, key: key, toFile: download)
                return (nil, "")
            }
        } catch {
            return (error, "")
        }
    }
    let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        + Double((ContinuousClock.now - started).components.seconds)

    // Release a stalled server request, then let its log entry land.
    box.server.service.setFaults(MockFaults())
    try? await Task.sleep(for: .milliseconds(150))
    let attempts = box.server.service.requestLog.filter { $0.operation == op.faultedOperation && $0.key == key }.count

    var result = CellResult(
        fault: fault.name, operation: op, outcome: "", succeeded: false, recovery: "-", check: "", checkHolds: false,
        attempts: attempts, seconds: seconds)
    guard let outcome else {
        result.outcome = "HANG (over \(Settings.hangGuard))"
        result.check = "not checked"
        await client.shutdown()
        return result
    }
    if let error = outcome.error {
        result.outcome = "failed: \(describe(error))"
        result.error = "\(error)"
    } else {
        result.succeeded = true
        result.outcome = "succeeded"
        if !outcome.recovery.isEmpty {
            result.recovery = outcome.recovery
        } else if op == .multipart || op == .uploader {
            result.recovery = "none needed"
        } else {
            result.recovery = attempts > 1 ? "retry (\(attempts) attempts)" : "none needed"
        }
    }
    let partCount = (Int64(Settings.fileSize) + Settings.partSize - 1) / Settings.partSize
    if op == .multipart || op == .uploader, result.succeeded, result.recovery == "none needed", attempts > partCount {
        result.recovery = "retry (\(attempts) UploadPart for \(partCount) parts)"
    }

    // The check: a stored object equals the file; a failure stored nothing wrong.
    switch op {
    case .put, .multipart, .uploader:
        let stored = await box.server.service.objectBytes(bucket: Settings.bucket, key: key)
        if result.succeeded {
            result.checkHolds = stored == data
            result.check = result.checkHolds ? "stored object = file" : "STORED OBJECT DIFFERS"
        } else if let stored {
            result.checkHolds = stored == data
            result.check = result.checkHolds ? "failure reported; the object stored = file" : "WRONG OBJECT STORED"
        } else {
            result.checkHolds = true
            result.check = "failure reported; nothing stored"
        }
    case .download:
        let got = FileManager.default.contents(atPath: download).map { [UInt8]($0) }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: scratch))?.filter {
            $0.hasPrefix((download as NSString).lastPathComponent + ".")
        } ?? []
        if result.succeeded {
            result.checkHolds = got == data && leftovers.isEmpty
            result.check = result.checkHolds ? "downloaded file = object" : "DOWNLOADED FILE DIFFERS"
        } else {
            result.checkHolds = got == nil && leftovers.isEmpty
            result.check = result.checkHolds ? "failure reported; no file written" : "A PARTIAL FILE WAS LEFT"
        }
    }
    await client.shutdown()
    box.server.service.setFaults(MockFaults())
    let server = box.server
    _ = await withHangGuard(.seconds(10), onTimeout: {}) { await server.stop() }
    try? FileManager.default.removeItem(atPath: download)
    return result
}

/// A multipart upload made of the client's primitives: initiate, upload each part, and on a
/// part's failure resume by listing the parts the server has; on `NoSuchUpload` start afresh.
struct MultipartRun {
    let client: OSSClient
    let box: ServerBox
    let key: String
    let file: String
    let data: [UInt8]

    /// - Returns: how it recovered (`""` when it needed nothing beyond the client's own retries).
    func run(restartAfterFirstPart: Bool) async throws -> String {
        let size = Int64(data.count)
        let count = Int((size + Settings.partSize - 1) / Settings.partSize)
        func range(_ n: Int) -> (Int64, Int64) {
            let offset = Int64(n - 1) * Settings.partSize
            return (offset, min(Settings.partSize, size - offset))
        }
        func partCRC(_ n: Int) -> UInt64 {
            let (o, l) = range(n)
            return CRC64.checksum(Array(data[Int(o)..<Int(o + l)]))
        }
        var recovery: [String] = []
        var fresh = false
        while true {
            let uploadId = try await client.initiateMultipartUpload(bucket: Settings.bucket, key: key).uploadId
            var etags: [Int: String] = [:]
            do {
                for n in 1...count {
                    if etags[n] != nil { continue }
                    let (o, l) = range(n)
                    do {
                        let r = try await client.uploadPart(
                            bucket: Settings.bucket, key: key, uploadId: uploadId, partNumber: n,
                            body: .file(file, offset: o, length: l))
                        etags[n] = r.etag
                    } catch let e as OSSServiceError where e.code == "NoSuchUpload" {
                        throw e
                    } catch {
                        // Resume: keep the parts the server holds intact, send the others again.
                        recovery.append("resume after part \(n) failed (\(describe(error)))")
                        let listed = try await client.listParts(bucket: Settings.bucket, key: key, uploadId: uploadId)
                        for p in listed.parts where p.partNumber <= count {
                            if p.size == range(p.partNumber).1, p.hashCRC64 == nil || p.hashCRC64 == partCRC(p.partNumber) {
                                etags[p.partNumber] = p.eTag
                            }
                        }
                        for m in 1...count where etags[m] == nil {
                            let (mo, ml) = range(m)
                            let r = try await client.uploadPart(
                                bucket: Settings.bucket, key: key, uploadId: uploadId, partNumber: m,
                                body: .file(file, offset: mo, length: ml))
                            etags[m] = r.etag
                        }
                        break
                    }
                    if n == 1 && restartAfterFirstPart && !fresh { try await box.restart() }
                }
                var crc: UInt64 = 0
                for n in 1...count { crc = CRC64.combine(crc, partCRC(n), lengthOfB: UInt64(range(n).1)) }
                try await client.completeMultipartUpload(
                    bucket: Settings.bucket, key: key, uploadId: uploadId,
                    parts: (1...count).map { .init(partNumber: $0, eTag: etags[$0]!) }, expectedCRC64: crc)
                return recovery.joined(separator: "; ")
            } catch let e as OSSServiceError where e.code == "NoSuchUpload" && !fresh {
                fresh = true
                recovery.append("NoSuchUpload, so a fresh upload")
                continue
            }
        }
    }
}
