#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OSSCore

/// Serves one connection: reads requests one after another (keep-alive, pipelined requests
/// waiting in the buffer), streams each body to the service, writes each answer in order.
///
/// Used by the one task serving the connection.
final class MockConnection {
    let stream: any ByteStream
    let service: MockOSS
    /// Handles requests to `/_mock/...` (the admin endpoint); `nil` when disabled.
    let admin: (@Sendable (MockRequest, [UInt8]) async -> MockResponse)?

    /// Bytes read but not used yet: `buffer[start..<end]`.
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private static let headLimit = 64 * 1024

    init(stream: any ByteStream, service: MockOSS, admin: (@Sendable (MockRequest, [UInt8]) async -> MockResponse)?) {
        self.stream = stream
        self.service = service
        self.admin = admin
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Serves requests until the client closes, a fault or an error ends the connection.
    /// The caller closes the stream afterwards.
    func run() async {
        while !Task.isCancelled {
            guard let keepGoing = try? await serveOne(), keepGoing else { return }
        }
    }

    /// Fills the buffer with at least one more byte.
    /// - Returns: `false` at the end of the stream.
    func fill() async throws -> Bool {
        if start == end {
            start = 0
            end = 0
        } else if end == buffer.count {
            // Move what is left to the front.
            let n = end - start
            buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: n)
            start = 0
            end = n
        }
        let n = try await stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        end += n
        return n > 0
    }

    /// Takes up to `max` buffered bytes.
    func takeBuffered(into out: UnsafeMutableRawBufferPointer, max: Int) -> Int {
        let n = min(end - start, max, out.count)
        if n > 0 {
            out.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: n)
            start += n
        }
        return n
    }

    /// Reads directly from the stream into `out` (nothing buffered).
    func readDirect(into out: UnsafeMutableRawBufferPointer) async throws -> Int {
        try await stream.read(into: out)
    }

    /// The next line (without CRLF), for chunk sizes and trailers.
    func readLine(limit: Int = 8192) async throws -> [UInt8]? {
        // Offsets from `start`: `fill()` may move the buffered bytes to the front.
        var searched = 0
        while true {
            var i = start + searched
            while i < end {
                if buffer[i] == 10 {
                    var line = Array(buffer[start..<i])
                    if line.last == 13 { line.removeLast() }
                    start = i + 1
                    return line
                }
                i += 1
            }
            searched = end - start
            guard end - start < limit else { return nil }
            guard try await fill() else { return nil }
        }
    }

    private func readHead() async throws -> MockHTTPHead? {
        // An offset from `start`: `fill()` may move the buffered bytes to the front.
        var searched = 0
        while true {
            let view = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            if let e = MockHTTPHead.headEnd(view, searchFrom: max(0, searched - 3)) {
                let head = try MockHTTPHead.parse(UnsafeRawBufferPointer(rebasing: view[0..<e]))
                start += e
                return head
            }
            searched = end - start
            if end - start >= MockConnection.headLimit { throw MockHTTPHead.ParseError(message: "request head too large") }
            guard try await fill() else {
                if start == end { return nil }
                throw MockHTTPHead.ParseError(message: "connection closed in the request head")
            }
        }
    }

    /// Serves one request.
    /// - Returns: whether the connection stays open.
    private func serveOne() async throws -> Bool {
        let head: MockHTTPHead
        let framing: MockHTTPHead.Framing
        do {
            guard let h = try await readHead() else { return false }
            head = h
            framing = try h.framing()
        } catch let e as MockHTTPHead.ParseError {
            var r = MockResponse(status: 400, headers: [("Content-Type", "text/plain")], body: .bytes(Array("\(e.message)\n".utf8)))
            r.headers.append(("Content-Length", String(r.body.count)))
            r.closeConnection = true
            try? await write(r, head: nil)
            return false
        }
        let request = MockRequest(
            method: head.method, target: head.target, headers: head.headers,
            virtualHostDomains: service.configuration.virtualHostDomains)
        let faults = service.faults
        let body = MockConnectionBody(
            connection: self, framing: framing,
            expectContinue: head.header("expect")?.lowercased() == "100-continue" && head.version == "HTTP/1.1",
            faults: faults, service: service)

        var response: MockResponse
        if let admin, request.bucket == "_mock", !request.virtualHosted {
            let bytes = (try? await body.readAll(limit: 1 << 20)) ?? []
            response = await admin(request, bytes)
            response.headers.append(("Content-Length", String(response.body.count)))
        } else {
            response = await service.handle(request, body: body)
        }
        if body.reset || response.noAnswer {
            stream.abort()
            return false
        }
        if let delay = faults.responseDelay { try? await Task.sleep(for: delay) }

        var keepAlive = head.keepAlive && !response.closeConnection
        var drainAfter = false
        if !body.finished {
            if body.expectContinue && !body.sentContinue {
                // The client waits for 100 Continue before sending: it will not send the body.
                keepAlive = false
            } else {
                drainAfter = keepAlive
                if !keepAlive { keepAlive = false }
            }
        }
        if !keepAlive, response.header("connection") == nil { response.headers.append(("Connection", "close")) }
        try await write(response, head: head)
        if faults.closeAfterHeaders {
            stream.abort()
            return false
        }
        if drainAfter {
            guard (try? await body.discardRest(limit: 1 << 30)) == true else { return false }
        }
        return keepAlive
    }

    /// Writes the status line, headers and (unless HEAD, 1xx, 204, 304) the body.
    func write(_ response: MockResponse, head: MockHTTPHead?) async throws {
        var text = "HTTP/1.1 \(response.status) \(MockResponse.reason(response.status))\r\n"
        for h in response.headers { text += "\(h.name): \(h.value)\r\n" }
        text += "\r\n"
        let noBody = head?.method == "HEAD" || response.status == 204 || response.status == 304
        let faults = service.faults
        if faults.closeAfterHeaders || noBody || response.body.count == 0 {
            try await stream.write(Array(text.utf8))
            return
        }
        if case .bytes(let b) = response.body.storage, b.count <= 64 * 1024 {
            try await stream.write(Array(text.utf8) + b)
            return
        }
        try await stream.write(Array(text.utf8))
        let s = stream
        try await response.body.forEachChunk { try await s.write($0) }
    }

    /// Sends `100 Continue` (RFC 9110 §10.1.1).
    func sendContinue() async throws {
        try await stream.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }
}

/// A request body read from a connection: `Content-Length` or chunked framing, `100 Continue`
/// sent on the first read, and the body-level faults (rate limit, stall, reset) applied.
///
/// `@unchecked Sendable`: it is only ever used by the task serving its connection, one call at
/// a time; the protocol asks for `Sendable` so in-process bodies can be handed over freely.
final class MockConnectionBody: MockBodySource, @unchecked Sendable {
    private let connection: MockConnection
    private let framing: MockHTTPHead.Framing
    private var faults: MockFaults
    private let service: MockOSS
    let expectContinue: Bool
    private(set) var sentContinue = false
    private(set) var finished: Bool
    private(set) var reset = false
    private var received: Int64 = 0
    /// Bytes left in the current chunk (chunked) or the body (length).
    private var remaining: Int64
    private var chunkedDone = false
    private let started = ContinuousClock.now

    init(connection: MockConnection, framing: MockHTTPHead.Framing, expectContinue: Bool, faults: MockFaults, service: MockOSS) {
        self.connection = connection
        self.framing = framing
        self.expectContinue = expectContinue
        self.faults = faults
        self.service = service
        switch framing {
        case .none:
            remaining = 0
            finished = true
        case .length(let n):
            remaining = n
            finished = false
        case .chunked:
            remaining = 0
            finished = false
        }
    }

    var expectedLength: Int64? {
        switch framing {
        case .none: return 0
        case .length(let n): return n
        case .chunked: return nil
        }
    }

    func read(into out: UnsafeMutableRawBufferPointer) async throws -> Int {
        if finished { return 0 }
        if expectContinue && !sentContinue {
            sentContinue = true
            do { try await connection.sendContinue() } catch { throw MockBodyError.clientGone }
        }
        var limit = out.count
        // Faults: stall, reset, rate.
        if let stall = faults.stallAfterBodyBytes {
            if received >= stall { try await stallUntilReleased() }
            limit = Int(min(Int64(limit), max(1, stall - received)))
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
        let n: Int
        do {
            switch framing {
            case .none: return 0
            case .length:
                n = try await readRaw(into: out, max: Int(min(Int64(limit), remaining)))
                remaining -= Int64(n)
                if remaining == 0 { finished = true }
            case .chunked:
                if remaining == 0 {
                    guard try await nextChunk() else { return 0 }
                }
                n = try await readRaw(into: out, max: Int(min(Int64(limit), remaining)))
                remaining -= Int64(n)
                if remaining == 0 {
                    // RFC 9112 §7.1: chunk-data CRLF.
                    guard let crlf = try await connection.readLine(), crlf.isEmpty else { throw MockBodyError.malformed }
                }
            }
        } catch let e as MockBodyError {
            throw e
        } catch {
            throw MockBodyError.clientGone
        }
        received += Int64(n)
        return n
    }

    /// Reads the next chunk-size line; at the last chunk reads the trailer section.
    /// - Returns: `false` at the end of the body.
    private func nextChunk() async throws -> Bool {
        // RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF
        guard let line = try await connection.readLine() else { throw MockBodyError.clientGone }
        let sizeText = line.prefix { $0 != UInt8(ascii: ";") && $0 != 32 && $0 != 9 }
        guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int64(String(decoding: sizeText, as: UTF8.self), radix: 16)
        else { throw MockBodyError.malformed }
        if size == 0 {
            // §7.1.2: trailer fields until an empty line.
            while true {
                guard let t = try await connection.readLine() else { throw MockBodyError.clientGone }
                if t.isEmpty { break }
            }
            finished = true
            return false
        }
        remaining = size
        return true
    }

    private func readRaw(into out: UnsafeMutableRawBufferPointer, max: Int) async throws -> Int {
        let target = UnsafeMutableRawBufferPointer(rebasing: out[0..<Swift.max(0, Swift.min(max, out.count))])
        let buffered = connection.takeBuffered(into: target, max: target.count)
        if buffered > 0 { return buffered }
        let n = try await connection.readDirect(into: target)
        if n == 0 { throw MockBodyError.clientGone }
        return n
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

    /// Reads and drops what is left of the body.
    /// - Returns: `false` when the body is longer than `limit` (the connection must close).
    func discardRest(limit: Int64) async throws -> Bool {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        var dropped: Int64 = 0
        while !finished {
            let n = try await read(into: chunk)
            if n == 0 { break }
            dropped += Int64(n)
            if dropped > limit { return false }
        }
        return true
    }
}
