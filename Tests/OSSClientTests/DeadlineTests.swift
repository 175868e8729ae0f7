import OSSCore
import OSSMockServer
import Testing

@testable import OSSClient

/// `timeouts.total` bounds the whole call, retries and their back-off included: the deadline is
/// computed once when the call starts and handed to every attempt.
@Suite struct DeadlineTests {
    @Test("a call whose total has passed fails as a timeout, even while every attempt is retried")
    func totalIncludesRetries() async throws {
        var faults = MockFaults()
        // Every PutObject answers 503, each after a delay: the retries alone would outlive the total.
        faults.errorRules = [MockErrorRule(operation: "PutObject", status: 503, code: "ServiceUnavailable", count: 10_000)]
        faults.responseDelay = .milliseconds(200)
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server) { c in
                c.timeouts.total = .seconds(1)
                c.retryPolicy = RetryPolicy(maxRetries: 500, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
            }
            let error = await #expect(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
            }
            #expect(error?.kind == .timeout, "\(String(describing: error))")
            // The deadline ended the call long before the 501 attempts its retry policy allows.
            let sent = server.service.requestLog.filter { $0.operation == "PutObject" }.count
            #expect(sent >= 1 && sent < 501, "\(sent) attempts")
        }
    }

    @Test("a total that passes inside one attempt cuts it short as a timeout, saying whether the body went out")
    func totalCutsAnAttempt() async throws {
        var faults = MockFaults()
        faults.responseDelay = .seconds(30)
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server) { c in c.timeouts.total = .milliseconds(300) }
            let error = await #expect(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
            }
            #expect(error?.kind == .timeout)
            #expect(error?.bodyFullySent == true)
        }
    }
}
