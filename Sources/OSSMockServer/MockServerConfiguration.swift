/// A key pair the mock server accepts, optionally with an STS security token that must come with it.
public struct MockCredential: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyId: String
    public var accessKeySecret: String
    /// When set, requests signed with this key must carry this token (`x-oss-security-token`,
    /// `security-token` in V1 presigned URLs).
    public var securityToken: String?

    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
    }

    /// The credentials printed by `osswire mock-server` when none are given.
    public static let demo = MockCredential(accessKeyId: "LTAI-mock-demo-key", accessKeySecret: "mock-demo-secret")

    /// Never shows the secret or the token.
    public var description: String { "MockCredential(\(accessKeyId))" }
}

/// How the mock OSS server behaves: where it listens, whom it accepts, where it stores.
public struct MockServerConfiguration: Sendable {
    /// Domains under which `bucket.domain` is virtual-hosted-style addressing.
    public static let defaultVirtualHostDomains = ["localhost", "oss-mock.localhost"]

    /// Address to listen on; loopback by default.
    public var host: String = "127.0.0.1"
    /// Port; 0 picks a free one.
    public var port: Int = 0
    /// Accepted key pairs.
    public var credentials: [MockCredential] = [.demo]
    /// Accept requests that carry no signature at all (off: OSS answers `AccessDenied`).
    public var allowAnonymous: Bool = false
    /// The region reported in answers (V4 requests may name any region in their scope).
    public var region: String = "cn-hangzhou"
    /// Domains for virtual-hosted-style requests.
    public var virtualHostDomains: [String] = MockServerConfiguration.defaultVirtualHostDomains
    /// When set, bodies larger than `spillThreshold` are streamed to files under this directory.
    public var dataDirectory: String? = nil
    /// Bodies up to this size stay in memory even with a data directory.
    public var spillThreshold: Int = 1 << 20
    /// Keep no object bytes: bodies are read, counted and CRC64-checked as they arrive, and MD5
    /// only when a Content-MD5 asks for it, so the server's speed never limits an upload benchmark.
    /// HEAD, listings and multipart work; GET of such an object answers `NoSuchKey`. ETags are
    /// then made from the CRC64 and the size, not the MD5.
    public var discardBodies: Bool = false
    /// Buckets created at start.
    public var buckets: [String] = []
    /// Each connection's kernel receive buffer in bytes (`SO_RCVBUF`, fixed), or `nil` for the
    /// kernel's default, which grows with the connection (to `tcp_rmem`'s maximum, 32 MiB on some
    /// machines). A test that stops a body larger than the buffers fixes it, so that what the
    /// server has not read is still the client's when the stop resets the connection.
    public var receiveBufferSize: Int? = nil
    /// The smallest size of every part but the last in CompleteMultipartUpload (OSS: 100 KiB).
    public var minimumPartSize: Int64 = 100 * 1024
    /// The largest difference between a request's date and the server clock (OSS: 15 minutes).
    public var maximumClockSkew: Int64 = 15 * 60
    /// The address ListBuckets and GetBucketInfo advertise as the buckets' `ExtranetEndpoint` and
    /// `IntranetEndpoint` (`http://127.0.0.1:PORT`). `MockOSSServer` sets it to its own address
    /// when left `nil` and it listens on a concrete one; otherwise the request's `Host` is used.
    public var advertisedEndpoint: String? = nil
    /// How long a RestoreObject takes (issue 16 objects): until then HEAD reports
    /// `ongoing-request="true"` and GET answers `InvalidObjectState`. Zero restores at once. The
    /// default leaves the official suite's immediate second RestoreObject well inside the restore.
    public var restoreDelay: Duration = .seconds(5)
    /// How long an upload callback's POST may take, connection included, before the upload
    /// answers 203 CallbackFailed (OSS: 5 seconds). Tests that expect a callback to succeed on a
    /// loaded machine raise it: what they check is the callback, not its speed.
    public var callbackTimeout: Duration = .seconds(5)
    /// Faults to inject from the start.
    public var faults: MockFaults = MockFaults()

    public init() {}
}
