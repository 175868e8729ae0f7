import Glibc

/// Raw Glibc socket helpers for the reference servers and the raw write loop. Deliberately
/// independent of OSSTransport/OSSHTTP, so a reference never shares the code it measures.
enum Sockets {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ operation: String, _ code: Int32 = errno) {
            description = "\(operation): \(String(cString: strerror(code)))"
        }
    }

    /// A listening TCP socket on 127.0.0.1 with a kernel-chosen port.
    static func listenLoopback(receiveBuffer: Int32? = nil) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer {
            // Set before listen(2) so accepted sockets inherit it (and the window it implies).
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let failure = Failure("bind/listen")
            close(fd)
            throw failure
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A blocking TCP connection to 127.0.0.1:port.
    static func connectLoopback(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let failure = Failure("connect")
            close(fd)
            throw failure
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Writes all of `bytes` with MSG_NOSIGNAL; false when the peer went away.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    static func sendAll(_ fd: Int32, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { sendAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Receives into `buffer` up to the end of a response head (the servers here send no body
    /// on a PUT); returns the head's length.
    static func readHead(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var have = 0
        var scanned = 0
        while true {
            let n = recv(fd, buffer.baseAddress! + have, buffer.count - have, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure("recv") }
            have += n
            while scanned + 4 <= have {
                if buffer[scanned] == 13 && buffer[scanned + 1] == 10 && buffer[scanned + 2] == 13 && buffer[scanned + 3] == 10 {
                    return scanned + 4
                }
                scanned += 1
            }
        }
    }

    /// Reads one HTTP response head (and ignores any body: the servers here send none).
    static func readResponseHead(_ fd: Int32) -> String? {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && head.suffix(4) == [13, 10, 13, 10]) {
            let n = recv(fd, &byte, 1, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            head.append(byte)
        }
        return String(decoding: head, as: UTF8.self)
    }
}
