import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSProtocol
import OSSSigner
import Synchronization

// load-soak [SECONDS] [RESET_EVERY]: the load test (docs/LOAD.md) for longer. 64 tasks PUT small
// objects and 8 run multipart uploads against an in-process mock that resets every Nth request;
// RSS and open descriptors are printed every 5 s. At the end every object reported stored is
// checked, and descriptors and RSS are compared with the start. Exit 1 on a failed check.

let seconds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 60 : 60
let resetEvery = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 25 : 25

func openDescriptors() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count }
func residentMiB() -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
    let f = text.split(separator: " ")
    return ((f.count > 1 ? Int(f[1]) ?? 0 : 0) * sysconf(Int32(_SC_PAGESIZE))) >> 20
}
func body(_ count: Int, _ seed: Int) -> [UInt8] {
    var x = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        return UInt8(truncatingIfNeeded: x)
    }
}

/// glibc's `malloc_trim(0)` (not in Swift's Glibc module): gives freed heap memory back to the
/// system, so what stays resident is what is still allocated.
func mallocTrim() {
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(nil, "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
}

final class Tally: Sendable {
    let stored = Mutex<[(String, [UInt8])]>([])
    let failed = Atomic<Int>(0)
}

func round(_ duration: Duration, report: Bool) async throws -> Bool {
    var configuration = MockServerConfiguration()
    configuration.buckets = ["soak"]
    configuration.minimumPartSize = 1024
    configuration.faults.resetEveryNthRequest = resetEvery
    let server = try MockOSSServer(configuration: configuration)
    var c = try OSSClientConfiguration(endpoint: server.url, region: server.configuration.region)
    c.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    c.retryPolicy = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(1), maxDelay: .milliseconds(20))
    c.maxConnectionsPerHost = 72
    let client = try OSSClient(configuration: c)
    let tally = Tally()
    let end = ContinuousClock.now + duration
    await withTaskGroup(of: Void.self) { group in
        for w in 0..<64 {
            group.addTask {
                var i = 0
                while ContinuousClock.now < end {
                    i += 1
                    let key = "small/\(w)/\(i)"
                    let b = body(1024 + (w * 131 + i * 17) % 3072, w &* 7919 &+ i)
                    do {
                        try await client.putObject(bucket: "soak", key: key, body: .bytes(b))
                        // Keep only a sample of bodies, so the soak's own memory stays flat.
                        if i % 16 == 0 { tally.stored.withLock { $0.append((key, b)) } }
                    } catch {
                        tally.failed.add(1, ordering: .relaxed)
                    }
                    if i % 64 == 0 { _ = try? await client.deleteObject(bucket: "soak", key: "small/\(w)/\(i - 32)") }
                }
            }
        }
        for w in 0..<8 {
            group.addTask {
                var i = 0
                while ContinuousClock.now < end {
                    i += 1
                    let key = "multipart/\(w)/\(i)"
                    let b = body(3 * 16384 + 100, 1_000_003 &* w &+ i)
                    do {
                        let id = try await client.initiateMultipartUpload(bucket: "soak", key: key).uploadId
                        var parts: [CompleteMultipartUpload.Part] = []
                        var o = 0
                        while o < b.count {
                            let r = try await client.uploadPart(
                                bucket: "soak", key: key, uploadId: id, partNumber: parts.count + 1,
                                body: .bytes(Array(b[o..<min(b.count, o + 16384)])))
                            parts.append(.init(partNumber: parts.count + 1, eTag: r.etag))
                            o += 16384
                        }
                        try await client.completeMultipartUpload(
                            bucket: "soak", key: key, uploadId: id, parts: parts, expectedCRC64: CRC64.checksum(b))
                        if i % 4 == 0 { tally.stored.withLock { $0.append((key, b)) } }
                    } catch {
                        tally.failed.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        if report {
            group.addTask {
                while ContinuousClock.now < end {
                    try? await Task.sleep(for: .seconds(5))
                    print("  t: fds \(openDescriptors()), RSS \(residentMiB()) MiB, server connections \(server.openConnections)")
                }
            }
        }
    }
    var intact = true
    var checked = 0
    for (key, b) in tally.stored.withLock({ $0 }) {
        guard let got = await server.service.objectBytes(bucket: "soak", key: key) else { continue }  // deleted
        checked += 1
        if got != b {
            intact = false
            print("DIFFERS: \(key)")
        }
    }
    if report {
        print("checked \(checked) sampled objects: \(intact ? "all intact" : "SOME DIFFER"); \(tally.failed.load(ordering: .relaxed)) uploads failed after retries; \(server.service.requestLog.count) requests logged")
    }
    await client.shutdown()
    server.service.removeAll()
    await server.stop()
    return intact
}

_ = try await round(.milliseconds(500), report: false)
let fds0 = openDescriptors()
let rss0 = residentMiB()
print("soak: \(seconds) s, reset every \(resetEvery) requests; start: fds \(fds0), RSS \(rss0) MiB")
// Two measured rounds: memory the allocator keeps after the first is reused by the second, so
// a leak shows as growth from the first round's end to the second's.
var ok = true
var ends: [Int] = []
for n in 1...2 {
    ok = try await round(.seconds(seconds), report: true) && ok
    try await Task.sleep(for: .milliseconds(500))
    let before = residentMiB()
    mallocTrim()
    ends.append(residentMiB())
    print("round \(n) end: fds \(fds0) -> \(openDescriptors()), RSS \(rss0) -> \(before) MiB, \(ends.last!) MiB after malloc_trim(0)")
}
let fds1 = openDescriptors()
let grew = ends[1] - ends[0]
print("descriptors \(fds1 <= fds0 ? "back to the start" : "LEAKED"); RSS from round 1's end to round 2's: \(grew) MiB")
exit(ok && fds1 <= fds0 && grew < 64 ? 0 : 1)
