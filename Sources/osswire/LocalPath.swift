#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import OSSCore

/// `stat(2)`; a free function, since inside a type the name means the struct.
private func statFollowingLinks(_ path: String, _ st: inout Glibc.stat) -> Int32 {
    stat(path, &st)
}

/// Local file-system questions cp asks before it moves a byte, without Foundation.
enum LocalPath {
    /// What a path is.
    enum Kind: Equatable {
        case missing
        case regular
        case directory
        /// A character or block device, a FIFO, a socket: written in place, read as a stream.
        case special
    }

    static func status(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return statFollowingLinks(path, &st) == 0 ? st : nil
    }

    static func kind(_ path: String) -> Kind {
        guard let st = status(path) else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .special
        }
    }

    static func isDirectory(_ path: String) -> Bool { kind(path) == .directory }

    /// Checks that `path` is a file cp can upload, saying what is wrong otherwise.
    /// - Returns: its kind (`.regular`, or `.special` for a FIFO or device read as a stream).
    /// - Throws: `CLIError` (exit 1): it does not exist, is a directory, or cannot be read.
    static func checkSource(_ path: String) throws -> Kind {
        var st = Glibc.stat()
        if statFollowingLinks(path, &st) != 0 {
            let e = errno
            if e == ENOENT { throw CLIError("\(path) does not exist", code: "FileError") }
            throw CLIError("cannot read \(path): \(SystemError(errno: e, operation: "stat").message)", code: "FileError")
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            throw CLIError(
                "\(path) is a directory: cp copies one file (there is no recursive copy)", code: "FileError")
        }
        // open(2) answers for the permission bits, ACLs and root alike (access(2) would not).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw CLIError(
                "cannot read \(path): \(SystemError(errno: errno, operation: "open").message)", code: "FileError")
        }
        close(fd)
        return st.st_mode & S_IFMT == S_IFREG ? .regular : .special
    }

    /// Checks that a download can be written at `path` (its directory exists), the same for a
    /// single GET and a multipart download.
    /// - Throws: `CLIError` naming the missing directory.
    static func checkDestination(_ path: String) throws {
        let dir = directory(of: path)
        switch kind(dir) {
        case .directory: return
        case .missing:
            throw CLIError("cannot write \(path): the directory \(dir) does not exist", code: "FileError")
        default:
            throw CLIError("cannot write \(path): \(dir) is not a directory", code: "FileError")
        }
    }

    /// The directory part of a path (`a/b/c` -> `a/b`, `c` -> `.`, `/c` -> `/`).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last path segment (`a/b/c.txt` -> `c.txt`).
    static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }
}
