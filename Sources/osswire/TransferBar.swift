import Glibc
import OSSClient
import OSSCore
import OSSTransfer
import Synchronization

/// The transfer progress line on standard error (bar, bytes, rate, ETA, parts), fitted to the
/// terminal's width and redrawn at most ten times a second; `finish()` clears it so the summary
/// line takes its place.
final class TransferBar: Sendable {
    let meter: TransferMeter
    let enabled: Bool
    private let last = PThreadMutex<ContinuousClock.Instant?>(nil)
    private let drawn = Atomic<Bool>(false)

    init(meter: TransferMeter, enabled: Bool) {
        self.meter = meter
        self.enabled = enabled
    }

    /// Whether standard error is a terminal (the only place a bar is drawn).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// The terminal's width in columns (asked at each redraw, so a resized window is followed);
    /// `$COLUMNS`, then 80, when the terminal does not say.
    static var columns: Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = Env.get("COLUMNS").flatMap({ Int($0) }), c > 0 { return c }
        return 80
    }

    var handler: TransferProgressHandler {
        { p in
            self.meter.record(p)
            guard self.enabled else { return }
            let now = ContinuousClock.now
            let due = self.last.withLock { l -> Bool in
                if let l, l.duration(to: now) < .milliseconds(100), !p.isComplete, p.bytesTransferred < p.totalBytes {
                    return false
                }
                l = now
                return true
            }
            if due {
                self.drawn.store(true, ordering: .relaxed)
                self.writeErr("\r" + self.meter.line(columns: TransferBar.columns) + "\u{1b}[K")
            }
        }
    }

    /// The bar fed by one request's progress (a single GetObject: no parts).
    var requestHandler: OSSProgressHandler {
        let handler = self.handler
        return { p in
            handler(
                TransferProgress(
                    bytesTransferred: p.bytesTransferred, totalBytes: p.totalBytes ?? p.bytesTransferred, partsDone: 0,
                    partsTotal: 0, bytesResumed: 0))
        }
    }

    /// Clears the bar's line (the summary is printed next).
    func finish() {
        if enabled && drawn.load(ordering: .relaxed) { writeErr("\r\u{1b}[K") }
    }

    private func writeErr(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
