import Glibc

/// A local file, open: the one file type of OSSWire. The client's file bodies and downloads, the
/// transfer layer's parts, the mock server's stored bytes and the CLI all go through it.
///
/// A thin typed wrapper in the style of swift-system's `FileDescriptor`: positional reads and
/// writes (`pread`/`pwrite`, so any number of tasks may use one descriptor at once), `fstat`,
/// `ftruncate`, `fsync`, `close`. Every call retries `EINTR` here, once for all callers, and
/// fails with one error type, `SystemError` (the errno and the operation, path included).
///
/// Where the blocking calls run: these are blocking disk calls, made on the calling thread. The
/// library never makes them on Swift's cooperative threads: a request with a file body, a
/// download into a file, the mock server's requests when it stores bodies in files and the
/// CLI's `http` and `demo` file work run on `FileIOExecutor`'s threads. A read or write is one buffer (256 KiB
/// by default, `UploadOptions.bufferSize`); `fsync` is called only at the end of a download and
/// at checkpoints (at most twice a second, never per chunk).
///
/// The descriptor is closed exactly once: by `close()`, or by `deinit` when nobody called it.
/// Raw descriptors are not handed out except through `withUnsafeDescriptor` (for `sendfile(2)`).
///
/// `Sendable`: the descriptor number is immutable and the kernel serialises positional I/O on
/// it; only `close()` changes state, and it is guarded by a lock.
public final class FileDescriptor: Sendable {
    /// How the file is opened.
    public struct AccessMode: Sendable, Hashable {
        let flags: Int32
        public static let readOnly = AccessMode(flags: O_RDONLY)
        public static let writeOnly = AccessMode(flags: O_WRONLY)
        public static let readWrite = AccessMode(flags: O_RDWR)
    }

    /// Options for `open`.
    public struct OpenOptions: OptionSet, Sendable, Hashable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// Create the file when missing (`O_CREAT`).
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// Cut an existing file to zero bytes (`O_TRUNC`).
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// Fail when the file exists (`O_EXCL`, with `create`).
        public static let exclusive = OpenOptions(rawValue: O_EXCL)
    }

    private let fd: Int32
    /// The path the file was opened with (for errors; never re-opened by this type).
    public let path: String
    /// With a window, each write that completes one (windows aligned on multiples of it) starts
    /// writing that window to the device at once (`startWriteback`).
    public let writeBehindWindow: Int64?
    private let closed = PThreadMutex(false)

    private init(fd: Int32, path: String, writeBehindWindow: Int64? = nil) {
        self.fd = fd
        self.path = path
        self.writeBehindWindow = writeBehindWindow.map { max($0, 4096) }
    }

    deinit {
        if !closed.withLock({ $0 }) { _ = Glibc.close(fd) }
    }

    /// Opens a file (close-on-exec).
    /// - Parameters:
    ///   - permissions: the mode of a file `create` makes (before the umask).
    ///   - writeBehind: a window in bytes for a file that will be `sync()`ed once written (a
    ///     download before its rename): each window is handed to the device as soon as the writes
    ///     complete it, so the disk works while the rest arrives and the final `sync()` waits
    ///     only for the tail. Without it the dirty pages wait in memory for that `sync()`.
    /// - Throws: `SystemError` ("open PATH").
    public static func open(
        _ path: String, _ mode: AccessMode, options: OpenOptions = [], permissions: mode_t = 0o644,
        writeBehind: Int64? = nil
    ) throws(SystemError) -> FileDescriptor {
        let fd = try SystemCall.retrying("open \(path)") {
            Glibc.open(path, mode.flags | options.rawValue | O_CLOEXEC, permissions)
        }
        return FileDescriptor(fd: fd, path: path, writeBehindWindow: writeBehind)
    }

    /// Reads into `buffer` from `offset` until it is full or the file ends (short reads are
    /// continued).
    /// - Returns: the bytes read; fewer than `buffer.count` only at the end of the file.
    /// - Throws: `SystemError` ("read PATH").
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var got = 0
        while got < buffer.count {
            let n = try SystemCall.retrying("read \(path)") {
                pread(fd, base + got, buffer.count - got, off_t(offset) + off_t(got))
            }
            if n == 0 { break }
            got += n
        }
        return got
    }

    /// Writes all of `bytes` at `offset` (short writes are continued).
    /// - Throws: `SystemError` ("write PATH").
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = try SystemCall.retrying("write \(path)") {
                pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if n == 0 { throw SystemError(errno: EIO, operation: "write \(path) (no progress)") }
            done += n
        }
        if let window = writeBehindWindow {
            // The windows this write completed: from the one it started in to the one it ends in.
            // No state: concurrent writers (a download's parts) each complete their own windows.
            let first = offset / window, end = (offset + Int64(bytes.count)) / window
            if end > first { startWriteback(fd, offset: first * window, length: (end - first) * window) }
        }
    }

    /// Writes all of `bytes` at `offset`.
    /// - Throws: `SystemError` ("write PATH").
    public func write(_ bytes: [UInt8], at offset: Int64) throws(SystemError) {
        let result: Result<Void, SystemError> = bytes.withUnsafeBytes { raw in
            Result { () throws(SystemError) in try write(raw, at: offset) }
        }
        try result.get()
    }

    /// The file's status through the open descriptor (`fstat`).
    /// - Throws: `SystemError` ("stat PATH").
    public func status() throws(SystemError) -> stat {
        var st = stat()
        _ = try SystemCall.retrying("stat \(path)") { fstat(fd, &st) }
        return st
    }

    /// The file's size in bytes.
    public func size() throws(SystemError) -> Int64 {
        Int64(try status().st_size)
    }

    /// Sets the file's length (a sparse extension or a cut).
    public func truncate(to length: Int64) throws(SystemError) {
        _ = try SystemCall.retrying("truncate \(path)") { ftruncate(fd, off_t(length)) }
    }

    /// Sets the file's permission bits (`fchmod`): an existing file keeps its old mode through
    /// `create`, so a file that must be owner-only says so again.
    public func setPermissions(_ mode: mode_t) throws(SystemError) {
        _ = try SystemCall.retrying("chmod \(path)") { fchmod(fd, mode) }
    }

    /// Flushes the file's data and metadata to stable storage. Blocks for as long as the device
    /// takes: call it at the end of a transfer and at checkpoints, never per chunk.
    public func sync() throws(SystemError) {
        _ = try SystemCall.retrying("fsync \(path)") { fsync(fd) }
    }

    /// Calls `body` with the descriptor number, for a system call this type does not wrap
    /// (`sendfile(2)`). The number is valid only during the call and must not be closed.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R {
        try body(fd)
    }

    /// Closes the descriptor. Only the first call has an effect; the owner calls it once no
    /// other task uses the file (a closed number is reused by the next `open` at once).
    public func close() {
        let first = closed.withLock { c -> Bool in
            defer { c = true }
            return !c
        }
        if first { _ = Glibc.close(fd) }  // EINTR not retried: Linux releases the number anyway
    }
}

extension FileDescriptor {
    /// Renames a file atomically, replacing the target.
    /// - Throws: `SystemError` ("rename FROM to TO").
    public static func rename(_ from: String, to: String) throws(SystemError) {
        _ = try SystemCall.retrying("rename \(from) to \(to)") { Glibc.rename(from, to) }
    }

    /// Removes a file; a missing one is not an error.
    public static func remove(_ path: String) {
        _ = unlink(path)
    }
}

/// Runs system calls the one way OSSCore's file type does: errno read at once, `EINTR` retried.
enum SystemCall {
    /// Calls `body` again while it fails with `EINTR`; other failures throw `SystemError`.
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ operation: @autoclosure () -> String, _ body: () -> T) throws(SystemError)
        -> T
    {
        while true {
            let r = body()
            if r >= 0 { return r }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw SystemError(errno: e, operation: operation())
        }
    }
}
