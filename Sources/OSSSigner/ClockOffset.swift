import OSSCore

/// The difference between the server's clock and ours, applied to every signing time.
///
/// The client sets it after a `RequestTimeTooSkewed` answer (from the server's `Date` or the
/// error's `ServerTime`), then retries with a corrected time. Safe to share between tasks.
public final class ClockOffset: Sendable {
    private let offset = PThreadMutex<Int64>(0)

    public init(seconds: Int64 = 0) {
        offset.withLock { $0 = seconds }
    }

    /// Seconds to add to the local clock to get the server's.
    public var seconds: Int64 {
        get { offset.withLock { $0 } }
        set { offset.withLock { $0 = newValue } }
    }

    /// Records the server's time as seen at local time `localTime` (default: now).
    public func update(serverTime: UTCTime, localTime: UTCTime = .now()) {
        let delta = serverTime.seconds - localTime.seconds
        offset.withLock { $0 = delta }
    }

    /// The corrected current time.
    public func now() -> UTCTime {
        UTCTime.now().adding(seconds: seconds)
    }
}
