import Foundation
import OSSCore
import OSSProtocol
import OSSSigner
import OSSTransport
import Testing

@testable import OSSClient

/// A loopback listener that records every byte it receives and answers each request head with
/// an empty `200`: the proof that bad input never reached the wire is that it received nothing.
final class ByteRecorder: Sendable {
    let listener: TCPListener
    let bytes = PThreadMutex<[UInt8]>([])
    let connections = PThreadMutex<Int>(0)
    private let task = PThreadMutex<Task<Void, Never>?>(nil)
    private let streams = PThreadMutex<[any ByteStream]>([])

    var endpoint: String { "http://127.0.0.1:\(listener.localPort)" }

    init() throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0)
        let listener = self.listener
        let bytes = self.bytes
        let connections = self.connections
        let streams = self.streams
        let t = Task {
            await withDiscardingTaskGroup { group in
                while let stream = try? await listener.accept() {
                    connections.withLock { $0 += 1 }
                    streams.withLock { $0.append(stream) }
                    group.addTask {
                        defer { stream.close() }
                        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
                        defer { buffer.deallocate() }
                        var pending: [UInt8] = []
                        while let n = try? await stream.read(into: buffer), n > 0 {
                            bytes.withLock { $0.append(contentsOf: buffer[0..<n]) }
                            pending.append(contentsOf: buffer[0..<n])
                            // Answer each complete head (the sanity requests carry no body).
                            while let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                                pending.removeSubrange(..<end.upperBound)
                                let ok = "HTTP/1.1 200 OK\r\nx-oss-request-id: REC\r\nContent-Length: 0\r\n\r\n"
                                do { try await stream.write(Array(ok.utf8)) } catch { return }
                            }
                        }
                    }
                }
            }
        }
        task.withLock { $0 = t }
    }

    var received: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

    func stop() async {
        listener.close()
        for s in streams.withLock({ $0 }) { s.abort() }
        await task.withLock({ $0 })?.value
    }
}

/// Issue 8, point 4: header injection through keys, metadata, content type, user agent, bucket
/// names, query values and presign inputs is impossible. Each bad input must fail with
/// `ValidateError` (`.invalidArgument`) before a byte is sent: a recording listener proves it.
@Suite("Security: header injection", .serialized)
struct SecurityInjectionTests {
    static let evil = ["a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\rX-Injected: 1", "a\u{0}b"]

    static func client(_ recorder: ByteRecorder, userAgent: String? = nil) throws -> OSSClient {
        var c = try OSSClientConfiguration(endpoint: recorder.endpoint, region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.retryPolicy = RetryPolicy(maxRetries: 0, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        if let userAgent { c.userAgent = userAgent }
        return try OSSClient(configuration: c)
    }

    /// Runs `body`, which must throw `ValidateError`.
    static func expectRejected(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("\(what): accepted", sourceLocation: sourceLocation)
        } catch let e as OSSClientError {
            #expect(e.kind == .invalidArgument, "\(what): \(e)", sourceLocation: sourceLocation)
            #expect(e.code == "ValidateError", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): \(type(of: error)) \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("CR, LF and NUL in keys, metadata, content type, headers, buckets and query values never reach the wire")
    func nothingReachesTheWire() async throws {
        let recorder = try ByteRecorder()
        let client = try Self.client(recorder)
        for bad in Self.evil {
            await Self.expectRejected("key \(bad.debugDescription)") {
                _ = try await client.putObject(bucket: "bkt", key: bad, body: .string("x"))
            }
            await Self.expectRejected("GET key") { _ = try await client.getObject(bucket: "bkt", key: bad) }
            await Self.expectRejected("HEAD key") { _ = try await client.headObject(bucket: "bkt", key: bad) }
            await Self.expectRejected("DELETE key") { _ = try await client.deleteObject(bucket: "bkt", key: bad) }
            await Self.expectRejected("copy source key") {
                _ = try await client.copyObject(sourceBucket: "bkt", sourceKey: bad, bucket: "bkt", key: "k")
            }
            await Self.expectRejected("metadata value") {
                _ = try await client.putObject(
                    bucket: "bkt", key: "k", body: .string("x"), options: PutObjectOptions(metadata: ["m": bad]))
            }
            await Self.expectRejected("metadata name") {
                _ = try await client.putObject(
                    bucket: "bkt", key: "k", body: .string("x"), options: PutObjectOptions(metadata: [bad: "v"]))
            }
            await Self.expectRejected("content type") {
                _ = try await client.putObject(
                    bucket: "bkt", key: "k", body: .string("x"), options: PutObjectOptions(contentType: bad))
            }
            await Self.expectRejected("multipart metadata") {
                _ = try await client.initiateMultipartUpload(
                    bucket: "bkt", key: "k", options: PutObjectOptions(metadata: ["m": bad]))
            }
            await Self.expectRejected("header value") {
                var o = PutObjectOptions()
                o.headers = [("Cache-Control", bad)]
                _ = try await client.putObject(bucket: "bkt", key: "k", body: .string("x"), options: o)
            }
            await Self.expectRejected("header name") {
                var o = PutObjectOptions()
                o.headers = [(bad, "v")]
                _ = try await client.putObject(bucket: "bkt", key: "k", body: .string("x"), options: o)
            }
            await Self.expectRejected("bucket") { _ = try await client.headObject(bucket: bad, key: "k") }
            await Self.expectRejected("bucket create") { try await client.createBucket("b" + bad) }
            await Self.expectRejected("list prefix") {
                _ = try await client.listObjectsV2(bucket: "bkt", ListObjectsV2Parameters(prefix: bad))
            }
            await Self.expectRejected("list delimiter") {
                _ = try await client.listObjects(bucket: "bkt", ListObjectsParameters(delimiter: bad))
            }
            await Self.expectRejected("upload id") {
                _ = try await client.uploadPart(bucket: "bkt", key: "k", uploadId: bad, partNumber: 1, body: .string("x"))
            }
            await Self.expectRejected("version id") {
                _ = try await client.headObject(bucket: "bkt", key: "k", versionId: bad)
            }
            await Self.expectRejected("raw operation header") {
                _ = try await client.send(
                    OSSOperationRequest(.getObject, bucket: "bkt", key: "k", headers: [("x-oss-a", bad)]))
            }
        }
        await Self.expectRejected("metadata name with a colon") {
            _ = try await client.putObject(
                bucket: "bkt", key: "k", body: .string("x"), options: PutObjectOptions(metadata: ["a: b": "v"]))
        }
        await Self.expectRejected("metadata name with a space") {
            _ = try await client.putObject(
                bucket: "bkt", key: "k", body: .string("x"), options: PutObjectOptions(metadata: ["a b": "v"]))
        }
        #expect(recorder.connections.withLock { $0 } == 0, "a connection was opened for bad input")
        #expect(recorder.bytes.withLock { $0.isEmpty }, "bytes reached the server: \(recorder.received.debugDescription)")

        // The recorder does see a good request: the zero above is not for want of listening.
        _ = try await client.headObject(bucket: "bkt", key: "ok")
        #expect(recorder.received.hasPrefix("HEAD /bkt/ok HTTP/1.1\r\n"), "\(recorder.received.debugDescription)")
        await client.shutdown()
        await recorder.stop()
    }

    @Test("a user agent with CR, LF or NUL is refused when the client is made, before any connection")
    func userAgent() async throws {
        let recorder = try ByteRecorder()
        for bad in Self.evil {
            await Self.expectRejected("user agent \(bad.debugDescription)") {
                _ = try Self.client(recorder, userAgent: "osswire/1 " + bad)
            }
        }
        // Also when a request carries its own User-Agent header.
        let client = try Self.client(recorder)
        for bad in Self.evil {
            await Self.expectRejected("per-request user agent") {
                var o = PutObjectOptions()
                o.headers = [("User-Agent", bad)]
                _ = try await client.putObject(bucket: "bkt", key: "k", body: .string("x"), options: o)
            }
        }
        #expect(recorder.connections.withLock { $0 } == 0)
        #expect(recorder.bytes.withLock { $0.isEmpty })
        await client.shutdown()
        await recorder.stop()
    }

    @Test("presign: CR, LF or NUL in the method, bucket, key, signed headers or query are refused")
    func presignInputs() async throws {
        let recorder = try ByteRecorder()
        let client = try Self.client(recorder)
        let time = UTCTime(year: 2024, month: 2, day: 29, hour: 12, minute: 0, second: 0)!
        for bad in Self.evil {
            await Self.expectRejected("presign key") { _ = try await client.presign(bucket: "bkt", key: bad, at: time) }
            await Self.expectRejected("presign bucket") { _ = try await client.presign(bucket: bad, key: "k", at: time) }
            await Self.expectRejected("presign method") {
                _ = try await client.presign(method: "GET" + bad, bucket: "bkt", key: "k", at: time)
            }
            await Self.expectRejected("presign header value") {
                _ = try await client.presign(bucket: "bkt", key: "k", headers: [("Content-Type", bad)], at: time)
            }
            await Self.expectRejected("presign header name") {
                _ = try await client.presign(bucket: "bkt", key: "k", headers: [(bad, "v")], at: time)
            }
            await Self.expectRejected("presign query value") {
                _ = try await client.presign(bucket: "bkt", key: "k", query: [("response-content-type", bad)], at: time)
            }
        }
        // A good presign: the URL holds no raw control character.
        let ok = try await client.presign(bucket: "bkt", key: "a b/ü", at: time)
        #expect(!ok.url.utf8.contains(where: { $0 < 0x21 || $0 == 0x7f }), "\(ok.url)")
        #expect(recorder.connections.withLock { $0 } == 0)
        await client.shutdown()
        await recorder.stop()
    }

    @Test("osswire: keys and buckets with CR/LF on the command line fail without sending a byte")
    func cliInjection() async throws {
        let recorder = try ByteRecorder()
        let env = [
            "OSS_ACCESS_KEY_ID": testCredentials.accessKeyId, "OSS_ACCESS_KEY_SECRET": testCredentials.accessKeySecret,
            "OSS_ENDPOINT": recorder.endpoint, "OSS_REGION": "cn-hangzhou",
        ]
        for args in [
            ["stat", "oss://bkt/a\r\nX-Injected: 1"], ["rm", "oss://bkt/a\nX-Injected: 1"],
            ["stat", "oss://bk\r\nX-Injected: 1/k"], ["ls", "oss://bkt/pre\r\nX-Injected: 1"],
            ["mb", "oss://bk\nt"],
            ["presign", "oss://bkt/a\r\nX-Injected: 1", "--endpoint", recorder.endpoint],
            ["presign", "oss://bk\r\nt/k", "--endpoint", recorder.endpoint],
        ] {
            let r = try await CLITests.run(args, env: env)
            #expect(r.status == 1 || r.status == 2, "\(args): \(r.status) \(r.stdout)")
            #expect(!r.stdout.contains("\r\nX-Injected") && !r.stdout.contains("\nX-Injected"), "\(args): \(r.stdout)")
        }
        #expect(recorder.connections.withLock { $0 } == 0)
        #expect(recorder.bytes.withLock { $0.isEmpty }, "\(recorder.received.debugDescription)")
        await recorder.stop()
    }
}
