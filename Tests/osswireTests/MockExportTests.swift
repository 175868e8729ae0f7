import Foundation
import OSSTestSupport
import Testing

@Suite("osswire mock-server: a ready-to-paste export line")
struct MockExportTests {
    @Test("the line exports the demo credentials, OSS_ENDPOINT and OSS_REGION, and a shell can use it as printed")
    func pasteAndRun() async throws {
        let server = try RunningOSSWire(["mock-server", "--port", "0", "--bucket", "pasted"], [:])
        let export = try #require(try await server.waitForLine(startingWith: "export "))
        let url = try #require(try await server.waitForLine(startingWith: "listening on "))
            .dropFirst("listening on ".count)
        #expect(export.contains("OSS_ENDPOINT=\(url)"), "\(export)")
        #expect(export.contains("OSS_REGION=cn-hangzhou") && export.contains("OSS_ACCESS_KEY_ID="))
        // Pasted as printed into a shell with nothing else set, then osswire run from there.
        let sh = try await Blocking.run { () -> (Int32, String) in
            let p = try SpawnedProcess(
                "/bin/sh", ["-c", export + "\nexec \"$0\" ls oss://pasted --json", Products.osswire.path],
                environment: Products.sanitizerEnvironment, errors: .output)
            let r = p.finish()
            return (r.status, String(decoding: r.output, as: UTF8.self))
        }
        #expect(sh.0 == 0, "\(sh.1)")
        #expect(try jsonObject(sh.1)["state"] as? String == "completed")
        server.signal(SIGTERM)
        #expect(try await server.finish().status == 0)
    }

    @Test("with credentials given, the export line names the endpoint and region only: a given secret is never printed")
    func givenSecretNotExported() async throws {
        let server = try RunningOSSWire(
            ["mock-server", "--port", "0", "--access-key-id", "my-id", "--access-key-secret", "my-very-secret"], [:])
        let export = try #require(try await server.waitForLine(startingWith: "export "))
        #expect(export.hasPrefix("export OSS_ENDPOINT=http://127.0.0.1:") && export.hasSuffix(" OSS_REGION=cn-hangzhou"))
        server.signal(SIGTERM)
        let rest = try await server.finish()
        // Everything it printed: the lines up to and including the export line, then the rest.
        let printed = server.consumed.joined(separator: "\n") + "\n" + rest.stdout + rest.stderr
        #expect(printed.contains(export))
        #expect(!printed.contains("my-very-secret"))
    }
}
