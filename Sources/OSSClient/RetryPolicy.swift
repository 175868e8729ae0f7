import Synchronization
import OSSCore
internal import OSSHTTP
import OSSProtocol

/// When and how long to wait before retrying a failed request.
///
/// Retried: 5xx answers, connection reset or refused, timeouts, and `RequestTimeTooSkewed` (after
/// the clock is corrected from the server's time). Never retried: other 4xx answers, CRC64
/// mismatches, bad input, a request cancelled or disabled, or a body that cannot be re-read.
/// Waits grow exponentially with full jitter: a random time in `0...min(maxDelay, baseDelay * 2^n)`.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (3 by default; 0 disables retries).
    public var maxRetries: Int
    /// The back-off cap of the first retry.
    public var baseDelay: Duration
    /// The largest wait.
    public var maxDelay: Duration

    public init(maxRetries: Int = 3, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(20)) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// 3 retries, 200 ms base, 20 s cap.
    public static let `default` = RetryPolicy()
    /// No retries.
    public static let none = RetryPolicy(maxRetries: 0)

    func validate() throws {
        guard maxRetries >= 0 else { throw OSSClientError.invalidArgument("maxRetries cannot be negative") }
        guard baseDelay >= .zero, maxDelay >= baseDelay else {
            throw OSSClientError.invalidArgument("retry delays must satisfy 0 <= baseDelay <= maxDelay")
        }
    }

    /// What to do with a failure.
    package struct Decision: Sendable, Hashable, CustomStringConvertible {
        package enum Base: Sendable, Hashable { case fail, retry, correctClockAndRetry, resendOnFreshConnection }
        package let base: Base
        /// The server's time, for `correctClockAndRetry`.
        package let serverTime: UTCTime?
        init(_ base: Base, serverTime: UTCTime? = nil) {
            self.base = base
            self.serverTime = serverTime
        }
        package static let fail = Decision(.fail)
        package static let retry = Decision(.retry)
        /// A kept-alive connection the server had closed: send again at once on a fresh one.
        package static let resendOnFreshConnection = Decision(.resendOnFreshConnection)
        package static func correctClockAndRetry(serverTime: UTCTime?) -> Decision {
            Decision(.correctClockAndRetry, serverTime: serverTime)
        }
        package var shouldRetry: Bool { base != .fail }
        package var description: String {
            switch base {
            case .fail: "fail"
            case .retry: "retry"
            case .correctClockAndRetry: "correct the clock and retry"
            case .resendOnFreshConnection: "send again on a fresh connection"
            }
        }
    }

    /// Classifies an error thrown by one attempt: the one place that says what is retried.
    package static func classify(_ error: any Error) -> Decision {
        if let e = error as? OSSServiceError {
            if e.code == OSSErrorCode.requestTimeTooSkewed {
                let t = e.fields["ServerTime"].flatMap { UTCTime(iso8601: $0) ?? UTCTime(rfc1123: $0) }
                return .correctClockAndRetry(serverTime: t)
            }
            return e.statusCode >= 500 ? .retry : .fail
        }
        if let e = error as? OSSClientError {
            if let http = e.underlying as? HTTPClientError, http.isStaleConnection { return .resendOnFreshConnection }
            switch e.kind {
            case .timeout, .connect, .network: return .retry
            default: return .fail
            }
        }
        return .fail
    }

    /// The back-off cap before retry number `retry` (1-based): `min(maxDelay, baseDelay * 2^(retry-1))`.
    public func delayCap(beforeRetry retry: Int) -> Duration {
        let exponent = max(0, min(retry - 1, 30))
        let cap = baseDelay * (1 << exponent)
        return cap > maxDelay ? maxDelay : cap
    }

    /// A full-jitter delay before retry number `retry`: uniform in `0...delayCap(beforeRetry:)`.
    /// - Parameter random: a source of uniform random numbers (injected by tests).
    public func delay(beforeRetry retry: Int, random: (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }) -> Duration {
        let cap = delayCap(beforeRetry: retry)
        let capNanos = cap.components.seconds * 1_000_000_000 + cap.components.attoseconds / 1_000_000_000
        guard capNanos > 0 else { return .zero }
        return .nanoseconds(random(0...capNanos))
    }
}

/// A client-wide limit on retries, so an outage does not multiply the load on a struggling
/// service: each retry spends tokens (timeouts more), each success gives one back.
package final class RetryBudget: Sendable {
    /// An atomic, not a lock: every successful request refunds, and a full budget (the usual
    /// state) then costs one load.
    private let tokens: Atomic<Int>
    /// The most tokens held.
    package let capacity: Int
    /// The cost of a retry after a timeout.
    package let timeoutCost: Int
    /// The cost of any other retry.
    package let retryCost: Int

    package init(capacity: Int = 500, retryCost: Int = 5, timeoutCost: Int = 10) {
        self.capacity = capacity
        self.retryCost = retryCost
        self.timeoutCost = timeoutCost
        tokens = Atomic(capacity)
    }

    /// Tokens left.
    package var available: Int { tokens.load(ordering: .relaxed) }

    /// Takes the cost of one retry.
    /// - Returns: `false` when the budget is spent (do not retry).
    package func spend(afterTimeout: Bool) -> Bool {
        let cost = afterTimeout ? timeoutCost : retryCost
        var current = tokens.load(ordering: .relaxed)
        while current >= cost {
            let (exchanged, found) = tokens.compareExchange(
                expected: current, desired: current - cost, ordering: .relaxed)
            if exchanged { return true }
            current = found
        }
        return false
    }

    /// Gives a token back after a successful request.
    package func refund() {
        var current = tokens.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, found) = tokens.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return }
            current = found
        }
    }
}
