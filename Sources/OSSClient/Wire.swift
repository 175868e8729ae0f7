import OSSCore

/// One HTTP exchange as the client layer hands it down: already addressed, signed and validated.
struct WireRequest: Sendable {
    var method: String
    var address: RequestAddress
    /// All headers to send except `Content-Length` (from `contentLength`) and `Host` (from the address).
    var headers: [(String, String)]
    /// The body length; `nil` with a body means chunked transfer coding.
    var contentLength: Int64?
    /// The body, or `nil` for none.
    var body: UploadChunks?
    /// The limit on the whole exchange, if any.
    var deadline: ContinuousClock.Instant?
}

/// The body of an answer, read chunk by chunk by one task.
protocol WireResponseBody: AnyObject, Sendable {
    /// The next bytes, or `nil` at the end.
    /// - Throws: `OSSClientError` (network, timeout, cancelled, aborted).
    func next() async throws -> [UInt8]?
    /// Stops reading: the connection is dropped unless the rest was already read.
    func discard() async
}

/// An answer whose head arrived.
struct WireResponse: Sendable {
    var head: OSSResponseHead
    var body: any WireResponseBody
}

/// What the client needs from HTTP: one exchange at a time, and the client-wide switch.
/// `HTTPWire` implements it on OSSHTTP's client; tests use scripted ones.
protocol Wire: Sendable {
    /// Sends a request and waits for the head of its answer.
    /// - Throws: `OSSClientError` only: `.requestsDisabled` before anything was sent,
    ///   `.abortedInFlight` / `.cancelled` with `bodyFullySent`, `.timeout`, `.connect`, `.dns`,
    ///   `.tls`, `.network`.
    func execute(_ request: WireRequest) async throws -> WireResponse
    /// Fails new requests with `.requestsDisabled` and aborts those in flight.
    func disableRequests()
    /// Lets requests run again.
    func enableRequests()
    /// Closes idle connections and stops the machinery.
    func shutdown() async
}

/// Adds `Authorization` (and `x-oss-date`, `x-oss-security-token`, ...) to a request.
protocol RequestSigning: Sendable {
    /// Signs in place.
    /// - Parameters:
    ///   - headers: the headers to send; signing headers are added.
    ///   - time: the signing time, already corrected for clock skew.
    /// - Throws: `OSSClientError` (`.credentials`, `.invalidArgument`).
    func sign(
        method: String, bucket: String?, key: String?, query: [(String, String?)], headers: inout [(String, String)],
        time: UTCTime
    ) async throws
}

/// A body already held in memory.
final class BufferedResponseBody: WireResponseBody {
    private let chunks: [[UInt8]]
    private let index = MutexBox(0)

    init(_ bytes: [UInt8]) { chunks = bytes.isEmpty ? [] : [bytes] }
    init(chunks: [[UInt8]]) { self.chunks = chunks }

    func next() async throws -> [UInt8]? {
        index.withLock { i -> [UInt8]? in
            guard i < chunks.count else { return nil }
            defer { i += 1 }
            return chunks[i]
        }
    }

    func discard() async {}
}
