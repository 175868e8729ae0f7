import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSSigner
import OSSTestSupport
import Synchronization
import Testing
@testable import OSSTransfer

/// How an upload in flight is stopped.
enum StopKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case taskCancel, disable, pause, abort
    var testDescription: String { rawValue }
}

/// Issue 13: what a cancel guarantees. For every cancelled request, stored ⇒ `bodyFullySent`;
/// against a server that reads slower than the client writes, a cancelled body larger than the
/// socket buffers is never stored. The stop is triggered by an event (the server or the kernel
/// saw body bytes), never by a clock; the server's verdict is read once it is done with the
/// request (its connection closed, its log line written).
@Suite("What a cancel guarantees: stored implies bodyFullySent")
struct CancelTruthTests {
    static let sizes = [16 << 10, 1 << 20, 4 << 20, 16 << 20]

    /// The stop, armed once the upload started; fired once, by the test or by a progress
    /// report (on the request's own task, so the body loop is cut at a known point).
    final class Stopper: Sendable {
        private let action = PThreadMutex<(@Sendable () -> Void)?>(nil)
        private let done = Atomic<Bool>(false)
        var fired: Bool { done.load(ordering: .acquiring) }

        func arm(_ a: @escaping @Sendable () -> Void) { action.withLock { $0 = a } }

        func fire() {
            guard let a = action.withLock({ a -> (@Sendable () -> Void)? in
                defer { a = nil }
                return a
            }) else { return }
            a()
            done.store(true, ordering: .releasing)
        }
    }

    /// Starts a single-PutObject upload of `path`, stops it as `kind` says once `inFlight`
    /// holds (or a progress report fired `stopper`), and returns its outcome.
    static func stopOne(
        client: OSSClient, path: String, bucket: String, key: String, scratch: Scratch, kind: StopKind,
        options: UploadOptions = UploadOptions(), stopper: Stopper = Stopper(),
        inFlight: @escaping @Sendable () -> Bool
    ) async throws -> TransferOutcome {
        var options = options
        options.multipartThreshold = 64 << 20
        options.checkpointDirectory = scratch.checkpoints
        let uploader = Uploader(operations: OSSClientOperations(client: client), options: options)
        let handleBox = PThreadMutex<TransferHandle?>(nil)
        let started = Atomic<Bool>(false)
        let caller = Task { () -> TransferOutcome in
            let h = uploader.start(file: path, bucket: bucket, key: key)
            handleBox.withLock { $0 = h }
            started.store(true, ordering: .releasing)
            return await h.outcome()
        }
        try await eventually("the upload started") { started.load(ordering: .acquiring) }
        let handle = handleBox.withLock { $0! }
        stopper.arm {
            switch kind {
            case .taskCancel: caller.cancel()
            case .disable: client.disableRequests()
            case .pause: handle.pause()
            case .abort: handle.abort()
            }
        }
        try await eventually("the body is in flight") { stopper.fired || inFlight() }
        stopper.fire()
        let outcome = await caller.value
        client.enableRequests()
        return outcome
    }

    /// The invariant, and what the outcome says, checked against what the server stored.
    static func check(_ o: TransferOutcome, stored: Bool, size: Int, kind: StopKind) {
        if o.state == .completed {
            // The stop came after the server had answered: nothing was cut short.
            #expect(stored)
            return
        }
        #expect(o.state == (kind == .abort ? .aborted : .paused), "\(o)")
        if stored {
            #expect(o.bodyFullySent == true, "stored, yet the outcome says the body was not fully sent: \(o)")
        }
        if o.bodyFullySent == false { #expect(!stored) }
    }

    /// The mock reads at 1 MiB/s; a body larger than the socket buffers also stops being read
    /// after 1 MiB until the stop has returned, so the stop lands with the body in flight however
    /// late a loaded machine runs it (at 1 MiB/s alone, a stop 4 s late found 4 MiB stored).
    static func slowReader(size: Int) -> MockServerConfiguration {
        var config = MockServerConfiguration()
        config.buckets = ["truth"]
        config.faults.maxReceiveRate = 1 << 20
        if size >= 4 << 20 {
            config.faults.stallAfterBodyBytes = 1 << 20
            config.receiveBufferSize = smallReceiveBuffer
        }
        return config
    }

    /// The mock's receive buffer where a body must stay larger than the socket buffers: fixed,
    /// since a buffer the kernel lets grow (to 32 MiB where `tcp_rmem` allows it) took a whole
    /// 4 MiB part in while the mock stalled, and the part arrived after the stop.
    static let smallReceiveBuffer = 256 << 10

    @Test(arguments: sizes, StopKind.allCases)
    func againstTheMockReadingSlowly(size: Int, kind: StopKind) async throws {
        try await withMockServer(configuration: Self.slowReader(size: size)) { server in
            let scratch = Scratch()
            let (path, _) = scratch.file("f", size: size, seed: UInt64(size))
            let client = try makeClient(server)
            let service = server.service
            let outcome = try await Self.stopOne(
                client: client, path: path, bucket: "truth", key: "k", scratch: scratch, kind: kind,
                // Late enough that the client has handed the socket all it can take (the
                // whole body, up to 4 MiB): the case a graceful shutdown got wrong.
                inFlight: { service.bodyBytesReceived >= min(Int64(size / 2), 256 << 10) })
            service.updateFaults { $0.stallAfterBodyBytes = nil }  // the mock reads on and finds the reset
            await client.shutdown()
            // The server is done with the request once its connection is closed.
            try await eventually("the mock closed the connection") { server.openConnections == 0 }
            let stored = service.objectKeys(bucket: "truth").contains("k")
            Self.check(outcome, stored: stored, size: size, kind: kind)
            if size >= 4 << 20 {
                // Larger than the socket buffers, against a server reading at 1 MiB/s: the
                // reset discarded the rest.
                #expect(!stored)
                #expect(outcome.bodyFullySent == false, "\(outcome)")
                let entry = service.requestLog.first { $0.operation == "PutObject" }
                #expect(entry.map { !$0.bodyCompleted } ?? true)
            }
        }
    }

    /// Per part: a multipart upload stopped with parts in flight. Every part the server holds
    /// beyond those counted done was cut short with `bodyFullySent` true; a part whose flag is
    /// false is not on the server. 512 KiB parts fit in the socket buffers (they usually all
    /// arrive, and the outcome says they may exist); 4 MiB parts do not (none arrives): the mock
    /// (`slowReader`, as for single PUTs) stops reading each after 1 MiB until the stop has returned, with a
    /// fixed receive buffer, so the stop finds them in flight however late a loaded machine runs
    /// it and however large the kernel would let the buffer grow.
    @Test(arguments: [StopKind.taskCancel, .disable, .pause], [512 << 10, 4 << 20])
    func multipartPartsInFlight(kind: StopKind, partSize: Int) async throws {
        try await withMockServer(configuration: Self.slowReader(size: partSize)) { server in
            let scratch = Scratch()
            let (path, _) = scratch.file("f", size: 6 * partSize, seed: 99)
            let client = try makeClient(server)
            let service = server.service
            var options = UploadOptions()
            options.partSize = Int64(partSize)
            options.multipartThreshold = Int64(partSize)
            options.jobs = 4
            options.checkpointDirectory = scratch.checkpoints
            let uploader = Uploader(operations: OSSClientOperations(client: client), options: options)
            let handleBox = PThreadMutex<TransferHandle?>(nil)
            let caller = Task { () -> TransferOutcome in
                let h = uploader.start(file: path, bucket: "truth", key: "k")
                handleBox.withLock { $0 = h }
                return await h.outcome()
            }
            // Some parts done, four in flight: 1.5 MiB read by the server.
            try await eventually("parts in flight") {
                service.bodyBytesReceived >= 3 << 19 && handleBox.withLock { $0 } != nil
            }
            switch kind {
            case .taskCancel: caller.cancel()
            case .disable: client.disableRequests()
            case .pause, .abort: handleBox.withLock { $0! }.pause()
            }
            let outcome = await caller.value
            client.enableRequests()
            service.updateFaults { $0.stallAfterBodyBytes = nil }  // the mock reads on and finds the resets
            #expect(outcome.state == .paused, "\(outcome)")
            let uploadId = try #require(outcome.uploadId)
            // Idle kept-alive connections of parts done close with the client.
            await client.shutdown()
            try await eventually("the mock closed every connection") { server.openConnections == 0 }
            let client2 = try makeClient(server)
            let stored = Set(
                try await OSSClientOperations(client: client2).listParts(bucket: "truth", key: "k", uploadId: uploadId)
                    .map(\.number))
            await client2.shutdown()
            #expect(stored.count >= outcome.partsDone)
            let mayExist = Set(outcome.interrupted.filter(\.bodyFullySent).compactMap(\.partNumber))
            let cannot = Set(outcome.interrupted.filter { !$0.bodyFullySent }.compactMap(\.partNumber))
            #expect(stored.isDisjoint(with: cannot), "stored \(stored), said not fully sent \(cannot)")
            // What is stored is what was counted done, or what the outcome said may exist.
            #expect(stored.count - outcome.partsDone <= mayExist.count, "stored \(stored), \(outcome)")
            if partSize >= 4 << 20 {
                // Parts larger than the socket buffers, cut short in flight: none can have
                // arrived whole; the server has only the parts counted done.
                #expect(mayExist.isEmpty, "\(outcome)")
                #expect(stored.count == outcome.partsDone, "stored \(stored), \(outcome)")
            }
        }
    }

    @Test(.enabled(if: NginxServer.available(for: "What a cancel guarantees")), arguments: sizes, StopKind.allCases)
    func againstNginx(size: Int, kind: StopKind) async throws {
        let nginx = try await NginxServer.start()
        defer { nginx.stop() }
        let scratch = Scratch()
        let (path, _) = scratch.file("f", size: size, seed: UInt64(size) &+ 7)
        var config = try OSSClientConfiguration(endpoint: "http://127.0.0.1:\(nginx.port)", region: "cn-hangzhou")
        config.addressing = .pathStyle
        config.credentialsProvider = StaticCredentialsProvider(accessKeyId: "id", accessKeySecret: "secret")
        let client = try OSSClient(configuration: config)
        // nginx reads as fast as it can: the stop comes from the first progress report that
        // says its TCP acknowledged body bytes, on the request's own task.
        let stopper = Stopper()
        var options = UploadOptions()
        options.progress = { p in if p.bytesTransferred > 0 { stopper.fire() } }
        let key = "k\(size)-\(kind.rawValue)"
        let outcome = try await Self.stopOne(
            client: client, path: path, bucket: "dav", key: key, scratch: scratch, kind: kind, options: options,
            stopper: stopper, inFlight: { false })
        await client.shutdown()
        // nginx logs a request once it is done with it, stored or given up.
        try await eventually("nginx finished the request") { nginx.accessLog.contains { $0.contains("/dav/\(key) ") } }
        let stored = FileManager.default.fileExists(atPath: nginx.root.appendingPathComponent("dav/\(key)").path)
        Self.check(outcome, stored: stored, size: size, kind: kind)
        if size > 4 << 20 {
            // Stopped as soon as nginx acknowledged anything: a body larger than the socket can
            // hold (tcp_wmem's 4 MiB) had not all been handed over, so it had not all left. (A
            // 4 MiB body may all have left by the first acknowledged report, and be stored:
            // then the outcome says so, which `check` verifies.)
            #expect(!stored, "\(nginx.accessLog)")
            #expect(outcome.bodyFullySent == false, "\(outcome)")
        }
    }
}

/// The same guarantee through the CLI: `osswire cp` interrupted by SIGINT (it pauses the
/// upload), its `--json` outcome's `body_fully_sent` against what the server stored.
@Suite("What a cancel guarantees: cp interrupted by SIGINT")
struct CpInterruptTruthTests {
    /// cp with one PutObject for every size here (parts of 64 MiB), path-style, JSON outcome.
    static func args(_ path: String, _ url: String, endpoint: String, checkpoints: String) -> [String] {
        [
            "cp", path, url, "--endpoint", endpoint, "--region", "cn-hangzhou", "--path-style", "--part-size",
            "\(64 << 20)", "--checkpoint-dir", checkpoints, "--json",
        ]
    }

    /// Interrupts `p` once `ready` holds (or it exits first), and returns its status and outcome.
    static func interrupt(_ p: OSSWireProcess, once ready: () -> Bool) async throws -> (Int32, [String: Any]) {
        try await eventually("the body is in flight, or cp ended") { ready() || !p.process.isRunning }
        p.signal(SIGINT)
        let status = await p.wait()
        let out = p.stdout
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)\n\(p.stderr)")
        return (status, json)
    }

    /// The invariant on cp's outcome, and its message saying "may exist" only when it may.
    static func check(status: Int32, json: [String: Any], stored: Bool, stderr: String) {
        if status == 0 {
            #expect(json["state"] as? String == "completed")
            #expect(stored)
            return
        }
        #expect(status == 130, "\(json) \(stderr)")
        #expect(json["state"] as? String == "paused")
        let sent = json["body_fully_sent"] as? Bool
        if stored { #expect(sent == true, "stored, yet cp says the body was not fully sent: \(json)") }
        #expect(stderr.contains("may exist") == (sent == true), "\(stderr)")
        if sent == false { #expect(stderr.contains("not stored")) }
    }

    @Test(arguments: CancelTruthTests.sizes)
    func againstTheMockReadingSlowly(size: Int) async throws {
        try await withMockServer(configuration: CancelTruthTests.slowReader(size: size)) { server in
            let scratch = Scratch()
            let (path, _) = scratch.file("f", size: size, seed: UInt64(size) &+ 3)
            let p = try OSSWireProcess(
                Self.args(path, "oss://truth/k", endpoint: server.url, checkpoints: scratch.checkpoints),
                env: CpProcessTests.env)
            let service = server.service
            let (status, json) = try await Self.interrupt(p) {
                service.bodyBytesReceived >= min(Int64(size / 2), 256 << 10)
            }
            service.updateFaults { $0.stallAfterBodyBytes = nil }  // the mock reads on and finds the reset
            try await eventually("the mock closed the connection") { server.openConnections == 0 }
            let stored = service.objectKeys(bucket: "truth").contains("k")
            Self.check(status: status, json: json, stored: stored, stderr: p.stderr)
            if size >= 4 << 20 {
                #expect(status == 130)
                #expect(!stored)
                #expect(json["body_fully_sent"] as? Bool == false)
            }
        }
    }

    /// Bytes of request bodies nginx has written to its temporary files so far.
    static func bodyBytes(_ nginx: NginxServer) -> Int64 {
        let dir = nginx.directory.appendingPathComponent("body").path
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return 0 }
        var total: Int64 = 0
        for case let name as String in walker {
            let attributes = try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular {
                total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            }
        }
        return total
    }

    @Test(.enabled(if: NginxServer.available(for: "cp interrupted by SIGINT")), arguments: CancelTruthTests.sizes)
    func againstNginx(size: Int) async throws {
        let nginx = try await NginxServer.start()
        defer { nginx.stop() }
        let scratch = Scratch()
        let (path, _) = scratch.file("f", size: size, seed: UInt64(size) &+ 5)
        let p = try OSSWireProcess(
            Self.args(path, "oss://dav/k", endpoint: "http://127.0.0.1:\(nginx.port)", checkpoints: scratch.checkpoints),
            env: CpProcessTests.env)
        // nginx reads at full speed: cp may finish before the signal lands. Whatever the
        // timing, the outcome must not deny what nginx stored.
        let (status, json) = try await Self.interrupt(p) { Self.bodyBytes(nginx) > 0 }
        try await eventually("nginx finished the request") { nginx.accessLog.contains { $0.contains("/dav/k ") } }
        let stored = FileManager.default.fileExists(atPath: nginx.root.appendingPathComponent("dav/k").path)
        Self.check(status: status, json: json, stored: stored, stderr: p.stderr)
    }
}

