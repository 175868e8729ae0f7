import Glibc
import OSSCore

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

    /// The canonical absolute path of an existing file; when it cannot be resolved, the path made
    /// absolute against the working directory (never a relative path: checkpoints record these).
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return absolute(path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` made absolute against the working directory, without resolving anything.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        let base = String(cString: cwd)
        if path.isEmpty || path == "." { return base }
        return base == "/" ? "/" + path : base + "/" + path
    }

    /// Whether a path is absolute.
    static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }

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
        do { try FileDescriptor.rename(from, to: to) } catch { throw TransferError.file(error) }
    }

    /// Flushes a directory's entries (after a rename into it) to stable storage.
    static func syncDirectory(_ path: String) throws(TransferError) {
        do {
            let directory = try FileDescriptor.open(path, .readOnly)
            defer { directory.close() }
            try directory.sync()
        } catch {
            throw TransferError.file(error)
        }
    }
}

extension FilePaths {
    /// A destination path made absolute through its directory (resolved when it exists, else
    /// made absolute against the working directory), so the same target named two ways, or from
    /// two working directories, shares one checkpoint.
    static func canonicalTarget(_ path: String) -> String {
        let dir = canonical(directory(of: path))
        return dir == "/" ? "/" + lastComponent(of: path) : dir + "/" + lastComponent(of: path)
    }
}
