import OSSCore

/// Turns progress reports into a rate, an ETA and a one-line bar for a terminal.
///
/// The rate is measured over the bytes moved in this run only (resumed bytes are excluded), so
/// a resumed transfer does not show an impossible speed.
public final class TransferMeter: Sendable {
    private struct State {
        var first: (time: ContinuousClock.Instant, bytes: Int64)?
        var last = TransferProgress(bytesTransferred: 0, totalBytes: 0, partsDone: 0, partsTotal: 0, bytesResumed: 0)
        var rate: Double = 0
    }
    private let state = PThreadMutex(State())
    private let clock = ContinuousClock()

    public init() {}

    /// Records a progress report.
    public func record(_ p: TransferProgress) {
        let now = clock.now
        state.withLock { s in
            if s.first == nil { s.first = (now, p.bytesTransferred) }
            s.last = p
            if let first = s.first {
                let elapsed = first.time.duration(to: now)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                if seconds > 0.2 { s.rate = Double(p.bytesTransferred - first.bytes) / seconds }
            }
        }
    }

    /// Bytes per second in this run (0 until measurable).
    public var bytesPerSecond: Double { state.withLock { $0.rate } }

    /// Seconds left at the current rate; `nil` when unknown.
    public var secondsRemaining: Double? {
        state.withLock { s in
            guard s.rate > 0 else { return nil }
            return Double(max(0, s.last.totalBytes - s.last.bytesTransferred)) / s.rate
        }
    }

    /// `[#########-----------]  45%  12.3 MiB/27.0 MiB  8.1 MiB/s  ETA 0:02  parts 5/11`
    public func line(width: Int = 24) -> String {
        let (p, rate) = state.withLock { ($0.last, $0.rate) }
        let fraction = p.totalBytes > 0 ? Double(p.bytesTransferred) / Double(p.totalBytes) : 1
        let filled = min(width, max(0, Int((fraction * Double(width)).rounded(.down))))
        var s = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        let percent = String(Int((fraction * 100).rounded(.down)))
        s += " " + String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "%"
        s += "  \(TransferMeter.size(p.bytesTransferred))/\(TransferMeter.size(p.totalBytes))"
        s += "  \(rate > 0 ? TransferMeter.size(Int64(rate)) + "/s" : "--/s")"
        s += "  ETA " + (secondsRemaining.map(TransferMeter.clockText) ?? "--:--")
        if p.partsTotal > 1 { s += "  parts \(p.partsDone)/\(p.partsTotal)" }
        return s
    }

    /// `512 B`, `1.5 KiB`, `12.3 MiB`, `2.0 GiB`.
    public static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1024 && i < units.count - 1 {
            v /= 1024
            i += 1
        }
        if i == 0 { return "\(bytes) B" }
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[i])"
    }

    /// `0:07`, `12:34`, `1:02:03`.
    static func clockText(_ seconds: Double) -> String {
        let t = Int(seconds.rounded(.up))
        let h = t / 3600
        let m = (t % 3600) / 60
        let sec = t % 60
        let ss = sec < 10 ? "0\(sec)" : "\(sec)"
        if h > 0 { return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)" }
        return "\(m):\(ss)"
    }
}
