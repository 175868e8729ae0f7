import OSSCore
import OSSProtocol
internal import OSSCrypto

/// An OSS client: async operations on buckets and objects, signed, retried, checked with CRC64.
///
/// One client shares a connection pool, rate limits and the client-wide switch
/// (`disableRequests()`). It is `Sendable`: call it from any number of tasks.
public final class OSSClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: OSSClientConfiguration
    let wire: any Wire
    let signer: any RequestSigning
    let sendLimiter: RateLimiter
    let receiveLimiter: RateLimiter
    let retryBudget = RetryBudget()
    /// `configuration.effectiveAddressing`, worked out once (it parses the host for an IP literal).
    let addressing: OSSClientConfiguration.Addressing

    /// The client-wide switch, the only one: each call's signal listens to the epoch, so firing it
    /// aborts every attempt in flight (OSSHTTP shuts its socket down) and wakes every back-off
    /// and rate-limit wait.
    private struct SwitchState {
        var enabled = true
        /// Fired by `disableRequests()`; replaced by `enableRequests()`.
        var epoch = CancellationSignal()
    }
    private let switchState = PThreadMutex(SwitchState())
    /// Seconds added to the local clock when signing (learnt from `RequestTimeTooSkewed`).
    private let clockOffset = PThreadMutex<Int64>(0)

    /// A client for a configuration: OSSHTTP's pooled client on OSSTransport's sockets, signed by
    /// OSSSigner with the configured credentials provider (the environment by default).
    /// - Throws: `OSSClientError` (`.invalidArgument`) when the configuration does not hold together.
    public convenience init(configuration: OSSClientConfiguration) throws {
        try configuration.validate()
        try self.init(
            configuration: configuration, wire: HTTPWire(configuration: configuration),
            signer: SignerAdapter(configuration: configuration))
    }

    /// A client whose connections come from `connector` (in-memory streams in tests, a custom
    /// transport in benchmarks).
    public convenience init(configuration: OSSClientConfiguration, connector: any StreamConnector) throws {
        try configuration.validate()
        try self.init(
            configuration: configuration, wire: HTTPWire(configuration: configuration, connector: connector),
            signer: SignerAdapter(configuration: configuration))
    }

    /// A client on a given wire and signer (the public initialisers pick the real ones).
    init(configuration: OSSClientConfiguration, wire: any Wire, signer: any RequestSigning) throws {
        try configuration.validate()
        self.configuration = configuration
        self.wire = wire
        self.signer = signer
        addressing = configuration.effectiveAddressing
        sendLimiter = RateLimiter(bytesPerSecond: configuration.sendRateLimit)
        receiveLimiter = RateLimiter(bytesPerSecond: configuration.receiveRateLimit)
    }

    /// Closes pooled connections. Requests made afterwards fail.
    public func shutdown() async {
        await wire.shutdown()
    }

    // MARK: The client-wide switch

    /// Stops every request of this client: requests in flight fail at once with
    /// `ClientError:200042` (`.abortedInFlight`), new ones with `ClientError:100002`
    /// (`.requestsDisabled`) without touching the network, and retry waits wake at once.
    public func disableRequests() {
        let epoch = switchState.withLock { s -> CancellationSignal in
            s.enabled = false
            return s.epoch
        }
        epoch.cancel(.disabled)
    }

    /// Lets requests run again. Requests aborted by `disableRequests()` stay aborted.
    public func enableRequests() {
        switchState.withLock { s in
            if !s.enabled {
                s.enabled = true
                s.epoch = CancellationSignal()
            }
        }
    }

    /// Whether requests may run.
    public var requestsEnabled: Bool { switchState.withLock { $0.enabled } }

    private func currentEpoch() throws -> CancellationSignal {
        try switchState.withLock { s in
            guard s.enabled else {
                throw OSSClientError(.requestsDisabled, "requests are disabled (disableRequests())")
            }
            return s.epoch
        }
    }

    // MARK: Rate limits and clock

    /// Changes the upload rate limit (bytes per second, `nil` for none), also for transfers under way.
    public func setSendRateLimit(_ bytesPerSecond: Int?) { sendLimiter.setLimit(bytesPerSecond) }

    /// Changes the download rate limit (bytes per second, `nil` for none), also for transfers under way.
    public func setReceiveRateLimit(_ bytesPerSecond: Int?) { receiveLimiter.setLimit(bytesPerSecond) }

    /// Seconds added to the local clock when signing; set after a `RequestTimeTooSkewed` answer.
    public var clockSkewSeconds: Int64 { clockOffset.withLock { $0 } }

    /// The signing time: the local clock corrected by the learnt offset.
    func signingTime() -> UTCTime {
        UTCTime.now().adding(seconds: clockOffset.withLock { $0 })
    }

    func correctClock(serverTime: UTCTime) {
        let offset = serverTime.seconds - UTCTime.now().seconds
        clockOffset.withLock { $0 = offset }
    }
}

// MARK: - Sending one operation, with retries

extension OSSClient {
    /// Sends an operation and reads the whole answer into memory.
    func perform(
        _ op: OSSOperationRequest, progress: OSSProgressHandler? = nil, uploadCRCBase: UInt64? = nil,
        signal: CancellationSignal? = nil, retries: RetryPolicy? = nil
    ) async throws -> (head: OSSResponseHead, body: [UInt8], metrics: OSSRequestMetrics) {
        let r = try await performMeasured(
            op, progress: progress, uploadCRCBase: uploadCRCBase, signal: signal, retries: retries
        ) { head, pump in
            (head, try await pump.collect())
        }
        return (r.value.0, r.value.1, r.metrics)
    }

    /// Sends an operation: validates it, signs each attempt, retries what the one retry policy
    /// allows within the one deadline, checks CRC64 both ways, and turns non-2xx answers into
    /// `OSSServiceError`. The policy lives here, the mechanism in OSSHTTP: the HTTP client never
    /// retries and has no switch of its own.
    /// - Parameters:
    ///   - signal: an extra cancel source (a transfer's pause or abort).
    ///   - retries: this call's retry policy; `nil` is the configuration's. A transfer passes
    ///     `.none` for its parts, which it retries itself.
    ///   - consume: reads a 2xx answer's body through the pump (rate limit, progress, CRC64). Runs
    ///     once per attempt that got a 2xx head; what it throws may be retried.
    func perform<T: Sendable>(
        _ op: OSSOperationRequest, progress: OSSProgressHandler? = nil, uploadCRCBase: UInt64? = nil,
        signal: CancellationSignal? = nil, retries: RetryPolicy? = nil,
        consume: (OSSResponseHead, BodyPump) async throws -> T
    ) async throws -> T {
        try await performMeasured(
            op, progress: progress, uploadCRCBase: uploadCRCBase, signal: signal, retries: retries, consume: consume
        ).value
    }

    /// `perform`, with the call's metrics: the last attempt's phases and the attempts made. Its
    /// errors (`OSSClientError`, `OSSServiceError`) carry the metrics too when the last attempt
    /// had a connection.
    func performMeasured<T: Sendable>(
        _ op: OSSOperationRequest, progress: OSSProgressHandler? = nil, uploadCRCBase: UInt64? = nil,
        signal: CancellationSignal? = nil, retries: RetryPolicy? = nil,
        consume: (OSSResponseHead, BodyPump) async throws -> T
    ) async throws -> (value: T, metrics: OSSRequestMetrics) {
        let recorder = WireMetrics()
        do {
            let value: T
            // A file body is read (blocking pread) on a file I/O thread, never on the cooperative pool.
            if op.body.readsFile {
                value = try await FileIOExecutor.run {
                    try await performHere(
                        op, progress: progress, uploadCRCBase: uploadCRCBase, signal: signal, retries: retries,
                        recorder: recorder, consume: consume)
                }
            } else {
                value = try await performHere(
                    op, progress: progress, uploadCRCBase: uploadCRCBase, signal: signal, retries: retries,
                    recorder: recorder, consume: consume)
            }
            return (value, recorder.result)
        } catch {
            throw OSSClient.attach(recorder.current, to: error)
        }
    }

    /// The error with the call's metrics, for the error types that carry them.
    static func attach(_ metrics: OSSRequestMetrics?, to error: any Error) -> any Error {
        guard let metrics else { return error }
        if var e = error as? OSSClientError {
            e.metrics = metrics
            return e
        }
        if var e = error as? OSSServiceError {
            e.metrics = metrics
            return e
        }
        return error
    }

    private func performHere<T: Sendable>(
        _ op: OSSOperationRequest, progress: OSSProgressHandler?, uploadCRCBase: UInt64?,
        signal: CancellationSignal?, retries: RetryPolicy?, recorder: WireMetrics,
        consume: (OSSResponseHead, BodyPump) async throws -> T
    ) async throws -> T {
        try op.validate()
        let epoch = try currentEpoch()
        // Cancelled before anything went out: the public error, saying no byte was sent.
        if Task.isCancelled { throw OSSClientError(.cancelled, "the task was cancelled before the request started", bodyFullySent: false) }
        if let reason = signal?.reason {
            throw OSSClientError(.cancelled, "cancelled before it started (\(reason))", bodyFullySent: false)
        }
        // One deadline for the whole call, computed once: every attempt and every back-off wait
        // counts against it.
        let deadline = configuration.timeouts.total.map { ContinuousClock.now.advanced(by: $0) }
        // One signal for the call, which the client-wide switch and the caller's signal fire: the
        // wire aborts the attempt in flight with it, and back-off and rate-limit waits wake on it.
        let callSignal = CancellationSignal()
        let epochKey = epoch.forward(to: callSignal)
        defer { epoch.remove(epochKey) }
        let callerKey = signal?.forward(to: callSignal)
        defer { signal?.remove(callerKey) }

        var headers = op.headers
        let contentLength: Int64?
        let hasBody: Bool
        // A file body is opened once for the whole request: every attempt re-reads it with pread.
        var body = op.body
        var opened: FileDescriptor? = nil
        defer { opened?.close() }
        if case .bytes(let b) = op.body.source, b.isEmpty {
            hasBody = false
            contentLength = (op.method == "PUT" || op.method == "POST") ? 0 : nil
        } else {
            hasBody = true
            (body, contentLength, opened) = try op.body.prepared()
        }
        if op.sendsContentMD5 {
            let md5 = try await OSSClient.md5(of: body)
            headers.removeAll { ASCIICase.equal($0.0, "content-md5") }
            headers.append(("Content-MD5", Base64.encode(md5)))
        }
        // Added to each attempt's signed copy below: appending here would copy the operation's headers.
        let addsUserAgent = !headers.contains(where: { ASCIICase.equal($0.0, "user-agent") })

        let address = RequestAddress(
            endpoint: configuration.endpoint, addressing: addressing, bucket: op.bucket, key: op.key,
            query: op.query)
        let checkUpload = configuration.crcCheckEnabled && op.checksUploadCRC && hasBody
        let uploadCRC = checkUpload ? CRC64Accumulator() : nil
        let isRangeRead = op.header("range") != nil
        let checkDownload = configuration.crcCheckEnabled && op.operation == .getObject && !isRangeRead
        // Without a handler nobody hears about progress: no tracker, and no per-chunk callback below.
        let tracker = progress.map { ProgressTracker(total: hasBody ? contentLength : nil, handler: $0) }
        let policy = retries ?? configuration.retryPolicy

        var attempt = 0
        var resentOnFreshConnection = false
        while true {
            attempt += 1
            recorder.startAttempt()
            do {
                try Task.checkCancellation()
                if let deadline, ContinuousClock.now >= deadline { throw OSSClient.deadlinePassed(after: nil) }
                // Named pairs, the signer's and the wire's type: signed and sent without a copy.
                var signed: [(name: String, value: String)] = []
                signed.reserveCapacity(headers.count + 7)  // User-Agent, Date and the signer's five: one allocation
                for h in headers { signed.append((name: h.0, value: h.1)) }
                if addsUserAgent { signed.append(("User-Agent", configuration.userAgent)) }
                let time = signingTime()
                signed.append(("Date", time.rfc1123))
                try await signer.sign(
                    method: op.method, bucket: op.bucket, key: op.key, query: op.query, headers: &signed, time: time)
                var reached: (@Sendable (Int64) -> Void)? = nil
                if let tracker { reached = { tracker.reached($0) } }
                let upload =
                    hasBody
                    ? UploadBody(
                        body: body,
                        observer: UploadObserver(crc: uploadCRC, limiter: sendLimiter, signal: callSignal),
                        progress: reached)
                    : nil
                let request = WireRequest(
                    method: op.method, address: address, headers: signed, contentLength: contentLength, body: upload,
                    deadline: deadline, signal: callSignal, signalIsTheCall: true, metrics: recorder)
                let value = try await wire.execute(request) { response in
                    let head = response.head
                    guard (200..<300).contains(head.statusCode) else {
                        let errorBody = try await OSSClient.readAll(response.body, limit: 1 << 20)
                        throw ErrorBody.serviceError(status: head.statusCode, header: head.header, body: errorBody)
                    }
                    if let uploadCRC {
                        try OSSClient.verifyUpload(uploadCRC, base: uploadCRCBase, head: head, operation: op.operation.name)
                    }
                    let pump = BodyPump(
                        body: response.body, limiter: receiveLimiter, signal: callSignal,
                        crc: checkDownload && head.statusCode == 200 ? CRC64Accumulator() : nil,
                        progress: hasBody || progress == nil
                            ? nil : ProgressTracker(total: head.header("content-length").flatMap { Int64($0) }, handler: progress),
                        highWater: tracker, operation: op.operation.name, serverCRC: head.header(OSSHeader.crc64))
                    return try await consume(head, pump)
                }
                retryBudget.refund()
                return value
            } catch {
                let failure = explainAddressing(OSSClient.normalise(error), bucket: op.bucket)
                let decision = RetryPolicy.classify(failure)
                // The server's time is learnt from RequestTimeTooSkewed whoever retries (this loop,
                // or a transfer for its parts), so the next attempt is signed right.
                if decision.base == .correctClockAndRetry, configuration.clockSkewCorrectionEnabled,
                    let serverTime = decision.serverTime
                {
                    correctClock(serverTime: serverTime)
                }
                guard decision.shouldRetry, body.isRewindable || !hasBody, !Task.isCancelled, signal?.isCancelled != true
                else { throw failure }
                // A kept-alive connection the server had closed: the request never reached it, so
                // it goes again at once on a fresh connection, once per call, whatever the policy.
                let resend = decision.base == .resendOnFreshConnection
                guard resend ? !resentOnFreshConnection : attempt <= policy.maxRetries else { throw failure }
                // A retry that disableRequests() stopped fails as aborted, whether the switch came
                // during the failed attempt or during the back-off after it: the caller sees one
                // outcome for one cause, not a race between the server's answer and the switch.
                guard requestsEnabled, !epoch.isCancelled else {
                    throw OSSClientError(
                        .abortedInFlight, "requests were disabled before a retry after: \(failure)",
                        bodyFullySent: (failure as? OSSClientError)?.bodyFullySent, underlying: failure)
                }
                if resend {
                    resentOnFreshConnection = true
                    attempt -= 1
                    continue
                }
                if decision.base == .correctClockAndRetry, !configuration.clockSkewCorrectionEnabled || decision.serverTime == nil {
                    throw failure
                }
                let isTimeout = (failure as? OSSClientError)?.kind == .timeout
                guard retryBudget.spend(afterTimeout: isTimeout) else { throw failure }
                var wait = decision.base == .correctClockAndRetry ? .zero : policy.delay(beforeRetry: attempt)
                if let deadline {
                    let left = ContinuousClock.now.duration(to: deadline)
                    guard left > wait else { throw OSSClient.deadlinePassed(after: failure) }
                    wait = min(wait, left)
                }
                if let reason = await InterruptibleSleep.sleep(for: wait, wakingOn: callSignal) {
                    if reason == .disabled {
                        throw OSSClientError(
                            .abortedInFlight, "requests were disabled while waiting to retry after: \(failure)",
                            bodyFullySent: (failure as? OSSClientError)?.bodyFullySent, underlying: failure)
                    }
                    throw OSSClientError(.cancelled, "cancelled while waiting to retry after: \(failure)", underlying: failure)
                }
            }
        }
    }

    /// The error of a call whose total timeout passed: the failure of its last attempt when that
    /// was the timeout itself, else a timeout that keeps that failure as its cause.
    static func deadlinePassed(after failure: (any Error)?) -> any Error {
        if let e = failure as? OSSClientError, e.kind == .timeout { return e }
        guard let failure else {
            return OSSClientError(.timeout, "the call's total timeout passed before another attempt", bodyFullySent: false)
        }
        return OSSClientError(
            .timeout, "the call's total timeout passed while retrying after: \(failure)",
            bodyFullySent: (failure as? OSSClientError)?.bodyFullySent, underlying: failure)
    }

    /// Compares the CRC64 of the bytes sent with the server's (for appends, combined with the
    /// object's CRC64 before the append).
    static func verifyUpload(_ crc: CRC64Accumulator, base: UInt64?, head: OSSResponseHead, operation: String) throws {
        guard let reported = head.crc64 else { return }
        let expected = base.map { CRC64.combine($0, crc.value, lengthOfB: UInt64(crc.byteCount)) } ?? crc.value
        if reported != expected { throw OSSClientError.crcMismatch(expected: expected, reported: reported, what: operation) }
    }

    /// A name that does not resolve because the bucket went in front of the endpoint's host
    /// (virtual-hosted addressing, against a server without bucket subdomains) says so, naming
    /// the host the user gave and the fix.
    func explainAddressing(_ failure: any Error, bucket: String?) -> any Error {
        guard let e = failure as? OSSClientError, e.kind == .dns, let bucket, !bucket.isEmpty,
            configuration.effectiveAddressing == .virtualHosted
        else { return failure }
        let host = configuration.endpoint.host
        return OSSClientError(
            .dns,
            "\(e.message); the bucket \(bucket) goes in front of the endpoint's host \(host) (virtual-hosted "
                + "addressing): if \(host) serves no bucket subdomains, use path-style addressing (--path-style)",
            bodyFullySent: e.bodyFullySent, underlying: e.underlying)
    }

    /// Errors from below as the public types: `CancellationError` becomes `.cancelled`.
    static func normalise(_ error: any Error) -> any Error {
        if error is OSSClientError || error is OSSServiceError || error is StreamConsumerError { return error }
        if error is CancellationError { return OSSClientError(.cancelled, "the task was cancelled") }
        if let e = error as? TransportError { return WireErrors.map(e, bodyFullySent: nil) }
        return OSSClientError(.network, "\(error)", underlying: error)
    }

    /// Reads a body to its end, or to `limit` bytes.
    static func readAll(_ body: any WireResponseBody, limit: Int = .max) async throws -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = try await body.next() {
            if out.isEmpty { out = chunk } else { out.append(contentsOf: chunk) }
            if out.count >= limit { break }
        }
        return out
    }

    /// MD5 of a body, read once through.
    static func md5(of body: OSSRequestBody) async throws -> [UInt8] {
        if case .bytes(let b) = body.source { return Digest.md5(b) }
        guard body.isRewindable else {
            throw OSSClientError.invalidArgument("Content-MD5 needs a body that can be read twice, not a stream")
        }
        var digest = Digest(.md5)
        try await body.forEachPiece { digest.update($0) }
        return digest.finalize()
    }
}

/// Pulls an answer's body: waits for the receive rate limit, feeds CRC64 and progress, and checks
/// the CRC64 at the end. Used by one task, inside the exchange's handler.
final class BodyPump {
    let body: any WireResponseBody
    let limiter: RateLimiter
    /// The call's signal: it ends a rate-limit wait at once.
    let signal: CancellationSignal
    let crc: CRC64Accumulator?
    let progress: ProgressTracker?
    let operation: String
    let serverCRC: String?
    private var finished = false

    init(
        body: any WireResponseBody, limiter: RateLimiter, signal: CancellationSignal, crc: CRC64Accumulator?,
        progress: ProgressTracker?, highWater: ProgressTracker? = nil, operation: String, serverCRC: String?
    ) {
        self.body = body
        self.limiter = limiter
        self.signal = signal
        self.crc = crc
        // A download's progress continues the request's tracker, so a retried download is not
        // counted twice.
        if progress != nil, let highWater {
            highWater.startAttempt()
            self.progress = highWater
        } else {
            self.progress = progress
        }
        self.operation = operation
        self.serverCRC = serverCRC
    }

    /// The next chunk, or `nil` at the end (after the CRC64 check).
    func next() async throws -> [UInt8]? {
        if finished { return nil }
        guard let chunk = try await body.next() else {
            finished = true
            try crc?.verify(serverHeader: serverCRC, what: operation)
            return nil
        }
        try await admit(chunk.count)
        crc?.update(chunk)
        progress?.add(chunk.count)
        return chunk
    }

    /// Waits for the receive rate limit to let `count` bytes pass (at once without a limit); the
    /// call's signal ends the wait with the public error of its reason.
    private func admit(_ count: Int) async throws {
        guard let reason = await limiter.acquire(count, wakingOn: signal) else { return }
        throw reason == .disabled
            ? OSSClientError(.abortedInFlight, "requests were disabled while the answer was read", bodyFullySent: true)
            : OSSClientError(.cancelled, "cancelled while the answer was read", bodyFullySent: true)
    }

    /// The rest of the body in memory.
    func collect() async throws -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = try await next() {
            if out.isEmpty { out = chunk } else { out.append(contentsOf: chunk) }
        }
        return out
    }

    /// Receives the next bytes of the body straight into `buffer` (rate limit and progress on
    /// the way); 0 at the end, after the CRC64 check. The caller adds each piece to the CRC64
    /// before it receives again: the check needs every byte.
    private func receive(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        if finished { return 0 }
        let n = try await body.read(into: buffer)
        guard n > 0 else {
            finished = true
            try crc?.verify(serverHeader: serverCRC, what: operation)
            return 0
        }
        try await admit(n)
        progress?.add(n)
        return n
    }

    /// Writes the rest of the body into `file` from `offset`: received straight into `buffer`,
    /// and each receive's bytes written at once, as the C read loop of `reference get` and curl
    /// write them (no copy in between; a receive takes up to the whole buffer).
    ///
    /// Why not fill the buffer before each `pwrite`: on the Intel Xeon VM of 2026-12-07 a 1 GiB
    /// download that filled the buffer ran 1.18-2.85 s whenever the file before it had been
    /// written in the pieces the socket gave, against 0.54-1.03 s for this (12 pairs in ABBA
    /// order; Benchmarks/README.md, "A sixth VM"). The likely cause, not proven: whole-buffer
    /// writes at buffer-aligned offsets let the page cache take large folios, which on a VM that
    /// hands free memory back to its host (free page reporting) the host must fault in again.
    ///
    /// The CRC64 of a piece is taken after its `pwrite`, not before: the kernel's copy of a
    /// large receive leaves the bytes outside the CPU's nearer caches, and the `pwrite` reads
    /// them back in, so the CRC64 after it reads cached bytes. On the same VM a C loop spent
    /// 56.5 ms a GiB on CRC64 before the write against 24.4 after it, and the whole body took
    /// 0.649 s against 0.594 (Benchmarks/C/crcplace.c, 16 runs each; Benchmarks/README.md).
    /// - Returns: the bytes written.
    func write(to file: FileDescriptor, at offset: Int64, buffer: IOBuffer, limit: Int64 = .max) async throws -> (
        written: Int64, crc64: UInt64
    ) {
        var written: Int64 = 0
        // The pump's CRC64 when it checks the whole object; else computed here on the way.
        var local = crc == nil ? CRC64() : nil
        while true {
            let n = try await receive(into: buffer.bytes)
            if n == 0 { break }
            guard written + Int64(n) <= limit else {
                throw OSSClientError.invalidResponse("the server sent more than the \(limit) bytes asked for")
            }
            let piece = UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<n])
            do {
                try file.write(piece, at: offset + written)
            } catch {
                throw OSSClientError.file(error)
            }
            crc?.update(piece)
            local?.update(piece)
            written += Int64(n)
        }
        return (written, local?.value ?? crc!.value)
    }

    /// Writes the rest of the body to `path` through `path.osswire-part`, renamed once complete.
    func write(toFile path: String) async throws {
        let temp = path + ".osswire-part"
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(temp, .writeOnly, options: [.create, .truncate])
        } catch {
            throw OSSClientError.file(error)
        }
        do {
            _ = try await write(to: file, at: 0, buffer: IOBuffer(capacity: BodyPump.fileBufferSize))
            file.close()
            do { try FileDescriptor.rename(temp, to: path) } catch { throw OSSClientError.file(error) }
        } catch {
            file.close()
            FileDescriptor.remove(temp)
            throw error
        }
    }

    /// The buffer a download to a file is received into: each `pwrite` is this large.
    static let fileBufferSize = 256 << 10
}

/// An object's bytes as they arrive, inside `OSSClient.withObjectStream`. Read to the end, a
/// whole object's CRC64 is checked.
public struct OSSObjectStream: AsyncSequence {
    public typealias Element = [UInt8]
    let pump: BodyPump

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pump: BodyPump
        public mutating func next() async throws -> [UInt8]? { try await pump.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pump: pump) }
}

// MARK: - A thread of its own for a sequence of requests

extension OSSClient {
    /// Runs `body` with its task (and the child tasks it makes) preferring one of OSSWire's own
    /// I/O threads instead of Swift's cooperative pool, for a task that makes requests one after
    /// another and waits for each answer (a loop of small requests to a remote server).
    ///
    /// On the cooperative pool every answer wakes two threads: the kernel wakes the reactor
    /// thread, which resumes the request on a cooperative thread. On an I/O thread a request
    /// waiting for its answer blocks that thread in `poll(2)` while it has nothing else to run,
    /// so each answer wakes one thread, as a blocking `recv` would. Cancellation is unchanged:
    /// cancelling the task, an upload handle or `disableRequests()` still resets the socket from
    /// the cancelling thread and wakes the poll at once.
    ///
    /// Entering and leaving cost a thread hop each, so it pays for a loop, not for one call.
    /// Measure it on the host that runs it: where a thread that blocks comes back slowly (a VM
    /// measured at 35-45 µs a blocking wait), the cooperative pool was twice as fast
    /// (Benchmarks/README.md, "Small PUTs: fewer allocations and byte checks").
    /// The threads are shared with file transfers (a waiting request gives its thread up when
    /// other work is queued there). Call it from a nonisolated context: code isolated to an
    /// actor (the main actor) still runs on that actor, and only OSSWire's calls move.
    ///
    /// - Parameter busyPolling: how long a request waiting for its answer polls its socket
    ///   without blocking before it blocks (`nil`: it blocks at once). A blocked thread gives
    ///   its CPU up, and the answer then wakes it to cold caches (in a virtual machine the host
    ///   may run something else on that CPU meanwhile). Against a server that answers within
    ///   tens of microseconds (loopback, a fast LAN), an answer caught while spinning costs no
    ///   context switch. Each wait spends up to this much CPU, so keep it near the server's
    ///   answer time (50 µs for loopback); against a remote server it only burns CPU.
    ///   Cancellation and `disableRequests()` end a spin as they end a blocked wait.
    public static func withDedicatedThread<T>(busyPolling: Duration? = nil, _ body: () async throws -> T) async rethrows
        -> T
    {
        guard let busyPolling, busyPolling > .zero else { return try await FileIOExecutor.run(body) }
        return try await FileIOExecutor.run(busyPolling: FileIOExecutor.BusyPolling(duration: busyPolling), body)
    }
}
