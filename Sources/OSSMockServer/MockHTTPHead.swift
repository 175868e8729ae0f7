/// A request head (request line and header fields) parsed from bytes (RFC 9112 §2-§5).
///
/// The server side of OSSHTTP is being written in parallel; this small parser keeps the mock
/// self-contained and is behind one function (`parse`) so it can be swapped.
struct MockHTTPHead: Sendable {
    var method: String
    var target: String
    var version: String
    var headers: [(name: String, value: String)]

    struct ParseError: Error, Sendable, Hashable {
        let message: String
    }

    /// Finds the end of a head (`CRLF CRLF`) in `bytes[from...]`.
    /// - Returns: the index just past the blank line, or `nil` when more bytes are needed.
    static func headEnd(_ bytes: UnsafeRawBufferPointer, searchFrom: Int) -> Int? {
        var i = max(searchFrom, 3)
        while i < bytes.count {
            if bytes[i] == 10 {
                // "\r\n\r\n" or a bare "\n\n" (RFC 9112 §2.2 allows recipients to accept LF).
                if bytes[i - 1] == 10 { return i + 1 }
                if bytes[i - 1] == 13, bytes[i - 2] == 10 { return i + 1 }
                if bytes[i - 1] == 13, bytes[i - 2] == 13, bytes[i - 3] == 10 { return i + 1 }
            }
            i += 1
        }
        if bytes.count >= 2, searchFrom < 3, bytes[0] == 13, bytes[1] == 10 { return nil }
        return nil
    }

    /// Parses a complete head (without the final blank line's bytes needing to be stripped).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> MockHTTPHead {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        let all = Array(bytes)
        for i in 0..<all.count where all[i] == 10 {
            var end = i
            if end > start, all[end - 1] == 13 { end -= 1 }
            lines.append(all[start..<end])
            start = i + 1
        }
        // RFC 9112 §2.2: ignore at least one empty line before the request line.
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let requestLine = lines.first else { throw ParseError(message: "empty request") }
        // RFC 9112 §3: method SP request-target SP HTTP-version
        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ParseError(message: "malformed request line")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { throw ParseError(message: "unsupported version") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            // RFC 9112 §5.2: obsolete line folding is rejected.
            guard line.first != 32, line.first != 9 else { throw ParseError(message: "obsolete line folding") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                throw ParseError(message: "malformed header field")
            }
            let name = line[line.startIndex..<colon]
            // RFC 9112 §5.1: no whitespace between the field name and the colon.
            guard !name.contains(32), !name.contains(9) else { throw ParseError(message: "whitespace before colon") }
            var value = line[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
            while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return MockHTTPHead(
            method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
            version: version, headers: headers)
    }

    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.last(where: { $0.name.lowercased() == lower })?.value
    }

    /// How the body is framed (RFC 9112 §6.3).
    enum Framing: Equatable {
        case none
        case length(Int64)
        case chunked
    }

    func framing() throws(ParseError) -> Framing {
        if let te = header("transfer-encoding") {
            // §6.3 item 3: chunked must be the final coding; Content-Length is then ignored.
            guard te.lowercased().split(separator: ",").last.map({ $0.trimmingSpaces }) == "chunked" else {
                throw ParseError(message: "unsupported transfer coding")
            }
            return .chunked
        }
        let lengths = headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        guard let first = lengths.first else { return .none }
        // §6.3 item 5: differing or invalid lengths are an error.
        guard lengths.allSatisfy({ $0 == first }), let n = Int64(first), n >= 0, first.allSatisfy(\.isNumber) else {
            throw ParseError(message: "invalid Content-Length")
        }
        return n == 0 ? .none : .length(n)
    }

    /// Whether the connection stays open after this exchange (RFC 9112 §9.3).
    var keepAlive: Bool {
        let tokens = (header("connection") ?? "").lowercased().split(separator: ",").map { $0.trimmingSpaces }
        if tokens.contains("close") { return false }
        return version == "HTTP/1.1" || tokens.contains("keep-alive")
    }
}
