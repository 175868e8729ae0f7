import OSSCore
import OSSTestSupport
import Testing
@testable import OSSTransport

@Suite("Aborting streams and connection attempts")
struct CancellationTests {
    let connector = SocketConnector()

    @Test func abortStopsAWriterBlockedOnAPeerThatNeverReads() async throws {
        try await withTCPPair { client, server, _ in
            let size = 64 << 20
            let writer = Task {
                await transportError { try await client.write([UInt8](repeating: 0x5A, count: size)) }
            }
            // Let the writer fill the socket buffers and suspend.
            try await Task.sleep(for: .milliseconds(300))
            let aborter = Task.detached { client.abort() }
            await aborter.value
            let error = await writer.value
            #expect(error?.phase == .aborted)
            client.abort()  // idempotent
            client.close()

            // The peer sees the end of the stream before the full body.
            let received = await drainCount(server)
            #expect(received < size)
        }
    }

    @Test func abortFailsAPendingReadAndEveryLaterCall() async throws {
        try await withTCPPair { client, server, _ in
            let reader = Task { await transportError { _ = try await readExactly(client, 1) } }
            try await Task.sleep(for: .milliseconds(50))
            client.abort()
            #expect(await reader.value?.phase == .aborted)
            #expect(await transportError { _ = try await readExactly(client, 1) }?.phase == .aborted)
            #expect(await transportError { try await client.write(Array("x".utf8)) }?.phase == .aborted)
            #expect(!client.isReusable)
            client.abort()
            client.close()
            client.abort()  // after close: no effect, and no shutdown of a reused descriptor number
        }
    }

    @Test func signalAbortsAConnectInProgress() async throws {
        let full = try await FullBacklog()
        defer { full.close() }
        let port = full.port
        let signal = CancellationSignal()
        let attempt = Task {
            await transportError {
                _ = try await connector.connect(
                    to: Endpoint(host: "127.0.0.1", port: port, tls: false), tls: TLSConfiguration(),
                    connectTimeout: .seconds(30), signal: signal)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        signal.cancel(.disabled)
        let error = await attempt.value
        #expect(error?.phase == .aborted)
        #expect(error?.message.contains("requests disabled") == true)
    }

    @Test func taskCancellationAbortsAConnectInProgress() async throws {
        let full = try await FullBacklog()
        defer { full.close() }
        let port = full.port
        let attempt = Task {
            await transportError {
                _ = try await connector.connect(
                    to: Endpoint(host: "127.0.0.1", port: port, tls: false), tls: TLSConfiguration(),
                    connectTimeout: nil, signal: nil)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        attempt.cancel()
        let error = await attempt.value
        #expect(error?.phase == .aborted)
        #expect(error?.message.contains("task cancelled") == true)
    }

    @Test func aSignalFiredBeforehandStopsTheAttemptAtOnce() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        let signal = CancellationSignal()
        signal.cancel(.paused)
        let error = await transportError {
            _ = try await connector.connect(
                to: Endpoint(host: "127.0.0.1", port: listener.localPort, tls: false), tls: TLSConfiguration(),
                connectTimeout: nil, signal: signal)
        }
        #expect(error?.phase == .aborted)
    }

    @Test func signalAbortsATLSHandshakeThePeerNeverAnswers() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        // Accepts, then never answers the ClientHello.
        let silent = Task { try await listener.accept() }
        let signal = CancellationSignal()
        let attempt = Task {
            await transportError {
                _ = try await connector.connect(
                    to: Endpoint(host: "localhost", port: listener.localPort, tls: true), tls: TLSConfiguration(),
                    connectTimeout: .seconds(30), signal: signal)
            }
        }
        let peer = try await silent.value
        defer { peer.close() }
        try await Task.sleep(for: .milliseconds(100))
        signal.cancel()
        #expect(await attempt.value?.phase == .aborted)
        // The peer sees the connection go away.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        var sawEnd = false
        while !sawEnd {
            do {
                sawEnd = try await peer.read(into: buffer) == 0
            } catch {
                sawEnd = true
            }
        }
        #expect(sawEnd)
    }

    @Test func handshakeTimeoutCountsAgainstTheConnectTimeout() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        let silent = Task { try await listener.accept() }
        let error = await transportError {
            _ = try await connector.connect(
                to: Endpoint(host: "127.0.0.1", port: listener.localPort, tls: true), tls: TLSConfiguration(),
                connectTimeout: .milliseconds(200), signal: nil)
        }
        (try? await silent.value)?.close()
        #expect(error?.phase == .timeout)
        #expect(error?.message.contains("TLS handshake") == true)
    }

    @Test func manyConcurrentAbortsAreSafe() async throws {
        try await withTCPPair { client, server, _ in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<16 { group.addTask { client.abort() } }
            }
            #expect(await transportError { _ = try await readExactly(client, 1) }?.phase == .aborted)
            client.close()
        }
    }

    @Test func idleTimeoutStopsAWriterThePeerNeverReads() async throws {
        try await withTCPPair { client, server, port in
            client.idleTimeout = .milliseconds(100)
            let error = await transportError { try await client.write([UInt8](repeating: 7, count: 64 << 20)) }
            #expect(error?.phase == .timeout)
            #expect(error?.message.contains("write to 127.0.0.1:\(port) timed out") == true)
        }
    }

    @Test func abortFailsAPendingTLSRead() async throws {
        try await withTLSPair { client, server, _ in
            let reader = Task { await transportError { _ = try await readExactly(client, 1) } }
            try await Task.sleep(for: .milliseconds(50))
            client.abort()
            #expect(await reader.value?.phase == .aborted)
            #expect(!client.isReusable)
            client.close()
            // The server sees the end of the stream (no close_notify after an abort).
            let (rest, _) = await readAll(server)
            #expect(rest.isEmpty)
        }
    }
}
