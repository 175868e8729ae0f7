import Glibc
internal import CLinuxShims
import OSSCore

/// Something a cancel can shut down at once from any thread.
protocol Abortable: AnyObject, Sendable {
    /// Stops at once; the waiting task fails with `error` (phase `.aborted`).
    func abort(with error: TransportError)
}

/// One non-blocking socket registered with the reactor: its descriptor, readiness, the tasks
/// waiting on it, and the abort/close state machine.
///
/// Only the owner does I/O on `fd` and closes it (once). `abort()` may come from any thread: under
/// the lock it checks the socket is not closed, resets the connection and resumes the waiting
/// tasks, so a descriptor number is never touched after close(2) released it.
///
/// Sends go through `send(_:_:)`, under the same lock, and are counted: an abort then measures
/// the kernel's send queue against an exact count of the bytes handed over, before the reset
/// discards the queue (`writtenBytes()`).
final class SocketHandle: Abortable {
    enum Direction: Sendable { case read, write }

    private struct Waiter {
        var continuation: CheckedContinuation<Void, any Error>
        var timerID: UInt64?
        /// Made only when the deadline passes (its text names the peer and the idle time: built
        /// for every wait, it cost more than the wait's own bookkeeping).
        var timeoutError: @Sendable () -> TransportError
    }

    private struct State {
        var aborted = false
        var closed = false
        var abortError = TransportError.aborted()
        // Readiness reported while nobody waited (a one-shot event whose waiter timed out):
        // the next wait returns at once and its caller retries the call.
        var readReady = false
        var writeReady = false
        var readWaiter: Waiter?
        var writeWaiter: Waiter?
        /// Bytes the kernel accepted from `send(_:_:)` over the socket's life.
        var bytesSent: Int64 = 0
        /// The send queue measured by the abort, just before the reset discarded it.
        var queueAtReset: WrittenBytes?
    }

    /// The descriptor; valid until `close()`.
    let fd: Int32
    /// Whether `abort()` resets the connection (a connected or connecting stream) rather than
    /// only shutting the socket down (a listener).
    let resetsOnAbort: Bool
    /// The reactor's identifier for this socket (never reused).
    let id: UInt64
    private let reactor: Reactor
    private let state = PThreadMutex(State())

    /// Takes ownership of `fd` (non-blocking) and registers it with the reactor.
    /// - Throws: `SystemError` if registration fails; `fd` is closed then.
    init(fd: Int32, reactor: Reactor = .shared, resetsOnAbort: Bool = true) throws(SystemError) {
        self.fd = fd
        self.resetsOnAbort = resetsOnAbort
        self.reactor = reactor
        self.id = reactor.makeID()
        do {
            try reactor.register(self)
        } catch {
            state.withLock { $0.closed = true }
            Syscall.close(fd)
            throw error
        }
    }

    var isAborted: Bool { state.withLock { $0.aborted } }
    var isClosed: Bool { state.withLock { $0.closed } }
    /// The error an aborted socket reports.
    var abortError: TransportError { state.withLock { $0.abortError } }

    /// Suspends until the socket may be ready in `direction`, the deadline passes, or an abort.
    /// - Throws: `timeoutError` at the deadline; `TransportError.aborted` after an abort.
    func wait(
        _ direction: Direction, deadline: ContinuousClock.Instant?,
        timeoutError: @escaping @autoclosure @Sendable () -> TransportError
    )
        async throws
    {
        // On a file I/O thread with nothing else to run, block in poll(2) like a blocking recv
        // would: one wake-up per wait instead of the reactor's and then this thread's. An abort
        // (a reset and shutdown(2) under the lock) wakes the poll as it wakes the reactor.
        let (closed, aborted) = state.withLock { ($0.closed, $0.aborted) }
        if closed { throw TransportError(phase: .closed, message: "the connection is closed") }
        if aborted { throw abortError }
        if let outcome = FileIOExecutor.waitBlocking(fd: fd, forWriting: direction == .write, deadline: deadline) {
            switch outcome {
            case .ready:
                if isAborted { throw abortError }
                return
            case .timedOut:
                throw timeoutError()
            }
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let immediate: Result<Void, any Error>? = state.withLock { s in
                if s.closed { return .failure(TransportError(phase: .closed, message: "the connection is closed")) }
                if s.aborted { return .failure(s.abortError) }
                switch direction {
                case .read:
                    if s.readReady {
                        s.readReady = false
                        return .success(())
                    }
                    precondition(s.readWaiter == nil, "two tasks read one socket at once")
                case .write:
                    if s.writeReady {
                        s.writeReady = false
                        return .success(())
                    }
                    precondition(s.writeWaiter == nil, "two tasks write one socket at once")
                }
                var waiter = Waiter(continuation: continuation, timerID: nil, timeoutError: timeoutError)
                if let deadline {
                    let timerID = reactor.makeID()
                    waiter.timerID = timerID
                    // Lock order: socket, then the reactor's timers (never the reverse).
                    reactor.schedule(id: timerID, at: deadline) { [weak self] in
                        self?.expire(direction, timerID: timerID)
                    }
                }
                if direction == .read { s.readWaiter = waiter } else { s.writeWaiter = waiter }
                // One-shot and level-triggered: a socket already ready reports at once.
                reactor.arm(self, read: s.readWaiter != nil, write: s.writeWaiter != nil)
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    /// Called by the reactor with COSS_EV_* bits.
    func ready(_ bits: UInt32) {
        var resumed: [Waiter] = []
        state.withLock { s in
            if bits & COSS_EV_READ != 0 {
                if let w = s.readWaiter {
                    resumed.append(w)
                    s.readWaiter = nil
                } else {
                    s.readReady = true
                }
            }
            if bits & COSS_EV_WRITE != 0 {
                if let w = s.writeWaiter {
                    resumed.append(w)
                    s.writeWaiter = nil
                } else {
                    s.writeReady = true
                }
            }
            // The one-shot event disarmed the socket: arm it again for a waiter still there.
            if !s.closed, !s.aborted, s.readWaiter != nil || s.writeWaiter != nil {
                reactor.arm(self, read: s.readWaiter != nil, write: s.writeWaiter != nil)
            }
        }
        for w in resumed {
            if let t = w.timerID { reactor.cancelTimer(t) }
            w.continuation.resume()
        }
    }

    private func expire(_ direction: Direction, timerID: UInt64) {
        let waiter: Waiter? = state.withLock { s in
            switch direction {
            case .read:
                guard let w = s.readWaiter, w.timerID == timerID else { return nil }
                s.readWaiter = nil
                return w
            case .write:
                guard let w = s.writeWaiter, w.timerID == timerID else { return nil }
                s.writeWaiter = nil
                return w
            }
        }
        if let waiter { waiter.continuation.resume(throwing: waiter.timeoutError()) }
    }

    /// Resets the connection (never closes the descriptor) and fails the waiting tasks at once.
    /// Idempotent.
    func abort() {
        abort(with: .aborted())
    }

    /// Why a reset and not `shutdown(2)`: a shutdown queues its FIN behind the unsent data (up to
    /// `tcp_wmem`, 4 MiB by default), so the peer still receives the whole body of a cancelled
    /// upload and may store it. `SO_LINGER {on, 0}` only changes what close(2) does, and close
    /// belongs to the owner, which may not get to it soon (it can be waiting on a file read or
    /// a rate limiter); with linger 0 a shutdown still sends the FIN and the data (checked on
    /// Linux 6.18). `connect(AF_UNSPEC)` on a TCP socket is the kernel's "abort" of RFC 793
    /// (tcp_disconnect): it sends an RST now, discards the send and receive queues, and leaves
    /// the descriptor open, in state CLOSE, for its owner to close once. The peer keeps what it
    /// had received before the RST (its application can still read that) and never sees the rest.
    ///
    /// Before the reset the send queue is measured (`writtenBytes()`); a send cannot run meanwhile
    /// (sends take this lock), so the count of bytes handed over is exact. What the kernel
    /// transmits between the measurement and the reset (a few microseconds) is not counted.
    ///
    /// The shutdown that follows sets both directions shut in the socket, so a poll(2) or epoll
    /// waiting on it reports a hang-up at once. Should the reset fail, linger 0 makes the owner's
    /// close a reset at least.
    func abort(with error: TransportError) {
        let waiters: [Waiter] = state.withLock { s in
            guard !s.closed, !s.aborted else { return [] }
            s.aborted = true
            s.abortError = error
            // No event is needed from here on: the waiters are resumed below, and a wait after
            // this throws before it arms.
            reactor.unwatch(self)
            if resetsOnAbort {
                s.queueAtReset = measureQueue(sent: s.bytesSent, atReset: true)
                if coss_tcp_reset(fd) != 0 { _ = coss_set_linger_zero(fd) }
            }
            Syscall.shutdown(fd)
            let ws = [s.readWaiter, s.writeWaiter].compactMap { $0 }
            s.readWaiter = nil
            s.writeWaiter = nil
            return ws
        }
        for w in waiters {
            if let t = w.timerID { reactor.cancelTimer(t) }
            w.continuation.resume(throwing: error)
        }
    }

    /// Sends from `base` under the lock and counts what the kernel took.
    /// - Returns: the bytes sent, or -1 with the errno (EINTR retried). After an abort or a
    ///   close: -1, `ECONNABORTED` (the caller checks `isAborted` first).
    func send(_ base: UnsafeRawPointer, _ count: Int) -> (Int, Int32) {
        counted { coss_send($0, base, count) }
    }

    /// Sends `count` bytes of the file `source` from `offset` (`sendfile(2)`: from the page cache,
    /// no copy through user memory), as `send(_:_:)` does.
    /// - Returns: as `send(_:_:)`; 0 when the file ended at `offset`. Never raises SIGPIPE.
    func sendFile(_ source: Int32, at offset: Int64, _ count: Int) -> (Int, Int32) {
        counted { coss_sendfile($0, source, offset, count) }
    }

    /// One sending call on the descriptor under the lock, so an abort measures the send queue
    /// exactly: refused after an abort or a close, retried on EINTR, what it took counted.
    @inline(__always)
    private func counted(_ call: (Int32) -> Int) -> (Int, Int32) {
        state.withLock { s in
            if s.closed || s.aborted { return (-1, ECONNABORTED) }
            while true {
                let n = call(fd)
                if n >= 0 {
                    s.bytesSent += Int64(n)
                    return (n, 0)
                }
                let e = errno
                if e != EINTR { return (-1, e) }
            }
        }
    }

    /// The kernel's account of the bytes sent: measured now, or as the abort found it just
    /// before its reset. Nil once closed, or when the kernel cannot say.
    func writtenBytes() -> WrittenBytes? {
        state.withLock { s in
            if let q = s.queueAtReset { return q }
            if s.closed || s.aborted { return nil }
            return measureQueue(sent: s.bytesSent, atReset: false)
        }
    }

    /// Bytes the kernel accepted from `send(_:_:)` so far (no system call).
    var sentCount: Int64 { state.withLock { $0.bytesSent } }

    /// Reads the queue from the kernel (under the lock: no send runs meanwhile).
    private func measureQueue(sent: Int64, atReset: Bool) -> WrittenBytes? {
        var unsent: Int64 = 0
        var unacked: Int64 = 0
        guard coss_send_queue(fd, &unsent, &unacked) == 0 else { return nil }
        return WrittenBytes(
            written: sent, transmitted: sent - min(sent, unsent),
            acknowledged: sent - min(sent, max(unacked, unsent)), final: atReset)
    }

    /// Runs a non-blocking call on the descriptor under the lock, or returns nil when closed
    /// (lets a listener's `close()` race safely with its `accept()`).
    func withLockedFD<R>(_ body: (Int32) -> R) -> R? {
        state.withLock { s in s.closed ? nil : body(fd) }
    }

    /// Whether the peer has not closed and no bytes are waiting (checked without blocking).
    func isQuiet() -> Bool {
        state.withLock { s in
            guard !s.closed, !s.aborted else { return false }
            let r = coss_peek(fd)
            return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
        }
    }

    /// Releases the descriptor. Waiting tasks (a pending accept) fail with `closeError`.
    /// Only the first call has an effect.
    func close(closeError: TransportError = TransportError(phase: .closed, message: "the connection was closed")) {
        let waiters: [Waiter]? = state.withLock { s in
            guard !s.closed else { return nil }
            s.closed = true
            let ws = [s.readWaiter, s.writeWaiter].compactMap { $0 }
            s.readWaiter = nil
            s.writeWaiter = nil
            return ws
        }
        guard let waiters else { return }
        reactor.deregister(self)
        Syscall.close(fd)
        for w in waiters {
            if let t = w.timerID { reactor.cancelTimer(t) }
            w.continuation.resume(throwing: closeError)
        }
    }
}
