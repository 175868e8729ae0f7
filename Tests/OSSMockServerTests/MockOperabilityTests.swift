import Foundation
import OSSCore
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSMockServer

extension RawClient {
    /// Everything the server sends until it closes the connection.
    func readToEnd() async throws -> [UInt8] {
        var out: [UInt8] = []
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = try await stream.read(into: buf)
            if n == 0 { return out }
            out += buf[0..<n]
        }
    }
}

/// The mock as a server one operates: what it does with a client speaking the wrong protocol,
/// what its log and admin endpoint show, how it slows downloads down.
@Suite struct MockOperabilityTests {
    /// A TLS ClientHello sent to the plain-HTTP port (a client given https:// for an http://
    /// server) is answered 400 in clear and the connection closed, as a web server does, so the
    /// client fails at once instead of waiting for a ServerHello that never comes.
    @Test func aTLSClientHelloOnThePlainPortIsAnswered400AndClosed() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            c.stream.idleTimeout = .seconds(120)  // hang guard only: the answer comes at once
            // A TLS 1.2 record header (handshake, version 3.1, length 512) and a ClientHello start.
            var hello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]
            var random = SplitMix64(state: 15)
            hello += random.bytes(505).map { $0 == 0x0D || $0 == 0x0A ? 0x20 : $0 }
            try await c.stream.write(hello)
            let answer = String(decoding: try await c.readToEnd(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(answer.contains("Connection: close") && answer.contains("<Code>BadRequest</Code>"))
            #expect(answer.contains("TLS handshake"))
            // The server goes on serving.
            let next = try await RawClient(server)
            try await next.send(RawClient.request("GET", "/bkt"))
            #expect(try await next.response()?.status == 200)
        }
    }

    /// curl given https:// for the mock's plain port fails at once with a TLS error (exit 35),
    /// instead of hanging on the handshake.
    @Test func curlSpeakingTLSToThePlainPortFailsAtOnce() async throws {
        let curl = try #require(Shell.which("curl"), "curl is installed by .ci/run")
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let url = "https://127.0.0.1:\(server.endpoint.port)/bkt"
            let status = try await Blocking.run { () -> Int32 in
                do {
                    // --max-time: a hang guard only.
                    try Shell.run(curl, ["-sS", "-k", "--max-time", "120", url])
                    return 0
                } catch let f as Shell.Failure {
                    return f.status
                }
            }
            #expect(status == 35, "curl exit \(status) (35: SSL connect error; 28: timed out)")
        }
    }

    /// A request OSSHTTP cannot parse gets an OSS-shaped XML 400 and the connection closes.
    @Test func anUnparsableRequestIsAnOSSShaped400() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            c.stream.idleTimeout = .seconds(120)
            try await c.send("GET /bkt HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n")
            let answer = String(decoding: try await c.readToEnd(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 400 "))
            #expect(answer.contains("Content-Type: application/xml") && answer.contains("<Code>BadRequest</Code>"))
            #expect(answer.contains("<RequestId>") && answer.contains("<EC>"))
        }
    }

    /// The request log shows each request's query string, with signatures and STS tokens redacted.
    @Test func theRequestLogShowsTheQueryString() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("GET", "/bkt?list-type=2&prefix=a%2Fb&max-keys=5"))
            #expect(try await c.response()?.status == 200)
            try await c.send(
                RawClient.request(
                    "GET", "/bkt/none?OSSAccessKeyId=ak&Expires=1&Signature=c2VjcmV0&security-token=STS-TOKEN"))
            _ = try await c.response()
            let log = server.service.requestLog
            #expect(log[0].query == "list-type=2&prefix=a%2Fb&max-keys=5")
            #expect(log[0].description.contains("?list-type=2&prefix=a%2Fb&max-keys=5"))
            #expect(log[1].query == "OSSAccessKeyId=ak&Expires=1&Signature=REDACTED&security-token=REDACTED")
            try await c.send(RawClient.request("GET", "/_mock/log"))
            let json = String(decoding: try #require(try await c.response()).body, as: UTF8.self)
            #expect(json.contains("\"query\":\"list-type=2&prefix=a%2Fb&max-keys=5\""))
            #expect(!json.contains("STS-TOKEN") && !json.contains("c2VjcmV0"))
        }
    }

    /// `DELETE /_mock/faults` goes back to the faults the server started with (the command
    /// line's), not to none.
    @Test func clearingTheFaultsKeepsTheStartUpFaults() async throws {
        var config = anonymousConfiguration()
        config.faults.connectionClose = true
        config.faults.maxReceiveRate = 1_000_000
        try await withMockServer(configuration: config) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("PUT", "/_mock/faults?wrong-crc64=1"))
            #expect(try await c.response()?.status == 200)
            #expect(server.service.faults.wrongCRC64 && !server.service.faults.connectionClose)
            try await c.send(RawClient.request("DELETE", "/_mock/faults"))
            #expect(try await c.response()?.status == 204)
            #expect(server.service.faults == config.faults)
            try await c.send(RawClient.request("GET", "/_mock/faults"))
            let json = String(decoding: try #require(try await c.response()).body, as: UTF8.self)
            #expect(json.contains("\"connection-close\":true") && json.contains("\"max-recv-rate\":1000000"))
        }
    }

    /// The max-send-rate fault paces response bodies: a 10 MB GET at 20,000 bytes a second
    /// takes over eight minutes, so after 40,000 body bytes most of it is still to come (under
    /// load it only comes later); without the fault the same GET arrives whole.
    @Test func maxSendRateThrottlesDownloads() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let data = bytes(10_000_000)
            let c = try await RawClient(server)
            try await c.send(RawClient.request("PUT", "/bkt/big", body: data), body: data)
            #expect(try await c.response()?.status == 200)
            var faults = MockFaults()
            try faults.apply(option: "max-send-rate", value: "20000")
            #expect(faults.maxSendRate == 20000 && faults.json.contains("\"max-send-rate\":20000"))
            server.service.setFaults(faults)

            let slow = try await RawClient(server)
            slow.stream.idleTimeout = .seconds(120)
            try await slow.send(RawClient.request("GET", "/bkt/big"))
            var received: [UInt8] = []
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
            defer { buf.deallocate() }
            var bodyStart: Int? = nil
            while bodyStart.map({ received.count - $0 < 40_000 }) ?? true {
                let n = try await slow.stream.read(into: buf)
                try #require(n > 0)
                received += buf[0..<n]
                if bodyStart == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8)) { bodyStart = end.upperBound }
            }
            let head = String(decoding: received[..<bodyStart!], as: UTF8.self)
            #expect(head.hasPrefix("HTTP/1.1 200") && head.lowercased().contains("content-length: 10000000"))
            #expect(received.count - bodyStart! < data.count / 2)
            #expect(Array(received[bodyStart!...]) == Array(data[0..<(received.count - bodyStart!)]))
            slow.stream.abort()

            server.service.setFaults(MockFaults())
            let fast = try await RawClient(server)
            try await fast.send(RawClient.request("GET", "/bkt/big"))
            #expect(try await fast.response()?.body == data)
        }
    }

    /// ListBuckets and GetBucketInfo advertise the server's own address as the buckets'
    /// endpoints (clients that follow ExtranetEndpoint, like the official suite's clean-up, reach it).
    @Test func theAdvertisedEndpointIsTheServersOwnAddress() async throws {
        try await withMockServer(configuration: anonymousConfiguration()) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("GET", "/bkt?bucketInfo"))
            let info = try #require(try await c.response())
            let text = String(decoding: info.body, as: UTF8.self)
            #expect(text.contains("<ExtranetEndpoint>\(server.url)</ExtranetEndpoint>"))
            #expect(text.contains("<IntranetEndpoint>\(server.url)</IntranetEndpoint>"))
            try await c.send(RawClient.request("GET", "/"))
            let list = String(decoding: try #require(try await c.response()).body, as: UTF8.self)
            #expect(list.contains("<ExtranetEndpoint>\(server.url)</ExtranetEndpoint>"))
            // Following it reaches this server.
            let advertised = try #require(URL(string: server.url))
            let follow = try await SocketConnector().connectTCP(host: advertised.host!, port: advertised.port!)
            defer { follow.close() }
            try await follow.write(Array(RawClient.request("GET", "/bkt?location").utf8))
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
            defer { buf.deallocate() }
            let n = try await follow.read(into: buf)
            #expect(String(decoding: buf[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        }
    }
}
