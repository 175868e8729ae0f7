import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSSigner

/// The operation a column of the matrix runs.
enum Operation: String, CaseIterable, Sendable {
    case put = "single PUT"
    case multipart = "multipart upload"
    case uploader = "multipart (OSSTransfer `Uploader`)"
    case download = "download"

    /// The OSS operation the per-request faults aim at.
    var faultedOperation: String {
        switch self {
        case .put: "PutObject"
        case .multipart, .uploader: "UploadPart"
        case .download: "GetObject"
        }
    }
}

/// What one cell found.
struct CellResult: Sendable {
    var fault: String
    var operation: Operation
    /// `succeeded` or `failed: <error>` or `HANG`.
    var outcome: String
    var succeeded: Bool
    /// `none needed`, `retry`, `resume`, `fresh upload`, `-`.
    var recovery: String
    /// What the integrity check found, and whether it holds.
    var check: String
    var checkHolds: Bool
    /// Requests of the faulted operation the server saw for this key.
    var attempts: Int
    var seconds: Double
    /// The error, in full, when the operation failed.
    var error: String?
}

/// The server a cell runs against; replaced when the cell restarts it.
final class ServerBox: @unchecked Sendable {
    // @unchecked Sendable: set only by the cell's own task between operations, never concurrently.
    var server: MockOSSServer
    init(_ server: MockOSSServer) { self.server = server }

    /// Stops the server and starts a new one on the same port (the store starts empty, as the
    /// mock keeps bodies only for its process's life).
    func restart() async throws {
        let port = server.endpoint.port
        server.service.setFaults(MockFaults())
        await server.stop()
        var configuration = server.configuration
        configuration.port = port
        configuration.faults = MockFaults()
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                server = try MockOSSServer(configuration: configuration)
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        throw lastError!
    }
}

/// Settings shared by every cell.
enum Settings {
    static let bucket = "matrix"
    static let fileSize = 1_536 * 1024 + 123
    static let partSize: Int64 = 512 * 1024
    /// Where body faults strike: a quarter of a part in.
    static let midBody: Int64 = 128 * 1024
    static let idleTimeout: Duration = .seconds(2)
    static let totalTimeout: Duration = .seconds(30)
    /// No cell may take longer than this; past it the cell is a hang.
    static let hangGuard: Duration = .seconds(60)
    static let slowRate = 1024 * 1024
}

/// A client for the cell's server: short idle timeout (the stall cells rely on it), quick retries.
func makeClient(_ server: MockOSSServer) throws -> OSSClient {
    var c = try OSSClientConfiguration(endpoint: server.url, region: server.configuration.region)
    c.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    c.retryPolicy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(50), maxDelay: .milliseconds(500))
    c.timeouts.connect = .seconds(2)
    c.timeouts.idle = Settings.idleTimeout
    c.timeouts.total = Settings.totalTimeout
    return try OSSClient(configuration: c)
}

/// Runs `body`, or gives up after `limit`: then `onTimeout` runs (to stop the client) and the
/// result is `nil`.
func withHangGuard<T: Sendable>(
    _ limit: Duration, onTimeout: @escaping @Sendable () -> Void, _ body: @escaping @Sendable () async -> T
) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next()!
        if first == nil { onTimeout() }
        group.cancelAll()
        return first
    }
}

/// A short name for an error: the OSS code or the client error's kind.
func describe(_ error: any Error) -> String {
    if let e = error as? OSSServiceError { return "\(e.code) (HTTP \(e.statusCode))" }
    if let e = error as? OSSClientError { return "\(e.kind) [\(e.code)]" }
    return "\(type(of: error))"
}
