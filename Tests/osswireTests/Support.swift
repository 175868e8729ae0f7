import Foundation
import OSSMockServer
import OSSTestSupport

/// The repository this test file belongs to.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The environment the OSS commands need against a mock server (demo credentials).
func mockEnvironment(_ server: MockOSSServer) -> [String: String] {
    [
        "OSS_ACCESS_KEY_ID": MockCredential.demo.accessKeyId,
        "OSS_ACCESS_KEY_SECRET": MockCredential.demo.accessKeySecret,
        "OSS_ENDPOINT": server.url, "OSS_REGION": server.configuration.region,
    ]
}

/// A mock server configuration with these buckets.
func mockConfiguration(buckets: [String], maxReceiveRate: Int? = nil) -> MockServerConfiguration {
    var c = MockServerConfiguration()
    c.buckets = buckets
    c.faults.maxReceiveRate = maxReceiveRate
    return c
}

/// Runs this build's osswire.
func osswire(
    _ arguments: [String], _ environment: [String: String] = [:], directory: String? = nil, input: Data? = nil
) async throws -> ProcessOutput {
    try await Products.runOSSWire(arguments, environment: environment, directory: directory, input: input)
}

/// A private temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init(_ prefix: String = "osswire-cli-test") throws {
        path = try Shell.makeTemporaryDirectory(prefix).path
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to a file in the directory and returns its path.
    func file(_ name: String, _ bytes: Data) throws -> String {
        let p = path + "/" + name
        try bytes.write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// Pseudo-random bytes (the same for the same seed).
func randomData(_ count: Int, seed: UInt64) -> Data {
    Data(xorshiftBytes(count, seed: seed))
}

/// The one JSON object a command printed.
func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw JSONShapeError(text: text)
    }
    return object
}

struct JSONShapeError: Error, CustomStringConvertible {
    let text: String
    var description: String { "not one JSON object: \(text)" }
}

extension ProcessOutput {
    /// The lines of standard error.
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}
