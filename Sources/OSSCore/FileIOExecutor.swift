#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

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
/// `@unchecked Sendable`: the job queue is guarded by the mutex; the thread only runs jobs.
public final class FileIOExecutor: TaskExecutor, @unchecked Sendable {
    /// The shared executors, one thread each (as many as cores, at least two), used in turn.
    public static let shared: [FileIOExecutor] = {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return (0..<max(2, cores)).map { _ in FileIOExecutor() }
    }()
    private static let turn = PThreadMutex(0)

    /// The next shared executor, round robin.
    public static func next() -> FileIOExecutor {
        let i = turn.withLock { t -> Int in
            defer { t &+= 1 }
            return t
        }
        return shared[i % shared.count]
    }

    /// Runs `body` with its task (and the child tasks it makes) preferring one of the file I/O
    /// threads, so the blocking file calls inside never run on the cooperative pool.
    public static func run<T>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(next()) { try await body() }
    }

    /// Whether the calling thread is one of the file I/O threads.
    public static var isCurrentThread: Bool {
        let me = pthread_self()
        return shared.contains { pthread_equal($0.thread, me) != 0 }
    }

    private var thread = pthread_t()
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [UnownedJob] = []
    private var head = 0

    private init() {
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

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(&mutex)
        jobs.append(unowned)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
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
