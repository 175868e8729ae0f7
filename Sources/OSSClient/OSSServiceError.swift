import OSSCore

/// An error answered by OSS (or a server speaking its protocol): a non-2xx status with the OSS
/// error body, or for HEAD requests the `x-oss-err` header.
///
/// `description` is for people: status, code, message, request id and EC, never a secret
/// (OSS does not echo secrets; a `StringToSign` field is shown only by name).
public struct OSSServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status (403, 404, 503, ...).
    public var statusCode: Int
    /// The OSS error code, for example `NoSuchKey` or `SignatureDoesNotMatch`.
    public var code: String
    /// The message OSS gave.
    public var message: String
    /// `x-oss-request-id` (or the body's `RequestId`).
    public var requestId: String
    /// The body's `HostId`.
    public var hostId: String
    /// The detailed error code (`EC` element or `x-oss-ec` header), for example `0026-00000001`.
    public var ec: String
    /// Every other element of the error body, by name (`ServerTime`, `StringToSign`, ...).
    public var fields: [String: String]
    /// What the call cost (its last attempt's phases, the attempts made). Not part of equality:
    /// two errors are equal when OSS said the same thing.
    public var metrics: OSSRequestMetrics? = nil

    public init(
        statusCode: Int, code: String, message: String = "", requestId: String = "", hostId: String = "",
        ec: String = "", fields: [String: String] = [:]
    ) {
        self.statusCode = statusCode
        self.code = code
        self.message = message
        self.requestId = requestId
        self.hostId = hostId
        self.ec = ec
        self.fields = fields
    }

    public static func == (a: OSSServiceError, b: OSSServiceError) -> Bool {
        a.statusCode == b.statusCode && a.code == b.code && a.message == b.message && a.requestId == b.requestId
            && a.hostId == b.hostId && a.ec == b.ec && a.fields == b.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(statusCode)
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(requestId)
        hasher.combine(hostId)
        hasher.combine(ec)
        hasher.combine(fields)
    }

    /// Fields whose values can help an attacker or leak what was signed; named, never shown.
    static let hiddenFields: Set<String> = ["StringToSign", "StringToSignBytes", "CanonicalRequest", "SignatureProvided"]

    public var description: String {
        var s = "OSS error \(statusCode) \(code)"
        if !message.isEmpty { s += ": \(message)" }
        var extras: [String] = []
        if !requestId.isEmpty { extras.append("request id \(requestId)") }
        if !ec.isEmpty { extras.append("EC \(ec)") }
        if !hostId.isEmpty { extras.append("host \(hostId)") }
        if let t = fields["ServerTime"] { extras.append("server time \(t)") }
        if !extras.isEmpty { s += " (" + extras.joined(separator: ", ") + ")" }
        return s
    }

    /// Whether retrying the same request may succeed: server errors and a skewed clock.
    public var isRetryable: Bool {
        statusCode >= 500 || code == "RequestTimeTooSkewed"
    }
}
