import Foundation
import OSSCore
import OSSTestSupport
import Testing
@testable import OSSTransport

@Suite("Plain HTTP against nginx, and broken peers", .enabled(if: NginxServer.available(for: "Plain HTTP against nginx, and broken peers")))
struct PlainNginxTests {
    let connector = SocketConnector()

    func exchange(_ request: [UInt8], port: Int) async throws -> String {
        let stream = try await connector.connectTCP(host: "127.0.0.1", port: port, connectTimeout: .seconds(60))
        defer { stream.close() }
        try await stream.write(request)
        let (bytes, error) = await readAll(stream)
        if let error { throw error }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func webDAVPutThenGetWithLengthAndChunked() async throws {
        let nginx = try await NginxServer.start()
        defer { nginx.stop() }
        let body = String(repeating: "osswire ", count: 4096)
        let put = try await exchange(
            Array(
                "PUT /dav/a/b.txt HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                    .utf8),
            port: nginx.port)
        #expect(put.hasPrefix("HTTP/1.1 201"))
        let get = try await exchange(
            Array("GET /dav/a/b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: nginx.port)
        #expect(get.contains("Content-Length: \(body.utf8.count)"))
        #expect(get.hasSuffix(body))
        let chunked = try await exchange(
            Array("GET /chunked/dav/a/b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: nginx.port)
        #expect(chunked.contains("Transfer-Encoding: chunked"))
        #expect(!chunked.contains("Content-Length"))
    }

    @Test func writingToAResetConnectionFailsWithoutSIGPIPE() async throws {
        try await withTCPPair { client, server, _ in
            // Unread bytes at close make the kernel send RST.
            try await client.write(Array("unread".utf8))
            try await Task.sleep(for: .milliseconds(20))
            server.close()
            let chunk = [UInt8](repeating: 1, count: 1 << 16)
            var error: TransportError?
            for _ in 0..<1000 where error == nil {
                error = await transportError { try await client.write(chunk) }
            }
            #expect(error?.phase == .write)
            #expect(error?.errno != nil)
        }
    }

    @Test func writingToAResetTLSConnectionFailsWithoutSIGPIPE() async throws {
        try await withTLSPair { client, server, _ in
            try await client.write(Array("unread".utf8))
            try await Task.sleep(for: .milliseconds(20))
            server.abort()  // no close_notify
            server.close()
            let chunk = [UInt8](repeating: 1, count: 1 << 16)
            var error: TransportError?
            for _ in 0..<1000 where error == nil {
                error = await transportError { try await client.write(chunk) }
            }
            #expect(error?.phase == .write)
        }
    }
}
