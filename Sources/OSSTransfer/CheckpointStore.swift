import Glibc
import OSSCore

/// A directory of checkpoint files, one per (source, destination), written atomically.
///
/// A write goes to a temporary file in the same directory (mode 0600), is flushed with
/// `fsync`, renamed over the checkpoint, and the directory is flushed: a crash at any instant
/// leaves either the old checkpoint or the new one, never a mix.
public struct CheckpointStore: Sendable {
    /// The directory holding the checkpoints.
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// The default directory: `$OSSWIRE_CHECKPOINT_DIR`, else `$XDG_STATE_HOME/osswire/checkpoints`,
    /// else `$HOME/.local/state/osswire/checkpoints`, else `/tmp/osswire-checkpoints-UID`.
    public static var defaultDirectory: String {
        if let d = environment("OSSWIRE_CHECKPOINT_DIR"), !d.isEmpty { return d }
        if let d = environment("XDG_STATE_HOME"), !d.isEmpty { return d + "/osswire/checkpoints" }
        if let h = environment("HOME"), !h.isEmpty { return h + "/.local/state/osswire/checkpoints" }
        return "/tmp/osswire-checkpoints-\(getuid())"
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The checkpoint path for uploading `source` to `bucket`/`key`.
    package func uploadPath(source: String, bucket: String, key: String) -> String {
        path(kind: "upload", name: FilePaths.lastComponent(of: source), identity: "\(source)\n\(bucket)\n\(key)")
    }

    /// The checkpoint path for downloading `bucket`/`key` to `destination`.
    package func downloadPath(bucket: String, key: String, destination: String) -> String {
        path(kind: "download", name: FilePaths.lastComponent(of: key), identity: "\(bucket)\n\(key)\n\(destination)")
    }

    private func path(kind: String, name: String, identity: String) -> String {
        // A readable hint plus a hash of the full identity; the file records the identity itself,
        // so a hash collision is detected when it is loaded.
        let hint = String(
            name.unicodeScalars.prefix(40).map { s -> Character in
                s.isASCII && (s.properties.isAlphabetic || s.properties.numericType != nil || s == "." || s == "-")
                    ? Character(s) : "_"
            })
        let hash = Hex.encode(CRC64.checksum(Array(identity.utf8)).bigEndianBytes)
        return "\(directory)/\(kind)-\(hint)-\(hash).checkpoint"
    }

    /// Reads a checkpoint file.
    /// - Returns: its bytes, or `nil` when there is none.
    /// - Throws: `TransferError.checkpoint` when it exists but cannot be read.
    package func load(_ path: String) throws(TransferError) -> [UInt8]? {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(path, .readOnly)
        } catch {
            if error.errno == ENOENT { return nil }
            throw TransferError.checkpoint("cannot open \(path): \(error.message)")
        }
        defer { file.close() }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let read: Result<Int, SystemError> = chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemError) in try file.read(into: buffer, at: Int64(out.count)) }
            }
            let n: Int
            switch read {
            case .success(let count): n = count
            case .failure(let error): throw TransferError.checkpoint("cannot read \(path): \(error.message)")
            }
            out.append(contentsOf: chunk[0..<n])
            if n < chunk.count { break }
            if out.count > 64 << 20 { throw TransferError.checkpoint("\(path) is too large to be a checkpoint") }
        }
        return out
    }

    /// Writes a checkpoint atomically (temporary file, fsync, rename, fsync of the directory).
    /// - Throws: `TransferError.file`.
    package func save(_ bytes: [UInt8], to path: String) throws(TransferError) {
        try FilePaths.makeDirectories(directory)
        let temp = "\(path).tmp-\(getpid())"
        do {
            let file = try FileDescriptor.open(temp, .writeOnly, options: [.create, .truncate], permissions: 0o600)
            defer { file.close() }
            // An existing temporary file keeps its old mode through O_CREAT: force owner-only.
            try file.setPermissions(0o600)
            try file.write(bytes, at: 0)
            try file.sync()
        } catch {
            FilePaths.remove(temp)
            throw TransferError.file(error)
        }
        do {
            try FilePaths.rename(temp, to: path)
        } catch {
            FilePaths.remove(temp)
            throw error
        }
        try FilePaths.syncDirectory(FilePaths.directory(of: path))
    }

    /// Removes a checkpoint (a missing one is fine) and the temporary files of writes to it that
    /// a killed process left (`PATH.tmp-PID` of a process that no longer runs), then flushes the
    /// directory.
    package func remove(_ path: String) {
        FilePaths.remove(path)
        for stale in CheckpointStore.abandonedTemporaries(of: path) { FilePaths.remove(stale) }
        try? FilePaths.syncDirectory(FilePaths.directory(of: path))
    }

    /// `PATH.tmp-PID` files next to `path` whose process is gone (a SIGKILL between the write
    /// and the rename leaves one). A live process's file is left alone: it may be mid-write.
    static func abandonedTemporaries(of path: String) -> [String] {
        let directory = FilePaths.directory(of: path)
        let prefix = FilePaths.lastComponent(of: path) + ".tmp-"
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var found: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix), let pid = pid_t(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) { found.append(directory + "/" + name) }
        }
        return found
    }
}
