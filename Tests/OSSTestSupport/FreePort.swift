import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Free TCP ports on the loopback interface, held while in use (`RefusingPort`, `ReservedPort`):
/// a port found free and released before its server binds it can be given to another test's
/// server meanwhile.
public enum FreePort {
    /// A TCP socket bound to a free port of 127.0.0.1, and the port.
    /// - Parameter reusePort: sets `SO_REUSEPORT` first, so a server that sets it too (nginx's
    ///   `listen ... reuseport`) can bind the port while this socket holds it.
    static func bindLoopback(reusePort: Bool = false) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        if reusePort {
            var one: Int32 = 1
            guard setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                let code = errno
                close(fd)
                throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EINVAL)
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` now.
    public static func isAccepting(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return rc == 0
    }

    /// Whether IPv6 loopback (::1) can be bound here.
    public static var ipv6LoopbackAvailable: Bool {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in6()
        addr.sin6_family = sa_family_t(AF_INET6)
        addr.sin6_addr = in6addr_loopback
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        return rc == 0
    }
}

/// A loopback port that refuses every connection for as long as this value lives: bound, never
/// listening, so no other test's server can be given it meanwhile (a port found free and
/// released can be, and then a "refused" connect is answered). Keep it alive past the last
/// connect (`defer { withExtendedLifetime(port) {} }`).
public final class RefusingPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws { (fd, port) = try FreePort.bindLoopback() }
    deinit { close(fd) }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }
}

/// A loopback port held for a server that binds it with `SO_REUSEPORT` (nginx, `listen ...
/// reuseport`): bound here with that option and never listening, so between finding the port and
/// the server binding it no other test's listener can be given it (a port found free and
/// released can be: nginx then failed to start, and an `isAccepting` check saw the other
/// test's server). Connections go only to the server's listening socket. Keep it alive until the
/// server listens (`withExtendedLifetime`); the kernel never hands a held port to a `bind` of
/// port 0 or to a `connect`.
public final class ReservedPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws { (fd, port) = try FreePort.bindLoopback(reusePort: true) }
    deinit { close(fd) }
}
