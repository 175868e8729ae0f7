import Glibc
import OSSCore
import OSSHTTP
import OSSTransport

/// A benchmark step that could not run to its end (a failed PUT, a wrong CRC).
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where a finished stream body leaves its CRC64.
final class CRCResult: Sendable {
    private let value = PThreadMutex<UInt64?>(nil)
    func set(_ v: UInt64) { value.withLock { $0 = v } }
    var crc: UInt64? { value.withLock { $0 } }
}

/// `total` bytes of an in-memory chunk repeated, CRC64 computed as the chunks go out (the way an
/// upload checks `x-oss-hash-crc64ecma`) unless `crc` is false. Repeating one array hands out the
/// same storage every time, so nothing is allocated per chunk.
struct RepeatedChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let chunk: [UInt8]
    let total: Int
    let result: CRCResult
    var crc = true

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunk: [UInt8]
        var left: Int
        var crc = CRC64()
        let result: CRCResult
        let computeCRC: Bool

        mutating func next() async -> [UInt8]? {
            guard left > 0 else {
                result.set(crc.value)
                return nil
            }
            let piece = left >= chunk.count ? chunk : Array(chunk[0..<left])
            left -= piece.count
            if computeCRC { crc.update(piece) }
            return piece
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunk: chunk, left: total, result: result, computeCRC: crc)
    }
}

/// The measurements themselves; each returns one sample.
enum BenchMeasure {
    /// One PUT of `size` bytes from memory, on a fresh connection, with CRC64 computed while
    /// sending when `expectedCRC` is given (and checked against it).
    static func put(
        _ client: HTTPClient, _ endpoint: Endpoint, size: Int, chunk: [UInt8], expectedCRC: UInt64?
    ) async throws -> Duration {
        client.closeIdleConnections()
        let result = CRCResult()
        let body = RepeatedChunks(chunk: chunk, total: size, result: result, crc: expectedCRC != nil)
        let request = HTTPRequest(
            method: .put, endpoint: endpoint, target: "/bench/put", body: .stream(body, length: Int64(size)))
        let start = ContinuousClock.now
        let response = try await client.execute(request)
        let elapsed = ContinuousClock.now - start
        guard response.status == 200 else { throw BenchFailure("PUT to \(endpoint) answered \(response.status)") }
        guard expectedCRC == nil || result.crc == expectedCRC else {
            throw BenchFailure("the CRC64 computed while sending is wrong")
        }
        return elapsed
    }

    /// The request head the raw loops send before their body.
    static func rawHead(port: Int, size: Int) -> [UInt8] {
        Array("PUT /bench/raw HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(size)\r\n\r\n".utf8)
    }

    /// The plain upper bound: a blocking socket on its own thread, `send(2)` of the chunk in a
    /// loop (no HTTP client, no copy, no CRC), then the response read.
    static func rawSocketLoop(port: Int, size: Int, chunk: [UInt8]) async throws -> Duration {
        let outcome: Result<Duration, BenchFailure> = await BenchSystem.onThread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(BenchFailure("socket: \(SystemError.current("socket"))")) }
            defer { _ = close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let start = ContinuousClock.now
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard rc == 0 else { return .failure(BenchFailure("raw loop: \(SystemError.current("connect"))")) }
            func sendAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
                var off = 0
                while off < bytes.count {
                    let n = send(fd, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    off += n
                }
                return true
            }
            var ok = rawHead(port: port, size: size).withUnsafeBytes { sendAll($0) }
            var left = size
            chunk.withUnsafeBytes { all in
                while ok && left > 0 {
                    let n = min(left, all.count)
                    ok = sendAll(UnsafeRawBufferPointer(rebasing: all[0..<n]))
                    left -= n
                }
            }
            guard ok else { return .failure(BenchFailure("raw loop: \(SystemError.current("send"))")) }
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !response.containsBlankLine {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return .failure(BenchFailure("raw loop: no response")) }
                response.append(contentsOf: buffer[0..<n])
            }
            let elapsed = ContinuousClock.now - start
            guard response.starts(with: Array("HTTP/1.1 200".utf8)) else {
                return .failure(BenchFailure("raw loop: the server did not answer 200"))
            }
            return .success(elapsed)
        }
        return try outcome.get()
    }

    /// The TLS counterpart of the raw loop: our `TLSStream` writing the chunk in a loop, no HTTP
    /// client and no CRC (a raw loop over TLS needs a TLS library; this is ours).
    static func tlsStreamLoop(port: Int, size: Int, chunk: [UInt8], tls: TLSConfiguration) async throws -> Duration {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk.count, alignment: 16)
        defer { buffer.deallocate() }
        chunk.withUnsafeBytes { buffer.copyMemory(from: $0) }
        let start = ContinuousClock.now
        let (stream, _) = try await SocketConnector().connect(
            to: Endpoint(host: "127.0.0.1", port: port, tls: true), tls: tls, connectTimeout: .seconds(30),
            signal: nil)
        defer { stream.close() }
        try await stream.write(rawHead(port: port, size: size))
        var left = size
        while left > 0 {
            let n = min(left, buffer.count)
            try await stream.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            left -= n
        }
        var response: [UInt8] = []
        while !response.containsBlankLine {
            let n = try await stream.read(into: buffer)
            if n == 0 { throw BenchFailure("TLS loop: no response") }
            response.append(contentsOf: buffer[0..<n])
        }
        let elapsed = ContinuousClock.now - start
        guard response.starts(with: Array("HTTP/1.1 200".utf8)) else {
            throw BenchFailure("TLS loop: the server did not answer 200")
        }
        return elapsed
    }

    /// `count` PUTs of 4 KiB, one after another, on one kept-alive connection.
    /// - Returns: the time for all, and how many connections they used.
    static func smallPuts(_ client: HTTPClient, _ endpoint: Endpoint, count: Int) async throws -> (Duration, Int) {
        client.closeIdleConnections()
        let body = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var connections = 0
        let start = ContinuousClock.now
        for i in 0..<count {
            let response = try await client.execute(
                HTTPRequest(method: .put, endpoint: endpoint, target: "/bench/small/\(i)", body: .bytes(body)))
            guard response.status == 200 else { throw BenchFailure("small PUT answered \(response.status)") }
            if !response.metrics.connectionReused { connections += 1 }
        }
        return (ContinuousClock.now - start, connections)
    }

    /// Progress of one upload: bytes sent, and when that last changed.
    final class Progress: Sendable {
        private let state = PThreadMutex<(sent: Int64, at: ContinuousClock.Instant)>((0, .now))
        func update(_ sent: Int64) { state.withLock { $0 = (sent, .now) } }
        var snapshot: (sent: Int64, at: ContinuousClock.Instant) { state.withLock { $0 } }
    }

    /// Cancel latency: an upload to a peer that never reads, left to block (no progress for a
    /// few milliseconds), then its task cancelled.
    /// - Returns: the time from `cancel()` to the call returning (its socket closed by then).
    static func cancelOnce(_ client: HTTPClient, port: Int, chunk: [UInt8]) async throws -> Duration {
        let progress = Progress()
        var request = HTTPRequest(
            method: .put, endpoint: Endpoint(host: "127.0.0.1", port: port, tls: false), target: "/bench/stall",
            body: .stream(RepeatedChunks(chunk: chunk, total: 1 << 40, result: CRCResult()), length: 1 << 40))
        request.uploadProgress = { sent, _ in progress.update(sent) }
        let task = Task { () -> (ContinuousClock.Instant, (any Error)?) in
            do {
                _ = try await client.execute(request)
                return (.now, nil)
            } catch {
                return (.now, error)
            }
        }
        // Blocked: some bytes went out and nothing more for 5 ms.
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            try await Task.sleep(for: .milliseconds(1))
            let s = progress.snapshot
            if s.sent > 0 && ContinuousClock.now - s.at > .milliseconds(5) { break }
            if ContinuousClock.now > deadline {
                task.cancel()
                throw BenchFailure("the upload to the stalled peer never blocked")
            }
        }
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let (returnedAt, error) = await task.value
        guard let error = error as? HTTPClientError, error.code == .cancelled, !error.bodyFullySent else {
            throw BenchFailure("the cancelled upload ended with \(String(describing: error))")
        }
        return returnedAt - cancelledAt
    }

    /// CRC64 over `total` bytes of `buffer`, repeated.
    static func crc64(_ buffer: [UInt8], total: Int) -> (Duration, UInt64) {
        var crc = CRC64()
        var left = total
        let start = ContinuousClock.now
        buffer.withUnsafeBytes { all in
            while left > 0 {
                let n = min(left, all.count)
                crc.update(UnsafeRawBufferPointer(rebasing: all[0..<n]))
                left -= n
            }
        }
        return (ContinuousClock.now - start, crc.value)
    }
}

extension [UInt8] {
    /// Whether a complete head (ending in a blank line) is in these bytes.
    var containsBlankLine: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return true
        }
        return false
    }
}
