import Glibc
import OSSMockServer
import Synchronization

/// The signal that asked the mock server to stop (0: none yet). Written by the signal handler:
/// an atomic store is async-signal-safe.
private let stopSignal = Atomic<Int32>(0)

/// `osswire mock-server [--host 127.0.0.1] [--port 0] [--data-dir DIR] [--bucket NAME]...
/// [--access-key-id ID --access-key-secret SECRET] [--security-token T] [--region R]
/// [--allow-anonymous] [--discard-bodies] [--virtual-host-domain D]... [--restore-delay SECONDS] [fault flags]`
///
/// Prints the demo credentials when none are given, then one line `listening on http://HOST:PORT`
/// once it accepts connections; serves until SIGINT or SIGTERM, then stops cleanly (exit 0).
/// Fault flags: `--max-recv-rate BYTES_PER_S`, `--stall-after-bytes N`, `--reset-after-bytes N`,
/// `--response-delay-ms N`, `--fail OPERATION:NTH:STATUS:CODE` (repeatable), `--clock-skew SECONDS`,
/// `--wrong-crc64`, `--close-after-headers`, `--connection-close`. The same names work on the
/// admin endpoint: `PUT /_mock/faults?name=value`, `GET /_mock/log`.
func mockServerCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv,
        valueOptions: Set([
            "host", "port", "data-dir", "bucket", "access-key-id", "access-key-secret", "security-token", "region",
            "virtual-host-domain", "spill-threshold", "restore-delay",
        ]).union(MockFaultsOptions.valueNames),
        flags: Set(["allow-anonymous", "discard-bodies"]).union(MockFaultsOptions.flagNames))
    guard args.positional.isEmpty else { throw UsageError("mock-server takes no positional arguments") }
    var c = MockServerConfiguration()
    if let h = args.value("host") { c.host = h }
    if let p = try args.int("port") {
        guard p <= 65535 else { throw UsageError("--port must be 0...65535") }
        c.port = p
    }
    c.dataDirectory = args.value("data-dir")
    if let s = try args.int("spill-threshold") { c.spillThreshold = s }
    c.buckets = args.values("bucket")
    if let v = args.value("restore-delay") {
        guard let ms = Double(v).map({ $0 * 1000 }), ms >= 0, ms <= 86_400_000 else {
            throw UsageError("--restore-delay must be seconds, 0...86400 (fractions allowed)")
        }
        c.restoreDelay = .milliseconds(Int64(ms))
    }
    if let r = args.value("region") { c.region = r }
    c.allowAnonymous = args.flag("allow-anonymous")
    c.discardBodies = args.flag("discard-bodies")
    if !args.values("virtual-host-domain").isEmpty { c.virtualHostDomains += args.values("virtual-host-domain") }
    let id = args.value("access-key-id")
    let secret = args.value("access-key-secret")
    guard (id == nil) == (secret == nil) else {
        throw UsageError("--access-key-id and --access-key-secret go together")
    }
    if let id, let secret {
        c.credentials = [MockCredential(accessKeyId: id, accessKeySecret: secret, securityToken: args.value("security-token"))]
    } else if let token = args.value("security-token") {
        c.credentials = [
            MockCredential(accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret,
                securityToken: token)
        ]
    }
    for (name, values) in args.options where MockFaultsOptions.valueNames.contains(name) {
        for v in values {
            do throws(MockFaultOptionError) {
                try c.faults.apply(option: name, value: v)
            } catch {
                throw UsageError("--\(error.description)")
            }
        }
    }
    for name in args.flags where MockFaultsOptions.flagNames.contains(name) {
        do throws(MockFaultOptionError) {
            try c.faults.apply(option: name, value: nil)
        } catch {
            throw UsageError("--\(error.description)")
        }
    }

    let server = try MockOSSServer(configuration: c)
    signal(SIGINT) { stopSignal.store($0, ordering: .relaxed) }
    signal(SIGTERM) { stopSignal.store($0, ordering: .relaxed) }
    // A ready-to-paste line for a shell that will run the other commands against this server.
    var exports = ["OSS_ENDPOINT=\(server.url)", "OSS_REGION=\(c.region)"]
    if id == nil {
        printLine("OSS_ACCESS_KEY_ID=\(c.credentials[0].accessKeyId)")
        // The demo secret is public by design (it guards nothing); given secrets are never printed.
        printLine("OSS_ACCESS_KEY_SECRET=\(c.credentials[0].accessKeySecret)")
        exports = [
            "OSS_ACCESS_KEY_ID=\(c.credentials[0].accessKeyId)",
            "OSS_ACCESS_KEY_SECRET=\(c.credentials[0].accessKeySecret)",
        ] + exports
    }
    printLine("export " + exports.map(shellQuoted).joined(separator: " "))
    printLine("listening on \(server.url)")
    while stopSignal.load(ordering: .relaxed) == 0 {
        try? await Task.sleep(for: .milliseconds(50))
    }
    await server.stop()
    // Objects under --data-dir live as long as the server: remove them.
    server.service.removeAll()
    printError("osswire mock-server: stopped")
    return ExitCode.success
}

/// `NAME=value` quoted for a POSIX shell when the value holds anything but safe characters.
private func shellQuoted(_ assignment: String) -> String {
    guard let eq = assignment.firstIndex(of: "=") else { return assignment }
    let value = assignment[assignment.index(after: eq)...]
    let safe = value.utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "-_.:/@%+,".utf8.contains(c)
    }
    if safe { return assignment }
    return assignment[...eq] + "'" + value.replacing("'", with: "'\\''") + "'"
}

/// The fault flags of `mock-server` (shared with the admin endpoint's names).
enum MockFaultsOptions {
    static var valueNames: Set<String> { MockFaults.valueOptionNames }
    static var flagNames: Set<String> { MockFaults.flagOptionNames }
}
