import OSSCore

/// OSSWire's own client, as the transport benchmarks drive it. Everything the benchmarks
/// need from OSSHTTP goes through these few functions: plugging the client in is filling
/// them in (and setting `unavailable` to nil).
enum Ours {
    /// Why our side cannot run yet, or nil when it can.
    static let unavailable: String? = "OSSHTTP HTTPClient not merged into main yet"

    struct NotAvailable: Error {}

    /// One PUT of the whole file at `path` (`size` bytes) to `url`, CRC64 computed while
    /// streaming. `insecure` skips certificate verification (the bench server's is self-signed).
    static func putFile(url: String, path: String, size: Int, insecure: Bool) async throws {
        throw NotAvailable()
    }

    /// `count` V4-signed PUTs of `body` on one keep-alive connection.
    static func putSmall(baseURL: String, body: [UInt8], count: Int) async throws {
        throw NotAvailable()
    }

    /// Starts a large PUT to `url` (a peer that never reads), waits until the server has the
    /// connection and the send is blocked, cancels it and returns the seconds from the
    /// cancel to the call returning, and the server side of the connection. `accepted` returns
    /// the server side once the server has accepted (poll it; it does not block).
    static func cancelLatency(url: String, accepted: @Sendable () -> Int32?) async throws -> (seconds: Double, fd: Int32) {
        throw NotAvailable()
    }
}
