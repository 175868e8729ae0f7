import Foundation
import OSSCore
import OSSTestSupport
import Testing

@testable import OSSHTTP

/// Runs the built `osswire` binary with a clean environment; it always exits (bounded by --timeout).
private func runOSSWire(_ args: [String]) async throws -> ProcessOutput {
    try await Products.runOSSWire(args)
}

@Suite("osswire http")
struct HTTPCommandTests {
    @Test func putAndGetWithTimingBreakdown() async throws {
        let stored = StoredBody()
        let server = try LoopbackServer { conn in
            do {
                while let req = try await conn.nextRequest() {
                    if req.method == .put {
                        stored.set(try await conn.readWholeBody())
                        try await conn.writeResponse(HTTPResponseHead(status: 200), body: [])
                    } else if req.path == "/obj" {
                        try await conn.writeResponse(HTTPResponseHead(status: 200), body: stored.get())
                    } else {
                        try await conn.writeResponse(HTTPResponseHead(status: 404), body: Array("no".utf8))
                    }
                }
            } catch {}
        }
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osshttp-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let payload = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 11) })
        let src = dir.appendingPathComponent("src.bin")
        try payload.write(to: src)
        let url = "http://127.0.0.1:\(server.port)/obj"

        let put = try await runOSSWire(["http", "put", url, "--file", src.path, "--json", "--timeout", "300"])
        #expect(put.status == 0, "\(put.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(put.stdout.utf8)) as? [String: Any])
        #expect(json["status"] as? Int == 200)
        #expect(json["body_bytes"] as? Int == 200_000)
        #expect((json["bytes_sent"] as? Int ?? 0) > 200_000)
        #expect(json["reused"] as? Bool == false)
        for key in ["dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms", "rate_bytes_per_s"] {
            #expect(json[key] is NSNumber, "\(key)")
        }
        // Compared as a Bool: on a mismatch Swift Testing would diff the two 200 KB arrays, for minutes.
        let stored200k = stored.get()
        let storedSame = stored200k == Array(payload)
        #expect(storedSame, "the server stored \(stored200k.count) bytes")

        let dst = dir.appendingPathComponent("dst.bin")
        let get = try await runOSSWire(["http", "get", url, "-o", dst.path])
        #expect(get.status == 0, "\(get.stderr)")
        let fetched = (try? Data(contentsOf: dst)) ?? Data()
        let fetchedSame = fetched == payload
        #expect(fetchedSame, "the file holds \(fetched.count) bytes")
        for label in ["dns", "connect", "tls", "first byte", "total", "rate", "reused"] {
            #expect(get.stdout.contains(label), "\(label)")
        }

        let missing = try await runOSSWire(["http", "get", "http://127.0.0.1:\(server.port)/missing"])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("404"))
    }

    @Test func usageAndConnectionErrors() async throws {
        #expect(try await runOSSWire(["http", "patch", "http://127.0.0.1:1/"]).status == 2)
        #expect(try await runOSSWire(["http", "put", "http://127.0.0.1:1/"]).status == 2)
        #expect(try await runOSSWire(["http", "get", "ftp://x/"]).status == 2)
        #expect(try await runOSSWire(["http", "get", "http://x/", "--bogus"]).status == 2)
        // A file that cannot be opened fails before any connection, naming the file.
        let unreadable = try await runOSSWire(["http", "put", "http://127.0.0.1:1/", "--file", "/nonexistent/osswire-body"])
        #expect(unreadable.status == 1)
        #expect(unreadable.stderr.contains("cannot read /nonexistent/osswire-body: No such file or directory"), "\(unreadable.stderr)")
        let unwritable = try await runOSSWire(["http", "get", "http://127.0.0.1:1/", "-o", "/nonexistent/dir/out"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("cannot write /nonexistent/dir/out"), "\(unwritable.stderr)")
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let refused = try await runOSSWire(["http", "get", refusing.url + "/", "--timeout", "10"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("connect"))
    }
}

final class StoredBody: Sendable {
    private let body = PThreadMutex<[UInt8]>([])
    func set(_ b: [UInt8]) { body.withLock { $0 = b } }
    func get() -> [UInt8] { body.withLock { $0 } }
}
