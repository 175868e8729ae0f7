#if canImport(Glibc)
import Glibc
#endif
import OSSCore
import OSSCrypto
import OSSTransport
import Testing

@testable import OSSMockServer

/// A raw HTTP/1.1 client over one TCP connection: writes bytes, reads responses.
final class RawClient {
    let stream: TCPStream
    private var pending: [UInt8] = []

    init(_ server: MockOSSServer) async throws {
        stream = try await SocketConnector().connectTCP(host: "127.0.0.1", port: server.endpoint.port)
    }

    deinit { stream.close() }

    func send(_ text: String, body: [UInt8] = []) async throws {
        try await stream.write(Array(text.utf8) + body)
    }

    static func request(_ method: String, _ target: String, body: [UInt8] = [], extra: String = "") -> String {
        "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n\(extra)\r\n"
    }

    private func more() async throws -> Bool {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buf.deallocate() }
        let n = try await stream.read(into: buf)
        pending += buf[0..<n]
        return n > 0
    }

    /// Reads one response (status, headers, body by Content-Length); `nil` at end of stream.
    func response(head isHead: Bool = false) async throws -> (status: Int, headers: [String: String], body: [UInt8])? {
        while true {
            if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                pending.removeSubrange(..<end.upperBound)
                var lines = head.split(separator: "\r\n").map(String.init)
                let statusLine = lines.removeFirst()
                let status = Int(statusLine.split(separator: " ")[1])!
                var headers: [String: String] = [:]
                for l in lines {
                    let c = l.firstIndex(of: ":")!
                    headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingSpaces
                }
                if status == 100 { continue }
                let length = isHead ? 0 : Int(headers["content-length"] ?? "0")!
                while pending.count < length {
                    guard try await more() else { return (status, headers, pending) }
                }
                let body = Array(pending[..<length])
                pending.removeSubrange(..<length)
                return (status, headers, body)
            }
            guard try await more() else { return nil }
        }
    }
}

func anonymousConfiguration(_ buckets: [String] = ["bkt"]) -> MockServerConfiguration {
    var c = MockServerConfiguration()
    c.allowAnonymous = true
    c.buckets = buckets
    return c
}

@Suite struct MockServerSocketTests {
    @Test func keepAliveAndPipelinedRequestsAreAnsweredInOrder() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            let data = bytes(70_000)
            // Three requests in one write: PUT, GET, HEAD.
            try await c.send(
                RawClient.request("PUT", "/bkt/p", body: data),
                body: data + Array((RawClient.request("GET", "/bkt/p") + RawClient.request("HEAD", "/bkt/p")).utf8))
            let put = try #require(try await c.response())
            #expect(put.status == 200)
            let get = try #require(try await c.response())
            #expect(get.status == 200 && get.body == data)
            let head = try #require(try await c.response(head: true))
            #expect(head.status == 200 && head.headers["content-length"] == "70000")
            #expect(server.service.requestLog.map(\.operation) == ["PutObject", "GetObject", "HeadObject"])
        }
    }

    @Test func servesManyConnectionsAtOnce() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<16 {
                    group.addTask {
                        let c = try await RawClient(server)
                        let data = bytes(10_000 + i, seed: UInt8(i))
                        try await c.send(RawClient.request("PUT", "/bkt/k\(i)", body: data), body: data)
                        #expect(try await c.response()?.status == 200)
                        try await c.send(RawClient.request("GET", "/bkt/k\(i)"))
                        #expect(try await c.response()?.body == data)
                    }
                }
                try await group.waitForAll()
            }
            #expect(server.service.objectKeys(bucket: "bkt").count == 16)
        }
    }

    @Test func chunkedBodiesAndExpectContinue() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            try await c.send(
                "PUT /bkt/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
                    + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
            #expect(try await c.response()?.status == 200)
            #expect(await server.service.objectBytes(bucket: "bkt", key: "c") == Array("hello world".utf8))
        }
    }

    @Test func aClientThatGoesAwayMidBodyStoresNothing() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            do {
                let c = try await RawClient(server)
                try await c.send(RawClient.request("PUT", "/bkt/cut", body: bytes(100_000)), body: bytes(30_000))
            }
            // The next request on another connection runs after the server noticed the close.
            let c2 = try await RawClient(server)
            for _ in 0..<200 {
                if server.service.requestLog.contains(where: { $0.key == "cut" }) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let entry = try #require(server.service.requestLog.first { $0.key == "cut" })
            #expect(entry.clientClosedMidBody && !entry.bodyCompleted && entry.status == 0)
            try await c2.send(RawClient.request("GET", "/bkt/cut"))
            #expect(try await c2.response()?.status == 404)
        }
    }

    @Test func aStalledServerHoldsTheUploadUntilReleased() async throws {
        var config = anonymousConfiguration()
        config.faults.stallAfterBodyBytes = 100_000
        try await withMockServer(configuration: config) { server in
            let data = bytes(8 << 20)
            let upload = Task {
                let c = try await RawClient(server)
                try await c.send(RawClient.request("PUT", "/bkt/stalled", body: data), body: data)
                return try await c.response()?.status
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
            server.service.updateFaults { $0.stallAfterBodyBytes = nil }
            #expect(try await upload.value == 200)
            #expect(await server.service.objectBytes(bucket: "bkt", key: "stalled") == data)
        }
    }

    @Test func resetAfterBytesFailsTheUploadAndStoresNothing() async throws {
        var config = anonymousConfiguration()
        config.faults.resetAfterBodyBytes = 50_000
        try await withMockServer(configuration: config) { server in
            let data = bytes(4 << 20)
            let c = try await RawClient(server)
            var failed = false
            do {
                try await c.send(RawClient.request("PUT", "/bkt/reset", body: data), body: data)
                failed = try await c.response() == nil
            } catch {
                failed = true
            }
            #expect(failed)
            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
        }
    }

    @Test func closeAfterHeadersSendsNoBody() async throws {
        var config = anonymousConfiguration()
        try await withMockServer(configuration: config) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("PUT", "/bkt/h", body: bytes(1000)), body: bytes(1000))
            #expect(try await c.response()?.status == 200)
            server.service.updateFaults { $0.closeAfterHeaders = true }
            try await c.send(RawClient.request("GET", "/bkt/h"))
            let r = try await c.response()
            #expect(r?.status == 200 && r?.body.isEmpty == true)
        }
        config.faults.connectionClose = true
        try await withMockServer(configuration: config) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("GET", "/bkt/none"))
            let r = try await c.response()
            #expect(r?.headers["connection"] == "close")
            #expect(try await c.response() == nil)
        }
    }

    @Test func stopClosesIdleKeepAliveConnections() async throws {
        let server = try MockOSSServer(configuration: anonymousConfiguration())
        let c = try await RawClient(server)
        try await c.send(RawClient.request("GET", "/bkt/x"))
        #expect(try await c.response()?.status == 404)
        await server.stop()
        #expect(server.openConnections == 0)
        #expect((try? await c.response()) == nil)
    }

    @Test func adminEndpointSetsFaultsAndShowsTheLog() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("PUT", "/_mock/faults?fail=GetObject:1:500:InternalError&wrong-crc64=1"))
            let set = try #require(try await c.response())
            #expect(set.status == 200 && String(decoding: set.body, as: UTF8.self).contains("wrong-crc64"))
            #expect(server.service.faults.wrongCRC64)
            try await c.send(RawClient.request("GET", "/bkt/x"))
            #expect(try await c.response()?.status == 500)
            try await c.send(RawClient.request("GET", "/_mock/log"))
            let log = String(decoding: try #require(try await c.response()).body, as: UTF8.self)
            #expect(log.contains("\"error_code\":\"InternalError\""))
            try await c.send(RawClient.request("PUT", "/_mock/faults?bogus=1"))
            #expect(try await c.response()?.status == 400)
        }
    }
}


@Suite struct MockServerStorageTests {
    @Test func aDataDirectoryHoldsLargeUploadsInFiles() async throws {
        let dir = "/tmp/osswire-mock-dd-\(Hex.encode(secureRandomBytes(6)))"
        var config = anonymousConfiguration()
        config.dataDirectory = dir
        try await withMockServer(configuration: config) { server in
            let data = bytes(3 << 20)
            let c2 = try await RawClient(server)
            try await c2.send("PUT /big HTTP/1.1\r\nHost: bkt.localhost\r\nContent-Length: \(data.count)\r\n\r\n", body: data)
            #expect(try await c2.response()?.status == 200)
            #expect(listDirectory(dir).count == 1)
            try await c2.send("GET /bkt/big HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=1048576-\r\n\r\n")
            let r = try await c2.response()
            #expect(r?.status == 206 && r?.body == Array(data[(1 << 20)...]))
            server.service.removeAll()
        }
        #expect(listDirectory(dir).isEmpty)
        rmdir(dir)
    }
}

@Suite struct MockServerMalformedRequestTests {
    @Test func aMalformedRequestIsAnswered400AndClosed() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            try await c.send("GARBAGE\r\n\r\n")
            let r = try await c.response()
            #expect(r?.status == 400)
            #expect(try await c.response() == nil)
            #expect(server.service.requestLog.isEmpty)
        }
    }
}
