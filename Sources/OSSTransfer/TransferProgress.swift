import OSSCore

/// How far a transfer has gone, counting parts already on the server (or on disk) as done.
public struct TransferProgress: Sendable, Hashable {
    /// Bytes done: parts resumed plus bytes sent (or received) in this run. Never decreases.
    public var bytesTransferred: Int64
    /// The file's or object's size.
    public var totalBytes: Int64
    /// Parts finished, resumed ones included.
    public var partsDone: Int
    public var partsTotal: Int
    /// Bytes that were already done when this run started.
    public var bytesResumed: Int64

    public init(bytesTransferred: Int64, totalBytes: Int64, partsDone: Int, partsTotal: Int, bytesResumed: Int64) {
        self.bytesTransferred = bytesTransferred
        self.totalBytes = totalBytes
        self.partsDone = partsDone
        self.partsTotal = partsTotal
        self.bytesResumed = bytesResumed
    }
}

/// Called as a transfer moves; values are monotonic. Called with a lock held, in order, from
/// whichever task moved: keep it quick and do not call back into the transfer.
public typealias TransferProgressHandler = @Sendable (TransferProgress) -> Void

/// Sums the progress of parts in flight into one monotonic figure.
///
/// Each part counts its high-water mark, so a part retried from its start never makes the total
/// go back; a finished part counts its size.
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

    /// Counts parts already done before this run.
    func resumed(parts: Int, bytes: Int64) {
        state.withLock { s in
            s.partsDone += parts
            s.done += bytes
            s.resumed += bytes
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

    private func report(_ s: inout State) {
        let bytes = min(s.done + s.inFlightSum, totalBytes)
        guard bytes > s.reported || s.partsDone > s.reportedParts else { return }
        s.reported = max(bytes, s.reported)
        s.reportedParts = s.partsDone
        handler?(
            TransferProgress(
                bytesTransferred: s.reported, totalBytes: totalBytes, partsDone: s.partsDone, partsTotal: partsTotal,
                bytesResumed: s.resumed))
    }

    /// The current figures.
    var snapshot: TransferProgress {
        state.withLock { s in
            TransferProgress(
                bytesTransferred: max(s.reported, 0), totalBytes: totalBytes, partsDone: s.partsDone,
                partsTotal: partsTotal, bytesResumed: s.resumed)
        }
    }

    /// Bytes moved in this run (the highest mark of each part, resumed parts excluded).
    var bytesThisRun: Int64 { state.withLock { $0.sentThisRun } }

    var partsDone: Int { state.withLock { $0.partsDone } }
}
