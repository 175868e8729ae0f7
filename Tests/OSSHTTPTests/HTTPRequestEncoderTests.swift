import OSSCore
import Testing

@testable import OSSHTTP

@Suite("HTTPRequestEncoder")
struct HTTPRequestEncoderTests {
    let endpoint = Endpoint(host: "bucket.oss-cn-hangzhou.aliyuncs.com", port: 80, tls: false)

    func text(_ r: HTTPRequest) throws -> String {
        String(decoding: try HTTPRequestEncoder.encodeHead(r).0, as: UTF8.self)
    }

    @Test func fixedLengthBody() throws {
        let r = HTTPRequest(
            method: .put, endpoint: endpoint, target: "/key?x=1", headers: ["Content-Type": "text/plain"],
            body: .bytes(Array("hello".utf8)))
        let (bytes, framing) = try HTTPRequestEncoder.encodeHead(r)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "PUT /key?x=1 HTTP/1.1\r\nHost: bucket.oss-cn-hangzhou.aliyuncs.com\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
        )
        #expect(!framing.chunked)
        #expect(framing.contentLength == 5)
    }

    /// The length's digits are written by hand: every width up to Int64's largest.
    @Test func contentLengthDigitsForEveryWidth() throws {
        for n: Int64 in [1, 9, 10, 99, 100, 4096, 65_536, 5_368_709_120, 999_999_999_999, Int64.max] {
            let r = HTTPRequest(method: .put, endpoint: endpoint, target: "/k", body: .stream(AsyncStream<[UInt8]> { $0.finish() }, length: n))
            #expect(try text(r).contains("\r\nContent-Length: \(n)\r\n"))
        }
    }

    @Test func emptyPutSendsZeroLengthButGetSendsNone() throws {
        #expect(try text(HTTPRequest(method: .put, endpoint: endpoint, target: "/k")).contains("Content-Length: 0\r\n"))
        #expect(try !text(HTTPRequest(method: .get, endpoint: endpoint, target: "/k")).contains("Content-Length"))
    }

    @Test func unknownLengthIsChunked() throws {
        let stream = AsyncStream<[UInt8]> { c in
            c.yield([1])
            c.finish()
        }
        let r = HTTPRequest(method: .post, endpoint: endpoint, target: "/up", body: .stream(stream))
        let (bytes, framing) = try HTTPRequestEncoder.encodeHead(r)
        #expect(framing.chunked)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("Transfer-Encoding: chunked\r\n\r\n"))
        #expect(HTTPRequestEncoder.encodeChunkHeader(255) == Array("ff\r\n".utf8))
        #expect(HTTPRequestEncoder.lastChunk == Array("0\r\n\r\n".utf8))
    }

    @Test func headRequest() throws {
        #expect(
            try text(HTTPRequest(method: .head, endpoint: endpoint, target: "/obj"))
                == "HEAD /obj HTTP/1.1\r\nHost: bucket.oss-cn-hangzhou.aliyuncs.com\r\n\r\n")
    }

    @Test func expectContinue() throws {
        var r = HTTPRequest(method: .put, endpoint: endpoint, target: "/k", body: .bytes([1, 2, 3]))
        r.expectContinue = true
        let (bytes, framing) = try HTTPRequestEncoder.encodeHead(r)
        #expect(framing.expectContinue)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("Content-Length: 3\r\nExpect: 100-continue\r\n\r\n"))
        // No body: nothing to wait for.
        var empty = HTTPRequest(method: .get, endpoint: endpoint, target: "/k")
        empty.expectContinue = true
        #expect(try !HTTPRequestEncoder.encodeHead(empty).1.expectContinue)
    }

    @Test func hostCarriesNonDefaultPortAndBracketsIPv6() throws {
        #expect(HTTPRequest(method: .get, endpoint: Endpoint(host: "::1", port: 8080, tls: false)).hostHeader == "[::1]:8080")
        #expect(HTTPRequest(method: .get, endpoint: Endpoint(host: "a.b", port: 443, tls: true)).hostHeader == "a.b")
    }

    @Test func rejectsCRLFAndNULBeforeAnyByte() {
        let bad: [HTTPRequest] = [
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k", headers: ["X-A": "v\r\nInjected: 1"]),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k", headers: ["X-A": "v\nw"]),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k", headers: ["X-A": "v\0w"]),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k", headers: ["X-A\r\n": "v"]),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k", headers: ["Bad Name": "v"]),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k\r\nX: y"),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/k\0"),
            HTTPRequest(method: .get, endpoint: endpoint, target: "/a b"),
            HTTPRequest(method: "GE T", endpoint: endpoint, target: "/k"),
            HTTPRequest(method: .get, endpoint: Endpoint(host: "a\r\nb", port: 80, tls: false), target: "/k"),
            HTTPRequest(method: .put, endpoint: endpoint, target: "/k", headers: ["Content-Length": "4"], body: .bytes([1])),
            HTTPRequest(method: .put, endpoint: endpoint, target: "/k", headers: ["Transfer-Encoding": "chunked"]),
        ]
        for r in bad {
            #expect(throws: HTTPValidationError.self) { _ = try HTTPRequestEncoder.encodeHead(r) }
        }
    }

    @Test func validationErrorNeverEchoesAValue() {
        let r = HTTPRequest(method: .get, endpoint: endpoint, target: "/k", headers: ["Authorization": "OSS id:SECRET\r\n"])
        do {
            _ = try HTTPRequestEncoder.encodeHead(r)
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains("SECRET"))
            #expect("\(error)".contains("Authorization"))
        }
    }

    @Test func parsesURLs() throws {
        let a = try HTTPRequest(method: .get, url: "http://127.0.0.1:8080/b/k?x=1#frag")
        #expect(a.endpoint == Endpoint(host: "127.0.0.1", port: 8080, tls: false))
        #expect(a.target == "/b/k?x=1")
        let b = try HTTPRequest(method: .get, url: "https://[::1]/")
        #expect(b.endpoint == Endpoint(host: "::1", port: 443, tls: true))
        let c = try HTTPRequest(method: .get, url: "http://host?q")
        #expect(c.target == "/?q")
        #expect(throws: HTTPValidationError.self) { _ = try HTTPRequest(method: .get, url: "ftp://x/") }
        #expect(throws: HTTPValidationError.self) { _ = try HTTPRequest(method: .get, url: "http://x:99999/") }
        #expect(throws: HTTPValidationError.self) { _ = try HTTPRequest(method: .get, url: "http:///path") }
    }

    @Test func headersLookupIsCaseInsensitiveAndOrdered() {
        var h: HTTPHeaders = ["A": "1"]
        h.add(name: "b", value: "2")
        h.add(name: "B", value: "3")
        #expect(h["a"] == "1")
        #expect(h.values(for: "b") == ["2", "3"])
        h["B"] = "4"
        #expect(h.values(for: "b") == ["4"])
        #expect(h.map(\.name) == ["A", "b"])
        h["a"] = nil
        #expect(!h.contains("A"))
        #expect(HTTPHeaders([("Connection", "Keep-Alive, Close")]).containsToken("close", in: "connection"))
    }
}
