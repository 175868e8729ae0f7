import Glibc
import OSSCore
import OSSSigner
import OSSTransport

/// The small-PUT pattern in Swift with no client stack: what Swift itself, OSSSigner's V4
/// signature and OSSCore's CRC64 cost for OSS's work, so that the rest of a PutObject's time is
/// known to be the stack's (pool, cancellation, metrics, retries, parsing into types).
///
/// Each PUT, on one blocking kept-alive connection: a V4 signature (`SignerV4.sign`), the head
/// built as one string, the body's CRC64, head and body in one `send(2)`, `recv(2)` up to the
/// blank line, and the answer's status and `x-oss-hash-crc64ecma` checked on its bytes. The same
/// work as `refclient smallv4`, written as plain Swift.
enum BareSwiftPuts {
    /// Seconds for `count` PUTs to the refserver on `port`, on a blocking socket.
    static func run(port: Int, count: Int) throws -> Double {
        let fd = try Sockets.connectLoopback(port: UInt16(port))
        defer { close(fd) }
        let work = Work(port: port)
        let answer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        defer { answer.deallocate() }
        return try Stats.time {
            for i in 0..<count {
                let (wire, crc) = try work.request(i)
                guard wire.withUnsafeBytes({ Sockets.sendAll(fd, $0) }) else { throw Sockets.Failure("send") }
                try work.check(UnsafeRawBufferPointer(rebasing: answer[0..<(try Sockets.readHead(fd, into: answer))]), crc: crc)
            }
        }
    }

    /// The same PUTs through OSSTransport's `TCPStream` (non-blocking socket, async read and
    /// write, the reactor when a call would block) instead of blocking calls: what the async
    /// transport adds, with no HTTP client above it.
    static func runOnTCPStream(port: Int, count: Int) async throws -> Double {
        let stream = try await SocketConnector().connectTCP(host: "127.0.0.1", port: port)
        defer { stream.close() }
        let work = Work(port: port)
        let answer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        defer { answer.deallocate() }
        return try await Stats.time {
            for i in 0..<count {
                let (wire, crc) = try work.request(i)
                try await stream.write(wire)
                var have = 0
                var end: Int? = nil
                while end == nil {
                    let n = try await stream.read(into: UnsafeMutableRawBufferPointer(rebasing: answer[have...]))
                    guard n > 0 else { throw Sockets.Failure("the server closed the connection") }
                    have += n
                    end = headEnd(UnsafeRawBufferPointer(rebasing: answer[0..<have]))
                }
                try work.check(UnsafeRawBufferPointer(rebasing: answer[0..<end!]), crc: crc)
            }
        }
    }

    /// One PUT's work on each side of the socket.
    struct Work {
        let port: Int
        let signer = SignerV4(region: "cn-hangzhou")
        let credentials = OSSCredentials(accessKeyId: "LTAIbenchmark", accessKeySecret: "bench-secret-not-real")
        let body = [UInt8](repeating: 0x61, count: 4096)

        /// PUT number `i`: signed, its head built as one string, the body after it; and the
        /// body's CRC64.
        func request(_ i: Int) throws -> (wire: [UInt8], crc: UInt64) {
            let key = "small-\(i)"
            let time = UTCTime.now()
            let signing = SigningRequest(
                method: "PUT", bucket: "bench", key: key,
                headers: [("User-Agent", "osswire/0.1"), ("Date", time.rfc1123), ("Content-Length", "4096")])
            var head = "PUT /bench/\(key) HTTP/1.1\r\nUser-Agent: osswire/0.1\r\n"
            for (name, value) in try signer.sign(signing, credentials: credentials, time: time) {
                head += name + ": " + value + "\r\n"
            }
            head += "Host: 127.0.0.1:\(port)\r\nContent-Length: 4096\r\n\r\n"
            var wire = Array(head.utf8)
            wire.append(contentsOf: body)
            return (wire, CRC64.checksum(body))
        }

        /// The answer's status and CRC64, read off its head's bytes.
        func check(_ head: UnsafeRawBufferPointer, crc: UInt64) throws {
            guard head.starts(with: "HTTP/1.1 200 ".utf8) else { throw Sockets.Failure("status") }
            guard BareSwiftPuts.crc64Header(head) == crc else { throw Sockets.Failure("CRC64") }
        }
    }

    /// The length of the response head in `bytes` (through its blank line), or nil.
    static func headEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        while i + 4 <= bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }

    /// The value of `x-oss-hash-crc64ecma` (name in any case), or nil.
    static func crc64Header(_ head: UnsafeRawBufferPointer) -> UInt64? {
        let name = Array("\r\nx-oss-hash-crc64ecma:".utf8)
        var i = 0
        while i + name.count <= head.count {
            var match = true
            for k in 0..<name.count {
                let b = head[i + k]
                if (b >= 65 && b <= 90 ? b | 0x20 : b) != name[k] {
                    match = false
                    break
                }
            }
            if match {
                var k = i + name.count
                while k < head.count, head[k] == 32 { k += 1 }
                var value: UInt64 = 0
                while k < head.count, head[k] >= 48, head[k] <= 57 {
                    value = value &* 10 &+ UInt64(head[k] - 48)
                    k += 1
                }
                return value
            }
            i += 1
        }
        return nil
    }
}
