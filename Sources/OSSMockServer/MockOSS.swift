import Glibc
import OSSCore
internal import OSSCrypto
import OSSProtocol
import Synchronization

/// The mock OSS service without sockets: takes a request and its body, answers like OSS.
///
/// `MockOSSServer` puts it on the network; tests may call `handle(_:body:)` directly.
public final class MockOSS: Sendable {
    public let configuration: MockServerConfiguration
    let store = MockStore()
    let log = MockRequestLog()

    private struct FaultState {
        var faults: MockFaults
        var ruleSeen: [Int]
        /// Requests that got the per-request faults so far (for `faultTimes`).
        var perRequestUsed = 0
        /// Requests counted for `resetEveryNthRequest`.
        var requestsSeen = 0
    }
    private let faultState: PThreadMutex<FaultState>
    private let requestCounter = Atomic<UInt64>(0)
    private let uploadCounter = Atomic<UInt64>(0)
    private let bodyByteCounter = Atomic<Int64>(0)
    /// Issue 16 objects: the service-level Block Public Access (`nil`: never set).
    let serviceBlockPublicAccess = PThreadMutex<Bool?>(nil)

    /// Request body bytes this server has read so far, over every request and connection: what
    /// a test or the demo waits on ("the server received N bytes") instead of a clock.
    public var bodyBytesReceived: Int64 { bodyByteCounter.load(ordering: .relaxed) }

    func noteBodyBytes(_ n: Int) { bodyByteCounter.add(Int64(n), ordering: .relaxed) }

    /// Creates the service and the configured buckets.
    /// - Throws: `MockOSSError` for an invalid bucket name; `SystemError` for an unusable data directory.
    public init(configuration: MockServerConfiguration = MockServerConfiguration()) throws {
        self.configuration = configuration
        faultState = PThreadMutex(
            FaultState(faults: configuration.faults, ruleSeen: configuration.faults.errorRules.map { _ in 0 }))
        if let dir = configuration.dataDirectory {
            var st = stat()
            if stat(dir, &st) != 0 {
                guard mkdir(dir, 0o700) == 0 else { throw SystemError.current("mkdir \(dir)") }
            }
        }
        for b in configuration.buckets { try createBucket(b) }
    }

    // MARK: Faults and observation

    /// The faults in force.
    public var faults: MockFaults { faultState.withLock { $0.faults } }

    /// Replaces the faults (rule counters start again from zero).
    public func setFaults(_ faults: MockFaults) {
        faultState.withLock { $0 = FaultState(faults: faults, ruleSeen: faults.errorRules.map { _ in 0 }) }
    }

    /// The faults for one request of `operation`, and whether to reset its connection
    /// (`resetEveryNthRequest`). The per-request faults are left out unless they apply to it
    /// (`faultOperation`) and fewer than `faultTimes` requests have had them.
    func faults(forRequestOf operation: String) -> (faults: MockFaults, reset: Bool) {
        faultState.withLock { s in
            var f = s.faults
            var reset = false
            if let n = f.resetEveryNthRequest, n > 0 {
                s.requestsSeen += 1
                reset = s.requestsSeen % n == 0
            }
            if f.hasPerRequestFault {
                let matches = f.faultOperation == nil || f.faultOperation == operation
                if matches, f.faultTimes.map({ s.perRequestUsed < $0 }) ?? true {
                    s.perRequestUsed += 1
                } else {
                    f = f.withoutPerRequestFaults
                }
            }
            return (f, reset)
        }
    }

    /// Changes some faults.
    public func updateFaults(_ change: (inout MockFaults) -> Void) {
        var f = faults
        change(&f)
        setFaults(f)
    }

    /// Every request handled so far (oldest first).
    public var requestLog: [MockRequestLogEntry] { log.all }

    /// Forgets the request log.
    public func clearRequestLog() { log.clear() }

    /// The server clock, skewed when a fault says so.
    /// OSS keeps times in whole seconds (its XML shows `.000Z`), and so does the mock.
    public var now: UTCTime { UTCTime(seconds: UTCTime.now().adding(seconds: faults.clockSkewSeconds).seconds) }

    // MARK: Direct access for tests

    /// Creates a bucket, as PutBucket does.
    public func createBucket(_ name: String) throws(MockOSSError) {
        guard Validation.isValidBucketName(name) else { throw MockOSSError.invalidBucketName.with("BucketName", name) }
        let now = self.now
        try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            if all[name] == nil { all[name] = MockBucket(name: name, created: now) }
        }
    }

    /// The bytes of an object, or `nil`.
    public func objectBytes(bucket: String, key: String) async -> [UInt8]? {
        let data = try? store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in all[bucket]?.objects[key]?.data }
        guard let data else { return nil }
        return try? await data.readAll()
    }

    /// The keys of a bucket's objects, sorted.
    public func objectKeys(bucket: String) -> [String] {
        let keys = try? store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            all[bucket].map { Array($0.objects.keys) } ?? []
        }
        return (keys ?? []).sorted(by: MockOSS.utf8Less)
    }

    /// The ids of a bucket's multipart uploads in progress.
    public func uploadIds(bucket: String) -> [String] {
        let ids = try? store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            all[bucket].map { Array($0.uploads.keys) } ?? []
        }
        return (ids ?? []).sorted()
    }

    /// Drops every bucket, object and upload (files under the data directory are removed once no
    /// response still reads them). For a clean exit.
    public func removeAll() {
        try? store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in all.removeAll() }
    }

    /// Bucket names, sorted.
    public func bucketNames() -> [String] {
        let names = try? store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in Array(all.keys) }
        return (names ?? []).sorted()
    }

    // MARK: Handling

    /// Answers one request.
    /// - Parameters:
    ///   - request: the request line and headers, bucket and key resolved.
    ///   - body: the request body as it arrives.
    /// - Returns: the answer; `noAnswer` when the client went away mid-body.
    public func handle(_ request: MockRequest, body: any MockBodySource) async -> MockResponse {
        await handle(request, body: body, faults: faults)
    }

    /// Answers one request with the given faults in force (a connection decides them per request).
    ///
    /// The checks come in OSS's order: the bucket name, the bucket's existence (so an unknown
    /// bucket is `NoSuchBucket` whatever the signature), the signature, then the operation.
    func handle(_ request: MockRequest, body: any MockBodySource, faults: MockFaults) async -> MockResponse {
        let exchange = MockExchange(request: request, body: body, requestId: nextRequestId(), now: now)
        let route = request.route
        if case .operation(let op) = route { exchange.operation = op }
        var response: MockResponse
        do {
            if let injected = injectedError(for: exchange.operationName) {
                try await exchange.discardBody()
                throw injected
            }
            try checkBucket(exchange)
            // A CORS preflight is never signed: OSS answers it from the bucket's CORS rules alone.
            // A PostObject form carries its signature in the form: its handler verifies it.
            if exchange.operation != .optionObject && exchange.operation != .postObject {
                try MockAuth.verify(
                    request, credentials: configuration.credentials, allowAnonymous: configuration.allowAnonymous,
                    now: exchange.now, maximumSkew: configuration.maximumClockSkew, region: configuration.region)
            }
            response = try await dispatch(exchange, route)
        } catch let error as MockOSSError {
            response = errorResponse(error, exchange)
        } catch is MockBodyError {
            exchange.clientGone = true
            response = MockResponse(status: 0)
            response.noAnswer = true
        } catch {
            response = errorResponse(
                MockOSSError(status: 500, code: OSSErrorCode.internalError, message: "We encountered an internal error. Please try again.",
                    ec: "0000-00000500"), exchange)
        }
        if !response.noAnswer {
            addCORSHeaders(&response, exchange)
            finishHeaders(&response, exchange, faults)
        }
        logExchange(exchange, response)
        return response
    }

    /// `InvalidBucketName`, then `NoSuchBucket`: OSS answers these before it looks at the
    /// signature, except for PutBucket and PutBucketAcl (which OSS handles as one bucket write:
    /// an unknown bucket with a bad key is `InvalidAccessKeyId` there).
    private func checkBucket(_ x: MockExchange) throws(MockOSSError) {
        guard let b = x.request.bucket else { return }
        guard Validation.isValidBucketName(b) else { throw MockOSSError.invalidBucketName.with("BucketName", b) }
        if x.operation == .putBucket || x.operation == .putBucketAcl { return }
        let exists = try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in all[b] != nil }
        if !exists { throw MockOSSError.noSuchBucket.with("BucketName", b) }
    }

    /// Answers `403 AccessDenied` with `Connection: close` to a request whose body was read only
    /// up to `bytesReceived` (the `forbiddenAfterBodyBytes` fault).
    func rejectMidBody(_ request: MockRequest, body: any MockBodySource, bytesReceived: Int64) -> MockResponse {
        let exchange = MockExchange(request: request, body: body, requestId: nextRequestId(), now: now)
        exchange.operation = request.operation
        exchange.bytesReceived = bytesReceived
        var response = errorResponse(
            MockOSSError(status: 403, code: OSSErrorCode.accessDenied, message: "Injected: rejected part-way through the body.",
                ec: "0003-00000001"), exchange)
        response.closeConnection = true
        finishHeaders(&response, exchange, MockFaults())
        logExchange(exchange, response)
        return response
    }

    private func logExchange(_ exchange: MockExchange, _ response: MockResponse) {
        let request = exchange.request
        _ = log.append(
            MockRequestLogEntry(
                sequence: 0, method: request.method, operation: exchange.operationName, bucket: request.bucket, key: request.key,
                query: MockRequestLogEntry.loggedQuery(request.rawQuery), partNumber: request.queryValue("partNumber").flatMap { Int($0) }, uploadId: request.queryValue("uploadId"),
                bytesReceived: exchange.bytesReceived, bodyCompleted: exchange.bodyCompleted,
                clientClosedMidBody: exchange.clientGone, status: response.noAnswer ? 0 : response.status,
                errorCode: response.errorCode, requestId: exchange.requestId))
    }

    private func finishHeaders(_ response: inout MockResponse, _ exchange: MockExchange, _ f: MockFaults) {
        var head: [(name: String, value: String)] = [
            ("Server", "AliyunOSS"), ("Date", exchange.now.rfc1123), (OSSHeader.requestId, exchange.requestId),
        ]
        if response.header("content-length") == nil { head.append(("Content-Length", String(response.body.count))) }
        response.headers = head + response.headers
        if f.wrongCRC64, let crc = response.header(OSSHeader.crc64), let v = UInt64(crc) {
            response.setHeader(OSSHeader.crc64, String(v ^ 0x5A5A))
        }
        if f.connectionClose { response.closeConnection = true }
        if response.closeConnection { response.setHeader("Connection", "close") }
    }

    func errorResponse(_ error: MockOSSError, _ exchange: MockExchange) -> MockResponse {
        let request = exchange.request
        var hostId = "oss-\(configuration.region).mock.localhost"
        if let b = request.bucket { hostId = "\(b).\(hostId)" }
        var e = error
        if e.code == OSSErrorCode.noSuchKey, let k = request.key, !e.fields.contains(where: { $0.name == "Key" }) {
            e.fields.append(MockOSSError.Field("Key", k))
        }
        let xml = e.xml(requestId: exchange.requestId, hostId: hostId)
        var r = MockResponse(status: e.status)
        r.errorCode = e.code
        r.headers.append((OSSHeader.ec, e.ec))
        for h in e.headers { r.headers.append((h.name, h.value)) }
        if request.method == "HEAD" {
            r.headers.append((OSSHeader.errorDocument, Base64.encode(xml)))
            r.headers.append(("Content-Length", "0"))
        } else {
            r.headers.append(("Content-Type", "application/xml"))
            r.body = .bytes(xml)
        }
        return r
    }

    private func injectedError(for operation: String) -> MockOSSError? {
        faultState.withLock { s in
            for (i, rule) in s.faults.errorRules.enumerated() where rule.operation == operation || rule.operation == "*" {
                s.ruleSeen[i] += 1
                let seen = s.ruleSeen[i]
                if seen >= rule.nth && seen < rule.nth + rule.count {
                    return MockOSSError(status: rule.status, code: rule.code, message: rule.message, ec: "0000-00000000")
                }
            }
            return nil
        }
    }

    private func nextRequestId() -> String {
        let n = requestCounter.add(1, ordering: .relaxed).newValue
        var bytes = secureRandomBytes(4)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: n >> (56 - 8 * UInt64(i)))) }
        return Hex.encode(bytes, uppercase: true)
    }

    func nextUploadId() -> String {
        let n = uploadCounter.add(1, ordering: .relaxed).newValue
        return Hex.encode(secureRandomBytes(12), uppercase: true) + String(n)
    }

    // MARK: Routing

    /// The OSS operation a request asks for (`Unknown` when it names none).
    public static func operationName(_ r: MockRequest) -> String { r.operation?.name ?? "Unknown" }

    /// Runs an operation on the service.
    typealias Handler = @Sendable (MockOSS, MockExchange) async throws -> MockResponse

    /// The operations the mock implements; every other operation of ``OSSOperation/all`` answers
    /// `501 NotImplemented` and changes nothing. Each area keeps its handlers in its own table
    /// (the core operations below, the others beside their implementation); to implement an
    /// operation, add its handler to its area's table.
    static let handlers: [OSSOperation: Handler] = {
        var all = coreHandlers
        for area in [uploadHandlers, objectHandlers, versioningHandlers, bucketConfigurationHandlers, postObjectHandlers] {
            all.merge(area) { _, _ in preconditionFailure("an operation with two mock handlers") }
        }
        return all
    }()

    /// Buckets, listings, objects and multipart uploads.
    static let coreHandlers: [OSSOperation: Handler] = [
        .listBuckets: { try $0.listBuckets($1) },
        .putBucket: { try await $0.putBucket($1) },
        .deleteBucket: { try $0.deleteBucket($1) },
        .headBucket: { try $0.headBucket($1) },
        .listObjects: { try $0.listObjects($1) },
        .listObjectsV2: { try $0.listObjects($1) },
        .deleteMultipleObjects: { try await $0.deleteMultiple($1) },
        .putObject: { try await $0.putObject($1) },
        .copyObject: { try $0.copyObject($1) },
        .getObject: { try $0.getObject($1) },
        .headObject: { try $0.getObject($1) },
        .deleteObject: { try $0.deleteObject($1) },
        .appendObject: { try await $0.appendObject($1) },
        .initiateMultipartUpload: { try await $0.initiateUpload($1) },
        .uploadPart: { try await $0.uploadPart($1) },
        .uploadPartCopy: { try await $0.uploadPartCopy($1) },
        .completeMultipartUpload: { try await $0.completeUpload($1) },
        .abortMultipartUpload: { try $0.abortUpload($1) },
        .listParts: { try $0.listParts($1) },
        .listMultipartUploads: { try $0.listUploads($1) },
    ]

    private func dispatch(_ x: MockExchange, _ route: OSSOperation.Route) async throws -> MockResponse {
        switch route {
        case .unknownMethod:
            throw MockOSSError.methodNotAllowed
        case .unknownSubresource(let what):
            throw MockOSSError.notImplemented(what)
        case .operation(let op):
            guard let handler = MockOSS.handlers[op] else { throw MockOSSError.notImplemented(op.name) }
            if let k = x.request.key { try MockOSS.checkObjectName(k) }
            // Issue 16 uploads: encryption and callback checked first, the callback made after.
            let callback = try checkUploadRequest(x)
            var response = try await handler(self, x)
            addEncryptionHeaders(x, &response)
            guard let callback else { return response }
            return await answerCallback(callback, x, response)
        }
    }

    /// OSS's object-name rules (OSSProtocol's `Validation.checkObjectName`), as OSS answers them.
    static func checkObjectName(_ key: String) throws(MockOSSError) {
        do { try Validation.checkObjectName(key) } catch { throw MockOSSError.invalidObjectName }
    }

    // MARK: Helpers

    /// Byte-wise (UTF-8) order, the order OSS lists keys in.
    static func utf8Less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `"HEX"` of an MD5, as OSS's ETag.
    static func etag(md5: [UInt8]) -> String { "\"\(Hex.encode(md5, uppercase: true))\"" }
}

/// One request being handled: the request, its body, and what has been seen of it.
/// Used by the one task handling the request.
final class MockExchange {
    let request: MockRequest
    let body: any MockBodySource
    let requestId: String
    let now: UTCTime
    /// The operation the request was routed to, `nil` when it names none.
    var operation: OSSOperation?
    /// The operation's name for the log and the fault rules (`Unknown` when none).
    var operationName: String { operation?.name ?? "Unknown" }
    var bytesReceived: Int64 = 0
    var bodyCompleted: Bool
    var clientGone = false

    init(request: MockRequest, body: any MockBodySource, requestId: String, now: UTCTime) {
        self.request = request
        self.body = body
        self.requestId = requestId
        self.now = now
        bodyCompleted = body.expectedLength == 0
    }

    /// Reads the whole body into a writer.
    /// - Throws: `MockBodyError` when the client goes away.
    func receiveBody(into writer: MockBlobWriter) async throws {
        try await readBody(bufferSize: 256 * 1024) { try writer.write($0) }
    }

    /// Reads a small body (XML) into memory.
    func receiveSmallBody(limit: Int = 5 << 20) async throws -> [UInt8] {
        if let n = body.expectedLength, n > Int64(limit) {
            throw MockOSSError.entityTooLarge
        }
        let w = MockBlobWriter(directory: nil, spillThreshold: .max)
        try await receiveBody(into: w)
        return try await w.finish().0.readAll()
    }

    /// Reads and drops the body.
    func discardBody() async throws {
        guard !bodyCompleted else { return }
        try await readBody(bufferSize: 64 * 1024) { _ in }
    }

    /// Reads the body to its end, counting it in `bytesReceived` and handing each piece to
    /// `sink`; notes a client that went away mid-body (`clientGone`) or a body read whole.
    private func readBody(bufferSize: Int, _ sink: (UnsafeRawBufferPointer) throws -> Void) async throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = try await body.read(into: buffer)
                if n == 0 { break }
                bytesReceived += Int64(n)
                try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
        } catch let e as MockBodyError {
            clientGone = true
            throw e
        }
        bodyCompleted = true
    }
}
