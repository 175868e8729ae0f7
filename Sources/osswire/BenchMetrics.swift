import OSSClient

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
}

/// How the bench engine reads the metrics a client call carries. Every result and error of
/// OSSClient may carry them; a result type without them gives `nil` and only the operation's
/// total time is recorded.
enum BenchMetricsSource {
    static func of(_ value: Any) -> BenchRequestMetrics? {
        nil
    }

    static func ofError(_ error: any Error) -> BenchRequestMetrics? {
        nil
    }
}
