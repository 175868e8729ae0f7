#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import OSSCore
import Synchronization

/// The write end of the signal pipe, written by the signal handler (async-signal-safe).
/// `nonisolated(unsafe)`: set once before the handler is installed, only read afterwards.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1
/// How many SIGINT/SIGTERM arrived; a second one exits at once. Only touched by the handler.
nonisolated(unsafe) private var signalCount: sig_atomic_t = 0

/// SIGINT and SIGTERM turned into a call on a thread of their own (a signal handler may only do
/// async-signal-safe things: it writes the signal's number to a pipe, and the thread reads it).
///
/// A command that can stop cleanly (cp pauses its transfer) registers what to do with
/// `onSignal`; without one the process exits at once with 128 + the signal's number (130 for
/// SIGINT, 143 for SIGTERM). A second signal always exits at once.
enum Signals {
    private static let first = Atomic<Int32>(0)
    private static let action = PThreadMutex<(@Sendable (Int32) -> Void)?>(nil)
    /// Held while the first signal's action runs (taken before `first` is set).
    private static let running = PThreadMutex<Void>(())

    /// The first SIGINT or SIGTERM received, or `nil`.
    static var received: Int32? {
        let s = first.load(ordering: .acquiring)
        return s == 0 ? nil : s
    }

    /// The exit status for a run stopped by `received`: 130 for SIGINT, 143 for SIGTERM.
    static var exitStatus: Int32 {
        received == SIGTERM ? ExitCode.terminated : ExitCode.interrupted
    }

    /// The signal's name for messages.
    static var receivedName: String { received == SIGTERM ? "SIGTERM" : "SIGINT" }

    /// Sets what the first signal does (runs on the watcher thread). If a signal already came,
    /// `action` runs at once.
    static func onSignal(_ action: @escaping @Sendable (Int32) -> Void) {
        self.action.withLock { $0 = action }
        if let s = received { action(s) }
    }

    /// Installs the SIGINT and SIGTERM handlers and starts the watcher thread.
    static func install() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipeWrite = fds[1]
        let readFD = fds[0]
        let handler: @convention(c) (Int32) -> Void = { sig in
            signalCount += 1
            if signalCount > 1 { _exit(128 + sig) }
            var b = UInt8(truncatingIfNeeded: sig)
            _ = write(signalPipeWrite, &b, 1)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        let context = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        context.initialize(to: readFD)
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                let pointer = arg!.assumingMemoryBound(to: Int32.self)
                let fd = pointer.pointee
                pointer.deallocate()
                var b: UInt8 = 0
                while true {
                    let n = read(fd, &b, 1)
                    if n == 1 { break }
                    if n < 0 && errno == EINTR { continue }
                    return nil
                }
                Signals.deliver(Int32(b))
                return nil
            }, context)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            context.deallocate()
        }
    }

    private static func deliver(_ sig: Int32) {
        running.withLock { _ in
            first.store(sig, ordering: .releasing)
            guard let action = action.withLock({ $0 }) else {
                // Nothing to stop cleanly: leave as the shell expects of a signalled command.
                _exit(128 + sig)
            }
            action(sig)
        }
    }

    /// Waits until the first signal's action has finished (it may clean up, or exit itself),
    /// so the process does not end half-way through it. Returns at once when no signal came.
    static func settle() {
        guard received != nil else { return }
        running.withLock { _ in }
    }
}
