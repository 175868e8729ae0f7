import Glibc

/// An error from a system call: the errno value and the operation that failed.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errno value.
    public let errno: Int32
    /// The operation that failed, for example `connect` or `read`.
    public let operation: String

    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// The error for the current `errno` of this thread.
    public static func current(_ operation: String) -> SystemError {
        SystemError(errno: Glibc.errno, operation: operation)
    }

    /// The C library's text for the errno value (`strerror`).
    public var message: String {
        String(cString: strerror(errno))
    }

    public var description: String {
        "\(operation) failed: \(message) (errno \(errno))"
    }
}
