import OSSCore
import Testing

@testable import OSSHTTP

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    func expectEvents(_ input: String, eof: Bool = false, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (name, size) in splits {
            #expect(try requestEvents(input, size: size, eof: eof) == expected, "fed \(name)", sourceLocation: sourceLocation)
        }
    }

    @Test func getWithoutBody() throws {
        try expectEvents("GET /b/k?acl HTTP/1.1\r\nHost: x\r\n\r\n", ["GET /b/k?acl", "end"])
    }

    @Test func contentLengthBodyStreamsAsItArrives() throws {
        try expectEvents("PUT /k HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", ["PUT /k", "body:hello world", "end"])
        // The head comes out before any body byte arrives.
        var p = HTTPRequestParser()
        p.feed(Array("PUT /k HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n".utf8))
        guard case .head(let h)? = try p.next() else { Issue.record("no head"); return }
        #expect(h.expectsContinue)
        #expect(h.path == "/k")
        #expect(try p.next() == nil)
        p.feed([1, 2, 3])
        #expect(try p.next() == .body([1, 2, 3]))
        #expect(try p.next() == .end)
    }

    @Test func chunkedBodyWithTrailers() throws {
        try expectEvents(
            "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n",
            ["POST /up", "body:Wikipedia", "end"])
    }

    @Test func pipelinedRequests() throws {
        try expectEvents(
            "GET /1 HTTP/1.1\r\n\r\nPUT /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nab\r\nDELETE /3 HTTP/1.1\r\n\r\n",
            ["GET /1", "end", "PUT /2", "body:ab", "end", "DELETE /3", "end"])
    }

    @Test func malformedRequests() {
        expectRequestError("GET /\r\n\r\n", .invalidStartLine)
        expectRequestError("GET  / HTTP/1.1\r\n\r\n", .invalidStartLine)
        expectRequestError("GET / HTTP/3.0\r\n\r\n", .invalidVersion)
        expectRequestError("PUT / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", .contentLengthWithChunked)
        expectRequestError("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding)
        expectRequestError("PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .conflictingContentLength)
        expectRequestError("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n", .invalidChunkSize)
        expectRequestError("PUT / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", eof: true, .truncatedBody)
        expectRequestError("GET / HTTP/1.1\r\nHost", eof: true, .truncatedHead)
    }

    @Test func limits() {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 256
        expectRequestError("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 300) + "\r\n\r\n", limits: limits, .headerBlockTooLarge)
        limits = HTTPParserLimits()
        limits.maxBodyBytes = 4
        expectRequestError("PUT / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", limits: limits, .bodyTooLarge)
        expectRequestError("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", limits: limits, .bodyTooLarge)
    }

    @Test func responseEncoderFramesBodies() {
        let fixed = HTTPResponseEncoder.encodeHead(HTTPResponseHead(status: 200, headers: ["ETag": "\"x\""]), bodyLength: 3)
        #expect(String(decoding: fixed.bytes, as: UTF8.self) == "HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 3\r\n\r\n")
        #expect(!fixed.chunked)
        let chunked = HTTPResponseEncoder.encodeHead(HTTPResponseHead(status: 200), bodyLength: nil)
        #expect(String(decoding: chunked.bytes, as: UTF8.self) == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(chunked.chunked)
        let noContent = HTTPResponseEncoder.encodeHead(HTTPResponseHead(status: 204), bodyLength: 0)
        #expect(String(decoding: noContent.bytes, as: UTF8.self) == "HTTP/1.1 204 No Content\r\n\r\n")
    }
}
