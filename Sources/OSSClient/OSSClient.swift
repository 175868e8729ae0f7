import OSSCore
import OSSCrypto
import Synchronization

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

    private struct SwitchState {
        var enabled = true
        /// Fired by `disableRequests()`; retry back-off and rate-limit waits listen to it.
        var epoch = CancellationSignal()
    }
    private let switchState = Mutex(SwitchState())
    /// Seconds added to the local clock when signing (learnt from `RequestTimeTooSkewed`).
    private let clockOffset = Mutex<Int64>(0)

    /// A client on a given wire and signer (the public initialisers pick the real ones).
    init(configuration: OSSClientConfiguration, wire: any Wire, signer: any RequestSigning) throws {
        try configuration.validate()
        self.configuration = configuration
        self.wire = wire
        self.signer = signer
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
        wire.disableRequests()
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
        wire.enableRequests()
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

/// How an answer's body is consumed.
enum ResponseHandling: Sendable {
    /// Read it all into memory.
    case collect
    /// Write it to a file (through a temporary file renamed at the end).
    case file(path: String)
    /// Hand it to the caller as a stream (no retry once the head arrived).
    case stream
}

/// The outcome of `OSSClient.perform`.
struct PerformResult: Sendable {
    var head: OSSResponseHead
    /// The body, for `.collect`.
    var body: [UInt8]
    /// The stream, for `.stream`.
    var stream: OSSObjectStream?
}

extension OSSClient {
    /// Sends an operation: validates it, signs each attempt, retries what may be retried, checks
    /// CRC64 both ways, and turns non-2xx answers into `OSSServiceError`.
    func perform(
        _ op: OSSOperationRequest, handling: ResponseHandling = .collect, progress: OSSProgressHandler? = nil,
        uploadCRCBase: UInt64? = nil
    ) async throws -> PerformResult {
        try op.validate()
        let epoch = try currentEpoch()
        try Task.checkCancellation()

        var headers = op.headers
        let contentLength: Int64?
        let hasBody: Bool
        if case .bytes(let b) = op.body.source, b.isEmpty {
            hasBody = false
            contentLength = (op.method == "PUT" || op.method == "POST") ? 0 : nil
        } else {
            hasBody = true
            contentLength = try op.body.resolvedLength()
        }
        if op.sendsContentMD5 {
            let md5 = try await OSSClient.md5(of: op.body)
            headers.removeAll { $0.0.lowercased() == "content-md5" }
            headers.append(("Content-MD5", Base64.encode(md5)))
        }
        if !headers.contains(where: { $0.0.lowercased() == "user-agent" }) {
            headers.append(("User-Agent", configuration.userAgent))
        }

        let address = RequestAddress(
            endpoint: configuration.endpoint, addressing: configuration.effectiveAddressing, bucket: op.bucket, key: op.key,
            query: op.query)
        let checkUpload = configuration.crcCheckEnabled && op.checksUploadCRC && hasBody
        let uploadCRC = checkUpload ? CRC64Accumulator() : nil
        let isRangeRead = op.header("range") != nil
        let checkDownload = configuration.crcCheckEnabled && op.method == "GET" && !isRangeRead && op.operation == "GetObject"
        let tracker = ProgressTracker(total: hasBody ? contentLength : nil, handler: progress)
        let deadline = configuration.timeouts.total.map { ContinuousClock.now.advanced(by: $0) }
        let policy = configuration.retryPolicy

        var attempt = 0
        while true {
            attempt += 1
            var lastBodyFullySent: Bool? = nil
            do {
                try Task.checkCancellation()
                var signed = headers
                let time = signingTime()
                signed.append(("Date", time.rfc1123))
                try await signer.sign(
                    method: op.method, bucket: op.bucket, key: op.key, query: op.query, headers: &signed, time: time)
                let body =
                    hasBody
                    ? UploadChunks(body: op.body, crc: uploadCRC, progress: tracker, limiter: sendLimiter, signals: [epoch])
                    : nil
                let request = WireRequest(
                    method: op.method, address: address, headers: signed, contentLength: contentLength, body: body,
                    deadline: deadline)
                let response = try await wire.execute(request)
                lastBodyFullySent = true
                let head = response.head
                guard (200..<300).contains(head.statusCode) else {
                    let errorBody = try await OSSClient.readAll(response.body, limit: 1 << 20)
                    throw ErrorBody.serviceError(status: head.statusCode, header: head.header, body: errorBody)
                }
                if let uploadCRC {
                    if let base = uploadCRCBase {
                        let expected = CRC64.combine(base, uploadCRC.value, lengthOfB: UInt64(uploadCRC.byteCount))
                        if let reported = head.crc64, reported != expected {
                            await response.body.discard()
                            throw OSSClientError.crcMismatch(expected: expected, reported: reported, what: op.operation)
                        }
                    } else {
                        do { try uploadCRC.verify(serverHeader: head.header("x-oss-hash-crc64ecma"), what: op.operation) } catch {
                            await response.body.discard()
                            throw error
                        }
                    }
                }
                let result = try await consume(
                    response, handling: handling, operation: op.operation, checkCRC: checkDownload && head.statusCode == 200,
                    epoch: epoch, tracker: hasBody ? nil : tracker)
                retryBudget.refund()
                return result
            } catch {
                let failure = OSSClient.normalise(error)
                let decision = RetryPolicy.classify(failure)
                guard decision.shouldRetry, attempt <= policy.maxRetries, op.body.isRewindable || !hasBody,
                    !Task.isCancelled, requestsEnabled, !epoch.isCancelled
                else { throw failure }
                if decision.base == .correctClockAndRetry {
                    guard configuration.clockSkewCorrectionEnabled, let serverTime = decision.serverTime else { throw failure }
                    correctClock(serverTime: serverTime)
                }
                let isTimeout = (failure as? OSSClientError)?.kind == .timeout
                guard retryBudget.spend(afterTimeout: isTimeout) else { throw failure }
                var wait = decision.base == .correctClockAndRetry ? .zero : policy.delay(beforeRetry: attempt)
                if let deadline {
                    let left = ContinuousClock.now.duration(to: deadline)
                    guard left > wait else { throw failure }
                    wait = min(wait, left)
                }
                if let reason = await InterruptibleSleep.sleep(for: wait, wakingOn: [epoch]) {
                    if reason == .disabled {
                        throw OSSClientError(
                            .abortedInFlight, "requests were disabled while waiting to retry after: \(failure)",
                            bodyFullySent: (failure as? OSSClientError)?.bodyFullySent ?? lastBodyFullySent)
                    }
                    throw OSSClientError(.cancelled, "cancelled while waiting to retry after: \(failure)")
                }
            }
        }
    }

    /// Errors from below as the public types: `CancellationError` becomes `.cancelled`.
    static func normalise(_ error: any Error) -> any Error {
        if error is OSSClientError || error is OSSServiceError { return error }
        if error is CancellationError { return OSSClientError(.cancelled, "the task was cancelled") }
        if let e = error as? TransportError { return WireErrors.map(e, bodyFullySent: nil) }
        return OSSClientError(.network, "\(error)", underlying: error)
    }

    /// Reads a body to its end.
    static func readAll(_ body: any WireResponseBody, limit: Int = .max) async throws -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = try await body.next() {
            if out.count + chunk.count > limit {
                await body.discard()
                break
            }
            if out.isEmpty { out = chunk } else { out.append(contentsOf: chunk) }
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
        var reader = ChunkReader(body)
        while let chunk = try await reader.next() { digest.update(chunk) }
        return digest.finalize()
    }

    /// Consumes a 2xx answer's body as asked, with the receive rate limit, progress and CRC64.
    private func consume(
        _ response: WireResponse, handling: ResponseHandling, operation: String, checkCRC: Bool, epoch: CancellationSignal,
        tracker: ProgressTracker?
    ) async throws -> PerformResult {
        let head = response.head
        let total = head.header("content-length").flatMap { Int64($0) }
        let progress = tracker.map { ProgressTracker(total: total, handler: $0.handler) }
        progress?.startAttempt()
        let crc = checkCRC ? CRC64Accumulator() : nil
        let pump = BodyPump(
            body: response.body, limiter: receiveLimiter, epoch: epoch, crc: crc, progress: progress, operation: operation,
            serverCRC: head.header("x-oss-hash-crc64ecma"))
        switch handling {
        case .collect:
            var out: [UInt8] = []
            if let total, total > 0, total < 1 << 31 { out.reserveCapacity(Int(total)) }
            while let chunk = try await pump.next() {
                if out.isEmpty { out = chunk } else { out.append(contentsOf: chunk) }
            }
            return PerformResult(head: head, body: out, stream: nil)
        case .file(let path):
            let temp = path + ".osswire-part"
            let file = try LocalFile.create(temp)
            do {
                while let chunk = try await pump.next() {
                    try chunk.withUnsafeBytes { try file.write($0) }
                }
                file.close()
                try LocalFile.rename(temp, to: path)
            } catch {
                file.close()
                LocalFile.remove(temp)
                await response.body.discard()
                throw error
            }
            return PerformResult(head: head, body: [], stream: nil)
        case .stream:
            return PerformResult(head: head, body: [], stream: OSSObjectStream(pump: pump))
        }
    }
}

/// Pulls an answer's body: waits for the receive rate limit, feeds CRC64 and progress, and checks
/// the CRC64 at the end.
final class BodyPump: Sendable {
    let body: any WireResponseBody
    let limiter: RateLimiter
    let epoch: CancellationSignal
    let crc: CRC64Accumulator?
    let progress: ProgressTracker?
    let operation: String
    let serverCRC: String?
    private let finished = Mutex(false)

    init(
        body: any WireResponseBody, limiter: RateLimiter, epoch: CancellationSignal, crc: CRC64Accumulator?,
        progress: ProgressTracker?, operation: String, serverCRC: String?
    ) {
        self.body = body
        self.limiter = limiter
        self.epoch = epoch
        self.crc = crc
        self.progress = progress
        self.operation = operation
        self.serverCRC = serverCRC
    }

    /// The next chunk, or `nil` at the end (after the CRC64 check).
    func next() async throws -> [UInt8]? {
        if finished.withLock({ $0 }) { return nil }
        guard let chunk = try await body.next() else {
            finished.withLock { $0 = true }
            try crc?.verify(serverHeader: serverCRC, what: operation)
            return nil
        }
        if let reason = await limiter.acquire(chunk.count, wakingOn: [epoch]) {
            await body.discard()
            throw reason == .disabled
                ? OSSClientError(.abortedInFlight, "requests were disabled while the answer was read", bodyFullySent: true)
                : OSSClientError(.cancelled, "cancelled while the answer was read", bodyFullySent: true)
        }
        crc?.update(chunk)
        progress?.add(chunk.count)
        return chunk
    }
}

/// An object's bytes as they arrive, for `OSSClient.getObjectStream`. Read it to the end (the
/// CRC64 of a whole object is checked then) or call `cancel()`.
public struct OSSObjectStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let pump: BodyPump

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pump: BodyPump
        public mutating func next() async throws -> [UInt8]? { try await pump.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pump: pump) }

    /// Stops reading; the connection is closed rather than reused.
    public func cancel() async { await pump.body.discard() }
}
