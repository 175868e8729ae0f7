import OSSCore
import OSSTestSupport
import Synchronization
import Testing

@testable import OSSClient

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("5xx, timeouts, resets and refusals are retried; other 4xx, CRC, cancel and bad input are not")
    func classification() {
        #expect(RetryPolicy.classify(OSSServiceError(statusCode: 503, code: "ServiceUnavailable")) == .retry)
        #expect(RetryPolicy.classify(OSSServiceError(statusCode: 500, code: "InternalError")) == .retry)
        #expect(RetryPolicy.classify(OSSServiceError(statusCode: 404, code: "NoSuchKey")) == .fail)
        #expect(RetryPolicy.classify(OSSServiceError(statusCode: 403, code: "AccessDenied")) == .fail)
        for kind in [OSSClientError.Kind.timeout, .connect, .network] {
            #expect(RetryPolicy.classify(OSSClientError(kind, "")) == .retry)
        }
        for kind in [
            OSSClientError.Kind.crcMismatch, .invalidArgument, .requestsDisabled, .abortedInFlight, .cancelled, .tls, .dns,
            .file,
        ] {
            #expect(RetryPolicy.classify(OSSClientError(kind, "")) == .fail)
        }
        #expect(RetryPolicy.classify(CancellationError()) == .fail)
    }

    @Test("RequestTimeTooSkewed is retried after correcting the clock from ServerTime")
    func skew() {
        let e = OSSServiceError(
            statusCode: 403, code: "RequestTimeTooSkewed", fields: ["ServerTime": "2026-11-25T04:00:00.000Z"])
        let d = RetryPolicy.classify(e)
        #expect(d.shouldRetry)
        #expect(d.serverTime == UTCTime(year: 2026, month: 11, day: 25, hour: 4))
    }

    @Test("back-off caps grow exponentially up to maxDelay; jitter stays within the cap")
    func backoff() {
        let p = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(350))
        #expect(p.delayCap(beforeRetry: 1) == .milliseconds(100))
        #expect(p.delayCap(beforeRetry: 2) == .milliseconds(200))
        #expect(p.delayCap(beforeRetry: 3) == .milliseconds(350))
        #expect(p.delayCap(beforeRetry: 60) == .milliseconds(350))
        #expect(p.delay(beforeRetry: 2, random: { $0.upperBound }) == .milliseconds(200))
        #expect(p.delay(beforeRetry: 2, random: { $0.lowerBound }) == .zero)
        for n in 1...5 {
            let d = p.delay(beforeRetry: n)
            #expect(d >= .zero && d <= p.delayCap(beforeRetry: n))
        }
    }

    @Test("the retry budget runs out and refills with successes")
    func budget() {
        let b = RetryBudget(capacity: 12, retryCost: 5, timeoutCost: 10)
        #expect(b.spend(afterTimeout: false))
        #expect(!b.spend(afterTimeout: true))  // 7 left, a timeout costs 10
        #expect(b.spend(afterTimeout: false))
        #expect(!b.spend(afterTimeout: false))  // 2 left
        for _ in 0..<20 { b.refund() }
        #expect(b.available == 12)
    }
}

@Suite("Interruptible waits")
struct InterruptibleSleepTests {
    @Test("a back-off wait wakes at once when its signal fires")
    func wakesOnSignal() async {
        let signal = CancellationSignal()
        async let reason = InterruptibleSleep.sleep(for: .seconds(600), wakingOn: signal)
        try? await Task.sleep(for: .milliseconds(20))
        signal.cancel(.disabled)
        #expect(await reason == .disabled)
    }

    @Test("a signal fired before the wait ends it without sleeping")
    func alreadyFired() async {
        let signal = CancellationSignal()
        signal.cancel(.disabled)
        #expect(await InterruptibleSleep.sleep(for: .seconds(600), wakingOn: signal) == .disabled)
    }

    @Test("task cancellation ends the wait")
    func taskCancel() async {
        let t = Task { await InterruptibleSleep.sleep(for: .seconds(600), wakingOn: nil) }
        t.cancel()
        #expect(await t.value == .taskCancelled)
    }

    @Test("a short wait completes normally")
    func completes() async {
        #expect(await InterruptibleSleep.sleep(for: .milliseconds(1), wakingOn: CancellationSignal()) == nil)
    }
}

@Suite("Progress and rate limits")
struct ProgressTests {
    final class Recorder: Sendable {
        let events = PThreadMutex<[OSSProgress]>([])
        var handler: OSSProgressHandler { { e in self.events.withLock { $0.append(e) } } }
        var values: [Int64] { events.withLock { $0.map(\.bytesTransferred) } }
    }

    @Test("progress is monotonic and a retried attempt is not counted twice")
    func monotonicAcrossRetries() {
        let r = Recorder()
        let p = ProgressTracker(total: 100, handler: r.handler)
        p.startAttempt()
        p.add(30)
        p.add(30)  // 60, then the attempt fails
        p.startAttempt()
        p.add(50)  // 50 < 60: nothing reported
        p.add(30)  // 80
        p.add(20)  // 100
        #expect(r.values == [30, 60, 80, 100])
        #expect(r.events.withLock { $0.allSatisfy { $0.totalBytes == 100 } })
    }

    @Test("the token bucket lets a burst through, then makes takers wait in proportion")
    func tokenBucket() {
        let t0 = ContinuousClock.now
        var b = TokenBucket(rate: 1_000_000, now: t0)
        #expect(b.take(100_000, now: t0) != nil)  // empty at start: wait
        let t1 = t0.advanced(by: .milliseconds(100))
        #expect(b.take(100_000, now: t1) == nil)  // 100 ms refilled 100 000 tokens
        #expect(b.take(1, now: t1) != nil)  // now empty
        let t2 = t1.advanced(by: .seconds(10))
        #expect(b.take(300_000, now: t2) == nil)  // holds at most the burst, but may go into debt
        let wait = b.take(1, now: t2)!
        #expect(wait > .zero && wait <= .milliseconds(100))
    }

    @Test("the rate can change at run time, and removing it lets everything through")
    func changeRate() async {
        let limiter = RateLimiter(bytesPerSecond: 1)
        #expect(limiter.bytesPerSecond == 1)
        limiter.setLimit(nil)
        #expect(limiter.bytesPerSecond == nil)
        #expect(await limiter.acquire(1 << 30, wakingOn: nil) == nil)
        limiter.setLimit(1)
        let signal = CancellationSignal()
        async let waiting = limiter.acquire(1 << 20, wakingOn: signal)
        signal.cancel(.disabled)
        #expect(await waiting == .disabled)
    }
}

@Suite("Request bodies")
struct BodyTests {
    @Test("the upload observer feeds the CRC64 (a retry starts it again); the bytes sent reach the progress tracker")
    func crcAndProgress() async throws {
        let data = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let crc = CRC64Accumulator()
        let progress = ProgressTracker(total: Int64(data.count), handler: nil)
        let upload = UploadBody(
            body: .bytes(data), observer: UploadObserver(crc: crc, limiter: nil, signal: CancellationSignal()),
            progress: { progress.reached($0) })
        for _ in 0..<2 {
            var got: [UInt8] = []
            try await upload.read(length: Int64(data.count)) { c in
                got += c
                return true
            }
            #expect(got == data)
            #expect(crc.value == CRC64.checksum(data))
            #expect(crc.byteCount == Int64(data.count))
        }
        #expect(progress.reported == Int64(data.count))
        try crc.verify(serverHeader: String(CRC64.checksum(data)), what: "PutObject")
        #expect(throws: OSSClientError.self) { try crc.verify(serverHeader: "12345", what: "PutObject") }
        try crc.verify(serverHeader: nil, what: "PutObject")  // nothing to compare with
    }

    @Test("a stream body is read once and refuses a second attempt")
    func streamOnce() async throws {
        let stream = AsyncStream<[UInt8]> { c in
            c.yield([1, 2, 3])
            c.yield([])
            c.yield([4])
            c.finish()
        }
        let body = OSSRequestBody.stream(stream, length: 4)
        #expect(!body.isRewindable)
        #expect(try await body.collect() == [1, 2, 3, 4])
        await #expect(throws: OSSClientError.self) { _ = try await body.collect() }
    }

    @Test("a stream longer or shorter than its declared length fails")
    func streamLengthMismatch() async {
        let short = AsyncStream<[UInt8]> { c in
            c.yield([1, 2])
            c.finish()
        }
        let upload = UploadBody(
            body: .stream(short, length: 3), observer: UploadObserver(crc: nil, limiter: nil, signal: CancellationSignal()), progress: nil)
        await #expect(throws: OSSClientError.self) { try await upload.read(length: 3) { _ in true } }
    }

    @Test("file bodies read a range, re-read on retry, and check bounds")
    func fileBody() async throws {
        let path = "/tmp/osswire-client-test-\(UInt64.random(in: 0...UInt64.max))"
        defer { FileDescriptor.remove(path) }
        let data = (0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try writeTestFile(path, data)

        let whole = OSSRequestBody.file(path)
        #expect(try whole.prepared().length == 600_000)
        #expect(try await whole.collect() == data)
        #expect(try await whole.collect() == data)  // rewindable

        let range = OSSRequestBody.file(path, offset: 1000, length: 300_000)
        #expect(try await range.collect() == Array(data[1000..<301_000]))
        #expect(throws: OSSClientError.self) { try OSSRequestBody.file(path, offset: 599_999, length: 2).prepared() }
        let missing = try #require(throws: OSSClientError.self) {
            try OSSRequestBody.file(path + "-missing").prepared()
        }
        #expect(missing.kind == .file)
    }
}

@Suite("Stream bodies")
struct StreamBodyTests {
    @Test("a stream is taken at the first read, so an attempt that never read leaves it for the next")
    func lazyTake() async throws {
        let stream = AsyncStream<[UInt8]> { c in
            c.yield([1, 2])
            c.finish()
        }
        guard case .stream(let box, _) = OSSRequestBody.stream(stream, length: 2).source else {
            Issue.record("not a stream body")
            return
        }
        _ = StreamChunks(box: box).makeAsyncIterator()  // made, never read
        var second = StreamChunks(box: box).makeAsyncIterator()
        #expect(try await second.next() == [1, 2])
        #expect(try await second.next() == nil)
        var third = StreamChunks(box: box).makeAsyncIterator()
        await #expect(throws: OSSClientError.self) { _ = try await third.next() }
    }
}
