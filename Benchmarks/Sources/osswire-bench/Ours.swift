import Glibc
import OSSCore
import OSSHTTP
import OSSSigner
import OSSTransport
import Synchronization

/// OSSWire's own client, as the transport benchmarks drive it. Everything the benchmarks
/// need from OSSHTTP goes through these few functions.
enum Ours {
    /// Why our side cannot run yet, or nil when it can.
    static let unavailable: String? = nil

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func client(insecure: Bool = false, unsentLimit: Int? = SocketConnector.defaultUnsentLimit) -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.tls.insecureSkipVerify = insecure
        return HTTPClient(configuration: configuration, connector: SocketConnector(unsentLimit: unsentLimit))
    }

    /// One PUT of the whole file at `path` (`size` bytes) to `url`, CRC64 computed while
    /// streaming (1 MiB chunks through `.stream`). `insecure` skips certificate verification
    /// (the bench server's is self-signed).
    static func putFile(url: String, path: String, size: Int, insecure: Bool) async throws {
        try await putFile(url: url, path: path, size: size, insecure: insecure, crcOn: true)
    }

    /// The same; with `crcOn` false, the client's own `.file` body (pread, no CRC), for scale.
    static func putFile(url: String, path: String, size: Int, insecure: Bool, crcOn: Bool) async throws {
        let client = client(insecure: insecure)
        guard crcOn else {
            let request = try HTTPRequest(method: .put, url: url, body: .file(path: path, length: Int64(size)))
            let response = try await client.execute(request)
            guard response.status == 200 else { throw Failure(description: "PUT answered \(response.status)") }
            return
        }
        let chunks = FileChunksWithCRC(path: path, size: size)
        let request = try HTTPRequest(method: .put, url: url, body: .stream(chunks, length: Int64(size)))
        let response = try await client.execute(request)
        guard response.status == 200 else { throw Failure(description: "PUT answered \(response.status)") }
        guard chunks.crc.value != 0 else { throw Failure(description: "no CRC computed") }
    }

    /// `count` V4-signed PUTs of `body` on one keep-alive connection (of `client`, by default one
    /// on sockets).
    static func putSmall(client: HTTPClient = client(), baseURL: String, body: [UInt8], count: Int) async throws {
        for i in 0..<count {
            let key = "small-\(i)"
            let request = try HTTPRequest(
                method: .put, url: baseURL + "/bench/" + key, headers: try signedPutHeaders(key: key, length: body.count),
                body: .bytes(body))
            let response = try await client.execute(request)
            guard response.status == 200 else { throw Failure(description: "PUT answered \(response.status)") }
        }
    }

    /// The headers of a V4-signed PUT of `length` bytes to `bench/key`, signed now: its
    /// Content-Type and what `SignerV4` adds.
    static func signedPutHeaders(key: String, length: Int) throws -> HTTPHeaders {
        let signing = SigningRequest(
            method: "PUT", bucket: "bench", key: key,
            headers: [("Content-Type", "application/octet-stream"), ("Content-Length", "\(length)")])
        var headers: HTTPHeaders = ["Content-Type": "application/octet-stream"]
        for (name, value) in try smallSigner.sign(signing, credentials: smallCredentials, time: .now()) {
            headers.add(name: name, value: value)
        }
        return headers
    }

    static let smallSigner = SignerV4(region: "cn-hangzhou")
    static let smallCredentials = OSSCredentials(accessKeyId: "LTAIbenchmark", accessKeySecret: "bench-secret-not-real")

    /// Starts a large PUT to `url` (a peer that never reads), waits until the server has the
    /// connection and the send is blocked, cancels it and returns the seconds from the
    /// cancel to the call returning, and the server side of the connection. `accepted` returns
    /// the server side once the server has accepted (poll it; it does not block).
    static func cancelLatency(client: HTTPClient = cancelClient, url: String, accepted: @Sendable () -> Int32?) async throws -> (
        seconds: Double, fd: Int32
    ) {
        let request = try HTTPRequest(method: .put, url: url, body: .bytes(cancelBody))
        let task = Task { try await client.execute(request) }
        var fd: Int32? = nil
        while fd == nil {
            try await Task.sleep(for: .milliseconds(1))
            fd = accepted()
        }
        try await Task.sleep(for: .milliseconds(10))  // the window closes after a few KiB
        let clock = ContinuousClock()
        let start = clock.now
        task.cancel()
        _ = await task.result
        let elapsed = Stats.seconds(clock.now - start)
        if case .success = await task.result { throw Failure(description: "the stalled PUT completed") }
        return (elapsed, fd!)
    }

    static let cancelBody = [UInt8](repeating: 0x63, count: 64 << 20)
    static let cancelClient = client()
}

/// The file as 1 MiB chunks read with pread, CRC64 updated as each chunk goes out.
struct FileChunksWithCRC: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let path: String
    let size: Int
    let box = CRCBox()

    var crc: CRC64 { box.value.withLock { $0 } }

    final class CRCBox: Sendable {
        let value = Mutex(CRC64())
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let fd: Int32
        var offset = 0
        let size: Int
        let box: CRCBox
        var crc = CRC64()

        mutating func next() async throws -> [UInt8]? {
            guard offset < size else {
                close(fd)
                box.value.withLock { [crc] in $0 = crc }
                return nil
            }
            let n = Swift.min(1 << 20, size - offset)
            let chunk = try [UInt8](unsafeUninitializedCapacity: n) { buffer, count in
                let got = pread(fd, buffer.baseAddress, n, off_t(offset))
                guard got == n else { throw Ours.Failure(description: "short read") }
                count = n
            }
            chunk.withUnsafeBytes { crc.update($0) }
            offset += n
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fd: open(path, O_RDONLY | O_CLOEXEC), size: size, box: box)
    }
}
