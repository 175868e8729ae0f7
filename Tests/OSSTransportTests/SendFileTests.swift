import CLinuxShims
import Glibc
import OSSCore
import OSSTestSupport
import Testing

@testable import OSSTransport

/// `TCPStream.writeFile`: a file range sent with `sendfile(2)`, the path of every plain-HTTP
/// upload of a file.
@Suite("Sending a file range from the page cache")
struct SendFileTests {

    @Test func aRangeLargerThanTheSocketCanHoldArrivesExactly() async throws {
        // 12 MiB: far more than the unsent limit (512 KiB) and the send buffer, so the writer
        // waits for the reader many times; an odd offset, so nothing is page aligned.
        let bytes = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 11) }
        try await withScratchFile(bytes) { file in
            try await withTCPPair { client, server, _ in
                let offset = 4097, count = bytes.count - 4097 - 3
                async let received = readExactly(server, count)
                let sent = try await client.writeFile(file, at: Int64(offset), count: count)
                #expect(sent == count)
                #expect(try await received == Array(bytes[offset..<(offset + count)]))
                // Counted like a write: an abort measures the queue against it.
                #expect(client.writtenCount == Int64(count))
            }
        }
    }

    @Test func aFileThatEndsEarlyReturnsWhatItHad() async throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await withScratchFile(bytes) { file in
            try await withTCPPair { client, server, _ in
                let sent = try await client.writeFile(file, at: 6000, count: 10_000)
                #expect(sent == 4000)
                #expect(try await readExactly(server, 4000) == Array(bytes[6000...]))
            }
        }
    }

    @Test func aResetPeerFailsTheWriteWithoutSIGPIPE() async throws {
        // The test process keeps SIGPIPE's default action: a SIGPIPE would end it.
        let bytes = [UInt8](repeating: 5, count: 1 << 20)
        try await withScratchFile(bytes) { file in
            try await withTCPPair { client, server, _ in
                // Unread bytes at close make the kernel answer with RST.
                try await client.write(Array("unread".utf8))
                _ = try await readExactly(server, 1)
                server.close()
                var error: TransportError?
                for _ in 0..<1000 where error == nil {
                    error = await transportError { _ = try await client.writeFile(file, at: 0, count: bytes.count) }
                }
                #expect(error?.phase == .write)
                #expect(error?.errno == EPIPE || error?.errno == ECONNRESET)
            }
        }
    }

    @Test func theShimLeavesTheThreadsSignalsAsItFoundThem() async throws {
        // Directly on this thread (no suspension between the calls): sendfile to a socket whose
        // peer is gone gives EPIPE, and the SIGPIPE that raises is taken back; the mask is what
        // it was.
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        close(pair[1])
        defer { close(pair[0]) }
        try await withScratchFile([1, 2, 3, 4]) { file in
            var before = sigset_t(), after = sigset_t(), pending = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &before)
            let n = file.withUnsafeDescriptor { coss_sendfile(pair[0], $0, 0, 4) }
            let code = errno
            pthread_sigmask(SIG_BLOCK, nil, &after)
            sigpending(&pending)
            #expect(n == -1)
            #expect(code == EPIPE)
            #expect(sigismember(&before, SIGPIPE) == sigismember(&after, SIGPIPE))
            #expect(sigismember(&pending, SIGPIPE) == 0)
        }
    }
}
