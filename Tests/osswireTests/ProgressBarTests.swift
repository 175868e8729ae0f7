import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

@Suite("osswire cp on a terminal: the progress bar")
struct ProgressBarTests {
    /// Runs osswire with standard error on a pseudo-terminal of `columns` columns; returns what the
    /// terminal received, what went to standard output, and the exit status.
    static func onTerminal(_ arguments: [String], _ environment: [String: String], columns: UInt16) async throws
        -> (terminal: String, stdout: String, status: Int32)
    {
        // posix_openpt, unlockpt and ptsname by hand (Swift's Glibc module leaves them out):
        // TIOCSPTLCK unlocks the slave, TIOCGPTN gives its number (Linux <asm-generic/ioctls.h>).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0, "no pseudo-terminal")
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(ioctl(master, UInt(0x4004_5431), &unlock) == 0 && ioctl(master, UInt(0x8004_5430), &number) == 0)
        let name = "/dev/pts/\(number)"
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        #expect(ioctl(master, UInt(TIOCSWINSZ), &size) == 0)
        let slave = open(name, O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        // Spawned and reaped by SpawnedProcess (its exit is seen by waitpid, however many
        // descriptors this process has); standard error is the terminal.
        let process = try SpawnedProcess(
            Products.osswire.path, arguments, environment: environment.merging(Products.sanitizerEnvironment) { a, _ in a },
            errors: .descriptor(slave))
        close(slave)
        return try await Blocking.run {
            // Read the terminal until the child's side closes (EIO on Linux), then the rest.
            var terminal = Data()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                terminal.append(contentsOf: buffer[0..<n])
            }
            let r = process.finish()
            return (String(decoding: terminal, as: UTF8.self), String(decoding: r.output, as: UTF8.self), r.status)
        }
    }

    @Test("the bar fits a 60-column terminal, uses decimal units, and gives way to a summary line", arguments: [40, 60, 100])
    func barFitsTheTerminal(columns: Int) async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["bar"], maxReceiveRate: 4 << 20)) { server in
            let dir = try TemporaryDirectory()
            let path = try dir.file("big", randomData(3_000_000, seed: 31))
            let r = try await Self.onTerminal(
                ["cp", path, "oss://bar/k", "--part-size", "262144", "--checkpoint-dir", dir.path + "/cp"],
                mockEnvironment(server), columns: UInt16(columns))
            #expect(r.status == 0, "\(r.terminal)")
            let frames = r.terminal.replacingOccurrences(of: "\u{1b}[K", with: "").split(separator: "\r").map(String.init)
                .filter { !$0.isEmpty }
            #expect(!frames.isEmpty, "no bar drawn: \(r.terminal.debugDescription)")
            for frame in frames {
                #expect(frame.count < columns, "\(frame.count) characters on a \(columns)-column terminal: \(frame)")
                #expect(!frame.contains("\n"), "a frame never wraps or scrolls: \(frame.debugDescription)")
                #expect(!frame.contains("MiB"), "one unit family (MB, as http and bench): \(frame)")
            }
            #expect(frames.last?.contains("100%") == true, "\(frames.last ?? "")")
            // The summary: size, time, average rate.
            #expect(
                r.stdout.wholeMatch(of: /.* -> oss:\/\/bar\/k: 3\.0 MB in [0-9.]+ s \([0-9.]+ [kMG]?B\/s average\), crc64 \d+\n/)
                    != nil, "\(r.stdout)")
        }
    }
}
