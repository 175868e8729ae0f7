import OSSCore
internal import OSSCrypto
internal import OSSHTTP

/// Serves one connection with OSSHTTP's `HTTPServerConnection`: requests one after another
/// (keep-alive, pipelined requests waiting in its buffer), each body streamed to the service,
/// each answer written in order.
///
/// Used by the one task serving the connection.
final class MockConnection {
    let stream: any ByteStream
    let service: MockOSS
    /// Handles requests to `/_mock/...` (the admin endpoint); `nil` when disabled.
    let admin: (@Sendable (MockRequest, [UInt8]) async -> MockResponse)?
    let http: HTTPServerConnection

    /// Watches the connection's first bytes for a TLS handshake.
    private let sniffer: MockTLSSniffer

    init(stream: any ByteStream, service: MockOSS, admin: (@Sendable (MockRequest, [UInt8]) async -> MockResponse)?) {
        self.stream = stream
        self.service = service
        self.admin = admin
        sniffer = MockTLSSniffer(stream)
        http = HTTPServerConnection(stream: sniffer, readBufferSize: 256 * 1024)
    }

    /// Serves requests until the client closes, a fault or an error ends the connection.
    /// The caller closes the stream afterwards.
    func run() async {
        while !Task.isCancelled {
            do {
                guard try await serveOne() else {
                    if sniffer.sawTLSHandshake {
                        // A client speaking TLS to the plain-HTTP port (an https:// URL for an
                        // http:// server): answer 400 in clear and close, as a web server does,
                        // so the client fails at once instead of waiting for a ServerHello.
                        await writeBadRequest(
                            "The plain-HTTP port received a TLS handshake: this server speaks http://, not https://.")
                    }
                    return
                }
            } catch let e as HTTPParserError {
                // A request OSSHTTP cannot parse: answer 400 and close (RFC 9112 §2.2).
                await writeBadRequest(e.description)
                return
            } catch {
                return
            }
        }
    }

    /// An OSS-shaped `400 BadRequest` with `Connection: close`, written straight to the stream.
    private func writeBadRequest(_ message: String) async {
        let id = secureRandomBytes(12)
        let error = MockOSSError(status: 400, code: "BadRequest", message: message, ec: "0000-00000400")
        let body = error.xml(requestId: Hex.encode(id, uppercase: true), hostId: "oss-\(service.configuration.region).mock.localhost")
        let head = HTTPResponseHead(
            status: 400, headers: ["Content-Type": "application/xml", "Connection": "close", "Server": "AliyunOSS"])
        var bytes = HTTPResponseEncoder.encodeHead(head, bodyLength: Int64(body.count)).bytes
        bytes += body
        try? await stream.write(bytes)
    }

    /// Serves one request.
    /// - Returns: whether the connection may carry another.
    private func serveOne() async throws -> Bool {
        guard let head = try await http.nextRequest() else { return false }
        // With a data directory, a request may write its body to a file (pwrite) or answer
        // from one (pread): blocking disk calls that must not run on Swift's cooperative
        // threads, where every other connection's socket work resumes. The request, from its
        // body to its answer, runs on a file I/O thread then (one hop in, one out, as the
        // client does for file bodies); waiting for the next request head does not.
        if service.configuration.dataDirectory != nil {
            return try await FileIOExecutor.run { try await serve(head) }
        }
        return try await serve(head)
    }

    private func serve(_ head: HTTPRequestHead) async throws -> Bool {
        let request = MockRequest(
            method: head.method.rawValue, target: head.target, headers: head.headers.map { (name: $0.name, value: $0.value) },
            virtualHostDomains: service.configuration.virtualHostDomains)
        let isAdmin = admin != nil && request.bucket == "_mock" && !request.virtualHosted
        // The admin endpoint is never faulted, so a script can always clear the faults.
        let (faults, resetNow) = isAdmin ? (MockFaults(), false) : service.faults(forRequestOf: MockOSS.operationName(request))
        if resetNow {
            stream.abort()
            return false
        }
        var length: Int64? = nil
        if head.headers["Transfer-Encoding"] == nil {
            length = head.headers["Content-Length"].flatMap { Int64($0) } ?? 0
        }
        let body = MockConnectionBody(http: http, expectedLength: length, faults: faults, service: service)

        var response: MockResponse
        if let admin, isAdmin {
            let bytes = (try? await body.readAll(limit: 1 << 20)) ?? []
            response = await admin(request, bytes)
        } else if let limit = faults.forbiddenAfterBodyBytes, length.map({ $0 > limit }) ?? true {
            // Read only `limit` bytes, answer 403 with Connection: close, and close.
            let got = (try? await body.skip(upTo: limit)) ?? 0
            response = service.rejectMidBody(request, body: body, bytesReceived: got)
            try? await write(response, faults: MockFaults())
            stream.abort()
            return false
        } else {
            response = await service.handle(request, body: body, faults: faults)
        }
        if body.reset || response.noAnswer {
            stream.abort()
            return false
        }
        if let delay = faults.responseDelay { try? await Task.sleep(for: delay) }
        if response.closeConnection, response.header("connection") == nil {
            response.headers.append(("Connection", "close"))
        }
        if faults.garbageResponse {
            try? await stream.write(Array("\u{16}\u{03}\u{01}\u{00}\u{7F}NOT-HTTP \u{01}\u{02}garbage\r\n\r\n".utf8))
            // Closed by the caller (a FIN after what was written): an abort would reset it
            // and could discard those bytes.
            return false
        }
        if faults.truncateResponse {
            try? await writeFirstHalf(response, isHead: head.method == .head)
            // Closed by the caller (a FIN after what was written): an abort would reset it
            // and could discard those bytes.
            return false
        }
        try await write(response, faults: faults)
        if faults.closeAfterHeaders {
            // Closed by the caller (a FIN after what was written): an abort would reset it
            // and could discard those bytes.
            return false
        }
        return head.keepAlive && !response.closeConnection
    }

    /// Writes the first half of the answer's bytes (head and body together): the
    /// `truncateResponse` fault. The caller closes the connection.
    private func writeFirstHalf(_ response: MockResponse, isHead: Bool) async throws {
        var headers = HTTPHeaders()
        for h in response.headers where !ASCIICase.equal(h.name, "content-length") {
            headers.add(name: h.name, value: h.value)
        }
        let length = response.header("content-length").flatMap { Int64($0) } ?? response.body.count
        let head = HTTPResponseHead(status: response.status, reason: HTTPResponseEncoder.reasonPhrase(response.status), headers: headers)
        var bytes = HTTPResponseEncoder.encodeHead(head, bodyLength: length).bytes
        if !isHead { bytes += try await response.body.collect() }
        try await stream.write(Array(bytes[0..<(bytes.count / 2)]))
    }

    /// Writes the head, then (unless HEAD, 204, 304) the body in pieces.
    private func write(_ response: MockResponse, faults: MockFaults) async throws {
        var headers = HTTPHeaders()
        var length = response.body.count
        for h in response.headers {
            if ASCIICase.equal(h.name, "content-length") {
                length = Int64(h.value) ?? length
            } else {
                headers.add(name: h.name, value: h.value)
            }
        }
        let head = HTTPResponseHead(status: response.status, reason: HTTPResponseEncoder.reasonPhrase(response.status), headers: headers)
        let rate = faults.maxSendRate.map { max(1, $0) }
        if !faults.closeAfterHeaders, rate == nil || response.body.count == 0, case .bytes(let b) = response.body.storage,
            b.count <= 256 * 1024
        {
            // Head and body in one write; for HEAD the body is left out and its length announced.
            if Int64(b.count) == length {
                try await http.writeResponse(head, body: b)
                return
            }
        }
        try await http.writeResponseHead(head, bodyLength: length)
        if faults.closeAfterHeaders { return }
        let h = http
        if let rate {
            // The maxSendRate fault: pieces of a twentieth of a second, each sent when the bytes
            // before it have taken as long as the rate allows.
            let started = ContinuousClock.now
            var sent: Int64 = 0
            let piece = max(1, rate / 20)
            try await response.body.forEachChunk { chunk in
                var offset = 0
                while offset < chunk.count {
                    let due = started + .nanoseconds(Int64(Double(sent) / Double(rate) * 1e9))
                    if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
                    let n = min(piece, chunk.count - offset)
                    try await h.writeBody(Array(chunk[offset..<(offset + n)]))
                    offset += n
                    sent += Int64(n)
                }
            }
        } else {
            try await response.body.forEachChunk { try await h.writeBody(Array($0)) }
        }
        try await http.finishResponse()
    }
}

/// The stream a connection's HTTP parser reads from: passes everything through, but if the very
/// first byte of the connection starts a TLS handshake record (0x16), reports the end of the stream
/// instead and notes it, so the connection answers 400 instead of waiting for a request line.
///
/// `@unchecked Sendable`: reads come from the one task serving the connection; `abort()` and
/// `close()` go straight to the underlying stream, which is safe from any thread.
final class MockTLSSniffer: ByteStream, @unchecked Sendable {
    private let base: any ByteStream
    private var checked = false
    private(set) var sawTLSHandshake = false

    init(_ base: any ByteStream) { self.base = base }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        if sawTLSHandshake { return 0 }
        let n = try await base.read(into: buffer)
        if !checked, n > 0 {
            checked = true
            // TLS record type 22 (handshake), RFC 8446 §5.1; no HTTP method starts with it.
            if buffer[0] == 0x16 {
                sawTLSHandshake = true
                return 0
            }
        }
        return n
    }

    func write(_ bytes: UnsafeRawBufferPointer) async throws { try await base.write(bytes) }
    func abort() { base.abort() }
    func close() { base.close() }
    var idleTimeout: Duration? {
        get { base.idleTimeout }
        set { base.idleTimeout = newValue }
    }
    var isReusable: Bool { base.isReusable }
}

/// A request body read through `HTTPServerConnection` (which frames it and sends `100 Continue`
/// on the first read), with the body-level faults applied: rate limit, stall, reset.
///
/// `@unchecked Sendable`: it is only ever used by the task serving its connection, one call at
/// a time; the protocol asks for `Sendable` so in-process bodies can be handed over freely.
final class MockConnectionBody: MockBodySource, @unchecked Sendable {
    private let http: HTTPServerConnection
    private var faults: MockFaults
    private let service: MockOSS
    let expectedLength: Int64?
    private(set) var finished: Bool
    private(set) var reset = false
    private var received: Int64 = 0
    /// A piece read but not handed out yet.
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private let started = ContinuousClock.now

    init(http: HTTPServerConnection, expectedLength: Int64?, faults: MockFaults, service: MockOSS) {
        self.http = http
        self.expectedLength = expectedLength
        self.faults = faults
        self.service = service
        finished = expectedLength == 0
    }

    func read(into out: UnsafeMutableRawBufferPointer) async throws -> Int {
        if finished && pendingOffset == pending.count { return 0 }
        var limit = out.count
        if let stall = faults.stallAfterBodyBytes {
            if received >= stall { try await stallUntilReleased() }
            if let s = faults.stallAfterBodyBytes { limit = Int(min(Int64(limit), max(1, s - received))) }
        }
        if let resetAt = faults.resetAfterBodyBytes {
            if received >= resetAt {
                reset = true
                throw MockBodyError.clientGone
            }
            limit = Int(min(Int64(limit), resetAt - received))
        }
        if let rate = faults.maxReceiveRate, rate > 0 {
            limit = min(limit, max(1, rate / 20))
            // Wait until reading `received` bytes took as long as the rate allows.
            let due = started + .nanoseconds(Int64(Double(received) / Double(rate) * 1e9))
            if due > ContinuousClock.now { try? await Task.sleep(until: due, clock: .continuous) }
        }
        if pendingOffset == pending.count {
            let piece: [UInt8]?
            do {
                piece = try await http.readBody()
            } catch {
                throw MockBodyError.clientGone
            }
            guard let piece else {
                finished = true
                return 0
            }
            pending = piece
            pendingOffset = 0
        }
        let n = min(limit, pending.count - pendingOffset)
        pending.withUnsafeBytes { src in
            out.baseAddress!.copyMemory(from: src.baseAddress! + pendingOffset, byteCount: n)
        }
        pendingOffset += n
        received += Int64(n)
        service.noteBodyBytes(n)
        if let expectedLength, received == expectedLength, pendingOffset == pending.count {
            // Let the framing see its end, so the connection can carry the next request.
            _ = try? await http.readBody()
            finished = true
        }
        return n
    }

    /// Reads and drops body bytes until `limit` have been received or the body ends.
    /// - Returns: the number of body bytes received so far.
    func skip(upTo limit: Int64) async throws -> Int64 {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        while received < limit {
            let want = Int(min(Int64(chunk.count), limit - received))
            let n = try await read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<want]))
            if n == 0 { break }
        }
        return received
    }

    /// Waits while the stall fault holds (checked again every 50 ms, so clearing it resumes).
    private func stallUntilReleased() async throws {
        while true {
            if Task.isCancelled { throw MockBodyError.clientGone }
            let current = service.faults.stallAfterBodyBytes
            if current == nil || current! > received {
                faults.stallAfterBodyBytes = current
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The whole body, up to `limit` bytes.
    func readAll(limit: Int) async throws -> [UInt8] {
        var out = [UInt8]()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = try await read(into: chunk)
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw MockBodyError.malformed }
        }
    }
}
