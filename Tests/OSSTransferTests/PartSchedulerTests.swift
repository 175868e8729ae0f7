import OSSCore
import Testing

@testable import OSSTransfer

/// Counts calls and the most running at once, from any task.
private final class Tally: Sendable {
    private struct State {
        var calls: [Int: Int] = [:]
        var running = 0
        var peak = 0
        var finished: [Int] = []
        var saves = 0
    }
    private let state = PThreadMutex(State())
    func enter(_ n: Int) {
        state.withLock { s in
            s.calls[n, default: 0] += 1
            s.running += 1
            s.peak = max(s.peak, s.running)
        }
    }
    func leave() { state.withLock { $0.running -= 1 } }
    func finish(_ n: Int) { state.withLock { $0.finished.append(n) } }
    func save() { state.withLock { $0.saves += 1 } }
    var calls: [Int: Int] { state.withLock { $0.calls } }
    var peak: Int { state.withLock { $0.peak } }
    var finished: [Int] { state.withLock { $0.finished } }
    var saves: Int { state.withLock { $0.saves } }
}

/// The one part scheduler of uploads and downloads: window, attempts, first failure, checkpoint saves.
@Suite struct PartSchedulerTests {
    static func scheduler(jobs: Int, attempts: Int, control: TransferControl = TransferControl()) -> PartScheduler {
        var s = PartScheduler(jobs: jobs, attempts: attempts, control: control, ops: FakeOSS())
        s.saveInterval = .zero
        return s
    }

    @Test("every part runs once, never more than `jobs` at a time, and each one finished is recorded")
    func window() async {
        let tally = Tally()
        let stop = await Self.scheduler(jobs: 3, attempts: 3).run(
            Array(1...40),
            part: { n in
                tally.enter(n)
                for _ in 0..<5 { await Task.yield() }
                tally.leave()
                return n * 10
            },
            finished: { n, value in
                #expect(value == n * 10)
                tally.finish(n)
            },
            save: { tally.save() })
        #expect(stop == nil)
        #expect(tally.calls == Dictionary(uniqueKeysWithValues: (1...40).map { ($0, 1) }))
        #expect(Set(tally.finished) == Set(1...40))
        #expect(tally.peak >= 1 && tally.peak <= 3)
        #expect(tally.saves == 40)
    }

    @Test("a part that fails every time is tried `attempts` times in all; the parts after it never start")
    func attemptsAndFirstFailure() async {
        let tally = Tally()
        let stop = await Self.scheduler(jobs: 1, attempts: 3).run(
            [1, 2, 3, 4],
            part: { n in
                tally.enter(n)
                tally.leave()
                if n == 2 { throw FakeError.serviceUnavailable }
                return n
            },
            finished: { n, _ in tally.finish(n) })
        #expect(stop?.failure.kind == .retryable && stop?.failure.code == "ServiceUnavailable")
        #expect(tally.calls == [1: 1, 2: 3])
        #expect(tally.finished == [1])
    }

    @Test("a failure not worth another try is tried once; a save that fails stops the run as fatal")
    func fatalFailuresStopAtOnce() async {
        let tally = Tally()
        let stop = await Self.scheduler(jobs: 2, attempts: 5).run(
            [1],
            part: { n -> Int in
                tally.enter(n)
                tally.leave()
                throw FakeError.noSuchUpload
            },
            finished: { _, _ in })
        #expect(stop?.failure.kind == .noSuchUpload && tally.calls == [1: 1])

        struct DiskFull: Error {}
        let saved = await Self.scheduler(jobs: 1, attempts: 1).run(
            [1, 2, 3], part: { $0 }, finished: { n, _ in tally.finish(n) }, save: { throw DiskFull() })
        #expect(saved?.failure.kind == .fatal && saved?.error is DiskFull)
    }

    @Test("a stop of the transfer starts no more parts and is not reported as a failure")
    func stopStartsNoMore() async {
        let control = TransferControl()
        let tally = Tally()
        let stop = await Self.scheduler(jobs: 1, attempts: 1, control: control).run(
            [1, 2, 3],
            part: { n in
                tally.enter(n)
                tally.leave()
                if n == 1 { control.stop(.paused) }
                return n
            },
            finished: { n, _ in tally.finish(n) })
        #expect(stop == nil)
        #expect(tally.calls == [1: 1] && tally.finished == [1])
    }
}
