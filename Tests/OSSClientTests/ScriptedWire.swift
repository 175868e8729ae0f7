import OSSCore
import Synchronization

@testable import OSSClient

/// What a scripted wire saw of one request.
struct SeenRequest: Sendable {
    var method: String
    var target: String
    var host: String
    var headers: [(String, String)]
    var contentLength: Int64?
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A canned answer.
struct Reply: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(_ status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func ok(_ headers: [(name: String, value: String)] = [], body: [UInt8] = []) -> Reply {
        Reply(200, headers: [("x-oss-request-id", "REQ")] + headers, body: body)
    }

    static func error(_ status: Int, _ code: String, extra: String = "") -> Reply {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>m</Message><RequestId>RID</RequestId><HostId>h</HostId>\(extra)</Error>"
        return Reply(status, headers: [("x-oss-request-id", "RID")], body: Array(xml.utf8))
    }
}

/// A `Wire` that answers from a script: each step either replies or throws. The request body is
/// read through (as a socket write would), so progress and CRC64 run.
final class ScriptedWire: Wire {
    enum Step: Sendable {
        case reply(Reply)
        case fail(OSSClientError)
        /// Reads `count` body bytes, then fails as if the connection was reset.
        case resetAfter(Int)
        /// Replies only once the request's signal fired (`disableRequests()`): an answer that
        /// crosses the switch.
        case replyAfterDisable(Reply)
    }

    private struct State {
        var steps: [Step]
        var seen: [SeenRequest] = []
        var executeCount = 0
    }
    private let state: PThreadMutex<State>
    /// Yields once per request that reached the wire.
    let arrivals: AsyncStream<Int>
    private let arrivalsContinuation: AsyncStream<Int>.Continuation

    init(_ steps: [Step]) {
        state = PThreadMutex(State(steps: steps))
        (arrivals, arrivalsContinuation) = AsyncStream.makeStream()
    }

    var seen: [SeenRequest] { state.withLock { $0.seen } }
    var executeCount: Int { state.withLock { $0.executeCount } }

    nonisolated(nonsending) func execute<T: Sendable>(_ request: WireRequest, handler: nonisolated(nonsending) (WireResponse) async throws -> T) async throws -> T {
        let step: Step = state.withLock { s in
            s.executeCount += 1
            guard !s.steps.isEmpty else { return .fail(OSSClientError(.network, "script exhausted")) }
            return s.steps.removeFirst()
        }
        var body: [UInt8] = []
        var failure: (any Error)? = nil
        if let upload = request.body {
            do {
                try await upload.read(length: request.contentLength) { c in
                    body += c
                    if case .resetAfter(let n) = step, body.count >= n { return false }
                    return true
                }
            } catch {
                failure = error
            }
        }
        let seenRequest = SeenRequest(
            method: request.method, target: request.address.target, host: request.address.hostHeader,
            headers: request.headers, contentLength: request.contentLength, body: body)
        state.withLock { $0.seen.append(seenRequest) }
        arrivalsContinuation.yield(executeCount)
        if let failure { throw failure }
        if case .replyAfterDisable = step {
            while request.signal?.isCancelled != true { try await Task.sleep(for: .milliseconds(1)) }
        }
        switch step {
        case .reply(let r), .replyAfterDisable(let r):
            let response = WireResponse(
                head: OSSResponseHead(statusCode: r.status, headers: r.headers),
                body: BufferedResponseBody(chunks: stride(from: 0, to: r.body.count, by: 1000).map {
                    Array(r.body[$0..<min(r.body.count, $0 + 1000)])
                }))
            return try await handler(response)
        case .fail(let e):
            throw e
        case .resetAfter:
            throw OSSClientError(.network, "connection reset by peer", bodyFullySent: false)
        }
    }

    func shutdown() async {}
}

/// A signer that marks requests as signed, recording the time it was given.
struct MarkingSigner: RequestSigning {
    let times = PThreadMutex<[UTCTime]>([])
    func sign(
        method: String, bucket: String?, key: String?, query: [(String, String?)], headers: inout [(name: String, value: String)],
        time: UTCTime
    ) async throws {
        times.withLock { $0.append(time) }
        headers.append(("Authorization", "TEST \(time.seconds)"))
    }
}

func makeClient(
    _ wire: ScriptedWire, retries: Int = 3, configure: (inout OSSClientConfiguration) -> Void = { _ in }
) throws -> OSSClient {
    var c = try OSSClientConfiguration(endpoint: "http://127.0.0.1:9000", region: "cn-hangzhou")
    c.retryPolicy = RetryPolicy(maxRetries: retries, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
    configure(&c)
    return try OSSClient(configuration: c, wire: wire, signer: MarkingSigner())
}
