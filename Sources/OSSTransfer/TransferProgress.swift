import OSSCore

/// How far a transfer has gone, counting parts already on the server (or on disk) as done.
///
/// What a user can trust of it:
/// - `bytesTransferred` is the finished parts' bytes plus the bytes of the parts in flight as the
///   HTTP layer reports them (for an upload, what it reports as sent to the server).
/// - It never decreases, within a run or across runs: a resumed run's first report is where the
///   paused run's last one stopped (the checkpoint records it), and it stays there until this
///   run's own figure passes it (parts in flight at the pause are sent again: the server keeps
///   no part of a part). A single PutObject or GET keeps no checkpoint: run again, it starts
///   again from 0, as its bytes do.
/// - It reaches `totalBytes` only with `isComplete`: until the object is complete
///   (PutObject or CompleteMultipartUpload answered, or the download renamed into place) it is
///   held one byte short, so a bar never shows 100% for a transfer that may still stop.
public struct TransferProgress: Sendable, Hashable {
    /// Bytes done: parts resumed plus bytes sent (or received) in this run. Never decreases; below
    /// `totalBytes` until `isComplete`.
    public var bytesTransferred: Int64
    /// The file's or object's size.
    public var totalBytes: Int64
    /// Parts finished, resumed ones included.
    public var partsDone: Int
    public var partsTotal: Int
    /// Bytes that were already done when this run started (parts kept, verified).
    public var bytesResumed: Int64
    /// Whether the object is complete (the last report of a completed transfer).
    public var isComplete: Bool

    public init(
        bytesTransferred: Int64, totalBytes: Int64, partsDone: Int, partsTotal: Int, bytesResumed: Int64,
        isComplete: Bool = false
    ) {
        self.bytesTransferred = bytesTransferred
        self.totalBytes = totalBytes
        self.partsDone = partsDone
        self.partsTotal = partsTotal
        self.bytesResumed = bytesResumed
        self.isComplete = isComplete
    }
}

/// Called as a transfer moves; values are monotonic. Called with a lock held, in order, from
/// whichever task moved: keep it quick and do not call back into the transfer.
public typealias TransferProgressHandler = @Sendable (TransferProgress) -> Void

/// Sums the progress of parts in flight into one monotonic figure.
///
/// Each part counts its high-water mark, so a part retried from its start never makes the total
/// go back; a finished part counts its size. The figure starts at the previous run's last one
/// (`resumed(parts:bytes:shown:)`) and stays one byte short of the total until `completed()`.
final class ProgressAggregator: Sendable {
    private struct State {
        var done: Int64 = 0
        var inFlight: [Int: Int64] = [:]
        var inFlightSum: Int64 = 0
        var partsDone = 0
        var resumed: Int64 = 0
        var reported: Int64 = -1
        var reportedParts = -1
        var sentThisRun: Int64 = 0
        var complete = false
    }
    private let state = PThreadMutex(State())
    let totalBytes: Int64
    let partsTotal: Int
    private let handler: TransferProgressHandler?

    init(totalBytes: Int64, partsTotal: Int, handler: TransferProgressHandler?) {
        self.totalBytes = totalBytes
        self.partsTotal = partsTotal
        self.handler = handler
    }

    /// The most a transfer not yet complete may show.
    private var ceiling: Int64 { max(totalBytes - 1, 0) }

    /// Counts parts already done before this run, and starts the figure at `shown`, the last
    /// figure the previous run reported (so a resumed run never starts below where it stopped).
    func resumed(parts: Int, bytes: Int64, shown: Int64 = 0) {
        state.withLock { s in
            s.partsDone += parts
            s.done += bytes
            s.resumed += bytes
            s.reported = max(s.reported, min(shown, ceiling))
            report(&s)
        }
    }

    /// A part in flight has moved `bytes` bytes in its current attempt.
    func part(_ number: Int, at bytes: Int64) {
        state.withLock { s in
            let before = s.inFlight[number] ?? 0
            guard bytes > before else { return }
            s.inFlight[number] = bytes
            s.inFlightSum += bytes - before
            s.sentThisRun += bytes - before
            report(&s)
        }
    }

    /// A part finished.
    func finished(_ number: Int, size: Int64) {
        state.withLock { s in
            let before = s.inFlight.removeValue(forKey: number) ?? 0
            s.inFlightSum -= before
            s.done += size
            if size > before { s.sentThisRun += size - before }
            s.partsDone += 1
            report(&s)
        }
    }

    /// A part found on the server after this run stopped (its answer was lost to the stop):
    /// counted as done, its bytes not counted as moved by this run's progress reports.
    func confirmed(_ number: Int, size: Int64) {
        state.withLock { s in
            let before = s.inFlight.removeValue(forKey: number) ?? 0
            s.inFlightSum -= before
            s.done += size
            s.partsDone += 1
            report(&s)
        }
    }

    /// The object is complete: the figure reaches the total.
    func completed() {
        state.withLock { s in
            guard !s.complete else { return }
            s.complete = true
            s.reported = max(s.reported, totalBytes)
            s.reportedParts = s.partsDone
            handler?(current(s))
        }
    }

    private func report(_ s: inout State) {
        let bytes = min(s.done + s.inFlightSum, s.complete ? totalBytes : ceiling)
        guard bytes > s.reported || s.partsDone > s.reportedParts else { return }
        s.reported = max(bytes, s.reported)
        s.reportedParts = s.partsDone
        handler?(current(s))
    }

    private func current(_ s: State) -> TransferProgress {
        TransferProgress(
            bytesTransferred: max(s.reported, 0), totalBytes: totalBytes, partsDone: s.partsDone,
            partsTotal: partsTotal, bytesResumed: s.resumed, isComplete: s.complete)
    }

    /// The current figures.
    var snapshot: TransferProgress { state.withLock { current($0) } }

    /// The figure last reported (what a checkpoint records for the next run to start from).
    var shown: Int64 { state.withLock { max($0.reported, 0) } }

    /// Bytes moved in this run (the highest mark of each part, resumed parts excluded).
    var bytesThisRun: Int64 { state.withLock { $0.sentThisRun } }

    var partsDone: Int { state.withLock { $0.partsDone } }
}
