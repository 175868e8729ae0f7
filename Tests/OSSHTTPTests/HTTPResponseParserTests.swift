import OSSCore
import Testing

@testable import OSSHTTP

@Suite("HTTPResponseParser")
struct HTTPResponseParserTests {
    @Test func contentLengthBody() throws {
        try expectResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", ["head 200", "body:hello", "end"])
    }

    @Test func headersAreParsedWithOrderAndCase() throws {
        var p = HTTPResponseParser()
        p.expectResponse(to: .get)
        p.feed(Array("HTTP/1.1 404 Not Found\r\nx-oss-a:  1 \r\nSet-Thing: a\r\nset-thing: b\r\nContent-Length: 0\r\n\r\n".utf8))
        guard case .head(let h)? = try p.next() else { Issue.record("no head"); return }
        #expect(h.status == 404)
        #expect(h.reason == "Not Found")
        #expect(h.version == .http1_1)
        #expect(h.headers["X-OSS-A"] == "1")
        #expect(h.headers.values(for: "SET-THING") == ["a", "b"])
        #expect(try p.next() == .end)
        #expect(p.canReuseConnection)
    }

    /// The long names OSS sends are shared rather than decoded anew, yet every name reads as it
    /// came: the same spelling, any case, or a name that merely starts like a known one.
    @Test func knownLongNamesAreKeptAsSent() throws {
        var p = HTTPResponseParser()
        p.expectResponse(to: .put)
        let head =
            "HTTP/1.1 200 OK\r\nx-oss-request-id: 1\r\nX-OSS-HASH-CRC64ECMA: 2\r\nx-oss-hash-crc64ecmb: 3\r\n"
            + "x-oss-server-time: 4\r\nx-oss-request-idx: 5\r\nContent-Length: 0\r\n\r\n"
        p.feed(Array(head.utf8))
        guard case .head(let h)? = try p.next() else { Issue.record("no head"); return }
        #expect(
            h.headers.map(\.name) == [
                "x-oss-request-id", "X-OSS-HASH-CRC64ECMA", "x-oss-hash-crc64ecmb", "x-oss-server-time",
                "x-oss-request-idx", "Content-Length",
            ])
        #expect(h.headers["x-oss-hash-crc64ecma"] == "2")
        #expect(h.headers["X-Oss-Request-Id"] == "1")
    }

    @Test func chunkedWithExtensionsAndTrailers() throws {
        let input =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nx-oss-hash-crc64ecma: 123\r\n\r\n"
        try expectResponse(input, ["head 200", "body:hello world", "end"])
        var p = HTTPResponseParser()
        p.expectResponse(to: .get)
        p.feed(Array(input.utf8))
        while let e = try p.next(), e != .end {}
        #expect(p.lastTrailers["x-oss-hash-crc64ecma"] == "123")
        #expect(p.canReuseConnection)
    }

    @Test func closeDelimitedBodyEndsAtEOF() throws {
        try expectResponse("HTTP/1.1 200 OK\r\n\r\nall of it", eof: true, ["head 200", "body:all of it", "end"])
        var p = HTTPResponseParser()
        p.expectResponse(to: .get)
        p.feed(Array("HTTP/1.1 200 OK\r\n\r\nabc".utf8))
        p.feedEOF()
        while let e = try p.next(), e != .end {}
        #expect(!p.canReuseConnection)
    }

    @Test func headResponseHasNoBodyDespiteContentLength() throws {
        try expectResponse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", methods: [.head], ["head 200", "end"])
    }

    @Test func noContentAndNotModifiedHaveNoBody() throws {
        try expectResponse("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", ["head 204", "end"])
        try expectResponse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", ["head 304", "end"])
    }

    @Test func informationalResponsesComeBeforeTheFinalOne() throws {
        try expectResponse(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            ["info 100", "info 103", "head 201", "body:ok", "end"])
    }

    @Test func pipelinedResponsesInOneBuffer() throws {
        let input =
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
            + "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
        try expectResponse(
            input, methods: [.get, .head, .get, .delete],
            ["head 200", "body:one", "end", "head 200", "end", "head 200", "body:two", "end", "head 204", "end"])
    }

    @Test func keepAliveRules() throws {
        func reusable(_ input: String) throws -> Bool {
            var p = HTTPResponseParser()
            p.expectResponse(to: .get)
            p.feed(Array(input.utf8))
            while let e = try p.next(), e != .end {}
            return p.canReuseConnection
        }
        #expect(try reusable("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(try !reusable("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
        #expect(try !reusable("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(try reusable("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"))
        #expect(try !reusable("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n"))
    }

    @Test func bareLFLineEndingsAreAccepted() throws {
        try expectResponse("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", ["head 200", "body:hi", "end"])
    }

    @Test func identicalRepeatedContentLengthsAreAccepted() throws {
        try expectResponse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", ["head 200", "body:hi", "end"])
        try expectResponse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi", ["head 200", "body:hi", "end"])
    }

    // MARK: Malformed input

    @Test func garbageStatusLine() {
        expectResponseError("HTPP/1.1 200 OK\r\n\r\n", .invalidStartLine)
        expectResponseError("hello world, this is not HTTP\r\n\r\n", .invalidStartLine)
        expectResponseError("HTTP/1.1 2x0 OK\r\n\r\n", .invalidStatus)
        expectResponseError("HTTP/2.0 200 OK\r\n\r\n", .invalidVersion)
        expectResponseError("HTTP/1.1 200\tOK\r\n\r\n", .invalidStatus)
    }

    @Test func oversizeHeaderBlock() {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 1024
        let big = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 2000) + "\r\n\r\n"
        expectResponseError(big, limits: limits, .headerBlockTooLarge)
        // Never terminated: the limit stops buffering.
        expectResponseError("HTTP/1.1 200 OK\r\nX: " + String(repeating: "b", count: 3000), limits: limits, .headerBlockTooLarge)
    }

    @Test func tooManyHeaders() {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 10
        let many = "HTTP/1.1 200 OK\r\n" + (0..<11).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        expectResponseError(many, limits: limits, .tooManyHeaders)
    }

    @Test func badHeaderLines() {
        expectResponseError("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", .invalidHeader)
        expectResponseError("HTTP/1.1 200 OK\r\nName : v\r\n\r\n", .invalidHeader)
        expectResponseError("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", .invalidHeader)
        expectResponseError("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", .invalidHeader)
    }

    @Test func badChunkSize() {
        expectResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunkSize)
        expectResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", .invalidChunkSize)
        expectResponseError(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", .invalidChunkSize)
        expectResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", .invalidChunk)
    }

    @Test func contentLengthWithChunked() {
        expectResponseError(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            .contentLengthWithChunked)
    }

    @Test func conflictingAndInvalidContentLengths() {
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", .conflictingContentLength)
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", .conflictingContentLength)
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", .invalidContentLength)
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", .invalidContentLength)
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", .invalidContentLength)
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", .invalidContentLength)
    }

    @Test func truncatedBodies() {
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", eof: true, .truncatedBody)
        expectResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", eof: true, .truncatedBody)
        expectResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", eof: true, .truncatedBody)
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Le", eof: true, .truncatedHead)
        expectResponseError("", eof: true, .connectionClosed)
    }

    @Test func bytesBeyondContentLength() {
        expectResponseError("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiTHERE", .unexpectedData)
        expectResponseError("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhiX", methods: [.get, .get], .unexpectedData)
    }

    @Test func errorsAreSticky() throws {
        var p = HTTPResponseParser()
        p.expectResponse(to: .get)
        p.feed(Array("junk\r\n\r\n".utf8))
        #expect(throws: HTTPParserError.invalidStartLine) { _ = try p.next() }
        p.feed(Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
        #expect(throws: HTTPParserError.invalidStartLine) { _ = try p.next() }
    }
}
