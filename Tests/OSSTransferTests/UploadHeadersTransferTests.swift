import Foundation
import OSSClient
import OSSCore
import OSSHTTP
import OSSMockServer
import OSSProtocol
import OSSTransport
import Synchronization
import Testing
@testable import OSSTransfer

/// A callback server on 127.0.0.1:0 (OSSTransport's listener, OSSHTTP's server connection): it
/// records each request and answers `status` with `body`.
final class CallbackServer: Sendable {
    let listener: TCPListener
    let received = PThreadMutex<[(path: String, body: [UInt8])]>([])
    private let tasks = PThreadMutex<[Task<Void, Never>]>([])
    private let streams = PThreadMutex<[any ByteStream]>([])

    var url: String { "http://127.0.0.1:\(listener.localPort)/cb" }
    var requests: [(path: String, body: [UInt8])] { received.withLock { $0 } }

    init(status: Int = 200, body: [UInt8] = Array("{\"stored\":true}".utf8)) throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0)
        let (listener, received, tasks, streams) = (self.listener, self.received, self.tasks, self.streams)
        let accept = Task {
            while let stream = try? await listener.accept() {
                streams.withLock { $0.append(stream) }
                let t = Task {
                    let conn = HTTPServerConnection(stream: stream)
                    defer { conn.close() }
                    while let head = try? await conn.nextRequest() {
                        guard let requestBody = try? await conn.readWholeBody() else { return }
                        received.withLock { $0.append((head.target, requestBody)) }
                        let headers: HTTPHeaders = ["Content-Type": "application/json"]
                        guard (try? await conn.writeResponse(HTTPResponseHead(status: status, headers: headers), body: body)) != nil
                        else { return }
                    }
                }
                tasks.withLock { $0.append(t) }
            }
        }
        tasks.withLock { $0.append(accept) }
    }

    /// Stops listening and waits for every connection to close.
    func stop() async {
        listener.close()
        for s in streams.withLock({ $0 }) { s.abort() }
        for t in tasks.withLock({ $0 }) { await t.value }
    }
}

/// Issue 16, upload ergonomics through the Uploader: headers on both paths, kept by a resume,
/// and the callback on the request that stores the object.
@Suite("Uploader: headers, Content-Type and callbacks against the mock", .serialized)
struct UploadHeadersTransferTests {
    static func configuration() -> MockServerConfiguration {
        var c = MockServerConfiguration()
        c.buckets = ["bucket-h"]
        // The callback server shares this loaded process: OSS's 5 s would be a clock in the test.
        c.callbackTimeout = .seconds(3600)
        return c
    }

    static func options(_ scratch: Scratch, headers: UploadHeaders) -> UploadOptions {
        var o = UploadOptions()
        o.partSize = 100 << 10
        o.multipartThreshold = 100 << 10
        o.jobs = 2
        o.checkpointDirectory = scratch.checkpoints
        o.headers = headers
        return o
    }

    static func headers() -> UploadHeaders {
        var h = UploadHeaders(metadata: ["source": "backup"])
        h.cacheControl = "no-cache"
        h.contentDisposition = "inline"
        h.storageClass = "IA"
        h.acl = "private"
        h.tagging = "kind=report"
        h.serverSideEncryption = "AES256"
        return h
    }

    static func expectHeaders(_ m: ObjectMetadata, contentType: String) {
        #expect(m.contentType == contentType)
        #expect(m.userMetadata == ["source": "backup"])
        #expect(m.storageClass == "IA")
        #expect(m.headers.first { $0.name.lowercased() == "cache-control" }?.value == "no-cache")
        #expect(m.headers.first { $0.name.lowercased() == "content-disposition" }?.value == "inline")
        #expect(m.headers.first { $0.name.lowercased() == "x-oss-server-side-encryption" }?.value == "AES256")
    }

    @Test("single PUT and multipart: the object gets the headers and the file's Content-Type; the callback's answer comes back")
    func headersAndCallback() async throws {
        let callback = try CallbackServer()
        do {
            try await withMockServer(configuration: Self.configuration()) { server in
                let scratch = Scratch()
                let client = try makeClient(server)
                let ops = OSSClientOperations(client: client)
                var h = Self.headers()
                h.callback = UploadCallback(url: callback.url, body: "object=${object}&size=${size}&type=${mimeType}")
                for (name, size) in [("small.csv", 1000), ("big.csv", 350 << 10)] {
                    let (path, bytes) = scratch.file(name, size: size, seed: 3)
                    let outcome = await Uploader(operations: ops, options: Self.options(scratch, headers: h)).upload(
                        file: path, bucket: "bucket-h", key: "r/" + name)
                    #expect(outcome.state == .completed, "\(outcome)")
                    #expect(outcome.callbackBody == Array("{\"stored\":true}".utf8))
                    #expect(await server.service.objectBytes(bucket: "bucket-h", key: "r/" + name) == bytes)
                    Self.expectHeaders(try await client.headObject(bucket: "bucket-h", key: "r/" + name), contentType: "text/csv")
                    let last = try #require(callback.requests.last)
                    #expect(String(decoding: last.body, as: UTF8.self) == "object=r/\(name)&size=\(size)&type=text/csv")
                }
                #expect(callback.requests.count == 2)
                // The callback went on the PutObject and on the Complete, never on the Initiate.
                let log = server.service.requestLog
                #expect(log.filter { $0.operation == "InitiateMultipartUpload" }.count == 1)
                #expect(scratch.checkpointFiles.isEmpty)
                await client.shutdown()
            }
        } catch {
            await callback.stop()
            throw error
        }
        await callback.stop()
    }

    @Test("a resumed upload keeps its headers; a run with other headers starts afresh and aborts the old upload")
    func resumeKeepsHeaders() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("data.json", size: 550 << 10, seed: 5)
            let client = try makeClient(server)
            let ops = OSSClientOperations(client: client)
            func failingRun(_ h: UploadHeaders) async -> TransferOutcome {
                server.service.updateFaults {
                    $0.errorRules = [MockErrorRule(operation: "UploadPart", nth: 3, status: 403, code: "AccessDenied", count: 1000)]
                }
                var o = Self.options(scratch, headers: h)
                o.jobs = 1
                let outcome = await Uploader(operations: ops, options: o).upload(file: path, bucket: "bucket-h", key: "d")
                server.service.updateFaults { $0.errorRules = [] }
                return outcome
            }
            let first = await failingRun(Self.headers())
            #expect(first.state == .failed)
            #expect(first.partsDone == 2)
            let checkpoint = try #require(scratch.checkpointFiles.first)
            let text = try String(contentsOfFile: scratch.checkpoints + "/" + checkpoint, encoding: .utf8)
            #expect(text.contains("header x-oss-meta-source backup"))
            #expect(text.contains("header content-type application/json"))

            let resumed = await Uploader(operations: ops, options: Self.options(scratch, headers: Self.headers())).upload(
                file: path, bucket: "bucket-h", key: "d")
            #expect(resumed.state == .completed, "\(resumed)")
            #expect(resumed.partsResumed == 2)
            #expect(await server.service.objectBytes(bucket: "bucket-h", key: "d") == bytes)
            Self.expectHeaders(try await client.headObject(bucket: "bucket-h", key: "d"), contentType: "application/json")
            #expect(server.service.requestLog.filter { $0.operation == "InitiateMultipartUpload" }.count == 1)

            // Stopped again, then run with other metadata: the old upload cannot give it.
            _ = await failingRun(Self.headers())
            var other = Self.headers()
            other.metadata = ["source": "nightly"]
            let fresh = await Uploader(operations: ops, options: Self.options(scratch, headers: other)).upload(
                file: path, bucket: "bucket-h", key: "d")
            #expect(fresh.state == .completed, "\(fresh)")
            #expect(fresh.partsResumed == 0)
            #expect(fresh.notes.contains { $0.contains("other headers") && $0.contains("aborted") })
            #expect(try await client.headObject(bucket: "bucket-h", key: "d").userMetadata == ["source": "nightly"])
            #expect(server.service.uploadIds(bucket: "bucket-h").isEmpty)
            await client.shutdown()
        }
    }

    @Test("a multipart upload whose callback fails: CallbackFailed, the object stored, no checkpoint or upload left")
    func callbackFailsOnComplete() async throws {
        let gone = try CallbackServer()
        let url = gone.url
        await gone.stop()
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("f.bin", size: 250 << 10, seed: 9)
            let client = try makeClient(server)
            var h = UploadHeaders()
            h.callback = UploadCallback(url: url, body: "o=${object}")
            let outcome = await Uploader(operations: OSSClientOperations(client: client), options: Self.options(scratch, headers: h))
                .upload(file: path, bucket: "bucket-h", key: "f")
            #expect(outcome.state == .failed)
            #expect(outcome.errorCode == "CallbackFailed")
            #expect("\(outcome.error!)".contains("the object was stored"))
            #expect(await server.service.objectBytes(bucket: "bucket-h", key: "f") == bytes)
            #expect(scratch.checkpointFiles.isEmpty)
            #expect(server.service.uploadIds(bucket: "bucket-h").isEmpty)
            await client.shutdown()
        }
    }

    @Test("bad headers fail the upload before any request; operations without headers refuse all but a Content-Type")
    func refusedBeforeSending() async throws {
        let scratch = Scratch()
        let (path, _) = scratch.file("x.txt", size: 300 << 10, seed: 2)
        let fake = FakeOSS()
        var bad = UploadHeaders()
        bad.tagging = "a=1&a=2"
        let refused = await Uploader(operations: fake, options: Self.options(scratch, headers: bad)).upload(
            file: path, bucket: "b", key: "k")
        #expect(refused.state == .failed)
        #expect((refused.error as? TransferError)?.kind == .invalidArgument)
        #expect(fake.log.isEmpty)
        // A fake takes the guessed Content-Type (dropped) but not metadata.
        let plain = await Uploader(operations: fake, options: Self.options(scratch, headers: UploadHeaders())).upload(
            file: path, bucket: "b", key: "k")
        #expect(plain.state == .completed, "\(plain)")
        let meta = await Uploader(
            operations: fake, options: Self.options(scratch, headers: UploadHeaders(metadata: ["a": "b"]))
        ).upload(file: path, bucket: "b", key: "k2")
        #expect(meta.state == .failed)
    }
}
