import OSSCore

/// The stop switch of one transfer: records why it should stop and cancels the task doing it,
/// which shuts the sockets of the parts in flight down at once.
///
/// Once the final step (CompleteMultipartUpload, or the rename of a download) is under way, a
/// stop is refused: the transfer finishes.
final class TransferControl: Sendable {
    private struct State {
        var reason: CancellationSignal.Reason?
        var cancel: (@Sendable () -> Void)?
        var finishing = false
    }
    private let state = PThreadMutex(State())

    init() {}

    /// Asks the transfer to stop. `aborted` replaces an earlier pause; otherwise the first reason wins.
    /// - Returns: `false` when the final step is already under way (nothing is stopped).
    @discardableResult
    func stop(_ reason: CancellationSignal.Reason) -> Bool {
        let cancel: (@Sendable () -> Void)? = state.withLock { s in
            if s.finishing { return nil }
            if s.reason == nil || (reason == .aborted && s.reason != .aborted) { s.reason = reason }
            return s.cancel
        }
        cancel?()
        return !state.withLock { $0.finishing }
    }

    /// Why the transfer was asked to stop, if it was.
    var reason: CancellationSignal.Reason? { state.withLock { $0.reason } }

    /// Records how to cancel the task doing the transfer (called at once if a stop came first).
    func attach(cancel: @escaping @Sendable () -> Void) {
        let cancelNow = state.withLock { s -> Bool in
            s.cancel = cancel
            return s.reason != nil
        }
        if cancelNow { cancel() }
    }

    /// Enters the final step unless a stop came first.
    /// - Returns: whether the final step may run.
    func beginFinishing() -> Bool {
        state.withLock { s in
            guard s.reason == nil else { return false }
            s.finishing = true
            return true
        }
    }

    /// Leaves the final step (it failed): stops are accepted again.
    func endFinishing() {
        state.withLock { $0.finishing = false }
    }
}

/// A transfer under way: pause it, abort it, or wait for its outcome.
public final class TransferHandle: Sendable {
    let control: TransferControl
    private let task: Task<TransferOutcome, Never>

    init(control: TransferControl, run: @escaping @Sendable () async -> TransferOutcome) {
        self.control = control
        let worker = Task<TransferOutcome, Never> { await run() }
        task = worker
        control.attach(cancel: { worker.cancel() })
    }

    /// Stops the transfer at once, keeping its UploadId and checkpoint so it can resume.
    /// In-flight parts have their sockets shut down mid-body. Returns immediately.
    public func pause() { control.stop(.paused) }

    /// Stops the transfer and abandons it: in-flight parts are shut down and allowed to settle,
    /// then AbortMultipartUpload is sent (also when the caller's task is cancelled) and the
    /// checkpoint is removed. Ignored once CompleteMultipartUpload is under way.
    public func abort() { control.stop(.aborted) }

    /// Waits for the outcome. Cancelling the waiting task pauses the transfer.
    public func outcome() async -> TransferOutcome {
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            control.stop(.taskCancelled)
        }
    }
}
