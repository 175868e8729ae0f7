import Glibc
import OSSCore

/// A local file descriptor for positional reads and writes (`pread`/`pwrite`), shared by the
/// parts of one transfer.
///
/// Positional I/O keeps no file offset, so any number of parts may read or write at once.
/// The descriptor is closed exactly once, by `close()` or, failing that, by `deinit`.
final class TransferFile: Sendable {
    /// The descriptor; closed in `deinit`. Never handed out.
    private let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { _ = Glibc.close(fd) }

    /// Opens an existing file for reading.
    /// - Throws: `TransferError.file`.
    static func openForReading(_ path: String) throws(TransferError) -> TransferFile {
        let fd = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw TransferError.file("open \(path) for reading", errno: errno) }
        return TransferFile(fd: fd, path: path)
    }

    /// Opens a file for writing, creating it (owner read/write) when missing; never truncates.
    /// - Throws: `TransferError.file`.
    static func openForWriting(_ path: String, mode: mode_t = 0o644) throws(TransferError) -> TransferFile {
        let fd = retryingEINTR { open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw TransferError.file("open \(path) for writing", errno: errno) }
        return TransferFile(fd: fd, path: path)
    }

    /// The file's identity (size, modification time, inode) as seen through the open descriptor.
    func identity() throws(TransferError) -> FileIdentity {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TransferError.file("stat \(path)", errno: errno) }
        return FileIdentity(path: path, stat: st)
    }

    /// Reads into `buffer` from `offset` until it is full or the file ends.
    /// - Returns: the number of bytes read; less than `buffer.count` only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(TransferError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var got = 0
        while got < buffer.count {
            let n = pread(fd, base + got, buffer.count - got, off_t(offset) + off_t(got))
            if n < 0 {
                if errno == EINTR { continue }
                throw TransferError.file("read \(path)", errno: errno)
            }
            if n == 0 { break }
            got += n
        }
        return got
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(TransferError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw TransferError.file("write \(path)", errno: errno)
            }
            done += n
        }
    }

    /// Sets the file's length (a sparse extension or a cut).
    func truncate(to length: Int64) throws(TransferError) {
        guard retryingEINTR({ ftruncate(fd, off_t(length)) }) == 0 else {
            throw TransferError.file("truncate \(path)", errno: errno)
        }
    }

    /// Flushes the file's data and metadata to stable storage.
    func sync() throws(TransferError) {
        guard retryingEINTR({ fsync(fd) }) == 0 else { throw TransferError.file("fsync \(path)", errno: errno) }
    }
}

/// Calls a system call again while it fails with `EINTR`.
@inline(__always)
func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let r = call()
        if r < 0 && errno == EINTR { continue }
        return r
    }
}

/// Path helpers on plain strings (no Foundation).
enum FilePaths {
    /// The directory part of a path (`.` when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The canonical absolute path of an existing file, or the path as given when it cannot be resolved.
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether a file (of any kind) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Creates a directory and its missing parents, owner-only (0700) for the ones it creates.
    static func makeDirectories(_ path: String) throws(TransferError) {
        if path.isEmpty || exists(path) { return }
        let parent = directory(of: path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw TransferError.file("create directory \(path)", errno: errno)
        }
    }

    /// Renames atomically, replacing the target.
    static func rename(_ from: String, to: String) throws(TransferError) {
        guard Glibc.rename(from, to) == 0 else { throw TransferError.file("rename \(from) to \(to)", errno: errno) }
    }

    /// Flushes a directory's entries (after a rename into it) to stable storage.
    static func syncDirectory(_ path: String) throws(TransferError) {
        let fd = retryingEINTR { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw TransferError.file("open directory \(path)", errno: errno) }
        defer { _ = Glibc.close(fd) }
        guard retryingEINTR({ fsync(fd) }) == 0 else {
            throw TransferError.file("fsync directory \(path)", errno: errno)
        }
    }
}

extension FilePaths {
    /// A destination path made absolute through its (existing) directory, so the same target
    /// named two ways shares one checkpoint.
    static func canonicalTarget(_ path: String) -> String {
        let dir = canonical(directory(of: path))
        return dir == "/" ? "/" + lastComponent(of: path) : dir + "/" + lastComponent(of: path)
    }
}
