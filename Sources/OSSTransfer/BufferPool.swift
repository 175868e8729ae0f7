import OSSCore

/// A fixed set of equally sized buffers, lent to the parts in flight.
///
/// The pool never allocates more than `capacity` buffers: a borrower past that waits until one
/// is returned. So memory stays at `capacity × bufferSize` whatever the file or part size.
final class BufferPool: Sendable {
    /// One buffer of the pool.
    ///
    /// `@unchecked Sendable`: a raw pointer is not `Sendable`, but the pool lends each buffer to
    /// exactly one borrower at a time (handed over under the pool's lock), so no two tasks ever
    /// touch the same bytes at once; the memory lives until the pool is released.
    struct Buffer: @unchecked Sendable {
        let raw: UnsafeMutableRawBufferPointer
    }

    /// The size of each buffer.
    let bufferSize: Int
    /// The most buffers that ever exist.
    let capacity: Int

    private struct State {
        var free: [Buffer] = []
        var all: [Buffer] = []
        var waiters: [CheckedContinuation<Buffer, Never>] = []
    }
    private let state = PThreadMutex(State())

    init(capacity: Int, bufferSize: Int) {
        precondition(capacity > 0 && bufferSize > 0)
        self.capacity = capacity
        self.bufferSize = bufferSize
    }

    deinit {
        state.withLock { s in
            for b in s.all { b.raw.deallocate() }
        }
    }

    /// The number of buffers allocated so far (never more than `capacity`).
    var allocatedCount: Int { state.withLock { $0.all.count } }

    /// Lends a buffer for the duration of `body`.
    func withBuffer<R>(_ body: (UnsafeMutableRawBufferPointer) async throws -> R) async rethrows -> R {
        let buffer = await acquire()
        defer { release(buffer) }
        return try await body(buffer.raw)
    }

    private func acquire() async -> Buffer {
        let ready: Buffer? = state.withLock { s in
            if let b = s.free.popLast() { return b }
            guard s.all.count < capacity else { return nil }
            let b = Buffer(raw: UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64))
            s.all.append(b)
            return b
        }
        if let ready { return ready }
        return await withCheckedContinuation { (c: CheckedContinuation<Buffer, Never>) in
            let now: Buffer? = state.withLock { s in
                if let b = s.free.popLast() { return b }
                s.waiters.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    private func release(_ buffer: Buffer) {
        let waiter: CheckedContinuation<Buffer, Never>? = state.withLock { s in
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.free.append(buffer)
            return nil
        }
        waiter?.resume(returning: buffer)
    }
}
