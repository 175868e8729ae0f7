import Glibc
import OSSCore
import OSSSigner

/// The small-PUT pattern in Swift with no client stack: what Swift itself, OSSSigner's V4
/// signature and OSSCore's CRC64 cost for OSS's work, so that the rest of a PutObject's time is
/// known to be the stack's (pool, cancellation, metrics, retries, parsing into types).
///
/// Each PUT, on one blocking kept-alive connection: a V4 signature (`SignerV4.sign`), the head
/// built as one string, the body's CRC64, head and body in one `send(2)`, `recv(2)` up to the
/// blank line, and the answer's status and `x-oss-hash-crc64ecma` checked on its bytes. The same
/// work as `refclient smallv4`, written as plain Swift.
enum BareSwiftPuts {
    /// Seconds for `count` PUTs to the refserver on `port`.
    static func run(port: Int, count: Int) throws -> Double {
        let fd = try Sockets.connectLoopback(port: UInt16(port))
        defer { close(fd) }
        let signer = SignerV4(region: "cn-hangzhou")
        let credentials = OSSCredentials(accessKeyId: "LTAIbenchmark", accessKeySecret: "bench-secret-not-real")
        let body = [UInt8](repeating: 0x61, count: 4096)
        let answer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        defer { answer.deallocate() }
        return try Stats.time {
            for i in 0..<count {
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
                let crc = CRC64.checksum(body)
                var wire = Array(head.utf8)
                wire.append(contentsOf: body)
                guard wire.withUnsafeBytes({ Sockets.sendAll(fd, $0) }) else { throw Sockets.Failure("send") }
                let end = try Sockets.readHead(fd, into: answer)
                let head200 = UnsafeRawBufferPointer(rebasing: answer[0..<end])
                guard head200.starts(with: "HTTP/1.1 200 ".utf8) else { throw Sockets.Failure("status") }
                guard crc64Header(head200) == crc else { throw Sockets.Failure("CRC64") }
            }
        }
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
