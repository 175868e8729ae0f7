import Glibc
import OSSCore

/// Blocking helpers for `osswire bench`: threads outside Swift's cooperative pool, child processes
/// through posix_spawn, and temporary files, all without Foundation.
enum BenchSystem {
    private final class ThreadBody: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs blocking work (waitpid, a blocking socket loop) on a new OS thread, so the
    /// cooperative pool (two threads here) stays free for the in-process servers.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let work = ThreadBody { continuation.resume(returning: body()) }
            let box = Unmanaged.passRetained(work).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(
                &tid, nil,
                { arg in
                    Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue().run()
                    return nil
                }, box)
            if rc == 0 {
                pthread_detach(tid)
            } else {
                // No thread: run here rather than never.
                Unmanaged<ThreadBody>.fromOpaque(box).release()
                work.run()
            }
        }
    }

    /// The path of an executable found on PATH, or nil.
    static func which(_ name: String) -> String? {
        let path = Env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// A finished child process: its exit status (128 + signal when killed) and what it wrote to
    /// standard output and standard error.
    struct ProcessResult: Sendable {
        let status: Int32
        let output: String
    }

    /// Runs `path` with `arguments` to completion. Blocks: call it through `onThread`.
    ///
    /// The child gets an empty signal mask and default SIGPIPE (a thread's blocked signals and
    /// ignored SIGPIPE would otherwise be inherited), /dev/null as input, and one pipe for its
    /// output and errors.
    /// - Throws: `SystemError` when the process cannot be started.
    static func run(_ path: String, _ arguments: [String]) throws(SystemError) -> ProcessResult {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemError.current("pipe") }
        // Close-on-exec, so only the child's dup2 copies stay open in it.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        _ = close(fds[1])
        guard rc == 0 else {
            _ = close(fds[0])
            throw SystemError(errno: rc, operation: "posix_spawn \(path)")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if output.count < 1 << 20 { output.append(contentsOf: buffer[0..<n]) }
        }
        _ = close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw SystemError.current("waitpid") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return ProcessResult(status: code, output: String(decoding: output, as: UTF8.self))
    }

    /// A new private directory under $TMPDIR (or /tmp).
    static func makeTemporaryDirectory() throws(SystemError) -> String {
        let base = Env.get("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/osswire-bench-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard made else { throw SystemError.current("mkdtemp in \(base)") }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Removes the files a bench run made, then its directory.
    static func removeDirectory(_ directory: String, files: [String]) {
        for f in files { _ = unlink("\(directory)/\(f)") }
        _ = rmdir(directory)
    }

    /// Writes `size` bytes to `path`: `pattern` repeated.
    static func writeFile(_ path: String, size: Int, pattern: [UInt8]) throws(SystemError) {
        let file = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        defer { file.close() }
        var written = 0
        while written < size {
            let at = written % pattern.count
            let want = min(size - written, pattern.count - at)
            let result = pattern.withUnsafeBytes { bytes in
                Result { () throws(SystemError) in
                    try file.write(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + want)]), at: Int64(written))
                }
            }
            try result.get()
            written += want
        }
    }

    /// Writes a small text file.
    static func writeText(_ path: String, _ text: String) throws(SystemError) {
        let bytes = Array(text.utf8)
        try writeFile(path, size: bytes.count, pattern: bytes.isEmpty ? [0] : bytes)
    }
}
