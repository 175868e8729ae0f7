import Foundation

/// Waits for a child process to end without Foundation's `Process.waitUntilExit`, which on Linux
/// can miss the exit of a child when several run at once and then spin for ever (seen twice on
/// these machines: a cooperative thread at 100% CPU for an hour, the child long exited).
public enum ChildExit {
    /// Returns once process `pid` has exited: it is gone from `/proc`, or a zombie nobody has
    /// reaped yet. Polls every 2 ms: the event is the exit, not a time.
    public static func wait(_ pid: Int32) {
        while true {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return }
            // proc(5): the state letter follows the parenthesised command name.
            let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
            if state == "Z" || state == "X" { return }
            usleep(2000)
        }
    }
}
