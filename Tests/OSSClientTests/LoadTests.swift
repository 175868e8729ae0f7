import Foundation
import OSSCore
import OSSMockServer
import OSSProtocol
import OSSTestSupport
import Synchronization
import Testing

@testable import OSSClient

/// Issue 8, point 5: many concurrent uploads against the mock server, with a connection reset
/// injected every Nth request, for a bounded time. See docs/LOAD.md.
@Suite("Load: concurrent uploads with injected resets")
struct LoadTests {
    static let smallWorkers = 64
    static let multipartWorkers = 8
    /// Objects each worker stores: a count, not a duration, so a busy machine makes the run
    /// slower, never smaller (a fixed time used to leave some workers with one object).
    static let smallPerWorker = 30
    static let multipartPerWorker = 4
    static let resetEvery = 25
    /// RSS may grow this much over the run, measured after everything is stopped. A leak of one
    /// connection's read buffer (256 KiB on each side) per request would pass this after a
    /// few hundred requests; the run makes thousands.
    static let rssBound = 64 << 20

    @Test("64 small PUTs and 8 multipart uploads at once: every stored object intact, no leaked descriptors or memory")
    func concurrentUploads() async throws {
        // Warm up: the reactor thread, the pools and the allocator's arenas exist before the
        // starting level is taken.
        try await run(smallPerWorker: 1, multipartPerWorker: 1)
        let fdsBefore = Self.openDescriptors()
        let rssBefore = Self.memoryInUse()

        let (stored, port) = try await run(smallPerWorker: Self.smallPerWorker, multipartPerWorker: Self.multipartPerWorker)
        #expect(stored.small + stored.failed >= Self.smallWorkers * Self.smallPerWorker)
        #expect(stored.multipart > 0 && stored.small > 0)
        #expect(stored.resets > 0)

        // Descriptors: none of this test's sockets (client's or server's) is open any more, and
        // the process's count is back to the starting level (other suites may run at the same
        // time, so wait a little for theirs to settle).
        #expect(Self.socketDescriptors(port: port) == 0)
        var fdsAfter = Self.openDescriptors()
        // (A backstop of minutes: the count settles when they are done, however slowly.)
        for _ in 0..<1200 where fdsAfter > fdsBefore {
            try await Task.sleep(for: .milliseconds(100))
            fdsAfter = Self.openDescriptors()
        }
        #expect(fdsAfter <= fdsBefore, "open descriptors: \(fdsBefore) before, \(fdsAfter) after")
        let rssAfter = Self.memoryInUse()
        let what = Self.asanAllocatedBytes == nil ? "RSS" : "heap in use (ASan)"
        print(
            "load: \(stored.small) small + \(stored.multipart) multipart objects stored and intact, ~\(stored.resets) resets;"
                + " fds \(fdsBefore) -> \(fdsAfter); \(what) \(rssBefore >> 20) MiB -> \(rssAfter >> 20) MiB")
        #expect(rssAfter - rssBefore < Self.rssBound, "\(what): \(rssBefore) before, \(rssAfter) after")
    }

    /// What the workers report: the objects the client said were stored, and the failures.
    final class Collected: Sendable {
        let reported = PThreadMutex<[(String, [UInt8])]>([])
        let failures = PThreadMutex<[String]>([])
    }

    struct Counts {
        var small = 0
        var multipart = 0
        var resets = 0
        var failed = 0
    }

    /// Runs the load (each worker stores its count of objects), checks every object the client
    /// reported stored, stops the client and the server.
    /// - Returns: how many objects were stored, resets injected, and the server's port.
    @discardableResult
    func run(smallPerWorker: Int, multipartPerWorker: Int) async throws -> (Counts, Int) {
        var configuration = mockConfiguration()
        configuration.minimumPartSize = 1024
        configuration.faults.resetEveryNthRequest = Self.resetEvery
        let server = try MockOSSServer(configuration: configuration)
        let port = server.endpoint.port
        let client = try mockClient(server) { c in
            c.maxConnectionsPerHost = Self.smallWorkers + Self.multipartWorkers
            c.retryPolicy = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(1), maxDelay: .milliseconds(20))
            // A guard against a request that never gets an answer, not a pace: with the suite
            // beside an ASan build (load 8 on two cores) 23 first requests waited more than 10 s
            // for the in-process mock to answer, and failed the run.
            c.timeouts.idle = .seconds(60)
        }
        // What the client reported stored: key and bytes.
        let collected = Collected()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<Self.smallWorkers {
                    group.addTask {
                        for i in 1...smallPerWorker {
                            let key = "small/\(w)/\(i)"
                            let bytes = Self.bytes(count: 1024 + (w * 131 + i * 17) % 3072, seed: w &* 7919 &+ i)
                            do {
                                try await client.putObject(bucket: "bkt", key: key, body: .bytes(bytes))
                                collected.reported.withLock { $0.append((key, bytes)) }
                            } catch {
                                collected.failures.withLock { $0.append("\(key): \(error)") }
                            }
                        }
                    }
                }
                for w in 0..<Self.multipartWorkers {
                    group.addTask {
                        for i in 1...multipartPerWorker {
                            let key = "multipart/\(w)/\(i)"
                            let bytes = Self.bytes(count: 3 * 16 * 1024 + 100, seed: 1_000_003 &* w &+ i)
                            do {
                                try await Self.multipartUpload(client, key: key, bytes: bytes, partSize: 16 * 1024)
                                collected.reported.withLock { $0.append((key, bytes)) }
                            } catch {
                                collected.failures.withLock { $0.append("\(key): \(error)") }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Every object the client reported stored is intact.
            var counts = Counts()
            for (key, bytes) in collected.reported.withLock({ $0 }) {
                let got = await server.service.objectBytes(bucket: "bkt", key: key)
                #expect(got == bytes, "\(key) differs from what was sent")
                if key.hasPrefix("small/") { counts.small += 1 } else { counts.multipart += 1 }
            }
            // Requests the server reset never got a log entry; requests that did are counted.
            let logged = server.service.requestLog.count
            counts.resets = logged / Self.resetEvery
            // Failures after all retries are allowed (a reset can strike every retry), but they
            // must stay rare.
            let failed = collected.failures.withLock { $0 }
            counts.failed = failed.count
            #expect(failed.count * 20 <= counts.small + counts.multipart, "\(failed.prefix(5))")
            await client.shutdown()
            server.service.removeAll()
            await server.stop()
            return (counts, port)
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
    }

    /// Uploads `bytes` in parts read from a file (as the Uploader does), so every part opens the
    /// file: a descriptor leaked per part or per retry shows in `openDescriptors()`.
    static func multipartUpload(_ client: OSSClient, key: String, bytes: [UInt8], partSize: Int) async throws {
        let path = NSTemporaryDirectory() + "osswire-load-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let uploadId = try await client.initiateMultipartUpload(bucket: "bkt", key: key).uploadId
        var parts: [CompleteMultipartUpload.Part] = []
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count, offset + partSize) - offset
            let r = try await client.uploadPart(
                bucket: "bkt", key: key, uploadId: uploadId, partNumber: parts.count + 1,
                body: .file(path, offset: Int64(offset), length: Int64(length)))
            parts.append(.init(partNumber: parts.count + 1, eTag: r.etag))
            offset += partSize
        }
        try await client.completeMultipartUpload(
            bucket: "bkt", key: key, uploadId: uploadId, parts: parts, expectedCRC64: CRC64.checksum(bytes))
    }

    static func bytes(count: Int, seed: Int) -> [UInt8] { xorshiftBytes(count, seed: UInt64(truncatingIfNeeded: seed)) }

    /// The number of open descriptors (`/proc/self/fd`) that name files. Suites running beside
    /// this one open pipes to child processes, sockets of their own servers, and the epoll,
    /// eventfd and timerfd trio of each thread's Foundation run loop at any moment, so those
    /// kinds are not counted here: this test's sockets are counted exactly by
    /// `socketDescriptors(port:)`, and the reactor's trio is created once, before the warm-up.
    static func openDescriptors() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd) else {
                return false  // closed since the listing (the listing's own descriptor among them)
            }
            return target.hasPrefix("/")
        }.count
    }

    /// AddressSanitizer's count of heap bytes allocated and not yet freed, when this process runs
    /// under ASan (scripts/sanitize.sh address). There, RSS says nothing about leaks: freed
    /// blocks sit in ASan's quarantine (256 MiB by default) before they are reused.
    static let asanAllocatedBytes: (@convention(c) () -> Int)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__sanitizer_get_current_allocated_bytes") else {
            return nil
        }
        return unsafeBitCast(symbol, to: (@convention(c) () -> Int).self)
    }()

    /// The memory the leak bound applies to: the live heap under ASan, the resident set otherwise.
    static func memoryInUse() -> Int {
        if let asanAllocatedBytes { return asanAllocatedBytes() }
        return residentBytes()
    }

    /// Resident memory in bytes (`/proc/self/statm`, second field, in pages).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open descriptors of this process that are TCP sockets with `port` at either end.
    static func socketDescriptors(port: Int) -> Int {
        let hexPort = String(format: ":%04X", port)
        var inodes = Set<String>()
        for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count > 9 else { continue }
                if f[1].hasSuffix(hexPort) || f[2].hasSuffix(hexPort) { inodes.insert(String(f[9])) }
            }
        }
        inodes.remove("0")
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { fd in
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd) else {
                return false
            }
            return link.hasPrefix("socket:[") && inodes.contains(String(link.dropFirst(8).dropLast()))
        }.count
    }
}
