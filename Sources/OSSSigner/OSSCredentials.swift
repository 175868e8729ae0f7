import OSSCore

/// An access key pair, optionally with an STS security token.
///
/// `description` and `debugDescription` show the access key id only: the secret and the token
/// never appear in logs or errors.
public struct OSSCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The AccessKeyId, sent in clear in every signed request.
    public var accessKeyId: String
    /// The AccessKeySecret: signs, never sent.
    public var accessKeySecret: String
    /// The STS security token, sent as `x-oss-security-token` (or `security-token` in V1 URLs).
    public var securityToken: String?
    /// When temporary credentials stop working, if known.
    public var expiration: UTCTime?

    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil, expiration: UTCTime? = nil)
    {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.expiration = expiration
    }

    /// Whether both the access key id and the secret are non-empty.
    public var hasKeys: Bool { !accessKeyId.isEmpty && !accessKeySecret.isEmpty }

    /// The token to send: `nil` when absent or empty.
    var token: String? {
        guard let securityToken, !securityToken.isEmpty else { return nil }
        return securityToken
    }

    public var description: String {
        "OSSCredentials(accessKeyId: \(accessKeyId), accessKeySecret: <redacted>"
            + (token == nil ? "" : ", securityToken: <redacted>") + ")"
    }

    public var debugDescription: String { description }

    /// Throws when a key is empty or carries a byte a header cannot hold.
    func validate() throws {
        guard hasKeys else {
            throw SigningError(code: .missingCredentials, message: "the access key id or secret is empty")
        }
        if ByteScan.hasLineBreak(accessKeyId) {
            throw SigningError(code: .missingCredentials, message: "the access key id contains CR, LF or NUL")
        }
        if let token, ByteScan.hasLineBreak(token) {
            throw SigningError(code: .missingCredentials, message: "the security token contains CR, LF or NUL")
        }
    }
}
