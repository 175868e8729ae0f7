import OSSCore

/// One request as the mock server saw it: what it was, how much body arrived, what it answered.
public struct MockRequestLogEntry: Sendable, Hashable, CustomStringConvertible {
    /// Sequence number, from 1.
    public var sequence: Int
    public var method: String
    /// The OSS operation name (`PutObject`, `UploadPart`, ...), `Unknown` when not recognised.
    public var operation: String
    public var bucket: String?
    public var key: String?
    /// The query string as sent (percent-encoded), with the values of signatures and security
    /// tokens replaced by `REDACTED`; empty when there was none.
    public var query: String = ""
    public var partNumber: Int?
    public var uploadId: String?
    /// Body bytes read from the client.
    public var bytesReceived: Int64
    /// Whether the whole body arrived (true for requests without one).
    public var bodyCompleted: Bool
    /// Whether the client closed or reset the connection in the middle of the body.
    public var clientClosedMidBody: Bool
    /// The status answered; 0 when no answer could be sent.
    public var status: Int
    /// The OSS error code answered, if any.
    public var errorCode: String?
    /// The request id answered.
    public var requestId: String

    public var description: String {
        var s = "#\(sequence) \(method) \(operation)"
        if let bucket { s += " \(bucket)" }
        if let key { s += "/\(key)" }
        if !query.isEmpty { s += "?\(query)" }
        if let partNumber { s += " part \(partNumber)" }
        s += " bytes=\(bytesReceived) complete=\(bodyCompleted) clientClosed=\(clientClosedMidBody) -> \(status)"
        if let errorCode { s += " \(errorCode)" }
        return s
    }
}

/// The log of requests, readable while the server runs.
final class MockRequestLog: Sendable {
    private let entries = PThreadMutex<[MockRequestLogEntry]>([])
    private let limit: Int

    init(limit: Int = 100_000) { self.limit = limit }

    func append(_ entry: MockRequestLogEntry) -> Int {
        entries.withLock { e in
            var entry = entry
            entry.sequence = (e.last?.sequence ?? 0) + 1
            if e.count >= limit { e.removeFirst(e.count / 2) }
            e.append(entry)
            return entry.sequence
        }
    }

    var all: [MockRequestLogEntry] { entries.withLock { $0 } }

    func clear() { entries.withLock { $0.removeAll() } }
}

extension MockRequestLogEntry {
    /// Query parameters whose values the log never shows: a presigned URL's signature (usable
    /// until it expires) and STS tokens.
    static let redactedParameters: Set<String> = [
        "signature", "x-oss-signature", "security-token", "x-oss-security-token",
    ]

    /// `rawQuery` with the values of `redactedParameters` replaced by `REDACTED`.
    static func loggedQuery(_ rawQuery: String) -> String {
        guard !rawQuery.isEmpty else { return "" }
        return rawQuery.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<eq]
            let decoded = (PercentEncoding.decode(name) ?? String(name)).lowercased()
            return redactedParameters.contains(decoded) ? name + "=REDACTED" : String(pair)
        }.joined(separator: "&")
    }
}
