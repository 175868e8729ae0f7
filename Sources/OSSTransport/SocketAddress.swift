import Glibc
internal import CLinuxShims

/// A socket address (IPv4 or IPv6) as the kernel takes it.
struct SocketAddress: Sendable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    var family: Int32 { Int32(storage.ss_family) }

    /// The address of an IP literal (v4, or v6 with or without brackets), or nil for a name.
    init?(ipLiteral host: String, port: Int) {
        var h = host
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        var s = sockaddr_storage()
        let len = coss_parse_ip(h, Int32(port), &s)
        guard len > 0 else { return nil }
        storage = s
        length = len
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    var port: Int { withSockAddr { p, _ in Int(coss_address_port(p)) } }

    /// `127.0.0.1:80` or `[::1]:80`.
    var description: String {
        withSockAddr { p, _ in
            var out = [CChar](repeating: 0, count: 80)
            coss_format_address(p, &out, out.count)
            return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
