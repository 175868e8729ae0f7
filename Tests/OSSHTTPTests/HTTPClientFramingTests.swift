import OSSCore
import Testing

@testable import OSSHTTP

/// Response framings as the client sees them over an in-memory connection.
@Suite("HTTPClient framing")
struct HTTPClientFramingTests {
    @Test func chunkedResponseWithInformationalFirst() async throws {
        let connector = MemoryConnector(
            peer: Peers.raw(
                "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            ))
        let client = HTTPClient(connector: connector)
        let response = try await client.execute(get())
        #expect(response.status == 200)
        #expect(response.body == Array("hello".utf8))
        #expect(response.metrics.timeToFirstByte > .zero)
        #expect(response.metrics.total >= response.metrics.timeToFirstByte)
        #expect(response.metrics.remoteAddress == "memory:1")
    }

    @Test func closeDelimitedHTTP10ResponseIsNotPooled() async throws {
        let connector = MemoryConnector.answeringOnce(with: "HTTP/1.0 200 OK\r\n\r\nuntil the end")
        let client = HTTPClient(connector: connector)
        let response = try await client.execute(get())
        #expect(response.body == Array("until the end".utf8))
        #expect(response.head.version == .http1_0)
        #expect(client.pool.idleCount(local) == 0)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func headResponseReadsNoBodyAndKeepsTheConnection() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let response = try await client.execute(HTTPRequest(method: .head, endpoint: local, target: "/h"))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(client.pool.idleCount(local) == 1)
        let again = try await client.execute(get())
        #expect(again.metrics.connectionReused)
    }

    @Test func aRequestAskingToCloseIsNotPooled() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        _ = try await client.execute(HTTPRequest(method: .get, endpoint: local, target: "/", headers: ["Connection": "close"]))
        #expect(client.pool.idleCount(local) == 0)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func expiredIdleConnectionsAreNotReused() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        var config = HTTPClientConfiguration()
        config.idleConnectionExpiry = .zero
        let client = HTTPClient(configuration: config, connector: connector)
        _ = try await client.execute(get())
        let second = try await client.execute(get())
        #expect(!second.metrics.connectionReused)
        #expect(connector.connectCount == 2)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func closeIdleConnectionsClosesThePool() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        _ = try await client.execute(get())
        client.closeIdleConnections()
        #expect(connector.clients[0].closeCount == 1)
        #expect(client.pool.idleCount(local) == 0)
    }

    @Test func aHandlerThatStopsEarlyDropsTheConnection() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let first = try await client.execute(put("/p", .bytes(Array(repeating: 3, count: 200_000)))) { response in
            try await response.read()?.first
        }
        #expect(first == 3)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func aSignalFiredWhileWaitingForAPoolSlot() async throws {
        let heads = Counter()
        let connector = MemoryConnector(capacity: 8192, peer: Peers.echo(heads: heads))
        var config = HTTPClientConfiguration()
        config.maxConnectionsPerHost = 1
        let client = HTTPClient(configuration: config, connector: connector)
        let signal = CancellationSignal()
        let busy = Task {
            try await client.execute(put("/stall", .bytes(Array(repeating: 1, count: 1 << 20))), signal: signal)
        }
        #expect(await heads.wait(for: 1))
        let waiting = Task { try await client.execute(get(), signal: signal) }
        #expect(await eventually { client.pool.waitingCount(local) == 1 })
        signal.cancel(.disabled)
        let e1 = await clientError { _ = try await busy.value }
        let e2 = await clientError { _ = try await waiting.value }
        #expect(e1?.code == .cancelled && e1?.cancellation == .disabled)
        #expect(e2?.code == .cancelled && e2?.cancellation == .disabled)
        #expect(connector.connectCount == 1)
    }
}
