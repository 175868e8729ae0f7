import Glibc
import OSSClient
import OSSCore
import OSSHTTP
import OSSMockServer
import OSSProtocol
import OSSSigner
import OSSTransport
import Synchronization

/// What one bench operation produced.
struct BenchSample: Sendable {
    /// The name its figures go under (`put`, `get`, ..., `upload_part`).
    var op: String
    var key: String
    /// The error code of a failure; nil when it succeeded.
    var error: String? = nil
    var bytes: Int64 = 0
    /// The requests it made (phases come from the last).
    var requests: [BenchRequestMetrics] = []
}

/// A failed `--verify`: what was read back is not what was written.
struct BenchVerifyError: Error, CustomStringConvertible {
    let description: String
}

/// Stop flags and counters shared by the workers of a run.
final class BenchControl: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let interruptedFlag = Atomic<Bool>(false)
    /// Operations handed out (`--count`).
    let issued = Atomic<Int>(0)
    /// The task of the current phase, cancelled by Ctrl-C.
    let current = PThreadMutex<Task<Void, Never>?>(nil)

    var stopped: Bool { stopFlag.load(ordering: .acquiring) }
    var interrupted: Bool { interruptedFlag.load(ordering: .acquiring) }

    func stop() { stopFlag.store(true, ordering: .releasing) }

    /// Ctrl-C (or SIGTERM): no new operations; those in flight are cancelled.
    func interrupt() {
        interruptedFlag.store(true, ordering: .releasing)
        stop()
        current.withLock { $0 }?.cancel()
    }
}

/// A counting semaphore for the open loop's slots (`--concurrency` requests in flight at most).
final class BenchSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: PThreadMutex<State>

    init(_ n: Int) { state = PThreadMutex(State(free: n)) }

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if s.waiters.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// Collects the samples of a run: per-operation figures, the live counters of the progress
/// line, the workers' done times and the log.
final class BenchRecorder: Sendable {
    private struct State {
        var ops: [(String, BenchOpStats)] = []
        var all = BenchHistogram()
        var ok: UInt64 = 0
        var errors: UInt64 = 0
        var bytes: UInt64 = 0
        var doneTimes: [Duration] = []
        /// The TLS version and cipher of the first request over TLS.
        var tls: (String, String)? = nil
    }
    private let state = PThreadMutex(State())
    let start: ContinuousClock.Instant
    let openLoop: Bool
    let log: BenchLog?

    init(start: ContinuousClock.Instant, openLoop: Bool, log: BenchLog?, names: [String]) {
        self.start = start
        self.openLoop = openLoop
        self.log = log
        state.withLock { s in s.ops = names.map { ($0, BenchOpStats()) } }
    }

    /// Records one sample: `total` from its scheduled start (open loop) or its start, and
    /// `uncorrected` from its actual start (open loop only).
    func record(
        _ sample: BenchSample, scheduled: ContinuousClock.Instant?, started: ContinuousClock.Instant,
        ended: ContinuousClock.Instant
    ) {
        let total = ended - (scheduled ?? started)
        let uncorrected: Duration? = scheduled == nil ? nil : ended - started
        state.withLock { s in
            var i = s.ops.firstIndex { $0.0 == sample.op } ?? -1
            if i < 0 {
                s.ops.append((sample.op, BenchOpStats()))
                i = s.ops.count - 1
            }
            var st = s.ops[i].1
            for r in sample.requests {
                if s.tls == nil, !r.tlsVersion.isEmpty { s.tls = (r.tlsVersion, r.tlsCipher) }
                st.retries += UInt64(max(0, r.attempts - 1))
                if r.reused { st.connectionsReused += 1 } else { st.connectionsOpened += 1 }
            }
            if let code = sample.error {
                st.errors += 1
                st.errorsByCode[code, default: 0] += 1
                s.errors += 1
            } else {
                st.count += 1
                st.bytes += UInt64(max(0, sample.bytes))
                st.record(.total, total)
                if let uncorrected { st.record(.totalUncorrected, uncorrected) }
                // Phases of an operation of one request (a multipart upload's are under upload_part).
                if sample.requests.count == 1, let m = sample.requests.last {
                    st.record(.ttfb, m.ttfb)
                    st.record(.sent, m.sent)
                    st.record(.firstByte, m.ttfb - m.sent)
                    st.record(.lastByte, m.total - m.ttfb)
                    if !m.reused {
                        if m.dns > .zero { st.record(.dns, m.dns) }
                        st.record(.connect, m.connect)
                        if m.tls > .zero { st.record(.tls, m.tls) }
                    }
                }
                s.all.record(total)
                s.ok += 1
                s.bytes += UInt64(max(0, sample.bytes))
            }
            s.ops[i].1 = st
        }
        if let log { log.append(logLine(sample, scheduled: scheduled, started: started, ended: ended)) }
    }

    private func offset(_ t: ContinuousClock.Instant) -> String { JSON.micros(t - start) }

    private func logLine(
        _ s: BenchSample, scheduled: ContinuousClock.Instant?, started: ContinuousClock.Instant,
        ended: ContinuousClock.Instant
    ) -> String {
        var f: [(String, String)] = [
            ("op", JSON.string(s.op)), ("key", JSON.string(s.key)), ("ok", s.error == nil ? "true" : "false"),
            ("code", JSON.optional(s.error)), ("bytes", String(s.bytes)),
        ]
        if let scheduled { f.append(("scheduled_s", offset(scheduled))) }
        f.append(("start_s", offset(started)))
        f.append(("end_s", offset(ended)))
        f.append(("total_ms", JSON.millis(ended - (scheduled ?? started))))
        if scheduled != nil { f.append(("total_uncorrected_ms", JSON.millis(ended - started))) }
        if let m = s.requests.last {
            f += [
                ("dns_ms", JSON.millis(m.dns)), ("connect_ms", JSON.millis(m.connect)), ("tls_ms", JSON.millis(m.tls)),
                ("sent_ms", JSON.millis(m.sent)), ("ttfb_ms", JSON.millis(m.ttfb)),
                ("request_total_ms", JSON.millis(m.total)), ("reused", m.reused ? "true" : "false"),
                ("attempts", String(m.attempts)), ("remote", JSON.string(m.remoteAddress)),
                ("tls_version", JSON.string(m.tlsVersion)), ("tls_cipher", JSON.string(m.tlsCipher)),
            ]
        }
        f.append(("requests", String(s.requests.count)))
        return JSON.object(f)
    }

    func workerDone(_ at: ContinuousClock.Instant) {
        state.withLock { $0.doneTimes.append(at - start) }
    }

    /// (ok, errors, bytes, p99 µs) so far.
    var live: (UInt64, UInt64, UInt64, UInt64?) {
        state.withLock { ($0.ok, $0.errors, $0.bytes, $0.all.percentile(0.99)) }
    }

    var ops: [(String, BenchOpStats)] { state.withLock { $0.ops } }
    var doneTimes: [Duration] { state.withLock { $0.doneTimes } }
    var tls: (String, String)? { state.withLock { $0.tls } }
}

extension JSON {
    /// A duration in milliseconds with µs resolution.
    static func millis(_ d: Duration) -> String { seconds(BenchRun.seconds(d) * 1000) }

    /// A duration in seconds with µs resolution.
    static func micros(_ d: Duration) -> String {
        let us = Int64(BenchHistogram.micros(d))
        var frac = String(us % 1_000_000)
        while frac.count < 6 { frac = "0" + frac }
        return "\(us / 1_000_000).\(frac)"
    }
}

/// The bodies a run uploads: a seeded 1 MiB pattern repeated, so the bytes of an object of a
/// given size (and their CRC64) are known without keeping them.
final class BenchData: Sendable {
    let pattern: [UInt8]
    /// The pattern repeated up to the largest in-memory size.
    private let master: [UInt8]
    private let crcs = PThreadMutex<[Int64: UInt64]>([:])
    static let inMemoryLimit: Int64 = 64 << 20

    init(seed: UInt64, maxSize: Int64) {
        var g = SplitMix64(seed: seed ^ 0x5EED_DA7A)
        var p = [UInt8](repeating: 0, count: 1 << 20)
        p.withUnsafeMutableBytes { b in
            var i = 0
            while i + 8 <= b.count {
                b.storeBytes(of: g.next(), toByteOffset: i, as: UInt64.self)
                i += 8
            }
        }
        pattern = p
        let m = Int(min(maxSize, Self.inMemoryLimit))
        var out = [UInt8]()
        out.reserveCapacity(m)
        while out.count < m { out.append(contentsOf: p[0..<min(p.count, m - out.count)]) }
        master = out
    }

    /// The body of an object of `size` bytes (in memory up to 64 MiB, else a stream).
    func body(_ size: Int64) -> OSSRequestBody {
        if size == Int64(master.count) { return .bytes(master) }
        if size < Int64(master.count) || size <= Self.inMemoryLimit { return .bytes(Array(master[0..<Int(size)])) }
        return .stream(RepeatedChunks(chunk: pattern, total: Int(size), result: CRCResult(), crc: false), length: size)
    }

    /// The CRC64 of an object of `size` bytes.
    func crc(_ size: Int64) -> UInt64 {
        if let c = crcs.withLock({ $0[size] }) { return c }
        let c = BenchMeasure.crc64(pattern, total: Int(size)).1
        crcs.withLock { d in if d.count < 4096 { d[size] = c } }
        return c
    }
}

/// Which prepared objects exist (get, head, delete and mixed pick from them).
final class BenchObjects: Sendable {
    private struct State {
        var present: [Bool]
        var presentCount: Int
        /// Reads in flight per object: mixed deletes only objects nobody is reading.
        var readers: [Int]
        var nextDelete = 0
    }
    private let state: PThreadMutex<State>
    let count: Int

    init(count: Int) {
        self.count = count
        state = PThreadMutex(
            State(
                present: [Bool](repeating: false, count: count), presentCount: 0,
                readers: [Int](repeating: 0, count: count)))
    }

    func markPresent(_ i: Int) {
        state.withLock { s in
            if !s.present[i] {
                s.present[i] = true
                s.presentCount += 1
            }
        }
    }

    /// A present object to read, picked with `g` (give it back with `done`); nil when none is.
    func pick(_ g: inout SplitMix64) -> Int? {
        let r = g.next()
        return state.withLock { s -> Int? in
            guard s.presentCount > 0 else { return nil }
            var i = Int(r % UInt64(s.present.count))
            while !s.present[i] { i = (i + 1) % s.present.count }
            s.readers[i] += 1
            return i
        }
    }

    /// A read of object `i` is over.
    func done(_ i: Int) {
        state.withLock { $0.readers[i] -= 1 }
    }

    /// A present object to delete, marked absent now (so nothing reads it meanwhile).
    func takeForDelete(_ g: inout SplitMix64) -> Int? {
        let r = g.next()
        return state.withLock { s -> Int? in
            guard s.presentCount > 0 else { return nil }
            let from = Int(r % UInt64(s.present.count))
            var i = from
            while !s.present[i] || s.readers[i] > 0 {
                i = (i + 1) % s.present.count
                if i == from { return nil }
            }
            s.present[i] = false
            s.presentCount -= 1
            s.readers[i] = -1
            return i
        }
    }

    /// The delete of object `i` (from `takeForDelete`) is over: a put may write it again.
    func deleted(_ i: Int) {
        state.withLock { $0.readers[i] = 0 }
    }

    /// The next object in order for `bench delete` (each deleted once); nil when all were.
    func nextForDelete() -> Int? {
        state.withLock { s -> Int? in
            while s.nextDelete < s.present.count {
                let i = s.nextDelete
                s.nextDelete += 1
                if s.present[i] {
                    s.present[i] = false
                    s.presentCount -= 1
                    return i
                }
            }
            return nil
        }
    }

    /// An absent object to put back (mixed), else a present one to overwrite.
    func pickForPut(_ g: inout SplitMix64) -> Int? {
        let r = g.next()
        return state.withLock { s -> Int? in
            let n = s.present.count
            let from = Int(r % UInt64(n))
            // An absent object no delete is working on, else a present one to overwrite; held
            // like a read (give it back with `done`), so no delete takes it meanwhile.
            for wanted in [false, true] {
                var i = from
                repeat {
                    if s.present[i] == wanted && s.readers[i] >= 0 {
                        s.readers[i] += 1
                        return i
                    }
                    i = (i + 1) % n
                } while i != from
            }
            return nil
        }
    }
}

/// One `osswire bench <op>` run against an endpoint.
final class BenchRun: Sendable {
    let options: BenchOptions
    let client: OSSClient
    let prefix: String
    let data: BenchData
    let objects: BenchObjects
    let control: BenchControl
    /// Objects `put` wrote (keys `obj-0` ... `obj-(n-1)` past the prepared ones).
    let putCount = Atomic<Int>(0)
    let multipartCount = Atomic<Int>(0)
    /// Keys whose PutObject was cut (Ctrl-C, a timeout) after its whole body had left: the
    /// server may store such an object after the clean-up has deleted it, as it may have the
    /// whole body still to read (a reset does not take back data it already received).
    let cutAfterBody = PThreadMutex<[String]>([])
    /// Where a get of an object over `BenchData.inMemoryLimit` writes (its CRC64 computed on
    /// the way), so memory stays at one buffer per request; nil when every size fits in memory.
    let sink: FileDescriptor?

    static func seconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) + Double(a) / 1e18
    }

    init(options: BenchOptions, client: OSSClient, prefix: String, control: BenchControl) {
        self.options = options
        self.client = client
        self.prefix = prefix
        self.control = control
        data = BenchData(seed: options.seed, maxSize: options.sizeRange.upperBound)
        objects = BenchObjects(count: options.op.needsObjects ? options.objects : 0)
        sink =
            options.sizeRange.upperBound > BenchData.inMemoryLimit
            ? try? FileDescriptor.open("/dev/null", .writeOnly) : nil
    }

    /// Closes what the run opened.
    func close() { sink?.close() }

    func key(_ i: Int) -> String { "\(prefix)obj-\(i)" }

    /// The size of object `i` (the same for the same seed).
    func size(_ i: Int) -> Int64 {
        let r = options.sizeRange
        if r.lowerBound == r.upperBound { return r.lowerBound }
        let span = UInt64(r.upperBound - r.lowerBound) + 1
        return r.lowerBound + Int64(SplitMix64.hash(options.seed, UInt64(i)) % span)
    }

    static func errorCode(_ error: any Error) -> String {
        switch error {
        case let e as OSSServiceError: e.code
        case let e as OSSClientError: e.code
        case is HTTPClientError: "HTTPClientError"
        case is BenchVerifyError: "VerifyFailed"
        case is CancellationError: "Cancelled"
        default: "Failed"
        }
    }

    private func failure(_ op: String, _ key: String, _ error: any Error) -> BenchSample {
        BenchSample(
            op: op, key: key, error: Self.errorCode(error),
            requests: BenchMetricsSource.ofError(error).map { [$0] } ?? [])
    }

    private func requests(_ m: OSSRequestMetrics) -> [BenchRequestMetrics] { [BenchRequestMetrics(m)] }

    // MARK: Operations

    func put(_ i: Int, op: String = "put") async -> BenchSample {
        let key = key(i), n = size(i)
        do {
            let r = try await client.putObject(bucket: options.bucket, key: key, body: data.body(n))
            if options.op.needsObjects { objects.markPresent(i) }
            return BenchSample(op: op, key: key, bytes: n, requests: requests(r.metrics))
        } catch {
            if (error as? OSSClientError)?.bodyFullySent == true { cutAfterBody.withLock { $0.append(key) } }
            return failure(op, key, error)
        }
    }

    func get(_ i: Int) async -> BenchSample {
        let key = key(i)
        let want = size(i)
        if want > BenchData.inMemoryLimit, let sink {
            do {
                let r = try await client.getObject(
                    bucket: options.bucket, key: key, into: sink, at: 0, buffer: IOBuffer(capacity: 1 << 20))
                if options.verify {
                    guard r.bytesWritten == want else {
                        throw BenchVerifyError(
                            description: "\(key): \(r.bytesWritten) bytes read back, \(want) written")
                    }
                    guard r.crc64 == data.crc(want) else {
                        throw BenchVerifyError(description: "\(key): the CRC64 of what was read back differs")
                    }
                }
                return BenchSample(op: "get", key: key, bytes: r.bytesWritten, requests: requests(r.metrics))
            } catch {
                return failure("get", key, error)
            }
        }
        do {
            let r = try await client.getObject(bucket: options.bucket, key: key)
            if options.verify {
                guard Int64(r.body.count) == want else {
                    throw BenchVerifyError(description: "\(key): \(r.body.count) bytes read back, \(want) written")
                }
                guard CRC64.checksum(r.body) == data.crc(want) else {
                    throw BenchVerifyError(description: "\(key): the CRC64 of what was read back differs")
                }
            }
            return BenchSample(op: "get", key: key, bytes: Int64(r.body.count), requests: requests(r.metrics))
        } catch {
            return failure("get", key, error)
        }
    }

    func head(_ i: Int) async -> BenchSample {
        let key = key(i)
        do {
            let r = try await client.headObject(bucket: options.bucket, key: key)
            if options.verify, r.contentLength != size(i) {
                throw BenchVerifyError(description: "\(key): HEAD says \(r.contentLength) bytes, \(size(i)) written")
            }
            return BenchSample(op: "head", key: key, requests: requests(r.metrics))
        } catch {
            return failure("head", key, error)
        }
    }

    func delete(_ i: Int) async -> BenchSample {
        let key = key(i)
        do {
            let r = try await client.deleteObject(bucket: options.bucket, key: key)
            return BenchSample(op: "delete", key: key, requests: requests(r.metrics))
        } catch {
            return failure("delete", key, error)
        }
    }

    func list() async -> BenchSample {
        var p = ListObjectsV2Parameters()
        p.prefix = prefix
        p.maxKeys = 1000
        do {
            let r = try await client.listObjectsV2(bucket: options.bucket, p)
            let m = requests(r.metrics)
            return BenchSample(
                op: "list", key: prefix, bytes: m.last?.bytesReceived ?? 0, requests: m)
        } catch {
            return failure("list", prefix, error)
        }
    }

    /// One whole multipart upload: initiate, `--jobs` parts at a time, complete (abort on failure).
    /// Each part is also recorded on its own as `upload_part`.
    func multipart(_ seq: Int, recorder: BenchRecorder) async -> BenchSample {
        let key = "\(prefix)mp-\(seq)"
        let n = size(seq)
        var reqs: [BenchRequestMetrics] = []
        var uploadId: String? = nil
        do {
            let initiated = try await client.initiateMultipartUpload(bucket: options.bucket, key: key)
            reqs += requests(initiated.metrics)
            uploadId = initiated.uploadId
            let partSize = options.partSize
            let partCount = max(1, Int((n + partSize - 1) / partSize))
            var etags = [String](repeating: "", count: partCount)
            var crc: UInt64 = 0
            for p in 0..<partCount {
                let len = min(partSize, n - Int64(p) * partSize)
                crc = CRC64.combine(crc, data.crc(len), lengthOfB: UInt64(max(0, len)))
            }
            let id = initiated.uploadId
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var next = 0
                func add() {
                    let p = next
                    next += 1
                    let len = max(0, min(partSize, n - Int64(p) * partSize))
                    group.addTask {
                        let started = ContinuousClock.now
                        do {
                            let r = try await self.client.uploadPart(
                                bucket: self.options.bucket, key: key, uploadId: id, partNumber: p + 1,
                                body: self.data.body(len))
                            recorder.record(
                                BenchSample(
                                    op: "upload_part", key: key, bytes: len, requests: self.requests(r.metrics)),
                                scheduled: nil, started: started, ended: .now)
                            return (p, r.etag)
                        } catch {
                            recorder.record(
                                self.failure("upload_part", key, error), scheduled: nil, started: started, ended: .now)
                            throw error
                        }
                    }
                }
                for _ in 0..<min(options.jobs, partCount) { add() }
                while let (p, etag) = try await group.next() {
                    etags[p] = etag
                    if next < partCount { add() }
                }
            }
            let parts = etags.enumerated().map {
                CompleteMultipartUpload.Part(partNumber: $0.offset + 1, eTag: $0.element)
            }
            let done = try await client.completeMultipartUpload(
                bucket: options.bucket, key: key, uploadId: id, parts: parts, expectedCRC64: crc)
            reqs += requests(done.metrics)
            return BenchSample(op: "multipart", key: key, bytes: n, requests: reqs)
        } catch {
            if let uploadId {
                _ = try? await client.abortMultipartUpload(bucket: options.bucket, key: key, uploadId: uploadId)
            }
            var s = failure("multipart", key, error)
            s.requests = reqs + s.requests
            return s
        }
    }

    /// The cumulative weights of `--mix`, with the ops.
    private var mixTable: [(BenchOp, Int)] {
        var sum = 0
        return options.mix.compactMap { op, w in
            guard w > 0 else { return nil }
            sum += w
            return (op, sum)
        }
    }

    /// Runs one operation of the workload; nil when there is nothing left to do (delete ran out).
    func next(_ g: inout SplitMix64, recorder: BenchRecorder, table: [(BenchOp, Int)]) async -> BenchSample? {
        var op = options.op
        if op == .mixed, let total = table.last?.1 {
            let r = Int(g.next() % UInt64(total))
            op = table.first { r < $0.1 }!.0
        }
        switch op {
        case .put:
            if options.op == .mixed {
                guard let i = objects.pickForPut(&g) else {
                    return BenchSample(op: "put", key: "", error: "NoObjectLeft")
                }
                defer { objects.done(i) }
                return await put(i)
            }
            return await put(putCount.wrappingAdd(1, ordering: .relaxed).oldValue)
        case .get:
            guard let i = objects.pick(&g) else { return BenchSample(op: "get", key: "", error: "NoObjectLeft") }
            defer { objects.done(i) }
            return await get(i)
        case .head:
            guard let i = objects.pick(&g) else { return BenchSample(op: "head", key: "", error: "NoObjectLeft") }
            defer { objects.done(i) }
            return await head(i)
        case .delete:
            if options.op == .delete {
                guard let i = objects.nextForDelete() else { return nil }
                return await delete(i)
            }
            guard let i = objects.takeForDelete(&g) else {
                return BenchSample(op: "delete", key: "", error: "NoObjectLeft")
            }
            defer { objects.deleted(i) }
            return await delete(i)
        case .list:
            return await list()
        case .multipart:
            return await multipart(multipartCount.wrappingAdd(1, ordering: .relaxed).oldValue, recorder: recorder)
        case .mixed:
            return nil
        }
    }

    // MARK: Phases

    /// Puts the `--objects` objects first, `--concurrency` at a time. Returns the failures' count
    /// and the first failure's code.
    func prepare() async -> (failed: Int, first: String?) {
        final class State: Sendable {
            let next = Atomic<Int>(0)
            let failed = Atomic<Int>(0)
            let first = PThreadMutex<String?>(nil)
        }
        let state = State()
        let n = objects.count
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(options.concurrency, max(1, n)) {
                group.addTask {
                    while !self.control.stopped {
                        let i = state.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard i < n else { return }
                        let s = await self.put(i, op: "prepare")
                        if let e = s.error {
                            state.failed.add(1, ordering: .relaxed)
                            state.first.withLock { if $0 == nil { $0 = e } }
                        }
                    }
                }
            }
        }
        return (state.failed.load(ordering: .relaxed), state.first.withLock { $0 })
    }

    /// The measured phase: closed loop (`--concurrency` workers) or open loop (`--rate`).
    func measure(recorder: BenchRecorder) async {
        let start = recorder.start
        let deadline = options.duration.map { start + $0 }
        let table = mixTable
        if let rate = options.rate {
            let slots = BenchSlots(options.concurrency)
            let interval = Duration.nanoseconds(Int64((1e9 / rate).rounded()))
            await withTaskGroup(of: Void.self) { group in
                var k = 0
                while !control.stopped {
                    if let count = options.count, k >= count { break }
                    let scheduled = start + interval * k
                    if let deadline, scheduled >= deadline { break }
                    if scheduled > .now { try? await Task.sleep(until: scheduled, clock: .continuous) }
                    if control.stopped { break }
                    let seedK = SplitMix64.hash(options.seed, UInt64(k))
                    group.addTask {
                        var g = SplitMix64(seed: seedK)
                        await slots.acquire()
                        defer { slots.release() }
                        if self.control.interrupted { return }
                        let started = ContinuousClock.now
                        guard let s = await self.next(&g, recorder: recorder, table: table) else { return }
                        if self.control.interrupted && s.error != nil { return }
                        recorder.record(s, scheduled: scheduled, started: started, ended: .now)
                    }
                    k += 1
                }
                // The schedule's end: the "first done" of an open loop.
                recorder.workerDone(.now)
                await group.waitForAll()
                recorder.workerDone(.now)
            }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for w in 0..<options.concurrency {
                group.addTask {
                    var g = SplitMix64(seed: SplitMix64.hash(self.options.seed, UInt64(w) | 1 << 40))
                    while !self.control.stopped {
                        if let deadline, ContinuousClock.now >= deadline { break }
                        if let count = self.options.count,
                            self.control.issued.wrappingAdd(1, ordering: .relaxed).oldValue >= count
                        {
                            break
                        }
                        let started = ContinuousClock.now
                        guard let s = await self.next(&g, recorder: recorder, table: table) else { break }
                        if self.control.interrupted && s.error != nil { break }
                        recorder.record(s, scheduled: nil, started: started, ended: .now)
                    }
                    recorder.workerDone(.now)
                }
            }
        }
    }

    /// Deletes what the run wrote (DeleteMultipleObjects, 1000 keys a request). Returns how
    /// many keys could not be deleted.
    func cleanUp() async -> Int {
        var keys: [String] = []
        if options.op.needsObjects { keys += (0..<objects.count).map(key) }
        if options.op == .put { keys += (0..<putCount.load(ordering: .relaxed)).map(key) }
        if options.op == .multipart {
            keys += (0..<multipartCount.load(ordering: .relaxed)).map { "\(prefix)mp-\($0)" }
        }
        var failed = 0
        var i = 0
        while i < keys.count {
            let batch = Array(keys[i..<min(i + 1000, keys.count)])
            i += batch.count
            do {
                try await client.deleteMultipleObjects(bucket: options.bucket, keys: batch, quiet: true)
            } catch {
                failed += batch.count
            }
        }
        return failed
    }
}
