import OSSCore

/// A fixed set of equally sized buffers, lent to the parts in flight.
///
/// The pool never allocates more than `capacity` buffers: a borrower past that waits until one
/// is returned. So memory for file data stays at `capacity × bufferSize` whatever the file or
/// part size: the buffer a part is read into is the one its bytes are written to the socket from.
final class BufferPool: Sendable {
    /// The size of each buffer.
    let bufferSize: Int
    /// The most buffers that ever exist.
    let capacity: Int

    private struct State {
        var free: [IOBuffer] = []
        var allocated = 0
        var lent = 0
        var waiters: [CheckedContinuation<IOBuffer, Never>] = []
    }
    private let state = PThreadMutex(State())

    init(capacity: Int, bufferSize: Int) {
        precondition(capacity > 0 && bufferSize > 0)
        self.capacity = capacity
        self.bufferSize = bufferSize
    }

    /// The number of buffers allocated so far (never more than `capacity`).
    var allocatedCount: Int { state.withLock { $0.allocated } }

    /// How many times a buffer was lent.
    var lendCount: Int { state.withLock { $0.lent } }

    /// Lends a buffer for the duration of `body`.
    func withBuffer<R>(_ body: (IOBuffer) async throws -> R) async rethrows -> R {
        let buffer = await acquire()
        defer { release(buffer) }
        return try await body(buffer)
    }

    private func acquire() async -> IOBuffer {
        let ready: IOBuffer? = state.withLock { s in
            if let b = s.free.popLast() {
                s.lent += 1
                return b
            }
            guard s.allocated < capacity else { return nil }
            s.allocated += 1
            s.lent += 1
            return IOBuffer(capacity: bufferSize)
        }
        if let ready { return ready }
        return await withCheckedContinuation { (c: CheckedContinuation<IOBuffer, Never>) in
            let now: IOBuffer? = state.withLock { s in
                if let b = s.free.popLast() {
                    s.lent += 1
                    return b
                }
                s.waiters.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    private func release(_ buffer: IOBuffer) {
        let waiter: CheckedContinuation<IOBuffer, Never>? = state.withLock { s in
            if !s.waiters.isEmpty {
                s.lent += 1
                return s.waiters.removeFirst()
            }
            s.free.append(buffer)
            return nil
        }
        waiter?.resume(returning: buffer)
    }
}
