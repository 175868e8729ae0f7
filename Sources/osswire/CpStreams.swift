import Glibc
import OSSClient
import OSSCore
import OSSProtocol
import OSSTransfer

/// `cp oss://b/k -` and `cp oss://b/k DEVICE|FIFO`: the object streamed in order into a
/// destination that is not a regular file. It is opened for writing as it is (no temporary
/// file, no rename: a device node stays a device node) and its write errors are the download's
/// (`/dev/full` fails with "No space left on device"). The whole object's CRC64 is checked when
/// the stream ends. Nothing is resumable: a stream cannot be rewound.
struct StreamDownload {
    let client: OSSClient
    let bucket: String
    let key: String
    /// `-` for standard output, else the path of a device, FIFO or socket.
    let path: String
    let bar: TransferBar
    /// The version to read (`--version-id`); `nil` for the current one.
    var versionId: String? = nil

    func run() async -> TransferOutcome {
        var outcome = TransferOutcome(bucket: bucket, key: key, localPath: path == "-" ? "" : path)
        let client = self.client
        Signals.onSignal { _ in client.disableRequests() }
        let start = ContinuousClock.now
        do {
            let fd: Int32
            if path == "-" {
                fd = 1
            } else {
                // No O_CREAT, no O_TRUNC: the node exists and is written in place. Opening a FIFO
                // waits for its reader, so it happens off the cooperative pool.
                let path = self.path
                fd = try await onThread { () throws(SystemError) -> Int32 in
                    let fd = open(path, O_WRONLY | O_CLOEXEC)
                    guard fd >= 0 else { throw SystemError.current("open \(path)") }
                    return fd
                }
            }
            defer { if fd > 2 { close(fd) } }
            let path = self.path == "-" ? "standard output" : self.path
            let metadata = try await client.withObjectStream(
                bucket: bucket, key: key, versionId: versionId, progress: bar.requestHandler
            ) {
                metadata, stream in
                for try await chunk in stream { try writeAll(fd, chunk, to: path) }
                return metadata
            }
            outcome.complete(with: metadata)
        } catch {
            outcome.settle(error: error, interrupted: Signals.received != nil)
        }
        outcome.seconds = seconds(since: start)
        return outcome
    }
}

/// `cp - oss://b/k` (and a FIFO or device as the source): standard input uploaded as it is read.
/// Up to one part's worth goes in one PutObject; more becomes a multipart upload whose parts
/// are read one at a time and sent `jobs` at a time, so memory stays at most (jobs + 1) × part
/// size whatever the stream's length. A stream cannot be read twice, so an upload stopped by a
/// signal or a failure is aborted on the server (no orphaned UploadId), never paused.
struct StreamUpload {
    let client: OSSClient
    /// `-` for standard input, else the path of a FIFO or device.
    let path: String
    let bucket: String
    let key: String
    let settings: CpSettings
    let bar: TransferBar

    /// What one part's upload gave.
    /// The object's headers: cp's, with the key's extension's Content-Type when none is given.
    private var headers: UploadHeaders {
        var h = settings.headers
        if h.contentType == nil { h.contentType = ContentType.forName(key) }
        return h
    }

    private enum PartResult: Sendable {
        case done(CompleteMultipartUpload.Part, crc: UInt64, size: Int64)
        case failed(any Error & Sendable)
    }

    func run() async -> TransferOutcome {
        let start = ContinuousClock.now
        var outcome = await send()
        outcome.seconds = seconds(since: start)
        return outcome
    }

    private func send() async -> TransferOutcome {
        var outcome = TransferOutcome(bucket: bucket, key: key, localPath: path == "-" ? "" : path)
        let client = self.client
        // A signal stops the parts in flight and wakes a read waiting on a quiet terminal or
        // pipe, so the upload is aborted at the first Ctrl-C, not left behind by a second one.
        let wake = WakePipe()
        Signals.onSignal { _ in
            client.disableRequests()
            wake.wake()
        }
        let fd: Int32
        if path == "-" {
            fd = 0
        } else {
            let path = self.path
            do {
                fd = try await onThread { () throws(SystemError) -> Int32 in
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else { throw SystemError.current("open \(path)") }
                    return fd
                }
            } catch {
                outcome.settle(error: error, interrupted: false)
                return outcome
            }
        }
        defer { if fd > 2 { close(fd) } }
        let partSize = Int(settings.partSize)
        let meter = ByteCount()
        let report: @Sendable (Int64) -> Void = { [bar] n in
            bar.handler(TransferProgress(bytesTransferred: n, totalBytes: -1, partsDone: 0, partsTotal: 0, bytesResumed: 0))
        }
        do {
            var part = try await readPart(fd, size: partSize, wake: wake)
            if part.count < partSize {
                // All of it fits one request.
                let put = try await client.putObject(bucket: bucket, key: key, body: .bytes(part), headers: headers)
                report(Int64(part.count))
                outcome.state = .completed
                outcome.bytes = Int64(part.count)
                outcome.bytesTransferred = outcome.bytes
                outcome.crc64 = put.crc64 ?? CRC64.checksum(part)
                outcome.etag = put.etag
                return outcome
            }
            let uploadId = try await client.initiateMultipartUpload(bucket: bucket, key: key, headers: headers).uploadId
            outcome.uploadId = uploadId
            var done: [Int: (part: CompleteMultipartUpload.Part, crc: UInt64, size: Int64)] = [:]
            var failure: (any Error)?
            await withTaskGroup(of: PartResult.self) { group in
                var number = 0
                var running = 0
                func settle(_ result: PartResult) {
                    running -= 1
                    switch result {
                    case .done(let p, let crc, let size):
                        done[p.partNumber] = (p, crc, size)
                        report(meter.add(size))
                    case .failed(let error):
                        if failure == nil { failure = error }
                    }
                }
                while !part.isEmpty, failure == nil, Signals.received == nil {
                    number += 1
                    guard number <= PartPlan.maximumPartCount else {
                        failure = CLIError(
                            "the input is larger than \(PartPlan.maximumPartCount) parts of \(partSize) bytes: "
                                + "pass a larger --part-size", code: "ValidateError")
                        break
                    }
                    let body = part
                    let n = number
                    group.addTask {
                        do {
                            let r = try await client.uploadPart(
                                bucket: bucket, key: key, uploadId: uploadId, partNumber: n, body: .bytes(body))
                            return .done(.init(partNumber: n, eTag: r.etag), crc: CRC64.checksum(body), size: Int64(body.count))
                        } catch {
                            return .failed(error)
                        }
                    }
                    running += 1
                    // At most `jobs` parts in flight: wait for one before reading the next.
                    if running >= settings.jobs, let result = await group.next() { settle(result) }
                    if failure == nil, Signals.received == nil {
                        do { part = try await readPart(fd, size: partSize, wake: wake) } catch { failure = error }
                    }
                }
                while let result = await group.next() { settle(result) }
            }
            outcome.partsTotal = done.count
            outcome.partsDone = done.count
            outcome.bytes = done.values.reduce(0) { $0 + $1.size }
            outcome.bytesTransferred = outcome.bytes
            if failure != nil || Signals.received != nil {
                // Nothing can resume a stream: abandon the upload rather than leave its parts.
                client.enableRequests()
                let abortError: (any Error)?
                do {
                    try await client.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
                    abortError = nil
                } catch {
                    abortError = error
                }
                if let abortError {
                    outcome.notes.append(
                        "upload \(uploadId) could not be aborted (\(FailureReport(abortError).text)): "
                            + "abort it with osswire uploads abort oss://\(bucket)/\(key) --upload-id \(uploadId)")
                } else {
                    outcome.notes.append("upload \(uploadId) was aborted: a stream cannot be resumed")
                }
                if let failure, Signals.received == nil {
                    outcome.settle(error: failure, interrupted: false)
                } else {
                    outcome.state = .aborted
                    outcome.reason = .aborted
                }
                return outcome
            }
            let ordered = done.keys.sorted().map { done[$0]! }
            let combined = ordered.reduce(UInt64(0)) { CRC64.combine($0, $1.crc, lengthOfB: UInt64($1.size)) }
            let completed = try await client.completeMultipartUpload(
                bucket: bucket, key: key, uploadId: uploadId, parts: ordered.map(\.part), expectedCRC64: combined)
            outcome.state = .completed
            outcome.crc64 = completed.crc64 ?? combined
            outcome.etag = completed.result.eTag
        } catch {
            outcome.settle(error: error, interrupted: Signals.received != nil)
            if let id = outcome.uploadId {
                client.enableRequests()
                if (try? await client.abortMultipartUpload(bucket: bucket, key: key, uploadId: id)) != nil {
                    outcome.notes.append("upload \(id) was aborted: a stream cannot be resumed")
                }
            }
        }
        return outcome
    }

    /// Reads up to `size` bytes (fewer only at the end of the stream), off the cooperative pool.
    /// - Throws: `SystemError` (EINTR) when `wake` fires first.
    private func readPart(_ fd: Int32, size: Int, wake: WakePipe) async throws -> [UInt8] {
        let name = path == "-" ? "standard input" : path
        return try await onThread { () throws(SystemError) -> [UInt8] in
            var buffer = [UInt8](repeating: 0, count: size)
            var filled = 0
            while filled < size {
                // Wait for data or the wake-up; read only what is there.
                var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&fds, 2, -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw SystemError.current("poll \(name)")
                }
                if fds[1].revents != 0 { throw SystemError(errno: EINTR, operation: "read \(name)") }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SystemError.current("read \(name)")
                }
                if n == 0 { break }
                filled += n
            }
            buffer.removeSubrange(filled...)
            return buffer
        }
    }
}

/// A pipe whose read end becomes readable once `wake()` is called: wakes a thread blocked in
/// poll(2) without closing a descriptor it may be using.
private final class WakePipe: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    func wake() {
        var b: UInt8 = 1
        _ = write(writeEnd, &b, 1)
    }
}

/// A running byte total shared by the parts of a stream upload.
private final class ByteCount: Sendable {
    private let total = PThreadMutex<Int64>(0)
    func add(_ n: Int64) -> Int64 { total.withLock { $0 += n; return $0 } }
}

/// Writes all of `bytes` to `fd`.
/// - Throws: `SystemError` naming `name` (`write /dev/full: No space left on device`).
func writeAll(_ fd: Int32, _ bytes: [UInt8], to name: String) throws(SystemError) {
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemError.current("write \(name)")
        }
        off += n
    }
}

/// Runs blocking work (a read from a pipe, an open of a FIFO) on a thread of its own, so Swift's
/// cooperative pool keeps serving the transfer meanwhile.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws(SystemError) -> T) async throws(SystemError) -> T {
    let result: Result<T, SystemError> = await withCheckedContinuation { continuation in
        let box = Unmanaged.passRetained(
            ThreadWork {
                continuation.resume(returning: Result { () throws(SystemError) in try work() })
            }
        ).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                Unmanaged<ThreadWork>.fromOpaque(arg!).takeRetainedValue().run()
                return nil
            }, box)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<ThreadWork>.fromOpaque(box).release()
            continuation.resume(returning: .failure(SystemError(errno: rc, operation: "pthread_create")))
        }
    }
    return try result.get()
}

private final class ThreadWork {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
