import Glibc

/// A lock around a value, on `pthread_mutex_t`: the project's `Synchronization.Mutex`, with the
/// same `withLock`.
///
/// Why not `Synchronization.Mutex`: on Linux it is a priority-inheritance futex. When it is
/// contended the kernel hands it from the unlocking thread to the waiter (`FUTEX_UNLOCK_PI` /
/// `FUTEX_LOCK_PI`) with no user-space atomic in between, so ThreadSanitizer sees no
/// happens-before edge and reports every contended critical section as a data race
/// (docs/SANITIZERS.md). TSan intercepts `pthread_mutex_lock`/`unlock`, so with this lock a race
/// it reports is a real one. Uncontended, both cost one atomic; this one adds two allocations
/// when it is made.
///
/// `@unchecked Sendable`: the value is reached only inside `withLock`, with the mutex held, and
/// goes in and out as `sending` (as with `Mutex`), so no unsynchronised access escapes.
package final class PThreadMutex<Value: ~Copyable>: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline let value: UnsafeMutablePointer<Value>

    /// Makes the lock, holding `initialValue`.
    package init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let r = pthread_mutex_init(mutex, nil)
        precondition(r == 0, "pthread_mutex_init failed: \(r)")
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock.
    /// - Parameter body: gets the value in place; must not lock this mutex again (it would deadlock).
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws (the lock is released first).
    @inlinable
    package func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
