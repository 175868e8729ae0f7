import Glibc
import OSSCore

/// What identifies a local file's content for resuming: its path, size, modification time, and
/// device and inode numbers. A checkpoint made for one identity is not used for another.
package struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    package var path: String
    package var size: Int64
    /// Modification time, seconds and nanoseconds since 1970 (UTC).
    package var modifiedSeconds: Int64
    package var modifiedNanoseconds: Int64
    package var device: UInt64
    package var inode: UInt64

    package init(
        path: String, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64, device: UInt64, inode: UInt64
    ) {
        self.path = path
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
        self.device = device
        self.inode = inode
    }

    init(path: String, stat st: stat) {
        self.init(
            path: path, size: Int64(st.st_size), modifiedSeconds: Int64(st.st_mtim.tv_sec),
            modifiedNanoseconds: Int64(st.st_mtim.tv_nsec), device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// The identity of the file at `path` (following symbolic links).
    /// - Throws: `TransferError.file` when it cannot be examined.
    package static func of(_ path: String) throws(TransferError) -> FileIdentity {
        var st = stat()
        guard stat(path, &st) == 0 else { throw TransferError.file("stat \(path)", errno: errno) }
        return FileIdentity(path: path, stat: st)
    }

    /// How this identity differs from another, in words; `nil` when they are the same.
    package func difference(from other: FileIdentity) -> String? {
        if path != other.path { return "the path changed" }
        if size != other.size { return "its size changed from \(other.size) to \(size) bytes" }
        if modifiedSeconds != other.modifiedSeconds || modifiedNanoseconds != other.modifiedNanoseconds {
            return "its modification time changed"
        }
        if device != other.device || inode != other.inode { return "it was replaced by another file" }
        return nil
    }

    package var description: String {
        "\(path) (\(size) bytes, modified \(modifiedSeconds).\(modifiedNanoseconds), inode \(inode))"
    }
}
