import OSSCore
import OSSHTTP
import OSSProtocol
import OSSSigner
import OSSTransport
import Synchronization

@testable import OSSClient

/// What the peer received.
struct PeerRequest: Sendable {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The path without the query, percent-decoded.
    var path: String {
        let p = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        return PercentEncoding.decode(p) ?? p
    }

    /// Query parameters, decoded.
    var query: [String: String] {
        guard let q = target.firstIndex(of: "?") else { return [:] }
        var out: [String: String] = [:]
        for part in target[target.index(after: q)...].split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1)
            out[PercentEncoding.decode(kv[0]) ?? String(kv[0])] = kv.count > 1 ? PercentEncoding.decode(kv[1]) ?? "" : ""
        }
        return out
    }
}

/// What the peer answers.
struct PeerResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    init(_ status: Int, _ headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// An in-process HTTP peer on 127.0.0.1:0, built on OSSTransport's `TCPListener` and OSSHTTP's
/// server connection: each request's body is read whole, then `handler` answers it. With
/// `stallUploads`, request bodies are never read (a peer that stopped reading).
final class ScriptedPeer: Sendable {
    let listener: TCPListener
    let requests = PThreadMutex<[PeerRequest]>([])
    let accepted = PThreadMutex<Int>(0)
    private let acceptTask = PThreadMutex<Task<Void, Never>?>(nil)
    private let connections = PThreadMutex<[any ByteStream]>([])
    private let connectionTasks = PThreadMutex<[Task<Void, Never>]>([])

    var port: Int { listener.localPort }
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// - Parameter closeAfterResponse: close each connection after its first answer, without a
    ///   `Connection: close` (a server that drops idle kept-alive connections).
    init(
        stallUploads: Bool = false, closeAfterResponse: Bool = false,
        handler: @escaping @Sendable (PeerRequest) -> PeerResponse
    ) throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0)
        let listener = self.listener
        let requests = self.requests
        let accepted = self.accepted
        let connections = self.connections
        let connectionTasks = self.connectionTasks
        let task = Task {
            while true {
                guard let stream = try? await listener.accept() else { return }
                accepted.withLock { $0 += 1 }
                connections.withLock { $0.append(stream) }
                let t = Task {
                    let conn = HTTPServerConnection(stream: stream)
                    defer { conn.close() }
                    while let head = try? await conn.nextRequest() {
                        if stallUploads && (head.method == .put || head.method == .post) {
                            // Never read the body: the client's writes fill the socket buffers.
                            try? await Task.sleep(for: .seconds(3600))
                            return
                        }
                        guard let body = try? await conn.readWholeBody() else { return }
                        let request = PeerRequest(
                            method: head.method.rawValue, target: head.target,
                            headers: head.headers.map { (name: $0.name, value: $0.value) }, body: body)
                        requests.withLock { $0.append(request) }
                        let r = handler(request)
                        var headers = HTTPHeaders(r.headers)
                        if !headers.contains("x-oss-request-id") { headers.add(name: "x-oss-request-id", value: "PEER") }
                        do {
                            if head.method == .head {
                                // As OSS does: the object's length, and no body.
                                try await conn.writeResponseHead(
                                    HTTPResponseHead(status: r.status, headers: headers), bodyLength: Int64(r.body.count))
                                try await conn.finishResponse()
                            } else {
                                try await conn.writeResponse(HTTPResponseHead(status: r.status, headers: headers), body: r.body)
                            }
                        } catch {
                            return
                        }
                        if closeAfterResponse { return }
                    }
                }
                connectionTasks.withLock { $0.append(t) }
            }
        }
        acceptTask.withLock { $0 = task }
    }

    /// Stops accepting and shuts every accepted connection down.
    func stop() {
        listener.close()
        acceptTask.withLock { $0?.cancel() }
        for c in connections.withLock({ $0 }) { c.abort() }
        for t in connectionTasks.withLock({ $0 }) { t.cancel() }
    }

    /// Stops, and waits until every connection is closed.
    func stopAndWait() async {
        stop()
        for t in connectionTasks.withLock({ $0 }) { await t.value }
        await acceptTask.withLock({ $0 })?.value
    }

    var received: [PeerRequest] { requests.withLock { $0 } }
}

/// Test credentials (not real).
let testCredentials = OSSCredentials(accessKeyId: "LTAItestkey", accessKeySecret: "test-secret-0123456789")

func peerClient(_ peer: ScriptedPeer, version: OSSClientConfiguration.SignatureVersion = .v4, retries: Int = 0)
    throws -> OSSClient
{
    var c = try OSSClientConfiguration(endpoint: peer.endpoint, region: "cn-hangzhou")
    c.signatureVersion = version
    c.credentialsProvider = StaticCredentialsProvider(testCredentials)
    c.retryPolicy = RetryPolicy(maxRetries: retries, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
    return try OSSClient(configuration: c)
}

/// Checks a received request's signature as OSS would.
func verifySignature(_ r: PeerRequest, region: String = "cn-hangzhou") -> VerificationResult {
    SignatureVerifier(region: region).verify(
        request: ReceivedRequest(method: r.method, target: r.target, headers: r.headers),
        credentialsLookup: { $0 == testCredentials.accessKeyId ? testCredentials : nil })
}

/// A tiny object store speaking enough OSS for round trips, verifying every signature.
final class TinyOSS: Sendable {
    let objects = PThreadMutex<[String: [UInt8]]>([:])

    func handle(_ r: PeerRequest) -> PeerResponse {
        let v = verifySignature(r)
        guard v.isValid else {
            let f = v.failure!
            let xml = "<Error><Code>\(f.code)</Code><Message>\(f.message)</Message><RequestId>R</RequestId></Error>"
            return PeerResponse(f.status, body: Array(xml.utf8))
        }
        let path = r.path
        let q = r.query
        switch r.method {
        case "PUT":
            objects.withLock { $0[path] = r.body }
            return PeerResponse(
                200, [("ETag", "\"ETAG\""), ("x-oss-hash-crc64ecma", String(CRC64.checksum(r.body)))])
        case "GET" where q["list-type"] == "2":
            // /bucket/?list-type=2: one key per page to exercise the paginator.
            let bucket = path.split(separator: "/").first.map(String.init) ?? ""
            let keys = objects.withLock { $0.keys.sorted() }.filter { $0.hasPrefix("/\(bucket)/") }
                .map { String($0.dropFirst(bucket.count + 2)) }
            let after = q["continuation-token"] ?? ""
            let remaining = keys.filter { after.isEmpty || $0 > after }
            let page = Array(remaining.prefix(1))
            let truncated = remaining.count > 1
            var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>\(bucket)</Name>"
            xml += "<EncodingType>url</EncodingType><IsTruncated>\(truncated)</IsTruncated>"
            if truncated, let last = page.last { xml += "<NextContinuationToken>\(last)</NextContinuationToken>" }
            for k in page {
                let size = objects.withLock { $0["/\(bucket)/\(k)"]?.count ?? 0 }
                xml += "<Contents><Key>\(PercentEncoding.encode(k))</Key><Size>\(size)</Size></Contents>"
            }
            xml += "</ListBucketResult>"
            return PeerResponse(200, [("Content-Type", "application/xml")], body: Array(xml.utf8))
        case "GET", "HEAD":
            guard let data = objects.withLock({ $0[path] }) else {
                let xml = "<Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>R</RequestId></Error>"
                if r.method == "HEAD" {
                    return PeerResponse(404, [("x-oss-err", Base64.encode(Array(xml.utf8)))])
                }
                return PeerResponse(404, body: Array(xml.utf8))
            }
            return PeerResponse(200, [("x-oss-hash-crc64ecma", String(CRC64.checksum(data)))], body: data)
        case "DELETE":
            objects.withLock { $0[path] = nil }
            return PeerResponse(204)
        default:
            return PeerResponse(405)
        }
    }
}
