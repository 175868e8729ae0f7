import OSSCore

/// A token bucket: `rate` bytes per second, holding at most `burst` tokens. Taking more tokens than
/// are held goes into debt, which later takers wait out; so one large chunk is allowed at once
/// and the average rate still holds.
struct TokenBucket: Sendable {
    /// Bytes per second; `nil` for no limit.
    private(set) var rate: Int?
    private(set) var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Int?, now: ContinuousClock.Instant) {
        self.rate = rate
        self.tokens = 0
        self.last = now
    }

    /// At most a tenth of a second's worth (at least 16 KiB), so the rate is smooth.
    var burst: Double {
        guard let rate else { return 0 }
        return max(Double(rate) / 10, 16 * 1024)
    }

    /// Changes the rate; tokens already held stay (capped by the new burst).
    mutating func setRate(_ newRate: Int?, now: ContinuousClock.Instant) {
        refill(now: now)
        rate = newRate
        if newRate == nil { tokens = 0 } else { tokens = min(tokens, burst) }
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        defer { last = now }
        guard let rate, now > last else { return }
        let elapsed = last.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(burst, tokens + seconds * Double(rate))
    }

    /// Tries to take `count` tokens.
    /// - Returns: `nil` when taken (possibly into debt), else how long to wait before trying again.
    mutating func take(_ count: Int, now: ContinuousClock.Instant) -> Duration? {
        refill(now: now)
        guard let rate else { return nil }
        // A take larger than the burst waits for a full bucket, then goes into debt.
        let needed = min(Double(count), burst)
        if tokens >= needed {
            tokens -= Double(count)
            return nil
        }
        // Wait until enough is back, but never long: a changed rate applies within 100 ms.
        let seconds = min(max((needed - tokens) / Double(rate), 0.000_001), 0.1)
        return .nanoseconds(Int64(seconds * 1e9))
    }
}

/// A byte-rate limit shared by the requests of one client, changeable while transfers run.
package final class RateLimiter: Sendable {
    private let bucket: PThreadMutex<TokenBucket>

    /// - Parameter bytesPerSecond: the limit, or `nil` for none.
    package init(bytesPerSecond: Int?) {
        bucket = PThreadMutex(TokenBucket(rate: bytesPerSecond, now: .now))
    }

    /// The current limit in bytes per second, or `nil`.
    package var bytesPerSecond: Int? { bucket.withLock { $0.rate } }

    /// Changes the limit; transfers under way follow it within a tenth of a second.
    package func setLimit(_ bytesPerSecond: Int?) {
        let rate = bytesPerSecond.flatMap { $0 > 0 ? $0 : nil }
        bucket.withLock { $0.setRate(rate, now: .now) }
    }

    /// Waits until `count` bytes may pass. Without a limit it returns at once: one lock, no clock
    /// read and no suspension, so callers need no check of their own on every chunk.
    /// - Parameter signal: ends the wait at once (the call's signal: disable, cancel, pause).
    /// - Returns: `nil` when the bytes may pass, else why the wait was interrupted.
    func acquire(_ count: Int, wakingOn signal: CancellationSignal?) async -> CancellationSignal.Reason? {
        while true {
            let wait = bucket.withLock { b -> Duration? in
                // `last` goes stale while there is no rate; setRate refills (resetting it) first.
                guard b.rate != nil else { return nil }
                return b.take(count, now: .now)
            }
            guard let wait else { return nil }
            if let reason = await InterruptibleSleep.sleep(for: wait, wakingOn: signal) { return reason }
        }
    }
}
