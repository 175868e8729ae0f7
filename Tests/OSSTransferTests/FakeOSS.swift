import Foundation
import OSSCore
import OSSProtocol
import Synchronization
@testable import OSSTransfer

/// An error of the in-memory store, classified like the client's errors.
struct FakeError: Error, CustomStringConvertible {
    let failure: FailureClass
    let message: String

    static let disabledBeforeStart = FakeError(
        failure: FailureClass(.disabledBeforeStart, code: "ClientError:100002"), message: "requests disabled")
    static let abortedInFlight = FakeError(
        failure: FailureClass(.abortedInFlight, code: "ClientError:200042"), message: "aborted in flight")
    static let noSuchUpload = FakeError(
        failure: FailureClass(.noSuchUpload, code: "NoSuchUpload"), message: "no such upload")
    static let serviceUnavailable = FakeError(
        failure: FailureClass(.retryable, code: "ServiceUnavailable"), message: "503 Service Unavailable")
    static let reset = FakeError(
        failure: FailureClass(.retryable, code: "ClientError:200056"), message: "connection reset")
    static let crcMismatch = FakeError(
        failure: FailureClass(.retryable, code: "CrcCheckError"), message: "CRC64 mismatch")
    static let accessDenied = FakeError(failure: FailureClass(.fatal, code: "AccessDenied"), message: "access denied")
    static let noSuchKey = FakeError(failure: FailureClass(.fatal, code: "NoSuchKey"), message: "no such key")

    var description: String { "\(failure): \(message)" }
}

/// A fault to inject into one call.
enum Fault: Sendable {
    /// Fail before reading the body.
    case fail(FakeError)
    /// Read half the body, then fail (a reset in the middle of a part).
    case failHalfway(FakeError)
    /// Accept the bytes but report a different CRC64 (the client would see a mismatch).
    case wrongCRC
    /// Store the part, then hold its answer until released or cancelled: the part lands on the
    /// server though the client may never hear of it.
    case landThenHold
}

/// What the fake saw.
struct LogEntry: Sendable, Equatable {
    var operation: String
    var uploadId: String?
    var partNumber: Int?
    var offset: Int64?
    /// Whether the request completed successfully.
    var succeeded: Bool
}

/// An in-memory OSS implementing `TransferOperations`, with fault injection, a client-wide switch,
/// and parts that can be held in flight until released, cancelled or disabled.
final class FakeOSS: TransferOperations, @unchecked Sendable {
    // @unchecked Sendable: all mutable state is inside `state`, a Mutex.
    struct Upload {
        var bucket: String
        var key: String
        var parts: [Int: (bytes: [UInt8], etag: String, crc: UInt64)] = [:]
    }
    struct Held {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }
    struct State {
        var objects: [String: (bytes: [UInt8], etag: String, lastModified: String)] = [:]
        var uploads: [String: Upload] = [:]
        var nextId = 1
        var log: [LogEntry] = []
        var partFaults: [Int: [Fault]] = [:]
        var putFaults: [Fault] = []
        var getFaults: [Int64: [Fault]] = [:]
        var enabled = true
        /// Hold parts (and GETs) after this many succeeded; nil holds none.
        var holdAfter: Int? = nil
        var holdFromPart: Int? = nil
        var succeededParts = 0
        var held: [Held] = []
        var nextHeld = 0
        var inFlight = 0
        var maxInFlight = 0
        var corruptGets: Set<Int64> = []
        var holdComplete = false
        var maxPoolBuffers = 0
    }
    let state = PThreadMutex(State())

    /// Bytes given to the progress callback per chunk.
    let chunk = 64 << 10

    static func name(_ bucket: String, _ key: String) -> String { "\(bucket)/\(key)" }

    // MARK: Test controls

    var log: [LogEntry] { state.withLock { $0.log } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    /// The most buffers the transfer's pool held while a body was read.
    var maxPoolBuffers: Int { state.withLock { $0.maxPoolBuffers } }
    var heldCount: Int { state.withLock { $0.held.count } }

    func object(_ bucket: String, _ key: String) -> [UInt8]? {
        state.withLock { $0.objects[FakeOSS.name(bucket, key)]?.bytes }
    }

    func setObject(
        _ bucket: String, _ key: String, _ bytes: [UInt8], etag: String = "\"E1\"", lastModified: String = "t1"
    ) {
        state.withLock { $0.objects[FakeOSS.name(bucket, key)] = (bytes, etag, lastModified) }
    }

    func uploadExists(_ id: String) -> Bool { state.withLock { $0.uploads[id] != nil } }

    func partNumbers(_ id: String) -> [Int] {
        state.withLock { ($0.uploads[id]?.parts.keys).map { $0.sorted() } ?? [] }
    }

    func corruptStoredPart(_ id: String, _ number: Int) {
        state.withLock { s in
            guard var p = s.uploads[id]?.parts[number] else { return }
            p.bytes[0] ^= 0xff
            p.crc = CRC64.checksum(p.bytes)
            p.etag = "\"CORRUPT\""
            s.uploads[id]!.parts[number] = p
        }
    }

    func inject(part: Int, _ faults: Fault...) { state.withLock { $0.partFaults[part, default: []] += faults } }
    func injectPut(_ faults: Fault...) { state.withLock { $0.putFaults += faults } }
    func injectGet(offset: Int64, _ faults: Fault...) { state.withLock { $0.getFaults[offset, default: []] += faults } }
    func corruptGet(offset: Int64) { state.withLock { _ = $0.corruptGets.insert(offset) } }

    /// Parts after `count` successful ones wait in flight (halfway through their body).
    func hold(after count: Int?) { state.withLock { $0.holdAfter = count } }

    /// Parts numbered `number` and up wait in flight halfway through their body, whatever the
    /// order parts run in (`hold(after:)` depends on which parts finished first).
    func hold(fromPart number: Int?) { state.withLock { $0.holdFromPart = number } }

    /// CompleteMultipartUpload waits in flight until released.
    func holdCompletes() { state.withLock { $0.holdComplete = true } }

    /// Lets held parts go on.
    func release() {
        let held = state.withLock { s -> [Held] in
            s.holdAfter = nil
            s.holdFromPart = nil
            s.holdComplete = false
            defer { s.held = [] }
            return s.held
        }
        for h in held { h.continuation.resume() }
    }

    /// The client-wide switch: held requests fail as aborted in flight, new ones as disabled.
    func disableRequests() {
        let held = state.withLock { s -> [Held] in
            s.enabled = false
            defer { s.held = [] }
            return s.held
        }
        for h in held { h.continuation.resume(throwing: FakeError.abortedInFlight) }
    }

    func enableRequests() { state.withLock { $0.enabled = true } }

    /// Waits until `count` requests are held in flight.
    func waitUntilHeld(_ count: Int) async throws {
        for _ in 0..<20_000 {
            if heldCount >= count { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw FakeError(failure: FailureClass(.fatal), message: "never saw \(count) held requests")
    }

    // MARK: Plumbing

    private func begin(_ entry: LogEntry) throws {
        try state.withLock { s in
            guard s.enabled else {
                var e = entry
                e.succeeded = false
                s.log.append(e)
                throw FakeError.disabledBeforeStart
            }
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
        }
    }

    private func end(_ entry: LogEntry, ok: Bool) {
        state.withLock { s in
            s.inFlight -= 1
            var e = entry
            e.succeeded = ok
            s.log.append(e)
        }
    }

    /// Waits while holding is on (cancellable; a disable fails it).
    private func maybeHold(countsAsPart: Bool, always: Bool = false, partNumber: Int? = nil) async throws {
        let id: Int? = state.withLock { s in
            if always {
                s.nextHeld += 1
                return s.nextHeld
            }
            if let from = s.holdFromPart, let n = partNumber, n >= from {
                s.nextHeld += 1
                return s.nextHeld
            }
            if !countsAsPart {
                guard s.holdComplete else { return nil }
                s.nextHeld += 1
                return s.nextHeld
            }
            guard let after = s.holdAfter, s.succeededParts >= after else { return nil }
            s.nextHeld += 1
            return s.nextHeld
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    if !s.enabled { return true }
                    s.held.append(Held(id: id, continuation: c))
                    return false
                }
                if cancelled {
                    c.resume(throwing: state.withLock { $0.enabled } ? CancellationError() : FakeError.abortedInFlight)
                }
            }
        } onCancel: {
            let h = state.withLock { s -> Held? in
                guard let i = s.held.firstIndex(where: { $0.id == id }) else { return nil }
                return s.held.remove(at: i)
            }
            h?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Reads a range through the transfer's reader, reporting progress, with a fault applied.
    private func readBody(
        _ source: FileRange, fault: Fault?, partNumber: Int? = nil, progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> (bytes: [UInt8], crc: UInt64)
    {
        var bytes: [UInt8] = []
        var sent: Int64 = 0
        var heldYet = false
        let half = source.length / 2
        let crc = try await source.reader.read(offset: source.offset, length: source.length) { chunk in
            let buffers = source.reader.pool.allocatedCount
            state.withLock { $0.maxPoolBuffers = max($0.maxPoolBuffers, buffers) }
            bytes.append(contentsOf: chunk)
            sent += Int64(chunk.count)
            progress(sent)
            if sent >= half, !heldYet {
                heldYet = true
                if case .failHalfway(let e) = fault { throw e }
                try await maybeHold(countsAsPart: true, partNumber: partNumber)
            }
        }
        if source.length == 0 { try await maybeHold(countsAsPart: true) }
        return (bytes, crc)
    }

    private func takeFault(_ path: WritableKeyPath<State, [Fault]>) -> Fault? {
        state.withLock { s in s[keyPath: path].isEmpty ? nil : s[keyPath: path].removeFirst() }
    }

    private func etag(_ bytes: [UInt8]) -> String {
        "\"" + Hex.encode(CRC64.checksum(bytes).bigEndianBytes, uppercase: true) + "\""
    }

    // MARK: TransferOperations

    func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject
    {
        let entry = LogEntry(operation: "PutObject", succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        let fault = takeFault(\.putFaults)
        if case .fail(let e) = fault { throw e }
        let body = try await readBody(source, fault: fault, progress: progress)
        try Task.checkCancellation()
        let tag = etag(body.bytes)
        state.withLock { $0.objects[FakeOSS.name(bucket, key)] = (body.bytes, tag, "t\($0.nextId)") }
        ok = true
        return StoredObject(etag: tag, crc64: body.crc)
    }

    func initiateMultipartUpload(bucket: String, key: String) async throws -> String {
        let entry = LogEntry(operation: "InitiateMultipartUpload", succeeded: false)
        try begin(entry)
        let id = state.withLock { s -> String in
            let id = "UPLOAD\(s.nextId)"
            s.nextId += 1
            s.uploads[id] = Upload(bucket: bucket, key: key)
            return id
        }
        end(LogEntry(operation: "InitiateMultipartUpload", uploadId: id, succeeded: true), ok: true)
        return id
    }

    func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, source: FileRange,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> UploadedPart {
        let entry = LogEntry(operation: "UploadPart", uploadId: uploadId, partNumber: partNumber, succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        guard uploadExists(uploadId) else { throw FakeError.noSuchUpload }
        let fault: Fault? = state.withLock { s in
            guard var q = s.partFaults[partNumber], !q.isEmpty else { return nil }
            let f = q.removeFirst()
            s.partFaults[partNumber] = q
            return f
        }
        if case .fail(let e) = fault { throw e }
        let body = try await readBody(source, fault: fault, partNumber: partNumber, progress: progress)
        try Task.checkCancellation()
        if case .wrongCRC = fault { throw FakeError.crcMismatch }
        let tag = etag(body.bytes)
        try state.withLock { s in
            guard s.uploads[uploadId] != nil else { throw FakeError.noSuchUpload }
            s.uploads[uploadId]!.parts[partNumber] = (body.bytes, tag, body.crc)
            s.succeededParts += 1
        }
        if case .landThenHold = fault { try await maybeHold(countsAsPart: true, always: true) }
        ok = true
        return UploadedPart(number: partNumber, etag: tag, crc64: body.crc)
    }

    func listParts(bucket: String, key: String, uploadId: String) async throws -> [ListedPart] {
        let entry = LogEntry(operation: "ListParts", uploadId: uploadId, succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        guard let u = state.withLock({ $0.uploads[uploadId] }) else { throw FakeError.noSuchUpload }
        ok = true
        return u.parts.sorted { $0.key < $1.key }.map {
            ListedPart(number: $0.key, etag: $0.value.etag, size: Int64($0.value.bytes.count), crc64: $0.value.crc)
        }
    }

    func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [UploadedPart]) async throws
        -> StoredObject
    {
        let entry = LogEntry(operation: "CompleteMultipartUpload", uploadId: uploadId, succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        try await maybeHold(countsAsPart: false)
        let stored = try state.withLock { s -> StoredObject in
            guard let u = s.uploads[uploadId] else { throw FakeError.noSuchUpload }
            var bytes: [UInt8] = []
            for p in parts {
                guard let have = u.parts[p.number], sameETag(have.etag, p.etag) else {
                    throw FakeError(failure: FailureClass(.fatal, code: "InvalidPart"), message: "part \(p.number)")
                }
                bytes += have.bytes
            }
            s.uploads[uploadId] = nil
            let tag = "\"MP-\(parts.count)\""
            s.objects[FakeOSS.name(bucket, key)] = (bytes, tag, "t\(s.nextId)")
            return StoredObject(etag: tag, crc64: CRC64.checksum(bytes))
        }
        ok = true
        return stored
    }

    func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws {
        let entry = LogEntry(operation: "AbortMultipartUpload", uploadId: uploadId, succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        try state.withLock { s in
            guard s.uploads.removeValue(forKey: uploadId) != nil else { throw FakeError.noSuchUpload }
        }
        ok = true
    }

    func headObject(bucket: String, key: String) async throws -> RemoteObject {
        let entry = LogEntry(operation: "HeadObject", succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        guard let o = state.withLock({ $0.objects[FakeOSS.name(bucket, key)] }) else { throw FakeError.noSuchKey }
        ok = true
        return RemoteObject(
            size: Int64(o.bytes.count), etag: o.etag, crc64: CRC64.checksum(o.bytes), lastModified: o.lastModified)
    }

    func getObject(bucket: String, key: String, offset: Int64, length: Int64, into sink: RangeSink) async throws {
        let entry = LogEntry(operation: "GetObject", offset: offset, succeeded: false)
        try begin(entry)
        var ok = false
        defer { end(entry, ok: ok) }
        guard var o = state.withLock({ $0.objects[FakeOSS.name(bucket, key)] }) else { throw FakeError.noSuchKey }
        let fault: Fault? = state.withLock { s in
            guard var q = s.getFaults[offset], !q.isEmpty else { return nil }
            let f = q.removeFirst()
            s.getFaults[offset] = q
            return f
        }
        if case .fail(let e) = fault { throw e }
        if state.withLock({ $0.corruptGets.contains(offset) }) { o.bytes[Int(offset)] ^= 0x01 }
        let end = Int(offset + length)
        var at = Int(offset)
        var heldYet = false
        while at < end {
            try Task.checkCancellation()
            let n = min(chunk, end - at)
            try sink.write(Array(o.bytes[at..<(at + n)]))
            at += n
            if at - Int(offset) >= Int(length / 2), !heldYet {
                heldYet = true
                if case .failHalfway(let e) = fault { throw e }
                try await maybeHold(countsAsPart: true)
            }
        }
        state.withLock { $0.succeededParts += 1 }
        ok = true
    }

    func classify(_ error: any Error) -> FailureClass {
        if let e = error as? FakeError { return e.failure }
        if error is CancellationError { return FailureClass(.cancelled) }
        return FailureClass(.fatal)
    }
}
