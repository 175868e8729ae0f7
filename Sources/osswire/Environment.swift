import Glibc

/// Process environment, standard streams and exit, without Foundation.
enum Env {
    static func get(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }
}

/// Writes to standard error (unbuffered, so it interleaves correctly with stdout).
func printError(_ text: String) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    var bytes = Array(line.utf8)  // var: written through withUnsafeMutableBytes
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + off, $0.count - off) }
        if n <= 0 { break }
        off += n
    }
}

/// Whether standard output is a terminal (progress bars only there).
var stdoutIsTerminal: Bool { isatty(1) != 0 }

/// Writes to standard output and flushes at once (scripts read lines as they come).
func printLine(_ text: String) {
    print(text)
    fflush(nil)
}
