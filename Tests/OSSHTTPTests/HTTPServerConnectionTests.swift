import OSSCore
import Testing

@testable import OSSHTTP

@Suite("HTTPServerConnection")
struct HTTPServerConnectionTests {
    /// Runs `serve` on the server end while the test writes raw bytes on the client end and reads all
    /// the server answers until it closes.
    func exchange(_ raw: String, serve: @escaping @Sendable (HTTPServerConnection) async throws -> Void) async throws -> String {
        let (client, server) = MemoryStream.pair()
        let task = Task {
            let conn = HTTPServerConnection(stream: server)
            defer { conn.close() }
            try await serve(conn)
        }
        try await client.write(Array(raw.utf8))
        client.finishWriting()
        var out: [UInt8] = []
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = try await client.read(into: buf)
            if n == 0 { break }
            out += buf[0..<n]
        }
        try await task.value
        client.close()
        return String(decoding: out, as: UTF8.self)
    }

    @Test func servesPipelinedRequestsWithStreamedBodies() async throws {
        let reply = try await exchange(
            "PUT /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nHEAD /c HTTP/1.1\r\n\r\n"
        ) { conn in
            while let req = try await conn.nextRequest() {
                let body = try await conn.readWholeBody()
                try await conn.writeResponse(
                    HTTPResponseHead(status: 200, headers: ["X-Path": String(req.path)]), body: body)
            }
        }
        #expect(
            reply
                == "HTTP/1.1 200 OK\r\nX-Path: /a\r\nContent-Length: 5\r\n\r\nhello"
                + "HTTP/1.1 200 OK\r\nX-Path: /b\r\nContent-Length: 2\r\n\r\nhi"
                + "HTTP/1.1 200 OK\r\nX-Path: /c\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func sendsContinueBeforeReadingAnExpectingBody() async throws {
        let reply = try await exchange("PUT /a HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nok") { conn in
            _ = try await conn.nextRequest()
            let body = try await conn.readWholeBody()
            try await conn.writeResponse(HTTPResponseHead(status: 201), body: body)
        }
        #expect(reply == "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
    }

    @Test func refusingAnExpectingBodyEndsTheConnection() async throws {
        let reply = try await exchange("PUT /a HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nok") { conn in
            _ = try await conn.nextRequest()
            try await conn.writeResponse(HTTPResponseHead(status: 403), body: [])
            #expect(try await conn.nextRequest() == nil)
        }
        #expect(reply == "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func chunkedResponse() async throws {
        let reply = try await exchange("GET /x HTTP/1.1\r\n\r\n") { conn in
            _ = try await conn.nextRequest()
            try await conn.writeResponseHead(HTTPResponseHead(status: 200), bodyLength: nil)
            try await conn.writeBody(Array("abc".utf8))
            try await conn.writeBody(Array(repeating: 65, count: 16))
            try await conn.finishResponse()
        }
        #expect(
            reply == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\nAAAAAAAAAAAAAAAA\r\n0\r\n\r\n")
        let events = try responseEvents(reply, size: 1)
        #expect(events == ["head 200", "body:abcAAAAAAAAAAAAAAAA", "end"])
    }

    @Test func malformedRequestThrows() async throws {
        await #expect(throws: HTTPParserError.invalidStartLine) {
            _ = try await exchange("NOT HTTP\r\n\r\n") { conn in _ = try await conn.nextRequest() }
        }
    }
}
