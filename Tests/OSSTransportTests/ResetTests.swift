import Glibc
import OSSCore
import OSSTestSupport
import Testing
@testable import OSSTransport

/// Issue 13: an abort resets the connection (RST, the unsent data discarded) instead of queueing a
/// FIN behind it, and says, as the kernel counted just before the reset, how much of what was
/// written had left the host and had been acknowledged.
@Suite("An abort is a reset")
struct ResetTests {
    /// Waits (on the kernel's counts, polled without a clock assertion) until the writer has
    /// bytes the peer's window does not let out: its writes are then blocked.
    static func waitUntilBacklogged(_ stream: any ByteStream) async {
        for _ in 0..<600_000 {  // a hang guard of a minute or more, not an assertion
            if let q = stream.writtenBytes(), q.written > 0, q.transmitted < q.written { return }
            await Task.yield()
            try? await Task.sleep(for: .microseconds(100))
        }
    }

    @Test(arguments: [false, true])
    func thePeerNeverReceivesWhatHadNotLeftAndSeesAReset(tls: Bool) async throws {
        let size = 64 << 20
        let body: @Sendable (any ByteStream, any ByteStream) async throws -> Void = { client, server in
            // In 256 KiB writes, as the HTTP layer writes a body (a TLS stream counts plaintext
            // by whole writes).
            let writer = Task {
                await transportError {
                    let piece = [UInt8](repeating: 0x5A, count: 256 << 10)
                    for _ in 0..<(size / piece.count) { try await client.write(piece) }
                }
            }
            await Self.waitUntilBacklogged(client)
            await Task.detached { client.abort() }.value
            #expect(await writer.value?.phase == .aborted)
            let q = try #require(client.writtenBytes())
            #expect(q.final)
            #expect(q.acknowledged <= q.transmitted && q.transmitted < q.written)

            // The peer reads what arrived before the RST, then the reset itself: never the
            // bytes that had not left, never a clean end of stream.
            let (bytes, error) = await readAll(server)
            #expect(bytes.count < size)
            #expect(Int64(bytes.count) >= q.acknowledged)
            // TCP counts every byte; TLS whole writes (records of a write may have left
            // before the write's end did): either way the peer never has a write whose end had
            // not left.
            #expect(Int64(bytes.count) < q.written)
            if !tls { #expect(Int64(bytes.count) <= q.transmitted) }
            let t = error as? TransportError
            #expect(t != nil && t?.phase != .aborted, "the peer saw an error (a reset), not an end: \(String(describing: error))")
            if !tls { #expect(t?.errno == ECONNRESET) }
            client.close()
        }
        if tls {
            try await withTLSPair { client, server, _ in try await body(client, server) }
        } else {
            try await withTCPPair { client, server, _ in try await body(client, server) }
        }
    }

    /// A writer to a peer that stopped reading is held back once `unsentLimit` bytes wait
    /// unsent, not once the send buffer (up to 4 MiB) is full: that is all an abort has to
    /// throw away, and free before it returns.
    @Test(arguments: [SocketConnector.defaultUnsentLimit, 128 << 10])
    func aStalledWriterHoldsAtMostTheUnsentLimit(limit: Int) async throws {
        let listener = try TCPListener(receiveBufferSize: 64 << 10)
        defer { listener.close() }
        let (client, server) = try await connectWhileAccepting(listener) {
            try await SocketConnector(unsentLimit: limit).connectTCP(host: "127.0.0.1", port: listener.localPort)
        }
        defer { client.close() }
        defer { server.close() }
        // Non-blocking sends until the kernel takes no more (the peer never reads).
        let piece = [UInt8](repeating: 0x5A, count: 64 << 10)
        var accepted = 0
        var refusal: Int32 = 0
        while accepted < 1 << 30 {
            let (n, e) = piece.withUnsafeBytes { client.socket.send($0.baseAddress!, $0.count) }
            if n < 0 {
                refusal = e
                break
            }
            accepted += n
        }
        #expect(refusal == EAGAIN, "the kernel took \(accepted) bytes and then: \(refusal)")
        let q = try #require(client.writtenBytes())
        #expect(q.written == Int64(accepted))
        let unsent = q.written - q.transmitted
        // Held back by the closed window, by the limit and the segment being filled when the
        // kernel checked it (64 KiB on loopback; allowed 256 KiB, for a loopback with larger
        // GSO segments). With no limit the kernel holds its whole send buffer: about 4 MiB.
        #expect(unsent > 0)
        #expect(unsent <= Int64(limit + 256 << 10), "\(unsent) bytes unsent with a limit of \(limit)")
    }

    @Test func aLiveStreamCountsWhatThePeerAcknowledged() async throws {
        try await withTCPPair { client, server, _ in
            try await client.write([UInt8](repeating: 1, count: 100_000))
            _ = try await readExactly(server, 100_000)
            // Everything read by the peer was acknowledged (the ACK may lag: wait for it).
            for _ in 0..<600_000 {
                if client.writtenBytes()?.acknowledged == 100_000 { break }
                try await Task.sleep(for: .microseconds(100))
            }
            let q = try #require(client.writtenBytes())
            #expect(q == WrittenBytes(written: 100_000, transmitted: 100_000, acknowledged: 100_000, final: false))
        }
    }
}
