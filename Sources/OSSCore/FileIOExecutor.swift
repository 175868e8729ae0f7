import Glibc
internal import CLinuxShims

/// Where OSSWire's blocking disk I/O runs: a few threads of its own, never Swift's cooperative
/// pool.
///
/// `pread`/`pwrite` on a regular file block the calling thread (for tens of microseconds from
/// the page cache, for as long as the device takes otherwise). The cooperative pool has one
/// thread per core (two here), and every socket wait of every request resumes on it, so a
/// transfer that read its file there would starve the other requests' socket work. Instead, a
/// request with a file body, and a download into a file, runs its whole exchange on one of
/// these threads (`run`, a task executor preference): the reads, the socket writes and the
/// socket waits' resumptions happen there, one thread hop in and one out per request, none per
/// chunk. Small requests never come here.
///
/// A socket wait of a request running here blocks this thread in `poll(2)` while it has no
/// other job (`waitBlocking`), like a blocking `recv` would: one context switch per wait instead
/// of two (the reactor thread's, then this one's). A job queued meanwhile wakes the poll (an
/// eventfd) and the wait parks on the reactor instead, so no job waits behind a slow socket.
/// Under `run(busyPolling:_:)` a wait for reading first polls with a zero timeout for a while,
/// so an answer that comes in time costs no context switch at all.
///
/// `@unchecked Sendable`: the job queue and `blocked` are guarded by the mutex; the thread only
/// runs jobs.
package final class FileIOExecutor: TaskExecutor, @unchecked Sendable {
    /// The shared executors, one thread each (as many as cores, at least two), used in turn.
    package static let shared: [FileIOExecutor] = {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return (0..<max(2, cores)).map { _ in FileIOExecutor() }
    }()
    private static let turn = PThreadMutex(0)

    /// The next shared executor, round robin.
    package static func next() -> FileIOExecutor {
        let i = turn.withLock { t -> Int in
            defer { t &+= 1 }
            return t
        }
        return shared[i % shared.count]
    }

    /// Runs `body` with its task (and the child tasks it makes) preferring one of the file I/O
    /// threads, so the blocking file calls inside never run on the cooperative pool.
    package static func run<T>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(next()) { try await body() }
    }

    /// `run`, with each wait for a socket to become readable polled without blocking for up to
    /// `polling.duration` before the thread blocks in `poll(2)` (waits for writing never spin).
    ///
    /// A thread that blocks gives its CPU up: the kernel (and, in a virtual machine, the host)
    /// runs something else there and the thread comes back to cold caches. An answer that
    /// arrives within the spin is taken with no context switch. The price is the CPU spent
    /// spinning, at most `polling.duration` per wait.
    package static func run<T>(busyPolling polling: BusyPolling, _ body: () async throws -> T) async rethrows -> T {
        try await $busyPolling.withValue(polling) { try await run(body) }
    }

    /// How long a task's waits for reading spin before they block, and how those waits ended.
    package final class BusyPolling: Sendable {
        package let duration: Duration
        package struct Counts: Sendable {
            /// Waits begun (each spins, blocks, or parks on the reactor when other work is queued).
            package var started = 0
            /// Waits that found their socket ready while spinning.
            package var answeredSpinning = 0
            /// Waits that blocked in `poll(2)` after spinning in vain.
            package var blocked = 0
        }
        package let counts = PThreadMutex(Counts())

        package init(duration: Duration) { self.duration = duration }
    }

    /// The busy polling of the task running now (set by `run(busyPolling:_:)`).
    @TaskLocal package static var busyPolling: BusyPolling? = nil

    /// Whether the calling thread is one of the file I/O threads.
    package static var isCurrentThread: Bool {
        let me = pthread_self()
        return shared.contains { pthread_equal($0.thread, me) != 0 }
    }

    private var thread = pthread_t()
    /// Written when a job is queued while the thread is blocked in `waitBlocking`.
    private let wakeFD: Int32
    private var blocked = false
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [UnownedJob] = []
    private var head = 0

    private init() {
        wakeFD = coss_eventfd()
        precondition(wakeFD >= 0, "eventfd failed: \(errno)")
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        let me = Unmanaged.passRetained(self).toOpaque()  // the executor lives as long as the process
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let executor = Unmanaged<FileIOExecutor>.fromOpaque(raw!).takeUnretainedValue()
                executor.loop()
                return nil
            }, me)
        precondition(rc == 0, "cannot start a file I/O thread: \(rc)")
        pthread_detach(thread)
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(&mutex)
        jobs.append(unowned)
        pthread_cond_signal(&condition)
        let wake = blocked
        pthread_mutex_unlock(&mutex)
        if wake {
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { Glibc.write(wakeFD, $0.baseAddress, 8) }
        }
    }

    /// How a blocking socket wait ended.
    package enum BlockingWait: Sendable {
        /// The descriptor may be ready (or was shut down): try the call again.
        case ready
        /// The deadline passed with no readiness.
        case timedOut
    }

    /// Waits for `fd` to become readable (or writable) by blocking this thread in `poll(2)`, when
    /// called on a file I/O thread that has no other job queued.
    /// - Returns: `nil` when the caller must park instead (not on a file I/O thread, other work
    ///   queued, or work arrived during the wait).
    package static func waitBlocking(fd: Int32, forWriting: Bool, deadline: ContinuousClock.Instant?) -> BlockingWait? {
        // Only waits for reading spin; the task-local is read once, here.
        let polling = forWriting ? nil : busyPolling
        polling?.counts.withLock { $0.started += 1 }
        let me = pthread_self()
        guard let executor = shared.first(where: { pthread_equal($0.thread, me) != 0 }) else { return nil }
        return executor.poll(fd: fd, forWriting: forWriting, deadline: deadline, spinning: polling)
    }

    /// Polls `fds` without blocking until one is ready, the spin's duration has passed or the
    /// deadline has.
    /// - Returns: whether one was ready.
    private func spinUntilReady(
        _ fds: inout [pollfd], _ polling: BusyPolling, deadline: ContinuousClock.Instant?
    ) -> Bool {
        var end = ContinuousClock.now.advanced(by: polling.duration)
        if let deadline, deadline < end { end = deadline }
        repeat {
            if Glibc.poll(&fds, 2, 0) > 0 {
                // Not counted when only a queued job woke it: the wait then parks instead.
                if fds[0].revents != 0 { polling.counts.withLock { $0.answeredSpinning += 1 } }
                return true
            }
        } while ContinuousClock.now < end
        return false
    }

    private func poll(
        fd: Int32, forWriting: Bool, deadline: ContinuousClock.Instant?, spinning polling: BusyPolling?
    ) -> BlockingWait? {
        pthread_mutex_lock(&mutex)
        if head < jobs.count {
            pthread_mutex_unlock(&mutex)
            return nil
        }
        blocked = true
        pthread_mutex_unlock(&mutex)
        defer {
            pthread_mutex_lock(&mutex)
            blocked = false
            pthread_mutex_unlock(&mutex)
        }
        var fds = [
            pollfd(fd: fd, events: Int16(forWriting ? POLLOUT : POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        if let polling, !spinUntilReady(&fds, polling, deadline: deadline) {
            polling.counts.withLock { $0.blocked += 1 }
        }
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { return .timedOut }
                let (s, atto) = left.components
                // Rounded up: a deadline never fires early.
                timeout = Int32(clamping: s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000)
            }
            let r = Glibc.poll(&fds, 2, timeout)
            if r < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if r == 0 { continue }  // the deadline is checked at the top
            if fds[1].revents != 0 {
                var drained: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &drained) { Glibc.read(wakeFD, $0.baseAddress, 8) }
                return fds[0].revents != 0 ? .ready : nil
            }
            return .ready
        }
    }

    private func loop() {
        while true {
            pthread_mutex_lock(&mutex)
            while head == jobs.count { pthread_cond_wait(&condition, &mutex) }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            pthread_mutex_unlock(&mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
