import Foundation

/// Medians, percentiles and the formatting every subcommand prints with.
enum Stats {
    static func median(_ values: [Double]) -> Double {
        percentile(values, 50)
    }

    /// Nearest-rank percentile of `values` (0...100).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty)
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attos) = duration.components
        return Double(s) + Double(attos) * 1e-18
    }

    /// Runs `body` once and returns the wall-clock seconds it took.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return seconds(clock.now - start)
    }

    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        return seconds(clock.now - start)
    }

    static func fixed(_ value: Double, _ decimals: Int = 2) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// Prints one aligned result line: `label  value`.
    static func line(_ label: String, _ value: String) {
        let pad = max(0, 34 - label.count)
        print("  " + label + String(repeating: " ", count: pad) + value)
    }

    static func ratio(_ label: String, _ ours: Double, _ reference: Double, target: String) {
        line(label, fixed(ours / reference) + "x   (target " + target + ")")
    }

    static func notAvailable(_ label: String, _ why: String) {
        line(label, "ours: not yet available (" + why + ")")
    }
}

/// SplitMix64, to fill buffers with the same bytes on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fills `buffer` (its size a multiple of 8 or not) with pseudo-random bytes.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset + 8 <= buffer.count {
            buffer.storeBytes(of: next(), toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < buffer.count {
            buffer[offset] = UInt8(truncatingIfNeeded: next())
            offset += 1
        }
    }
}

/// CPU time, so a figure can say what one side spent apart from the wall clock (which, on a
/// machine shared with other builds, mostly says how much of the CPU the run was given).
enum CPUTime {
    private static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }

    /// User + system seconds of this process so far (every thread, the in-process servers too).
    static func process() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// User + system seconds of the child processes waited for so far (curl).
    static func children() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// User + system seconds of the calling thread so far.
    static func thread() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
