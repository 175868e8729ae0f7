import OSSCore

/// How far one request's body has gone.
public struct OSSProgress: Sendable, Hashable {
    /// Bytes of the body sent (uploads) or received (downloads) so far. Never decreases.
    public var bytesTransferred: Int64
    /// The body's length, when known.
    public var totalBytes: Int64?

    public init(bytesTransferred: Int64, totalBytes: Int64?) {
        self.bytesTransferred = bytesTransferred
        self.totalBytes = totalBytes
    }
}

/// Called as a request's body moves; values are monotonic and a retried attempt is never counted
/// twice. Called from the task running the request, so keep it quick.
public typealias OSSProgressHandler = @Sendable (OSSProgress) -> Void

/// Progress accounting across the attempts of one request: each attempt counts from zero, and
/// the handler hears only about bytes beyond the most any attempt has reached.
final class ProgressTracker: Sendable {
    private struct State {
        var attempt: Int64 = 0
        var reported: Int64 = 0
    }
    private let state = PThreadMutex(State())
    let total: Int64?
    let handler: OSSProgressHandler?

    init(total: Int64?, handler: OSSProgressHandler?) {
        self.total = total
        self.handler = handler
    }

    /// A new attempt starts: its bytes count from zero again.
    func startAttempt() {
        state.withLock { $0.attempt = 0 }
    }

    /// Counts bytes of the current attempt, reporting only when the high-water mark rises.
    func add(_ count: Int) {
        guard count > 0 else { return }
        let report: Int64? = state.withLock { s in
            s.attempt += Int64(count)
            guard s.attempt > s.reported else { return nil }
            s.reported = s.attempt
            return s.reported
        }
        if let report, let handler { handler(OSSProgress(bytesTransferred: report, totalBytes: total)) }
    }

    /// The current attempt has moved `bytes` bytes in all (what OSSHTTP counts for an upload);
    /// reported only when the high-water mark rises.
    func reached(_ bytes: Int64) {
        let report: Int64? = state.withLock { s in
            s.attempt = bytes
            guard bytes > s.reported else { return nil }
            s.reported = bytes
            return bytes
        }
        if let report, let handler { handler(OSSProgress(bytesTransferred: report, totalBytes: total)) }
    }

    /// The most bytes reported.
    var reported: Int64 { state.withLock { $0.reported } }
}
