import Foundation
import Synchronization

/// A child process started with `posix_spawn` and reaped by this object's own `waitpid`, for
/// tests that wait for a child's exit.
///
/// Foundation's `Process` on Linux learns of an exit through a socket the child holds, watched
/// by a thread that uses `select(2)`, which cannot watch a descriptor past 1023; this suite
/// holds up to 1,095 descriptors at once (sampled from `/proc` during a run on 2026-12-07), so
/// a child started at such a moment could have its exit missed and a wait on it never end.
/// Here the exit is the child's own: `waitpid` on its pid. Standard output and error go to
/// pipes (`standardOutput`, `standardError`) unless told otherwise (`Sink`); standard input is
/// /dev/null or, on request, a pipe (`standardInput`). The child starts with no signal blocked
/// and SIGPIPE and SIGXFSZ at their defaults, as from a shell, whatever the spawning thread had.
public final class SpawnedProcess: Sendable {
    /// Where the child's standard output or error goes.
    public enum Sink: Sendable {
        /// A pipe this object reads (`standardOutput`, `standardError`).
        case pipe
        /// /dev/null.
        case null
        /// Standard error only: the same pipe as standard output.
        case output
        /// A descriptor of the caller's (a terminal, a file); the caller keeps it.
        case descriptor(Int32)
    }

    public let processIdentifier: pid_t
    /// The read end of the child's standard output (`nil` unless it goes to a pipe).
    public let standardOutput: FileHandle?
    /// The read end of the child's standard error (`nil` unless it has a pipe of its own).
    public let standardError: FileHandle?
    /// The write end of the child's standard input, when asked for (close it to send EOF).
    public let standardInput: FileHandle?
    /// The wait status once reaped.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`; standard input is
    /// /dev/null, or a pipe written through `standardInput` when `withInput`.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String? = nil,
        withInput: Bool = false, output: Sink = .pipe, errors: Sink = .pipe
    ) throws {
        // Every pipe made here; the parent's ends leave this list when kept, the rest are closed.
        var ends: [Int32] = []
        defer { for fd in ends { close(fd) } }
        func makePipe() throws -> (read: Int32, write: Int32) {
            var p: [Int32] = [0, 0]
            guard pipe(&p) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            // Not inherited by other children (the child gets its ends by dup2, which clears it).
            for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            ends += p
            return (p[0], p[1])
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let inPipe = withInput ? try makePipe() : nil
        if let inPipe {
            posix_spawn_file_actions_adddup2(&actions, inPipe.read, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        var outPipe: (read: Int32, write: Int32)? = nil
        var errPipe: (read: Int32, write: Int32)? = nil
        for (fd, sink) in [(Int32(1), output), (Int32(2), errors)] {
            switch sink {
            case .pipe:
                let p = try makePipe()
                posix_spawn_file_actions_adddup2(&actions, p.write, fd)
                if fd == 1 { outPipe = p } else { errPipe = p }
            case .output where fd == 2 && outPipe != nil:
                posix_spawn_file_actions_adddup2(&actions, outPipe!.write, 2)
            case .output:
                preconditionFailure("standard error can join standard output only when that is a pipe")
            case .null:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .descriptor(let given):
                posix_spawn_file_actions_adddup2(&actions, given, fd)
            }
        }
        // No blocked signal, SIGPIPE and SIGXFSZ at their defaults (the test process ignores
        // SIGPIPE, and a disposition set to ignore survives exec).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGXFSZ)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // A working directory through the shell (posix_spawn_file_actions_addchdir_np is not
        // in Swift's Glibc module): sh changes into $0, then execs the command.
        let (path, argv0): (String, [String]) =
            if let directory {
                ("/bin/sh", ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments)
            } else {
                (executable, [executable] + arguments)
            }
        let argv = argv0.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        processIdentifier = pid
        // The parent keeps the read ends of output and error and the write end of input.
        func keep(_ fd: Int32) -> FileHandle {
            ends.removeAll { $0 == fd }
            return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
        standardOutput = outPipe.map { keep($0.read) }
        standardError = errPipe.map { keep($0.read) }
        standardInput = inPipe.map { keep($0.write) }
    }

    deinit {
        if isRunning {
            kill(processIdentifier, SIGKILL)
            waitUntilExit()
        }
    }

    /// Reaps the child if it has exited (`WNOHANG`), or waits for it (`0`).
    private func reap(_ options: Int32) -> Bool {
        status.withLock { status in
            if status != nil { return true }
            var s: Int32 = 0
            while true {
                let r = waitpid(processIdentifier, &s, options)
                if r == processIdentifier {
                    status = s
                    return true
                }
                if r < 0 && errno == EINTR { continue }
                return false
            }
        }
    }

    /// Whether the child has not exited yet (reaping it if it has).
    public var isRunning: Bool { !reap(WNOHANG) }

    /// Blocks the calling thread until the child exits.
    public func waitUntilExit() { _ = reap(0) }

    /// The exit code, or the signal's number for a child killed by a signal (as Foundation's
    /// `Process.terminationStatus`). Only after the exit.
    public var terminationStatus: Int32 {
        guard let s = status.withLock({ $0 }) else { preconditionFailure("the child is still running") }
        let signal = s & 0x7f
        return signal == 0 ? (s >> 8) & 0xff : signal
    }

    /// Blocks until the child exits: its standard output and error read to their ends together
    /// (a child that fills one pipe while the other is being read does not stall), then the exit
    /// reaped.
    /// - Returns: the exit status (as `terminationStatus`) and everything read.
    public func finish() -> (status: Int32, output: Data, error: Data) {
        let (output, error) = Self.readToEnd(standardOutput, standardError)
        waitUntilExit()
        return (terminationStatus, output, error)
    }

    /// `finish()` on a thread of its own, for async callers: no concurrency thread blocks (a
    /// mock server in the same process needs them), and a child that writes more than a pipe
    /// holds before it exits still exits, since its output is read while it runs. The event
    /// waited for is the child's: both pipes at their ends, then its exit.
    public func finished() async -> (status: Int32, output: Data, error: Data) {
        await withCheckedContinuation { continuation in
            let reader = Thread { continuation.resume(returning: self.finish()) }
            reader.name = "SpawnedProcess.finished pid \(processIdentifier)"
            reader.start()
        }
    }

    /// Reads two pipes (either may be absent) to their ends at once, with `poll(2)`.
    static func readToEnd(_ first: FileHandle?, _ second: FileHandle?) -> (Data, Data) {
        var read: [Data] = [Data(), Data()]
        var open: [Int32?] = [first?.fileDescriptor, second?.fileDescriptor]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.contains(where: { $0 != nil }) {
            var polled = open.map { pollfd(fd: $0 ?? -1, events: Int16(POLLIN), revents: 0) }
            if poll(&polled, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in 0..<2 {
                guard let fd = open[i], polled[i].revents != 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    read[i].append(contentsOf: buffer[0..<n])
                } else if n == 0 || errno != EINTR {
                    open[i] = nil  // the end (every writer closed it), or a read that cannot go on
                }
            }
        }
        return (read[0], read[1])
    }
}
