import Foundation
import OSSCore
import Testing

@testable import OSSTransport

/// A one-shot gate a resolver thread can block on, released from the test.
private final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let entered = DispatchSemaphore(value: 0)
    /// Blocks the calling (resolver) thread until `open()`, after telling `waitEntered()`.
    func block() {
        entered.signal()
        semaphore.wait()
    }
    func open() { semaphore.signal() }
    /// Waits, off the cooperative pool, until a thread is inside `block()`.
    func waitEntered() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                self.entered.wait()
                c.resume()
            }
        }
    }
}

/// Name resolution runs on a bounded set of threads, and a lookup stays cancellable even when
/// every one of them is stuck in `getaddrinfo`.
@Suite struct ResolverThreadsTests {
    @Test("lookups waiting behind busy threads queue instead of starting threads, and all resolve")
    func lookupsShareABoundedSetOfThreads() async throws {
        let threads = ResolverThreads(limit: 2, idleTimeout: 5)
        // Both threads busy: every lookup below has to wait for one.
        let gates = [Gate(), Gate()]
        for g in gates {
            threads.submit(.init(isAbandoned: { false }, run: { g.block() }, fail: { _ in }))
            await g.waitEntered()
        }
        let lookups = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await Resolver.resolve(
                            host: "localhost", port: 80, deadline: nil, cancel: nil, threads: threads
                        ).count
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        for g in gates { g.open() }
        let results = try await lookups.value
        #expect(results.count == 40 && results.allSatisfy { $0 >= 1 })
        #expect(threads.counts.peak == 2)
    }

    @Test("a cancelled lookup returns at once while its thread is stuck, and a queued one never runs")
    func aCancelReturnsWhileTheThreadIsStuck() async throws {
        let threads = ResolverThreads(limit: 1, idleTimeout: 5)
        let gate = Gate()
        threads.submit(.init(isAbandoned: { false }, run: { gate.block() }, fail: { _ in }))
        await gate.waitEntered()

        // The only thread is blocked: this lookup waits in the queue, and a cancel answers it.
        let cancel = ConnectCancellation()
        let lookup = Task {
            try await Resolver.resolve(host: "localhost", port: 80, deadline: nil, cancel: cancel, threads: threads)
        }
        // A job queued behind it, abandoned before it is taken, must never run.
        let ran = Ran()
        threads.submit(.init(isAbandoned: { true }, run: { ran.mark() }, fail: { _ in }))
        cancel.fire(reason: "test")
        let error = await #expect(throws: TransportError.self) { try await lookup.value }
        #expect(error?.phase == .aborted)

        // A deadline answers too, still with the thread stuck.
        let late = await #expect(throws: TransportError.self) {
            try await Resolver.resolve(
                host: "localhost", port: 80, deadline: .now + .milliseconds(20), cancel: nil, threads: threads)
        }
        #expect(late?.phase == .timeout)

        // Once the thread is free it works the queue: the abandoned jobs are skipped, a live one runs.
        gate.open()
        let addresses = try await Resolver.resolve(
            host: "localhost", port: 80, deadline: nil, cancel: nil, threads: threads)
        #expect(!addresses.isEmpty)
        #expect(!ran.value)
        #expect(threads.counts.peak == 1)
    }
}

private final class Ran: Sendable {
    private let flag = PThreadMutex(false)
    func mark() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
