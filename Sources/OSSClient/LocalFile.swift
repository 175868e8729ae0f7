import Glibc
import OSSCore

/// A local file read with `pread` or written sequentially, for file bodies and downloads.
///
/// One owner uses it at a time; the descriptor is closed exactly once, by `close()` or deinit.
final class LocalFile {
    private var fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws -> LocalFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError("open \(path) for reading", errno) }
        return LocalFile(fd: fd, path: path)
    }

    /// Creates (or truncates) a file for writing, mode 0644.
    static func create(_ path: String) throws -> LocalFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fileError("create \(path)", errno) }
        return LocalFile(fd: fd, path: path)
    }

    /// The file's size in bytes.
    func size() throws -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LocalFile.fileError("stat \(path)", errno) }
        return Int64(st.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: Int32 = 0
        let buffer = [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            var got = 0
            while got < count {
                let n = pread(fd, buf.baseAddress! + got, count - got, off_t(offset) + off_t(got))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                got += n
            }
            initialized = got
        }
        if failure != 0 { throw LocalFile.fileError("read \(path)", failure) }
        return buffer
    }

    /// Writes all bytes at the current position.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw LocalFile.fileError("write \(path)", errno)
            }
            off += n
        }
    }

    /// Closes the descriptor (idempotent).
    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// Renames a file (atomically replacing the target).
    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw fileError("rename \(from) to \(to)", errno) }
    }

    /// Removes a file, ignoring a missing one.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    static func fileError(_ what: String, _ code: Int32) -> OSSClientError {
        let e = SystemError(errno: code, operation: what)
        return OSSClientError(.file, e.description, underlying: e)
    }
}
