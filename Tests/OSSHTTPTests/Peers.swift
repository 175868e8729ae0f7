import OSSCore
import Testing

@testable import OSSHTTP

/// Scripted servers for the client tests, run on the server end of a `MemoryStream` pair.
enum Peers {
    /// Answers every request with 200 and the request body echoed back (`X-Body-Length` says its size).
    /// Requests to `/stall` get their head read and nothing else: the server stops reading, so the
    /// client blocks writing the body. `/close-after` answers and then closes the connection.
    static func echo(heads: Counter? = nil) -> @Sendable (MemoryStream) async -> Void {
        { stream in
            let conn = HTTPServerConnection(stream: stream)
            defer { conn.close() }
            do {
                while let req = try await conn.nextRequest() {
                    heads?.increment()
                    if req.path == "/stall" {
                        _ = await eventually(limit: .seconds(60)) { stream.peerGone }
                        return
                    }
                    let body = try await conn.readWholeBody()
                    try await conn.writeResponse(
                        HTTPResponseHead(status: 200, headers: ["X-Body-Length": "\(body.count)", "X-Target": req.target]),
                        body: body)
                    if req.path == "/close-after" { return }
                }
            } catch {}
        }
    }

    /// Reads one request head with the raw parser, then sends `response` bytes as they are, and
    /// closes (after the client's end goes away when `linger`).
    static func raw(_ response: String, readBody: Bool = true) -> @Sendable (MemoryStream) async -> Void {
        { stream in
            var parser = HTTPRequestParser()
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
            defer {
                buf.deallocate()
                stream.close()
            }
            do {
                var sawHead = false
                loop: while true {
                    while let e = try parser.next() {
                        switch e {
                        case .head: sawHead = true
                            if !readBody { break loop }
                        case .body: break
                        case .end: break loop
                        }
                    }
                    let n = try await stream.read(into: buf)
                    if n == 0 { return }
                    parser.feed(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
                }
                _ = sawHead
                try await stream.write(Array(response.utf8))
                _ = await eventually(limit: .seconds(60)) { stream.peerGone }
            } catch {}
        }
    }
}

func clientError(_ body: () async throws -> Void) async -> HTTPClientError? {
    do {
        try await body()
        return nil
    } catch let e as HTTPClientError {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}
