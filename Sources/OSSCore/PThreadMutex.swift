import Glibc

/// A lock around a value, on `pthread_mutex_t`: the project's `Synchronization.Mutex`, with the
/// same `withLock`.
///
/// Why not `Synchronization.Mutex`: on Linux it is a priority-inheritance futex. When it is
/// contended the kernel hands it from the unlocking thread to the waiter (`FUTEX_UNLOCK_PI` /
/// `FUTEX_LOCK_PI`) with no user-space atomic in between, so ThreadSanitizer sees no
/// happens-before edge and reports every contended critical section as a data race
/// (docs/SANITIZERS.md). TSan intercepts `pthread_mutex_lock`/`unlock`, so with this lock a race
/// it reports is a real one. Uncontended, both cost one atomic.
///
/// `@unchecked Sendable`: the value is reached only inside `withLock`, with the mutex held, and
/// goes in and out as `sending` (as with `Mutex`), so no unsynchronised access escapes.
///
/// One allocation holds both the mutex and the value (a `ManagedBuffer`, whose storage never
/// moves): a lock is made for every request several times over (cancellation signals, progress,
/// CRC64), and three allocations each were a measurable share of a small request's cost.
/// Copies share the one lock, as references to a class would.
package struct PThreadMutex<Value: ~Copyable>: @unchecked Sendable {
    @usableFromInline
    final class Storage: ManagedBuffer<pthread_mutex_t, Value> {
        deinit {
            withUnsafeMutablePointers { mutex, value in
                value.deinitialize(count: 1)
                pthread_mutex_destroy(mutex)
            }
        }
    }

    @usableFromInline let storage: Storage

    /// Makes the lock, holding `initialValue`.
    package init(_ initialValue: consuming sending Value) {
        let storage = unsafeDowncast(
            Storage.create(minimumCapacity: 1) { _ in pthread_mutex_t() }, to: Storage.self)
        let (mutex, value) = storage.withUnsafeMutablePointers { ($0, $1) }
        let r = pthread_mutex_init(mutex, nil)
        precondition(r == 0, "pthread_mutex_init failed: \(r)")
        value.initialize(to: initialValue)
        self.storage = storage
    }

    /// Runs `body` with the value while holding the lock.
    /// - Parameter body: gets the value in place; must not lock this mutex again (it would deadlock).
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws (the lock is released first).
    @inlinable
    package func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        // The pointers stay valid while `self` (which holds `storage`) is borrowed for this call.
        let (mutex, value) = storage.withUnsafeMutablePointers { ($0, $1) }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
