import OSSClient
import OSSCore

/// What one HTTP request of a bench operation cost, phase by phase (the last attempt's figures,
/// with the number of attempts). Durations of `sent`, `ttfb` and `total` are from the start of
/// the request.
struct BenchRequestMetrics: Sendable {
    var dns: Duration = .zero
    var connect: Duration = .zero
    var tls: Duration = .zero
    var sent: Duration = .zero
    var ttfb: Duration = .zero
    var total: Duration = .zero
    var reused = false
    var attempts = 1
    var bytesSent: Int64 = 0
    var bytesReceived: Int64 = 0
    var remoteAddress = ""
    var tlsVersion = ""
    var tlsCipher = ""
}

extension BenchRequestMetrics {
    init(_ m: OSSRequestMetrics) {
        self.init(
            dns: m.dns, connect: m.connect, tls: m.tlsHandshake, sent: m.requestSent, ttfb: m.timeToFirstByte,
            total: m.total, reused: m.connectionReused, attempts: m.attempts, bytesSent: m.bytesSent,
            bytesReceived: m.bytesReceived, remoteAddress: m.remoteAddress, tlsVersion: m.tlsVersion,
            tlsCipher: m.tlsCipher)
    }
}

/// The metrics a client call's error carries (a failure with a connection or an answer).
enum BenchMetricsSource {
    static func ofError(_ error: any Error) -> BenchRequestMetrics? {
        switch error {
        case let e as OSSClientError: e.metrics.map(BenchRequestMetrics.init)
        case let e as OSSServiceError: e.metrics.map(BenchRequestMetrics.init)
        default: nil
        }
    }
}
