import OSSClient
import OSSMockServer
import Testing

@testable import OSSTransfer

/// One retry policy: for a part, the transfer retries and the client does not retry as well, so
/// the attempts never multiply (before, 4 client attempts x 3 part attempts = 12 sends of a part).
@Suite struct PartAttemptsTests {
    @Test("a part that gets 503 on every try is sent at most partAttempts times in all", arguments: [1, 3])
    func failingPartIsSentPartAttemptsTimes(attempts: Int) async throws {
        let scratch = Scratch()
        let source = scratch.file("in", size: 300 << 10, seed: 3)
        var config = MockServerConfiguration()
        config.buckets = ["bkt"]
        // The first UploadPart succeeds; every later one answers 503.
        config.faults.errorRules = [
            MockErrorRule(operation: "UploadPart", nth: 2, status: 503, code: "ServiceUnavailable", count: 10_000)
        ]
        try await withMockServer(configuration: config) { server in
            // The client's own policy would retry 3 times; parts must not get them on top.
            let client = try makeClient(server) { $0.retryPolicy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(1)) }
            var options = UploadOptions()
            options.partSize = 100 << 10
            options.multipartThreshold = 100 << 10
            options.jobs = 1
            options.partAttempts = attempts
            let outcome = await Uploader(operations: OSSClientOperations(client: client), options: options)
                .upload(file: source.path, bucket: "bkt", key: "k")
            #expect(outcome.state == .failed, "\(outcome)")
            #expect(outcome.errorCode == "ServiceUnavailable")
            let parts = server.service.requestLog.filter { $0.operation == "UploadPart" }
            #expect(parts.filter { $0.partNumber == 1 }.count == 1)
            #expect(parts.filter { $0.partNumber == 2 }.count == attempts)
            #expect(parts.filter { $0.partNumber == 3 }.isEmpty)
        }
    }

    @Test("a whole-file PutObject that gets 503 on every try is sent partAttempts times too")
    func failingPutIsSentPartAttemptsTimes() async throws {
        let scratch = Scratch()
        let source = scratch.file("small", size: 10 << 10, seed: 4)
        var config = MockServerConfiguration()
        config.buckets = ["bkt"]
        config.faults.errorRules = [
            MockErrorRule(operation: "PutObject", status: 503, code: "ServiceUnavailable", count: 10_000)
        ]
        try await withMockServer(configuration: config) { server in
            let client = try makeClient(server) { $0.retryPolicy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(1)) }
            var options = UploadOptions()
            options.partAttempts = 2
            let outcome = await Uploader(operations: OSSClientOperations(client: client), options: options)
                .upload(file: source.path, bucket: "bkt", key: "k")
            #expect(outcome.state == .failed)
            #expect(server.service.requestLog.filter { $0.operation == "PutObject" }.count == 2)
        }
    }
}
