/// Faults the mock server injects, to test how a client behaves when things go wrong.
///
/// Set at start (`MockServerConfiguration.faults`, `osswire mock-server` flags), or at any time
/// in-process (`MockOSS.faults`) or through the admin endpoint. Body-level faults apply to
/// requests whose body starts after they are set.
public struct MockFaults: Sendable, Hashable {
    /// Read request bodies no faster than this many bytes a second.
    public var maxReceiveRate: Int? = nil
    /// Send response bodies no faster than this many bytes a second (to watch and interrupt downloads).
    public var maxSendRate: Int? = nil
    /// Stop reading a request body after this many bytes (a peer that stalls: the client's
    /// writes block once the socket buffers fill).
    public var stallAfterBodyBytes: Int64? = nil
    /// Reset the connection after this many body bytes.
    public var resetAfterBodyBytes: Int64? = nil
    /// Wait this long before answering each request.
    public var responseDelay: Duration? = nil
    /// Answers to give instead of the real one, for the Nth request of an operation.
    public var errorRules: [MockErrorRule] = []
    /// Send a wrong `x-oss-hash-crc64ecma` on responses that carry one.
    public var wrongCRC64: Bool = false
    /// Close the connection right after sending the response headers (no body).
    public var closeAfterHeaders: Bool = false
    /// Answer every request with `Connection: close` and close afterwards.
    public var connectionClose: Bool = false
    /// Seconds added to the server clock (for `RequestTimeTooSkewed` and expiry checks).
    public var clockSkewSeconds: Int64 = 0
    /// After this many body bytes, answer `403 AccessDenied` with `Connection: close` without
    /// reading the rest, and close (a server that rejects an upload part-way through).
    public var forbiddenAfterBodyBytes: Int64? = nil
    /// Send only the first half of the answer (status line, headers and body), then close.
    public var truncateResponse: Bool = false
    /// Answer with bytes that are not HTTP, then close.
    public var garbageResponse: Bool = false
    /// Reset the connection of every Nth request (counted over all connections, from when the
    /// fault was set), right after its head is read.
    public var resetEveryNthRequest: Int? = nil
    /// When set, the per-request faults (stall, reset, forbidden mid-body, response delay,
    /// truncated, garbage, close after headers, wrong CRC64) apply only to requests of this OSS operation
    /// (`PutObject`, `UploadPart`, `GetObject`, ...).
    public var faultOperation: String? = nil
    /// When set, the per-request faults apply only to the first this many requests they may
    /// apply to (from when the faults were set); later requests are served normally, so a
    /// client's retry can succeed.
    public var faultTimes: Int? = nil

    public init() {}

    /// Whether no fault is set.
    public var isEmpty: Bool { self == MockFaults() }

    /// Whether a per-request fault is set (the ones `faultOperation` and `faultTimes` limit).
    var hasPerRequestFault: Bool {
        stallAfterBodyBytes != nil || resetAfterBodyBytes != nil || forbiddenAfterBodyBytes != nil || truncateResponse
            || garbageResponse || closeAfterHeaders || wrongCRC64 || responseDelay != nil
    }

    /// These faults without the per-request ones.
    var withoutPerRequestFaults: MockFaults {
        var f = self
        f.stallAfterBodyBytes = nil
        f.resetAfterBodyBytes = nil
        f.forbiddenAfterBodyBytes = nil
        f.truncateResponse = false
        f.garbageResponse = false
        f.closeAfterHeaders = false
        f.wrongCRC64 = false
        f.responseDelay = nil
        return f
    }
}

/// Answer the `nth` request (counting from 1, from when the rule was set) of an operation with
/// an OSS error, `count` times in a row.
public struct MockErrorRule: Sendable, Hashable {
    /// The OSS operation name (`UploadPart`, `PutObject`, ...), or `*` for any.
    public var operation: String
    public var nth: Int
    public var status: Int
    public var code: String
    public var message: String
    /// How many consecutive matching requests, from the `nth`, get the error.
    public var count: Int

    public init(operation: String, nth: Int = 1, status: Int, code: String, message: String? = nil, count: Int = 1) {
        self.operation = operation
        self.nth = nth
        self.status = status
        self.code = code
        self.message = message ?? "Injected by the mock server."
        self.count = count
    }

    /// Parses `OPERATION:NTH:STATUS:CODE` (the command-line and admin form).
    public init?(spec: String) {
        let p = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count >= 4, !p[0].isEmpty, let n = Int(p[1]), n >= 1, let s = Int(p[2]), (100...599).contains(s),
            !p[3].isEmpty
        else { return nil }
        self.init(operation: p[0], nth: n, status: s, code: p[3], count: p.count >= 5 ? (Int(p[4]) ?? 1) : 1)
    }
}
