import OSSCore
import OSSTransport

/// An in-process HTTP/1.1 server on 127.0.0.1:0 that reads each request body and drops it, then
/// answers `200` with an empty body; keep-alive. Plain (`TCPListener`) or TLS (`TLSListener`).
///
/// It does the least a server can do per byte (one `read` into a fixed buffer, nothing kept), so
/// the figures measure the client. It answers `Expect: 100-continue` at once (curl asks for it
/// on large uploads), and only knows Content-Length bodies (chunked ones get 411 and a close).
final class DiscardServer: Sendable {
    private let tcp: TCPListener?
    private let tls: TLSListener?
    let port: Int
    /// Bodies fully received, and their bytes.
    private let received = PThreadMutex<(requests: Int, bytes: Int64)>((0, 0))

    /// - Parameter certificate: certificate and key PEM files for TLS; plain HTTP without.
    /// - Throws: `TransportError` when the socket or the certificate cannot be set up.
    init(certificate: (certificate: String, key: String)? = nil) throws {
        if let certificate {
            let l = try TLSListener(certificateFile: certificate.certificate, privateKeyFile: certificate.key)
            tls = l
            tcp = nil
            port = l.localPort
        } else {
            let l = try TCPListener(host: "127.0.0.1", port: 0)
            tcp = l
            tls = nil
            port = l.localPort
        }
        Task { [tcp, tls, weak self] in
            while true {
                let stream: any ByteStream
                do {
                    if let tcp { stream = try await tcp.accept() } else { stream = try await tls!.accept() }
                } catch let e as TransportError where e.phase == .closed {
                    return
                } catch {
                    continue  // a failed handshake; keep listening
                }
                Task { [weak self] in
                    await Self.serve(stream) { bytes in
                        self?.received.withLock {
                            $0.requests += 1; $0.bytes += bytes
                        }
                    }
                }
            }
        }
    }

    /// Bodies received in full so far.
    var requestsServed: Int { received.withLock { $0.requests } }

    /// Stops accepting. Connections still open end when their clients close them.
    func stop() {
        tcp?.close()
        tls?.close()
    }

    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
    private static let lengthRequired = Array(
        "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)

    /// Serves one connection until the client closes it.
    private static func serve(_ stream: any ByteStream, done: (Int64) -> Void) async {
        defer { stream.close() }
        stream.idleTimeout = .seconds(120)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var pending: [UInt8] = []
        do {
            while true {
                // The head: read until the blank line (RFC 9112 §2.1).
                var searchFrom = 0
                var headEnd: Int? = nil
                while true {
                    headEnd = findBlankLine(pending, from: searchFrom)
                    if headEnd != nil { break }
                    searchFrom = max(0, pending.count - 3)
                    guard pending.count < 64 << 10 else { return }
                    let n = try await stream.read(into: buffer)
                    if n == 0 { return }
                    pending.append(contentsOf: buffer[0..<n])
                }
                let head = pending[0..<headEnd!]
                pending.removeFirst(headEnd! + 4)
                let (length, expectContinue, chunked) = parseHead(head)
                guard let length, !chunked else {
                    try await stream.write(lengthRequired)
                    return
                }
                // Body bytes that came with the head, then the rest straight into the buffer.
                let early = min(Int64(pending.count), length)
                pending.removeFirst(Int(early))
                var left = length - early
                if expectContinue && left > 0 { try await stream.write(continueLine) }
                while left > 0 {
                    let want = Int(min(Int64(buffer.count), left))
                    let n = try await stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                    if n == 0 { return }
                    left -= Int64(n)
                }
                done(length)
                try await stream.write(ok)
            }
        } catch {
            return
        }
    }

    /// The index of the `\r\n\r\n` that ends a head, searching from `from`.
    private static func findBlankLine(_ bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var i = from
        while i + 3 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// Content-Length, whether `Expect: 100-continue` was sent, whether the body is chunked.
    private static func parseHead(_ head: ArraySlice<UInt8>) -> (Int64?, Bool, Bool) {
        var length: Int64? = nil
        var expectContinue = false
        var chunked = false
        for line in head.split(separator: 10).dropFirst() {
            guard let colon = line.firstIndex(of: 58) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            // Lines are split at LF, so trimming line breaks takes only a CR.
            let value = ASCIISpace.trimmed(String(decoding: line[(colon + 1)...], as: UTF8.self), lineBreaks: true)
                .lowercased()
            switch name {
            case "content-length": length = Int64(value)
            case "expect": expectContinue = value == "100-continue"
            case "transfer-encoding": chunked = value.contains("chunked")
            default: break
            }
        }
        if !chunked && length == nil { length = 0 }
        return (length, expectContinue, chunked)
    }
}

/// A peer that accepts connections and never reads from them: uploads to it block once the
/// socket buffers are full. For the cancel-latency figures.
final class StallServer: Sendable {
    private let listener: TCPListener
    private let accepted = PThreadMutex<[TCPStream]>([])
    let port: Int

    init() throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0)
        port = listener.localPort
        Task { [listener, weak self] in
            while let stream = try? await listener.accept() {
                guard let self else {
                    stream.close()
                    return
                }
                self.accepted.withLock { $0.append(stream) }
            }
        }
    }

    /// Closes the connections accepted so far (frees what their buffers hold).
    func closeAccepted() {
        let streams = accepted.withLock { s -> [TCPStream] in
            defer { s.removeAll() }
            return s
        }
        for s in streams { s.close() }
    }

    func stop() {
        listener.close()
        closeAccepted()
    }

    deinit {
        // A connection accepted while stop() ran.
        closeAccepted()
    }
}
