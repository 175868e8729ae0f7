import OSSCore
import Testing

@testable import OSSMockServer

/// The faults added for the fault matrix and the load test (issue 8): forbidden mid-body,
/// truncated and garbage answers, a reset every Nth request, and the operation / times limits.
@Suite struct MockMatrixFaultTests {
    @Test func forbiddenAfterBytesAnswers403WithConnectionCloseAndStoresNothing() async throws {
        var config = anonymousConfiguration()
        config.faults.forbiddenAfterBodyBytes = 1000
        try await withMockServer(configuration: config) { server in
            let data = bytes(200_000)
            let c = try await RawClient(server)
            let r = try? await {
                try await c.send(RawClient.request("PUT", "/bkt/f", body: data), body: data)
                return try await c.response()
            }()
            if let r { #expect(r.status == 403 && r.headers["connection"] == "close") }
            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
            let entry = try #require(server.service.requestLog.last)
            #expect(entry.errorCode == "AccessDenied" && entry.bytesReceived >= 1000 && entry.bytesReceived < 200_000)
        }
    }

    @Test func truncateResponseStrikesOnceForItsOperation() async throws {
        var config = anonymousConfiguration()
        config.faults.truncateResponse = true
        config.faults.faultOperation = "GetObject"
        config.faults.faultTimes = 1
        try await withMockServer(configuration: config) { server in
            let data = bytes(10_000)
            let c = try await RawClient(server)
            try await c.send(RawClient.request("PUT", "/bkt/t", body: data), body: data)
            #expect(try await c.response()?.status == 200)
            try await c.send(RawClient.request("GET", "/bkt/t"))
            let cut = try await c.response()
            #expect(cut == nil || cut!.body.count < data.count)
            let again = try await RawClient(server)
            try await again.send(RawClient.request("GET", "/bkt/t"))
            #expect(try await again.response()?.body == data)
        }
    }

    @Test func garbageResponseIsNotHTTP() async throws {
        var config = anonymousConfiguration()
        config.faults.garbageResponse = true
        try await withMockServer(configuration: config) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("GET", "/bkt/none"))
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
            defer { buf.deallocate() }
            let n = try await c.stream.read(into: buf)
            #expect(n > 0 && !Array(buf[0..<n]).starts(with: Array("HTTP/".utf8)))
        }
    }

    @Test func resetEveryNthRequestResetsOnlyThose() async throws {
        var config = anonymousConfiguration()
        config.faults.resetEveryNthRequest = 2
        try await withMockServer(configuration: config) { server in
            let c = try await RawClient(server)
            try await c.send(RawClient.request("GET", "/bkt/a"))
            #expect(try await c.response()?.status == 404)
            try await c.send(RawClient.request("GET", "/bkt/b"))
            #expect((try? await c.response()) ?? nil == nil)
            let d = try await RawClient(server)
            try await d.send(RawClient.request("GET", "/bkt/c"))
            #expect(try await d.response()?.status == 404)
        }
    }

    @Test func theNewOptionsParseAndShowInJSON() throws {
        var f = MockFaults()
        try f.apply(option: "forbidden-after-bytes", value: "10")
        try f.apply(option: "truncate-response", value: nil)
        try f.apply(option: "garbage-response", value: "true")
        try f.apply(option: "reset-every", value: "7")
        try f.apply(option: "fault-operation", value: "UploadPart")
        try f.apply(option: "fault-times", value: "1")
        #expect(f.forbiddenAfterBodyBytes == 10 && f.truncateResponse && f.garbageResponse)
        #expect(f.resetEveryNthRequest == 7 && f.faultOperation == "UploadPart" && f.faultTimes == 1)
        for name in ["forbidden-after-bytes", "truncate-response", "garbage-response", "reset-every", "fault-operation", "fault-times"] {
            #expect(f.json.contains("\"\(name)\""))
            #expect(MockFaults.valueOptionNames.contains(name) || MockFaults.flagOptionNames.contains(name))
        }
        #expect(throws: MockFaultOptionError.self) { try f.apply(option: "reset-every", value: "x") }
    }
}
