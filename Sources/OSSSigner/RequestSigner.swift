import OSSCore

/// What the client holds to sign every request: a signature version, a credentials provider and
/// the clock offset learnt from the server.
///
/// `sign` asks the provider for credentials, takes the corrected time and returns the headers to
/// set; `presign` does the same for URLs.
public struct RequestSigner: Sendable {
    /// The signature version (V4 unless the caller picks V1).
    public var version: SignatureVersion
    /// The V1 signer (its sub-resource list).
    public var signerV1: SignerV1
    /// The V4 signer (region, product, additional headers).
    public var signerV4: SignerV4
    /// Where credentials come from.
    public let credentialsProvider: any CredentialsProvider
    /// The server-minus-local clock difference, shared with whoever updates it.
    public let clockOffset: ClockOffset

    /// - Parameters:
    ///   - version: `.v4` (default) or `.v1`.
    ///   - region: the region; when `nil`, taken from an `oss-<region>.aliyuncs.com` `endpointHost`.
    ///   - endpointHost: the endpoint host, used only to find the region.
    ///   - additionalHeaders: headers V4 signs beyond the default ones.
    ///   - credentialsProvider: the source of credentials.
    ///   - clockOffset: the offset to apply to the local clock.
    public init(
        version: SignatureVersion = .v4, region: String? = nil, endpointHost: String? = nil,
        additionalHeaders: [String] = [], credentialsProvider: any CredentialsProvider,
        clockOffset: ClockOffset = ClockOffset()
    ) {
        self.version = version
        let resolved = region ?? endpointHost.flatMap { OSSRegion.from(endpointHost: $0) } ?? ""
        signerV1 = SignerV1()
        signerV4 = SignerV4(region: resolved, additionalHeaders: additionalHeaders)
        self.credentialsProvider = credentialsProvider
        self.clockOffset = clockOffset
    }

    /// The region V4 signs for (`""` when unknown).
    public var region: String { signerV4.region }

    /// Signs a request for the `Authorization` header.
    /// - Parameters:
    ///   - request: the request as it will be sent.
    ///   - time: the signing time; by default the local clock corrected by `clockOffset`.
    /// - Returns: the headers to set, each replacing any of the same name.
    /// - Throws: `SigningError`, or the credentials provider's error.
    public func sign(_ request: SigningRequest, at time: UTCTime? = nil) async throws -> [(name: String, value: String)]
    {
        let credentials = try await credentialsProvider.credentials()
        let when = time ?? clockOffset.now()
        return version == .v1
            ? try signerV1.sign(request, credentials: credentials, time: when)
            : try signerV4.sign(request, credentials: credentials, time: when)
    }

    /// Presigns a request.
    /// - Parameters:
    ///   - request: the request; its headers are signed and must be sent with the URL.
    ///   - expires: the lifetime in seconds (V4: at most 604800).
    ///   - time: the signing time; by default the corrected local clock.
    /// - Returns: the URL's pieces.
    /// - Throws: `SigningError`, or the credentials provider's error.
    public func presign(_ request: SigningRequest, expires: Int64, at time: UTCTime? = nil) async throws -> PresignedURL
    {
        let credentials = try await credentialsProvider.credentials()
        let presigner = version == .v1 ? Presigner.v1(signerV1) : Presigner.v4(signerV4)
        return try presigner.presign(
            request, credentials: credentials, time: time ?? clockOffset.now(), expires: expires)
    }
}
