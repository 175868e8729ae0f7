import OSSCore

/// One HTTP exchange as the client layer hands it down: already addressed, signed and validated.
struct WireRequest: Sendable {
    var method: String
    var address: RequestAddress
    /// All headers to send except `Content-Length` (from `contentLength`) and `Host` (from the address).
    var headers: [(name: String, value: String)]
    /// The body length; `nil` with a body means chunked transfer coding.
    var contentLength: Int64?
    /// The body, or `nil` for none.
    var body: UploadBody?
    /// The limit on the whole exchange, if any.
    var deadline: ContinuousClock.Instant?
    /// An extra cancel source (an upload handle's pause or abort): firing it aborts the exchange at once.
    var signal: CancellationSignal? = nil
    /// `signal` is the call's own (made for this call, fired only for it): the HTTP layer may
    /// fire it itself for a deadline or task cancellation instead of linking a signal of its own.
    var signalIsTheCall = false
    /// Where the wire puts the exchange's metrics once it is over (when it had a connection).
    var metrics: WireMetrics? = nil
}

/// The metrics of a call's latest attempt, and how many attempts it made; filled by the wire.
///
/// `@unchecked Sendable` without a lock: one call's task does everything with it, one step after
/// another (the call starts attempts and reads the result; the wire records from inside
/// `execute`, which that task runs). It is `Sendable` only because OSSHTTP's metrics sink (the
/// request's, which it is) must be.
final class WireMetrics: @unchecked Sendable {
    private var last: OSSRequestMetrics? = nil
    private var attempts = 0

    /// A new attempt starts: the previous one's phases are dropped.
    func startAttempt() {
        attempts += 1
        last = nil
    }

    /// The wire's report for the current attempt.
    func record(_ metrics: OSSRequestMetrics) {
        last = metrics
    }

    /// For a call that succeeded: the current attempt's metrics, or (a scripted wire reported
    /// none) empty phases, with the attempts counted.
    var result: OSSRequestMetrics {
        var m = last ?? OSSRequestMetrics()
        m.attempts = max(1, attempts)
        return m
    }

    /// The current attempt's metrics with the attempts counted so far; nil when it had no connection.
    var current: OSSRequestMetrics? {
        guard var m = last else { return nil }
        m.attempts = max(1, attempts)
        return m
    }
}

/// The body of an answer, read chunk by chunk by one task, inside the exchange's handler.
protocol WireResponseBody: AnyObject {
    /// The next bytes, or `nil` at the end.
    /// - Throws: `OSSClientError` (network, timeout, cancelled, aborted).
    func next() async throws -> [UInt8]?
    /// Reads the next bytes into `buffer`; 0 at the end.
    /// - Throws: `OSSClientError` (network, timeout, cancelled, aborted).
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int
}

/// An answer whose head arrived. Valid only inside the handler it is given to.
struct WireResponse {
    var head: OSSResponseHead
    var body: any WireResponseBody
}

/// What the client needs from HTTP: one exchange at a time, cancelled through the request's
/// signal (the client-wide switch is the client's, not the wire's).
/// `HTTPWire` implements it on OSSHTTP's client; tests use scripted ones.
protocol Wire: Sendable {
    /// Sends a request and hands the head of its answer and a body reader to `handler`. A body
    /// not read to its end when `handler` returns closes the connection.
    /// - Throws: `OSSClientError` for failures of the exchange: `.abortedInFlight` (the signal
    ///   fired for `.disabled`) / `.cancelled` with `bodyFullySent`, `.timeout`,
    ///   `.connect`, `.dns`, `.tls`, `.network`; and whatever `handler` throws, unchanged.
    func execute<T: Sendable>(_ request: WireRequest, handler: (WireResponse) async throws -> T) async throws -> T
    /// Closes idle connections.
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
        method: String, bucket: String?, key: String?, query: [(String, String?)], headers: inout [(name: String, value: String)],
        time: UTCTime
    ) async throws
}

/// A body already held in memory.
final class BufferedResponseBody: WireResponseBody {
    private let chunks: [[UInt8]]
    private let index = PThreadMutex(0)
    /// What `read(into:)` could not fit last time.
    private let pending = PThreadMutex<[UInt8]>([])

    init(_ bytes: [UInt8]) { chunks = bytes.isEmpty ? [] : [bytes] }
    init(chunks: [[UInt8]]) { self.chunks = chunks }

    func next() async throws -> [UInt8]? {
        index.withLock { i -> [UInt8]? in
            guard i < chunks.count else { return nil }
            defer { i += 1 }
            return chunks[i]
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var piece = pending.withLock { p -> [UInt8] in
            defer { p = [] }
            return p
        }
        if piece.isEmpty {
            guard let chunk = try await next() else { return 0 }
            piece = chunk
        }
        let n = min(piece.count, buffer.count)
        piece.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        if n < piece.count { pending.withLock { $0 = Array(piece[n...]) } }
        return n
    }

}
