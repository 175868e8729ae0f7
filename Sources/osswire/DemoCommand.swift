import Glibc
import OSSClient
import OSSCore
import OSSMockServer
import OSSSigner
import OSSTransfer
import Synchronization

/// `osswire demo`: the interruption scenario of DESIGN.md against an in-process mock OSS.
///
/// 1. Four uploads in flight, stopped client-wide (`disableRequests()`) once the mock has read
///    1 MiB of their bodies (an event, not a clock): each outcome and code, the mock's view
///    (every body cut short, nothing stored), then a fresh upload succeeds. That nothing is
///    stored does not depend on timing: the mock reads at 4 MiB/s, so no 16 MiB body can have
///    left the client by then, and the switch resets the connections, which discards what had
///    not left.
/// 2. A multipart upload paused half-way and resumed with the same UploadId, only the missing
///    parts sent, the object checked by CRC64.
/// 3. A multipart upload aborted: AbortMultipartUpload sent, the UploadId then refused.
@Sendable
func demoCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: [], flags: [])
    guard args.positional.isEmpty else { throw UsageError("demo takes no arguments") }

    var config = MockServerConfiguration()
    config.buckets = ["demo"]
    config.faults.maxReceiveRate = 4 << 20
    let server = try MockOSSServer(configuration: config)
    let scratch = "/tmp/osswire-demo-\(getpid())"
    mkdir(scratch, 0o700)
    defer { removeTree(scratch) }
    // Stopped by SIGINT or SIGTERM: leave no scratch files behind, then exit 130 or 143.
    Signals.onSignal { sig in
        removeTree(scratch)
        _exit(128 + sig)
    }
    var clientConfig = try OSSClientConfiguration(endpoint: server.url, region: "cn-hangzhou")
    clientConfig.addressing = .pathStyle
    clientConfig.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    let client = try OSSClient(configuration: clientConfig)
    let ops = OSSClientOperations(client: client)
    printLine("mock OSS listening on \(server.url) (bucket 'demo', reading bodies at 4 MiB/s per connection)")
    var ok = true

    // 1. The client-wide switch.
    printLine(
        "\n1. Four 16 MiB uploads in flight; the mock holds each body after 1 MiB, and once it has 1 MiB of all four the client-wide switch is turned off"
    )
    var putOptions = UploadOptions()
    putOptions.multipartThreshold = 64 << 20
    let putter = Uploader(operations: ops, options: putOptions)
    // The files first, so the four uploads run side by side however slow the machine.
    let paths = try await FileIOExecutor.run {
        try (1...4).map { i in try makeFile("\(scratch)/put\(i)", size: 16 << 20, seed: UInt64(i)) }
    }
    // No body can end before the switch, whatever the pace: the mock stops reading each at 1 MiB.
    server.service.updateFaults { $0.stallAfterBodyBytes = 1 << 20 }
    var handles: [TransferHandle] = []
    for (i, path) in paths.enumerated() { handles.append(putter.start(file: path, bucket: "demo", key: "put\(i + 1)")) }
    // The event: the four are connected and the mock holds 1 MiB of each body.
    await waitUntil { server.openConnections >= 4 && server.service.bodyBytesReceived >= 4 << 20 }
    let t0 = ContinuousClock.now
    client.disableRequests()
    let late = await putter.upload(file: "\(scratch)/put1", bucket: "demo", key: "late")
    var mayExist: Set<String> = []
    for (i, h) in handles.enumerated() {
        let o = await h.outcome()
        let body = o.bodyFullySent.map { $0 ? "the whole body had left: the object may exist" : "reset before the whole body left" }
        printLine(
            "   upload \(i + 1): \(o.state) (\(o.failureClass?.kind.description ?? "-")) \(o.errorCode ?? "")\(body.map { ", \($0)" } ?? "")"
        )
        ok = ok && o.state == .paused
        if o.bodyFullySent == true { mayExist.insert("put\(i + 1)") }
    }
    let stopped = t0.duration(to: .now)
    printLine(
        "   a fifth upload after the switch: \(late.state) (\(late.failureClass?.kind.description ?? "-")) \(late.errorCode ?? "")"
    )
    printLine("   all four returned \(formatDuration(stopped)) after the switch")
    // The mock reads on: what had reached it before the resets, never a whole body.
    server.service.updateFaults { $0.stallAfterBodyBytes = nil }
    // The mock is done with every request once their connections are closed.
    await waitUntil { server.openConnections == 0 }
    for e in server.service.requestLog where e.operation == "PutObject" {
        printLine(
            "   mock: \(e.key ?? "") received \(e.bytesReceived) of \(16 << 20) bytes, body complete: \(e.bodyCompleted)"
        )
        ok = ok && !e.bodyCompleted
    }
    let storedKeys = server.service.objectKeys(bucket: "demo")
    printLine("   mock: objects stored: \(storedKeys.isEmpty ? "none" : storedKeys.joined(separator: ", "))")
    // Nothing stored; and were anything stored, its outcome would have said it may exist.
    ok = ok && storedKeys.isEmpty && Set(storedKeys).isSubset(of: mayExist)
    client.enableRequests()
    let again = await putter.upload(file: "\(scratch)/put1", bucket: "demo", key: "put1")
    printLine("   switch on again; a new upload: \(again.state), crc64 \(again.crc64.map(String.init) ?? "-")")
    ok = ok && again.state == .completed

    // 2. Pause and resume.
    printLine("\n2. A 12 MiB multipart upload (512 KiB parts, 4 at a time) paused half-way, then resumed")
    // The scratch files are written and read on a file I/O thread, beside the uploads under way.
    let (big, bigCRC) = try await FileIOExecutor.run {
        let path = try makeFile("\(scratch)/big", size: 12 << 20, seed: 42)
        return (path, try fileCRC(path))
    }
    var mpOptions = UploadOptions()
    mpOptions.partSize = 512 << 10
    mpOptions.multipartThreshold = 512 << 10
    mpOptions.checkpointDirectory = "\(scratch)/checkpoints"
    let parts = Atomic<Int>(0)
    mpOptions.progress = { parts.store($0.partsDone, ordering: .relaxed) }
    let handle = Uploader(operations: ops, options: mpOptions).start(file: big, bucket: "demo", key: "big")
    await waitUntil { parts.load(ordering: .relaxed) >= 12 }
    let p0 = ContinuousClock.now
    handle.pause()
    let paused = await handle.outcome()
    printLine(
        "   paused after \(formatDuration(p0.duration(to: .now))): \(paused.state), upload \(paused.uploadId ?? "-"), \(paused.partsDone)/\(paused.partsTotal) parts on the server"
    )
    server.service.clearRequestLog()
    server.service.setFaults(MockFaults())
    mpOptions.progress = nil
    let resumed = await Uploader(operations: ops, options: mpOptions).upload(file: big, bucket: "demo", key: "big")
    let sent = server.service.requestLog.filter { $0.operation == "UploadPart" && $0.status == 200 }.count
    printLine(
        "   resumed: \(resumed.state), upload \(resumed.uploadId ?? "-") (same id: \(resumed.uploadId == paused.uploadId)), \(resumed.partsResumed) parts already there, \(sent) sent"
    )
    printLine(
        "   CRC64 of the file \(bigCRC), of the object \(resumed.crc64.map(String.init) ?? "-"): \(resumed.crc64 == bigCRC ? "match" : "MISMATCH")"
    )
    ok =
        ok && paused.state == .paused && resumed.state == .completed && resumed.uploadId == paused.uploadId
        && resumed.crc64 == bigCRC

    // 3. Abort.
    printLine("\n3. A multipart upload aborted after a few parts")
    server.service.updateFaults { $0.maxReceiveRate = 4 << 20 }
    parts.store(0, ordering: .relaxed)
    mpOptions.progress = { parts.store($0.partsDone, ordering: .relaxed) }
    let doomed = Uploader(operations: ops, options: mpOptions).start(file: big, bucket: "demo", key: "doomed")
    await waitUntil { parts.load(ordering: .relaxed) >= 4 }
    doomed.abort()
    let aborted = await doomed.outcome()
    printLine(
        "   \(aborted.state): upload \(aborted.uploadId ?? "-"), AbortMultipartUpload sent after the parts in flight settled"
    )
    ok = ok && aborted.state == .aborted
    if let id = aborted.uploadId {
        do {
            _ = try await client.uploadPart(
                bucket: "demo", key: "doomed", uploadId: id, partNumber: 1, body: .bytes([1, 2, 3]))
            printLine("   UploadPart with that id: accepted (unexpected)")
            ok = false
        } catch {
            printLine("   UploadPart with that id: refused: \(error)")
        }
    }
    await client.shutdown()
    await server.stop()
    printLine(ok ? "\ndemo finished: every step behaved as described" : "\ndemo finished with unexpected results")
    return ok ? ExitCode.success : ExitCode.failure
}

/// Writes `size` pseudo-random bytes to `path`.
private func makeFile(_ path: String, size: Int, seed: UInt64) throws -> String {
    let file = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o600)
    defer { file.close() }
    var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var written = 0
    while written < size {
        let n = min(size - written, chunk.count)
        for i in 0..<n {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            chunk[i] = UInt8(truncatingIfNeeded: x)
        }
        let result = chunk.withUnsafeBytes { bytes in
            Result { () throws(SystemError) in try file.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: Int64(written)) }
        }
        try result.get()
        written += n
    }
    return path
}

/// The CRC64 of a whole file.
private func fileCRC(_ path: String) throws -> UInt64 {
    let file = try FileDescriptor.open(path, .readOnly)
    defer { file.close() }
    var crc = CRC64()
    let buffer = IOBuffer(capacity: 1 << 20)
    var offset: Int64 = 0
    while true {
        let n = try file.read(into: buffer.bytes, at: offset)
        if n == 0 { break }
        crc.update(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<n]))
        offset += Int64(n)
    }
    return crc.value
}

/// Polls (1 ms) until `condition` holds, for at most about 30 s.
private func waitUntil(_ condition: () -> Bool) async {
    for _ in 0..<30_000 {
        if condition() { return }
        try? await Task.sleep(for: .milliseconds(1))
    }
}

private func formatDuration(_ d: Duration) -> String {
    let us = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
    return us < 10_000 ? "\(Double(us) / 1000) ms" : "\(us / 1000) ms"
}

/// Removes a directory of plain files (the demo's scratch space).
private func removeTree(_ path: String) {
    guard let dir = opendir(path) else { return }
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        let child = path + "/" + name
        if unlink(child) != 0 { removeTree(child) }
    }
    closedir(dir)
    rmdir(path)
}
