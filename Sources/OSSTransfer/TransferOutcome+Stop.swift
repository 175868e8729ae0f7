import OSSCore

extension TransferOutcome {
    /// Sets the outcome of a run that stopped early: aborted or paused when a stop was asked,
    /// paused when the client-wide switch or a task cancellation stopped it, else failed.
    mutating func stop(error: any Error, failure: FailureClass, requested: CancellationSignal.Reason?) {
        // A stop asked for (pause, abort, the caller's cancellation) is the cause; the error of
        // the request it cut short says nothing more.
        let asked = error is StopRequest || requested != nil
        self.error = asked ? nil : error
        errorCode = asked ? nil : failure.code
        failureClass = asked ? nil : failure
        if let requested {
            state = requested == .aborted ? .aborted : .paused
            reason = requested
        } else if failure.isDisabled {
            state = .paused
            reason = .disabled
        } else if failure.kind == .cancelled {
            state = .paused
            reason = .taskCancelled
        } else {
            state = .failed
        }
    }
}

extension FailureClass {
    /// Classifies an error: a stop request and a cancellation are `cancelled`, this layer's own
    /// CRC64 mismatch is `retryable` and its other errors `fatal`; the rest the operations decide.
    static func of(_ error: any Error, by ops: any TransferOperations) -> FailureClass {
        if let stop = error as? StopRequest { return FailureClass(.cancelled, code: "\(stop.reason)") }
        if error is CancellationError { return FailureClass(.cancelled) }
        if let e = error as? TransferError { return FailureClass(e.kind == .crcMismatch ? .retryable : .fatal) }
        return ops.classify(error)
    }
}

/// Thrown inside a run when a stop was asked before a request started.
struct StopRequest: Error {
    let reason: CancellationSignal.Reason
}
