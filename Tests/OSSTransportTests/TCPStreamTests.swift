import OSSCore
import OSSTestSupport
import Testing
@testable import OSSTransport

@Suite("TCP streams and the connector")
struct TCPStreamTests {
    let connector = SocketConnector()

    @Test func connectWriteAndReadBothWays() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        let ((client, timings), server) = try await connectWhileAccepting(listener) {
            try await connector.connect(
                to: Endpoint(host: "127.0.0.1", port: listener.localPort, tls: false), tls: TLSConfiguration(),
                connectTimeout: .seconds(60), signal: nil)
        }
        defer {
            client.close()
            server.close()
        }
        #expect(timings.remoteAddress == "127.0.0.1:\(listener.localPort)")
        #expect(timings.tlsHandshake == .zero)
        try await client.write(Array("ping".utf8))
        #expect(try await readExactly(server, 4) == Array("ping".utf8))
        try await server.write(Array("pong!".utf8))
        #expect(try await readExactly(client, 5) == Array("pong!".utf8))
        #expect(client.isReusable)
    }

    @Test func largeTransferArrivesIntact() async throws {
        try await withTCPPair { client, server, _ in
            let size = 8 << 20
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            // Read exactly the size: an abort would reset the connection and discard what was
            // still queued, so it cannot mark the end of the stream.
            async let received = readExactly(server, size)
            try await client.write(payload)
            let bytes = try await received
            #expect(bytes.count == size)
            #expect(bytes == payload)
        }
    }

    @Test func peerCloseReadsAsEndOfStreamAndIsNotReusable() async throws {
        try await withTCPPair { client, server, _ in
            try await server.write(Array("bye".utf8))
            server.close()
            #expect(try await readExactly(client, 3) == Array("bye".utf8))
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
            defer { buffer.deallocate() }
            #expect(try await client.read(into: buffer) == 0)
            #expect(!client.isReusable)
        }
    }

    @Test func strayBytesMakeAConnectionNotReusable() async throws {
        try await withTCPPair { client, server, _ in
            #expect(client.isReusable)
            try await server.write(Array("x".utf8))
            // Wait until the byte is there (reading it would consume it; a 1-byte peek via reuse check).
            var seen = false
            for _ in 0..<200 where !seen {
                seen = !client.isReusable
                if !seen { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(seen)
        }
    }

    @Test func connectionRefusedNamesTheConnectPhase() async throws {
        // Bound and never listening for the whole test (a port freed by a closed listener could
        // be handed to another test's server meanwhile, which would accept the connect).
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let error = await transportError {
            _ = try await connector.connect(
                to: Endpoint(host: "127.0.0.1", port: port, tls: false), tls: TLSConfiguration(),
                connectTimeout: .seconds(60), signal: nil)
        }
        #expect(error?.phase == .connect)
        #expect(error?.errno == ECONNREFUSED_VALUE)
        #expect(error?.message == "connect to 127.0.0.1:\(port) failed: Connection refused")
    }

    @Test func unknownHostFailsInTheDNSPhase() async throws {
        let error = await transportError {
            _ = try await connector.connect(
                to: Endpoint(host: "no-such-host.invalid", port: 80, tls: false), tls: TLSConfiguration(),
                connectTimeout: .seconds(10), signal: nil)
        }
        #expect(error?.phase == .dns)
        #expect(error?.message.contains("no-such-host.invalid") == true)
    }

    @Test func hostNamesResolveIncludingATrailingDot() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        for host in ["localhost", "localhost."] {
            let ((client, timings), server) = try await connectWhileAccepting(listener) {
                try await connector.connect(
                    to: Endpoint(host: host, port: listener.localPort, tls: false), tls: TLSConfiguration(),
                    connectTimeout: .seconds(60), signal: nil)
            }
            client.close()
            server.close()
            #expect(timings.remoteAddress.hasSuffix(":\(listener.localPort)"))
        }
    }

    @Test(.enabled(if: FreePort.ipv6LoopbackAvailable)) func ipv6LoopbackWorks() async throws {
        let listener = try TCPListener(host: "::1", port: 0)
        defer { listener.close() }
        #expect(listener.localAddress == "[::1]:\(listener.localPort)")
        let ((client, timings), server) = try await connectWhileAccepting(listener) {
            try await connector.connect(
                to: Endpoint(host: "::1", port: listener.localPort, tls: false), tls: TLSConfiguration(),
                connectTimeout: .seconds(60), signal: nil)
        }
        defer {
            client.close()
            server.close()
        }
        #expect(timings.remoteAddress == "[::1]:\(listener.localPort)")
        #expect(timings.dns == .zero)
        try await client.write(Array("v6".utf8))
        #expect(try await readExactly(server, 2) == Array("v6".utf8))
    }

    @Test func connectTimeoutAgainstAFullAcceptQueue() async throws {
        let full = try await FullBacklog()
        defer { full.close() }
        let port = full.port
        let error = await transportError {
            _ = try await connector.connect(
                to: Endpoint(host: "127.0.0.1", port: port, tls: false), tls: TLSConfiguration(),
                connectTimeout: .milliseconds(200), signal: nil)
        }
        #expect(error?.phase == .timeout)
        #expect(error?.message.contains("connect to 127.0.0.1:\(port) timed out") == true)
    }

    @Test func idleTimeoutFailsAReadWithNoData() async throws {
        try await withTCPPair { client, server, _ in
            client.idleTimeout = .milliseconds(100)
            let error = await transportError { _ = try await readExactly(client, 1) }
            #expect(error?.phase == .timeout)
            // The stream still works after a timeout.
            try await server.write(Array("late".utf8))
            #expect(try await readExactly(client, 4) == Array("late".utf8))
        }
    }

    @Test func closingAListenerWakesAPendingAccept() async throws {
        let listener = try TCPListener()
        let waiter = Task { await transportError { _ = try await listener.accept() } }
        try await Task.sleep(for: .milliseconds(50))
        listener.close()
        listener.close()  // idempotent
        let error = await waiter.value
        #expect(error?.phase == .closed)
        let again = await transportError { _ = try await listener.accept() }
        #expect(again?.phase == .closed)
    }

    @Test func invalidPortIsAConfigurationError() async throws {
        let error = await transportError {
            _ = try await connector.connect(
                to: Endpoint(host: "127.0.0.1", port: 70000, tls: false), tls: TLSConfiguration(),
                connectTimeout: nil, signal: nil)
        }
        #expect(error?.phase == .configuration)
    }
}

#if canImport(Glibc)
    import Glibc
    let ECONNREFUSED_VALUE: Int32 = ECONNREFUSED
#endif
