import Glibc
import OSSCore

/// The threads that run `getaddrinfo`, which blocks and cannot be interrupted: at most `limit`
/// of them, one started only when more lookups wait than threads are idle, each leaving after
/// `idleTimeout` without work. Before, every lookup started a thread of its own, so a resolver
/// that hung (an unreachable DNS server holds a lookup for its whole timeout and retries) piled
/// up one thread per request.
///
/// A lookup stays cancellable whatever the threads are doing: a cancel or a deadline answers its
/// caller at once (the job's `isAbandoned` turns true), a queued job that was abandoned never
/// runs, and one already in `getaddrinfo` finishes it on its thread and its answer is dropped.
/// So a hung resolver holds at most `limit` threads, and the lookups behind them still fail at
/// their deadline or on cancel.
///
/// `@unchecked Sendable`: `queue`, `head`, `threads`, `idle` and `peak` are read and written only
/// with `mutex` held, and `condition` is only waited on with it.
final class ResolverThreads: @unchecked Sendable {
    /// One lookup waiting for a thread.
    struct Job: Sendable {
        /// Whether the caller has gone (cancelled or timed out): the job is then skipped.
        let isAbandoned: @Sendable () -> Bool
        /// Runs the lookup on the thread (it blocks).
        let run: @Sendable () -> Void
        /// Called instead of `run` when no thread could be started for it.
        let fail: @Sendable (SystemError) -> Void
    }

    /// The process's resolver threads: four, leaving after ten seconds idle.
    static let shared = ResolverThreads(limit: 4, idleTimeout: 10)

    /// The most threads at once.
    let limit: Int
    /// Seconds a thread waits for work before it leaves.
    let idleTimeout: Int

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [Job] = []
    private var head = 0
    private var threads = 0
    private var idle = 0
    private var peak = 0

    init(limit: Int, idleTimeout: Int) {
        precondition(limit >= 1 && idleTimeout >= 1)
        self.limit = limit
        self.idleTimeout = idleTimeout
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Threads alive now, and the most there have been at once.
    var counts: (threads: Int, peak: Int) {
        locked { (threads, peak) }
    }

    /// Queues a lookup, starting a thread when more jobs wait than threads are idle and fewer
    /// than `limit` run.
    func submit(_ job: Job) {
        let start: Bool = locked {
            queue.append(job)
            let waiting = queue.count - head
            let starts = waiting > idle && threads < limit
            if starts {
                threads += 1
                peak = max(peak, threads)
            }
            pthread_cond_signal(condition)
            return starts
        }
        guard start else { return }
        do {
            // The thread keeps the pool alive while it runs (the shared one lives forever anyway).
            try DetachedThread.start { [self] in work() }
        } catch {
            // No thread: if none is left to take the queue, every waiting job fails now rather
            // than at its deadline.
            let orphans: [Job] = locked {
                threads -= 1
                guard threads == 0 else { return [] }
                let rest = Array(queue[head...])
                queue.removeAll()
                head = 0
                return rest
            }
            for j in orphans { j.fail(error) }
        }
    }

    private func work() {
        pthread_mutex_lock(mutex)
        while true {
            while head == queue.count {
                idle += 1
                var until = timespec()
                clock_gettime(CLOCK_MONOTONIC, &until)
                until.tv_sec += idleTimeout
                let rc = pthread_cond_timedwait(condition, mutex, &until)
                idle -= 1
                if rc == ETIMEDOUT && head == queue.count {
                    threads -= 1
                    pthread_mutex_unlock(mutex)
                    return
                }
            }
            let job = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            if !job.isAbandoned() { job.run() }
            pthread_mutex_lock(mutex)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
