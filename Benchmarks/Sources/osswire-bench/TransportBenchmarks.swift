import Foundation
import Glibc
import OSSTransport

/// Scratch files for the benchmarks, in one temporary directory removed at exit.
enum Scratch {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "osswire-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A file of `size` pseudo-random bytes (made once per size), left in the page cache.
    static func file(size: Int) throws -> String {
        let path = directory + "/body-\(size)"
        if FileManager.default.fileExists(atPath: path) { return path }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Sockets.Failure("open \(path)") }
        defer { close(fd) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 8 << 20, alignment: 64)
        defer { chunk.deallocate() }
        var gen = SplitMix64(state: UInt64(size))
        var written = 0
        while written < size {
            gen.fill(chunk)
            let n = write(fd, chunk.baseAddress, min(chunk.count, size - written))
            guard n > 0 else { throw Sockets.Failure("write \(path)") }
            written += n
        }
        return path
    }

    static func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `throughput`: one large PUT over loopback, ours vs `curl -T` (and, over plain HTTP, a raw
/// socket write loop), against the in-process discard server.
struct ThroughputBenchmark {
    var bytes = 1 << 30
    var rounds = 5
    var tls = false

    func run() async throws {
        let context = tls ? try TLSServerContext() : nil
        let server = try DiscardServer(tls: context)
        defer { server.stop() }
        let path = try Scratch.file(size: bytes)
        let url = server.baseURL + "/bench/object"
        print(
            "throughput: PUT of \(bytes >> 20) MiB over \(tls ? "TLS" : "plain HTTP") on 127.0.0.1, "
                + "\(rounds) rounds interleaved, medians (GB/s = 1e9 bytes/s)")

        var raw: [Double] = [], curl: [Double] = [], ours: [Double] = [], oursNoCRC: [Double] = []
        // Client CPU seconds per GiB: the process's CPU less the server's for in-process clients,
        // curl's own (waited-for child) CPU for curl.
        var rawCPU: [Double] = [], curlCPU: [Double] = [], oursCPU: [Double] = []
        let gib = Double(bytes) / Double(1 << 30)
        func inProcessCPU(_ body: () async throws -> Double) async rethrows -> (Double, Double) {
            let (p, s) = (CPUTime.process(), server.serverCPU)
            let seconds = try await body()
            return (seconds, ((CPUTime.process() - p) - (server.serverCPU - s)) / gib)
        }
        for _ in 0..<rounds {
            let (rawSeconds, rawCost) = try await inProcessCPU { try rawWriteLoop(port: server.port) }
            raw.append(Double(bytes) / rawSeconds / 1e9)
            rawCPU.append(rawCost)
            let before = server.bytesReceived
            let children = CPUTime.children()
            let seconds = try Stats.time {
                try Processes.run(
                    "/usr/bin/curl", (tls ? ["-k"] : []) + ["-s", "-S", "-o", "/dev/null", "-T", path, url])
            }
            guard server.bytesReceived - before == UInt64(bytes) else {
                throw Processes.Failure(description: "curl: the server did not receive the whole body")
            }
            curl.append(Double(bytes) / seconds / 1e9)
            curlCPU.append((CPUTime.children() - children) / gib)
            if Ours.unavailable == nil {
                let before = server.bytesReceived
                let (seconds, cost) = try await inProcessCPU {
                    try await Stats.time { try await Ours.putFile(url: url, path: path, size: bytes, insecure: tls) }
                }
                guard server.bytesReceived - before == UInt64(bytes) else {
                    throw Processes.Failure(description: "ours: the server did not receive the whole body")
                }
                ours.append(Double(bytes) / seconds / 1e9)
                oursCPU.append(cost)
                let plain = try await Stats.time {
                    try await Ours.putFile(url: url, path: path, size: bytes, insecure: tls, crcOn: false)
                }
                oursNoCRC.append(Double(bytes) / plain / 1e9)
            }
        }

        Stats.line(tls ? "raw SSL_write loop" : "raw socket write loop", Stats.fixed(Stats.median(raw)) + " GB/s")
        Stats.line(tls ? "curl -k -T" : "curl -T", Stats.fixed(Stats.median(curl)) + " GB/s")
        if let why = Ours.unavailable {
            Stats.notAvailable("ours (HTTPClient, CRC64 on)", why)
            return
        }
        let o = Stats.median(ours)
        Stats.line("ours (HTTPClient, CRC64 on)", Stats.fixed(o) + " GB/s")
        Stats.line("ours, .file body, no CRC (scale)", Stats.fixed(Stats.median(oursNoCRC)) + " GB/s")
        if tls {
            Stats.ratio("ours / curl -k -T", o, Stats.median(curl), target: ">= 1.2x")
            Stats.ratio("ours / raw SSL_write loop", o, Stats.median(raw), target: "none, for scale")
        } else {
            Stats.ratio("ours / curl -T", o, Stats.median(curl), target: ">= 2x")
            Stats.ratio("ours / raw write loop", o, Stats.median(raw), target: ">= 0.75x")
        }
        // The same comparison by CPU: a client's cost does not depend on the share of the
        // two cores it was given, so these move far less than the wall-clock figures.
        let (rc, cc, oc) = (Stats.median(rawCPU), Stats.median(curlCPU), Stats.median(oursCPU))
        Stats.line("client CPU per GiB: raw loop", Stats.fixed(rc * 1000, 0) + " ms")
        Stats.line(tls ? "  curl -k -T" : "  curl -T", Stats.fixed(cc * 1000, 0) + " ms")
        Stats.line("  ours (CRC64 on)", Stats.fixed(oc * 1000, 0) + " ms")
        Stats.ratio(tls ? "CPU: curl -k -T / ours" : "CPU: curl -T / ours", cc, oc, target: "none, for scale")
        Stats.ratio("CPU: raw loop / ours", rc, oc, target: "none, for scale")
    }

    /// The floor: connect, send the head, write `bytes` from one 256 KiB buffer (send(2) with
    /// MSG_NOSIGNAL, or SSL_write over TLS), read the response. Returns seconds.
    private func rawWriteLoop(port: UInt16) throws -> Double {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 64)
        defer { buffer.deallocate() }
        var gen = SplitMix64(state: 7)
        gen.fill(buffer)
        var response: String?
        let seconds = try Stats.time {
            let fd = try Sockets.connectLoopback(port: port)
            defer { close(fd) }
            let session = tls ? try RawTLSClient(fd: fd) : nil
            func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
                session?.writeAll(bytes) ?? Sockets.sendAll(fd, bytes)
            }
            var head = "PUT /bench/raw HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(bytes)\r\n\r\n"
            guard head.withUTF8({ write(UnsafeRawBufferPointer($0)) }) else { throw Sockets.Failure("send") }
            var left = bytes
            while left > 0 {
                let n = min(left, buffer.count)
                guard write(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) else { throw Sockets.Failure("send") }
                left -= n
            }
            response = session?.readResponseHead() ?? Sockets.readResponseHead(fd)
        }
        guard response?.hasPrefix("HTTP/1.1 200") == true else { throw Sockets.Failure("raw loop response", EPROTO) }
        return seconds
    }
}

/// `small`: 4 KiB PUTs on one keep-alive connection, ours (V4-signed) vs one curl process
/// doing the same uploads (a `-K` config of url/upload-file pairs reuses its connection).
struct SmallPutBenchmark {
    var count = 1000
    var rounds = 5

    func run() async throws {
        let server = try DiscardServer()
        defer { server.stop() }
        let body = [UInt8](repeating: 0x61, count: 4096)
        let small = Scratch.directory + "/small-4KiB"
        try Data(body).write(to: URL(fileURLWithPath: small))
        var config = ""
        for i in 0..<count {
            config += "url = \"\(server.baseURL)/bench/small-\(i)\"\nupload-file = \"\(small)\"\n"
        }
        let configPath = Scratch.directory + "/curl-small.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        print("small: \(count) PUTs of 4 KiB on one keep-alive connection, \(rounds) rounds, medians")

        var curl: [Double] = [], ours: [Double] = [], raw: [Double] = []
        var curlCPU: [Double] = [], oursCPU: [Double] = [], rawCPU: [Double] = []
        var curlConnections = 0, oursConnections = 0
        for _ in 0..<rounds {
            do {
                let before = server.bytesReceived
                let (process, served) = (CPUTime.process(), server.serverCPU)
                let seconds = try Stats.time { try rawLoop(port: server.port, body: body) }
                rawCPU.append(((CPUTime.process() - process) - (server.serverCPU - served)) / Double(count))
                guard server.bytesReceived - before == UInt64(count * body.count) else {
                    throw Processes.Failure(description: "raw loop: the server did not receive every body")
                }
                raw.append(Double(count) / seconds)
            }
            let before = server.bytesReceived
            var accepted = server.connectionsAccepted
            let children = CPUTime.children()
            let seconds = try Stats.time { try Processes.run("/usr/bin/curl", ["-s", "-S", "-K", configPath]) }
            curlCPU.append((CPUTime.children() - children) / Double(count))
            guard server.bytesReceived - before == UInt64(count * body.count) else {
                throw Processes.Failure(description: "curl: the server did not receive every body")
            }
            curl.append(Double(count) / seconds)
            curlConnections = max(curlConnections, server.connectionsAccepted - accepted)
            if Ours.unavailable == nil {
                let before = server.bytesReceived
                accepted = server.connectionsAccepted
                let (process, served) = (CPUTime.process(), server.serverCPU)
                let seconds = try await Stats.time {
                    try await Ours.putSmall(baseURL: server.baseURL, body: body, count: count)
                }
                oursCPU.append(((CPUTime.process() - process) - (server.serverCPU - served)) / Double(count))
                guard server.bytesReceived - before == UInt64(count * body.count) else {
                    throw Processes.Failure(description: "ours: the server did not receive every body")
                }
                ours.append(Double(count) / seconds)
                oursConnections = max(oursConnections, server.connectionsAccepted - accepted)
            }
        }
        let c = Stats.median(curl)
        let r = Stats.median(raw)
        Stats.line(
            "raw send/recv loop (floor)", Stats.fixed(r, 0) + " PUT/s (" + Stats.fixed(1e6 / r, 1) + " µs each)")
        Stats.line(
            "curl -K (one process, one conn.)",
            Stats.fixed(c, 0) + " PUT/s (" + Stats.fixed(1e6 / c, 1) + " µs each), "
                + "\(curlConnections) connection(s)")
        if let why = Ours.unavailable {
            Stats.notAvailable("ours (HTTPClient, V4-signed)", why)
            return
        }
        let o = Stats.median(ours)
        Stats.line(
            "ours (HTTPClient, V4-signed)",
            Stats.fixed(o, 0) + " PUT/s (" + Stats.fixed(1e6 / o, 1) + " µs each), "
                + "\(oursConnections) connection(s)")
        Stats.ratio("ours / curl", o, c, target: ">= 3x")
        Stats.ratio("ours / raw loop", o, r, target: "none, for scale")
        Stats.ratio("raw loop / curl (ceiling)", r, c, target: "none: the most any client can reach")
        // By CPU: each client's own CPU time per PUT (curl's includes starting its process once).
        let (cc, oc, rc) = (Stats.median(curlCPU), Stats.median(oursCPU), Stats.median(rawCPU))
        Stats.line("client CPU per PUT: raw loop", Stats.fixed(rc * 1e6, 1) + " µs")
        Stats.line("  curl", Stats.fixed(cc * 1e6, 1) + " µs")
        Stats.line("  ours", Stats.fixed(oc * 1e6, 1) + " µs")
        Stats.ratio("CPU: curl / ours", cc, oc, target: "none, for scale")
    }

    /// The floor for this server: one blocking connection, each PUT one prepared send(2) of
    /// head and body, then recv(2) until the response head has arrived. No signing, no parsing.
    private func rawLoop(port: UInt16, body: [UInt8]) throws {
        let fd = try Sockets.connectLoopback(port: port)
        defer { close(fd) }
        var request = Array(
            "PUT /bench/raw-small HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        request.append(contentsOf: body)
        let response = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { response.deallocate() }
        for _ in 0..<count {
            guard request.withUnsafeBytes({ Sockets.sendAll(fd, $0) }) else { throw Sockets.Failure("send") }
            _ = try Sockets.readHead(fd, into: response)
            guard response[9] == UInt8(ascii: "2") else { throw Sockets.Failure("raw loop response", EPROTO) }
        }
    }
}

/// `cancel`: a PUT blocked on a peer that never reads is cancelled; how long until the call
/// returns with its socket closed. The reference is the floor the kernel allows: a thread
/// blocked in send(2) woken by shutdown(2) from another thread.
struct CancelBenchmark {
    var count = 200

    func run() async throws {
        let server = try StalledServer()
        defer { server.stop() }
        print("cancel: \(count) requests blocked on a peer that never reads; cancel -> call returned, socket closed")

        var floor: [Double] = []
        var floorClosed = 0
        for _ in 0..<count {
            let (seconds, serverFD) = try blockedSendShutdown(port: server.port, accepted: server.nextConnection)
            floor.append(seconds)
            if StalledServer.peerClosed(serverFD) { floorClosed += 1 }
            close(serverFD)
        }
        report("raw send(2) + shutdown(2) floor", floor, closed: floorClosed)
        // What ours does since issue 13: a reset (connect(AF_UNSPEC): RST, the send queue
        // dropped), then shutdown(2) to wake the blocked sender. Freeing the queued body is part
        // of the cost, so this is the floor ours is compared with.
        // Twice: with the kernel's send buffer alone, and with the unsent limit ours sets
        // (`SocketConnector.defaultUnsentLimit`, TCP_NOTSENT_LOWAT), its like-for-like floor.
        let limit = SocketConnector.defaultUnsentLimit
        for unsentLimit in [nil, limit] {
            var resetFloor: [Double] = []
            var resetClosed = 0
            for _ in 0..<count {
                let (seconds, serverFD) = try blockedSendShutdown(
                    port: server.port, accepted: server.nextConnection, reset: true, unsentLimit: unsentLimit)
                resetFloor.append(seconds)
                if StalledServer.peerClosed(serverFD) { resetClosed += 1 }
                close(serverFD)
            }
            let label = unsentLimit == nil ? "raw send + reset + shutdown floor" : "the same, unsent <= \(limit >> 10) KiB"
            report(label, resetFloor, closed: resetClosed)
        }

        if let why = Ours.unavailable {
            Stats.notAvailable("ours (HTTPClient, Task.cancel)", why)
            return
        }
        var p99: Double? = nil
        // Ours as shipped, then with no unsent limit (the kernel's send buffer alone).
        for (label, client) in [
            ("ours (HTTPClient, Task.cancel)", Ours.cancelClient), ("ours, no unsent limit", Ours.client(unsentLimit: nil)),
        ] {
            var ours: [Double] = []
            var oursClosed = 0
            for _ in 0..<count {
                let (seconds, serverFD) = try await Ours.cancelLatency(
                    client: client, url: server.baseURL + "/bench/stalled", accepted: { server.tryNextConnection() })
                ours.append(seconds)
                if StalledServer.peerClosed(serverFD) { oursClosed += 1 }
                close(serverFD)
            }
            report(label, ours, closed: oursClosed)
            if p99 == nil { p99 = Stats.percentile(ours, 99) }  // the target's: ours as shipped
        }
        Stats.line("ours p99", Stats.fixed(p99! * 1e3, 3) + " ms   (target < 1 ms)")
    }

    private func report(_ label: String, _ seconds: [Double], closed: Int) {
        let us = seconds.map { $0 * 1e6 }
        Stats.line(
            label,
            "p50 " + Stats.fixed(Stats.percentile(us, 50), 1) + " µs, p99 "
                + Stats.fixed(Stats.percentile(us, 99), 1) + " µs, max " + Stats.fixed(us.max()!, 1)
                + " µs; socket seen closed by the peer: \(closed)/\(seconds.count)")
    }

    /// One reference sample: a thread fills the window, blocks in send(2); this thread shuts
    /// the socket down and waits until the sender has returned and closed it.
    private func blockedSendShutdown(
        port: UInt16, accepted: () -> Int32, reset: Bool = false, unsentLimit: Int? = nil
    ) throws -> (Double, Int32) {
        let fd = try Sockets.connectLoopback(port: port)
        if var lowat = unsentLimit.map(Int32.init) {
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &lowat, socklen_t(MemoryLayout<Int32>.size))
        }
        let serverFD = accepted()
        let full = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
            defer { chunk.deallocate() }
            chunk.initializeMemory(as: UInt8.self, repeating: 0x62)
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            while send(fd, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL)) > 0 {}
            _ = fcntl(fd, F_SETFL, flags)
            full.signal()
            // Blocks: the window is closed. shutdown(2) from the other thread ends it.
            while send(fd, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL)) > 0 {}
            close(fd)
            done.signal()
        }
        full.wait()
        usleep(2000)  // let the sender get into send(2)
        let clock = ContinuousClock()
        let start = clock.now
        if reset {
            var unspec = sockaddr()
            unspec.sa_family = sa_family_t(AF_UNSPEC)
            _ = connect(fd, &unspec, socklen_t(MemoryLayout<sockaddr>.size))
        }
        shutdown(fd, Int32(SHUT_RDWR))
        done.wait()
        return (Stats.seconds(clock.now - start), serverFD)
    }
}
