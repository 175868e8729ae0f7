import Glibc
internal import CLinuxShims
import OSSCore
import Synchronization

/// The I/O reactor: one thread blocked in `epoll_wait`, resuming the tasks that wait for a
/// socket to become readable or writable, and firing deadlines.
///
/// Tasks do the system call themselves; only when it would block do they register interest and
/// suspend (see `SocketHandle.wait`). Sockets are registered once, disarmed, and armed one-shot
/// (level-triggered) by each wait: one `epoll_ctl` per wait, and the reactor wakes only for a
/// socket somebody waits on. (Registered edge-triggered for everything, a streaming transfer
/// woke the reactor for every batch of segments nobody was waiting for: thousands of context
/// switches per GiB.) The `epoll_wait` timeout is computed from the nearest deadline, at most
/// `longestNap`; an `eventfd` wakes the thread when a deadline nearer than that is added.
final class Reactor: Sendable {
    /// The process-wide reactor, started on first use.
    static let shared = Reactor()

    private struct Timer {
        var deadline: ContinuousClock.Instant
        var fire: @Sendable () -> Void
    }

    private struct Timers {
        var entries: [UInt64: Timer] = [:]
        /// When the reactor thread will wake at the latest; nil while it waits with no timeout.
        var plannedWake: ContinuousClock.Instant?
        var sleeping = false
    }

    /// The longest `epoll_wait` timeout: an idle reactor wakes this often.
    static let longestNap: Duration = .seconds(1)

    private let epollFD: Int32
    private let wakeFD: Int32
    private let timers = PThreadMutex(Timers())
    private let sockets = PThreadMutex<[UInt64: SocketHandle]>([:])
    private let nextID = Atomic<UInt64>(1)

    private init() {
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(ep >= 0, "epoll_create1 failed: \(Syscall.text(errno))")
        let ev = coss_eventfd()
        precondition(ev >= 0, "eventfd failed: \(Syscall.text(errno))")
        precondition(coss_epoll_add_in(ep, ev, 0) == 0, "epoll_ctl(eventfd) failed")
        epollFD = ep
        wakeFD = ev
        do {
            try DetachedThread.start { [self] in self.run() }
        } catch {
            preconditionFailure("cannot start the reactor thread: \(error)")
        }
    }

    /// A fresh identifier for a socket or timer (never reused, unlike descriptor numbers).
    func makeID() -> UInt64 {
        nextID.add(1, ordering: .relaxed).oldValue
    }

    // MARK: Sockets

    /// Adds a socket, disarmed (see `arm`).
    func register(_ handle: SocketHandle) throws(SystemError) {
        sockets.withLock { $0[handle.id] = handle }
        if coss_epoll_add_disarmed(epollFD, handle.fd, handle.id) != 0 {
            let e = SystemError.current("epoll_ctl")
            sockets.withLock { _ = $0.removeValue(forKey: handle.id) }
            throw e
        }
    }

    /// Arms a socket for one readiness event in the directions waited on (called under the
    /// socket's lock, while it is open).
    func arm(_ handle: SocketHandle, read: Bool, write: Bool) {
        _ = coss_epoll_arm(epollFD, handle.fd, handle.id, read ? 1 : 0, write ? 1 : 0)
    }

    /// Stops the epoll set reporting a socket at all, for one whose waiters an abort resumes
    /// itself: the reset's error and hang-up would otherwise wake this thread (epoll reports
    /// them whatever is armed, unless a one-shot event has just disabled the socket), which then
    /// queues on the socket's lock behind the abort. The owner still calls `deregister` before
    /// close(2).
    func unwatch(_ handle: SocketHandle) {
        _ = coss_epoll_del(epollFD, handle.fd)
    }

    /// Removes a socket; called by its owner before close(2).
    func deregister(_ handle: SocketHandle) {
        unwatch(handle)
        sockets.withLock { _ = $0.removeValue(forKey: handle.id) }
    }

    // MARK: Timers

    /// Calls `fire` on the reactor thread at `deadline` unless cancelled first.
    func schedule(id: UInt64, at deadline: ContinuousClock.Instant, _ fire: @escaping @Sendable () -> Void) {
        let wake: Bool = timers.withLock { t in
            t.entries[id] = Timer(deadline: deadline, fire: fire)
            if let planned = t.plannedWake, planned <= deadline { return false }
            guard t.sleeping else { return false }
            t.plannedWake = deadline
            return true
        }
        if wake { wakeUp() }
    }

    /// Cancels a timer; harmless when it already fired.
    func cancelTimer(_ id: UInt64) {
        _ = timers.withLock { $0.entries.removeValue(forKey: id) }
    }

    private func wakeUp() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    // MARK: The loop

    private func run() {
        let capacity = 128
        var tags = [UInt64](repeating: 0, count: capacity)
        var events = [UInt32](repeating: 0, count: capacity)
        let clock = ContinuousClock()
        while true {
            let timeout: Int32 = timers.withLock { t in
                t.sleeping = true
                var nearest: ContinuousClock.Instant?
                for timer in t.entries.values where nearest == nil || timer.deadline < nearest! {
                    nearest = timer.deadline
                }
                // Never sleep longer than `longestNap`: a timer due after the planned wake then
                // needs no eventfd write and no extra wake-up. Every socket wait schedules one
                // (its idle timeout, typically 60 s, cancelled when the socket is ready), so
                // without the cap each small request cost an extra reactor wake-up.
                let cap = clock.now + Self.longestNap
                guard let nearest, nearest < cap else {
                    t.plannedWake = cap
                    return Int32(Self.longestNap.components.seconds * 1000)
                }
                t.plannedWake = nearest
                let left = clock.now.duration(to: nearest)
                if left <= .zero { return 0 }
                let (s, atto) = left.components
                // Round up to whole milliseconds so a deadline never fires early.
                let ms = s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
                return Int32(clamping: ms)
            }
            let n = coss_epoll_wait(epollFD, &tags, &events, Int32(capacity), timeout)
            timers.withLock { $0.sleeping = false }
            if n < 0 {
                if errno == EINTR { continue }
                preconditionFailure("epoll_wait failed: \(Syscall.text(errno))")
            }
            for i in 0..<Int(n) {
                if tags[i] == 0 {
                    var drained: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &drained) { read(wakeFD, $0.baseAddress, 8) }
                    continue
                }
                let handle = sockets.withLock { $0[tags[i]] }
                handle?.ready(coss_epoll_readiness(events[i]))
            }
            fireExpiredTimers(now: clock.now)
        }
    }

    private func fireExpiredTimers(now: ContinuousClock.Instant) {
        let due: [@Sendable () -> Void] = timers.withLock { t in
            guard let planned = t.plannedWake, planned <= now else { return [] }
            var fired: [@Sendable () -> Void] = []
            for (id, timer) in t.entries where timer.deadline <= now {
                fired.append(timer.fire)
                t.entries.removeValue(forKey: id)
            }
            return fired
        }
        for fire in due { fire() }
    }
}
