import OSSCore
import OSSTransfer

/// Turns progress reports into a rate, an ETA and a one-line bar for a terminal.
///
/// The rate is measured over the bytes moved in this run only (resumed bytes are excluded), so
/// a resumed transfer does not show an impossible speed.
final class TransferMeter: Sendable {
    private struct State {
        var first: (time: ContinuousClock.Instant, bytes: Int64)?
        var last = TransferProgress(bytesTransferred: 0, totalBytes: 0, partsDone: 0, partsTotal: 0, bytesResumed: 0)
        var rate: Double = 0
    }
    private let state = PThreadMutex(State())
    private let clock = ContinuousClock()

    init() {}

    /// Records a progress report.
    func record(_ p: TransferProgress) {
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
    var bytesPerSecond: Double { state.withLock { $0.rate } }

    /// Seconds left at the current rate; `nil` when unknown.
    var secondsRemaining: Double? {
        state.withLock { s in
            guard s.rate > 0 else { return nil }
            return Double(max(0, s.last.totalBytes - s.last.bytesTransferred)) / s.rate
        }
    }

    /// The progress line, fitted to `columns` characters (a terminal's width):
    /// `[#########-----------]  45%  12.3 MB/27.0 MB  8.1 MB/s  ETA 0:02  parts 5/11`.
    /// The bar takes the room the figures leave; on a narrow terminal the parts, then the ETA,
    /// then the bar are dropped, so the line never wraps (which would scroll one line per redraw).
    func line(columns: Int = 80) -> String {
        let (p, rate) = state.withLock { ($0.last, $0.rate) }
        let speed = rate > 0 ? TransferMeter.size(Int64(rate)) + "/s" : "--/s"
        // A stream of unknown length (standard input): what moved so far and the rate.
        if p.totalBytes < 0 { return String("\(TransferMeter.size(p.bytesTransferred))  \(speed)".prefix(max(1, columns - 1))) }
        // 100% only for a complete object (the transfer holds its figure one byte short until
        // then; an empty object shows 0% until it is complete).
        var fraction = p.totalBytes > 0 ? min(1, Double(p.bytesTransferred) / Double(p.totalBytes)) : 0
        if p.isComplete { fraction = 1 } else if p.totalBytes > 0 { fraction = min(fraction, 0.999) }
        let percentText = String(Int((fraction * 100).rounded(.down)))
        let percent = String(repeating: " ", count: max(0, 3 - percentText.count)) + percentText + "%"
        let bytes = "\(TransferMeter.size(p.bytesTransferred))/\(TransferMeter.size(p.totalBytes))"
        let eta = "ETA " + (secondsRemaining.map(TransferMeter.clockText) ?? "--:--")
        let parts = p.partsTotal > 1 ? "parts \(p.partsDone)/\(p.partsTotal)" : nil
        // Keep one column free: some terminals wrap when the last column is written.
        let room = max(1, columns - 1)
        var tail = [percent, bytes, speed, eta] + (parts.map { [$0] } ?? [])
        func text(_ pieces: [String]) -> String { pieces.joined(separator: "  ") }
        // A bar narrower than 10 says little: drop the parts, then the ETA, to keep one.
        let minimumBar = 10 + 4  // "[" + "]" + two spaces
        while text(tail).count + minimumBar > room, tail.count > 2 { tail.removeLast() }
        let rest = text(tail)
        let barWidth = min(40, room - rest.count - 4)
        guard barWidth >= 10 else { return String(rest.prefix(room)) }
        let filled = min(barWidth, max(0, Int((fraction * Double(barWidth)).rounded(.down))))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]  "
            + rest
    }

    /// The closing summary: `27.0 MB in 3.4 s (7.9 MB/s average)`; the rate counts the bytes
    /// moved in this run.
    static func summary(bytes: Int64, moved: Int64, seconds: Double) -> String {
        var s = "\(size(bytes)) in \(secondsText(seconds)) s"
        if seconds > 0, moved > 0 { s += " (\(size(Int64(Double(moved) / seconds)))/s average)" }
        return s
    }

    /// Seconds with three significant decimals at most: `0.005`, `1.25`, `12.3`, `125`.
    static func secondsText(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "0" }
        let digits = seconds < 1 ? 3 : seconds < 10 ? 2 : seconds < 100 ? 1 : 0
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((seconds * scale).rounded())
        if digits == 0 { return String(n) }
        var frac = String(n % Int64(scale))
        while frac.count < digits { frac = "0" + frac }
        return "\(n / Int64(scale)).\(frac)"
    }

    /// Decimal units, as `osswire http` and `osswire bench` report rates: `512 B`, `1.5 kB`,
    /// `12.3 MB`, `2.0 GB`.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var v = Double(bytes)
        var i = 0
        while v >= 999.95 && i < units.count - 1 {
            v /= 1000
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
