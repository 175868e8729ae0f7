import OSSCore

/// A count that tasks can wait on reaching a number: woken by the increment itself, never by
/// polling a clock. A test waits on what happens, not on how long it usually takes.
public final class EventCounter: Sendable {
    private struct Waiter {
        let id: Int
        let target: Int
        let continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var count = 0
        var nextId = 0
        var waiters: [Waiter] = []
    }
    private let state = PThreadMutex(State())

    public init() {}

    public var count: Int { state.withLock { $0.count } }

    public func increment() {
        let ready = state.withLock { s -> [Waiter] in
            s.count += 1
            let ready = s.waiters.filter { $0.target <= s.count }
            s.waiters.removeAll { $0.target <= s.count }
            return ready
        }
        for w in ready { w.continuation.resume(returning: true) }
    }

    /// Waits until the count reaches `n`.
    /// - Parameter backstop: turns a real hang (a bug) into a failure instead of a stuck run;
    ///   minutes, far beyond anything a busy machine adds, so it is not a timing assertion.
    /// - Returns: `true` when the count reached `n`; `false` only after the backstop.
    public func wait(for n: Int, backstop: Duration = .seconds(600)) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.reached(n) }
            group.addTask {
                try? await Task.sleep(for: backstop)
                return Task.isCancelled ? nil : false
            }
            var result = false
            for await r in group {
                if let r {
                    result = r
                    break
                }
            }
            group.cancelAll()
            return result
        }
    }

    /// `true` when the count reached `n`, `nil` when the waiting task was cancelled first.
    private func reached(_ n: Int) async -> Bool? {
        let id = state.withLock { s -> Int in
            s.nextId += 1
            return s.nextId
        }
        let reached = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.count >= n || Task.isCancelled { return true }
                    s.waiters.append(Waiter(id: id, target: n, continuation: c))
                    return false
                }
                if now { c.resume(returning: count >= n) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            waiter?.continuation.resume(returning: false)
        }
        return reached ? true : (Task.isCancelled ? nil : false)
    }
}
