/// The one scheduler of the uploader's and the downloader's parts.
///
/// - A sliding window: at most `jobs` parts in flight, the next one started as one finishes.
/// - Attempts: a part is tried up to `attempts` times in all, again only for a failure the
///   transfer calls worth it, after the operations' back-off (`TransferOperations.retryDelay`).
///   The client does not retry these requests as well (the transfer asks it not to), so a part
///   that fails every time is sent `attempts` times, not `attempts` times the client's retries.
/// - The first failure that stays cancels the parts in flight (their sockets shut down at once)
///   and starts no more; a stop of the transfer (pause, abort) starts no more either.
/// - The checkpoint is saved at most every `saveInterval` as parts finish: rewriting it per part
///   would cost O(parts²) bytes on a 10,000-part transfer. A part done but not yet recorded is
///   found again on resume (ListParts for uploads, the temporary file for downloads).
struct PartScheduler: Sendable {
    /// Parts in flight at most.
    let jobs: Int
    /// Tries per part, the first included.
    let attempts: Int
    let control: TransferControl
    let ops: any TransferOperations
    var saveInterval: Duration = .milliseconds(500)

    /// How a run of parts ended early.
    struct Stop: Error {
        let error: any Error
        let failure: FailureClass
    }

    /// Runs `parts` in order through the window.
    /// - Parameters:
    ///   - part: one attempt at one part; what it throws is classified (``FailureClass/of(_:by:)``).
    ///   - retryable: whether a failure is worth another attempt (by default: what the class says).
    ///   - finished: called on the scheduling task, one part at a time, as each part succeeds.
    ///   - save: saves the checkpoint (throttled); a failure to save stops the run as fatal.
    ///   - failed: called on the scheduling task for every part that failed for good, the
    ///     first stop and the parts it cut short alike (to record what they may have stored).
    /// - Returns: the first failure that stopped the run, or `nil` when every part started and
    ///   succeeded or a stop of the transfer was asked (see `control.reason`).
    func run<Value: Sendable>(
        _ parts: [Int],
        retryable: @escaping @Sendable (any Error, FailureClass) -> Bool = { _, f in f.kind == .retryable },
        part: @escaping @Sendable (Int) async throws -> Value,
        finished: (Int, Value) -> Void,
        save: (() throws -> Void)? = nil,
        failed: ((Int, FailureClass) -> Void)? = nil
    ) async -> Stop? {
        var firstStop: Stop?
        var lastSave = ContinuousClock.now
        await withTaskGroup(of: (Int, Result<Value, Stop>).self) { group in
            var next = parts.makeIterator()
            func startNext() -> Bool {
                guard firstStop == nil, !Task.isCancelled, control.reason == nil, let n = next.next() else { return false }
                group.addTask { (n, await attempt(n, part: part, retryable: retryable)) }
                return true
            }
            for _ in 0..<jobs where !startNext() { break }
            while let (number, result) = await group.next() {
                switch result {
                case .success(let value):
                    finished(number, value)
                    if let save, lastSave.duration(to: .now) >= saveInterval {
                        lastSave = .now
                        do { try save() } catch {
                            if firstStop == nil {
                                firstStop = Stop(error: error, failure: FailureClass(.fatal))
                                group.cancelAll()
                            }
                        }
                    }
                case .failure(let stop):
                    failed?(number, stop.failure)
                    if firstStop == nil {
                        firstStop = stop
                        group.cancelAll()
                    }
                }
                _ = startNext()
            }
        }
        return firstStop
    }

    /// One part, tried until it succeeds, fails for good, or runs out of attempts.
    private func attempt<Value: Sendable>(
        _ number: Int, part: @Sendable (Int) async throws -> Value,
        retryable: @Sendable (any Error, FailureClass) -> Bool
    ) async -> Result<Value, Stop> {
        var tries = 0
        while true {
            tries += 1
            do {
                if let reason = control.reason { throw StopRequest(reason: reason) }
                if Task.isCancelled { throw CancellationError() }
                return .success(try await part(number))
            } catch {
                let failure = FailureClass.of(error, by: ops)
                guard !Task.isCancelled, tries < attempts, retryable(error, failure) else {
                    return .failure(Stop(error: error, failure: failure))
                }
                // The back-off ends early when the transfer stops: the task is cancelled.
                let wait = ops.retryDelay(beforeRetry: tries)
                if wait > .zero, (try? await Task.sleep(for: wait)) == nil {
                    return .failure(Stop(error: CancellationError(), failure: FailureClass(.cancelled)))
                }
            }
        }
    }
}
