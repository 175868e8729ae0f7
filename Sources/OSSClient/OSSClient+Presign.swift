import OSSCore
import OSSSigner

/// A presigned request: the URL, and the headers that were signed and must be sent with it.
public struct OSSPresignedRequest: Sendable {
    public var method: String
    public var url: String
    /// Headers the request must carry (`Content-Type`, `x-oss-*` that were signed).
    public var signedHeaders: [(name: String, value: String)]
    /// When the URL stops working.
    public var expiration: UTCTime
}

extension OSSClient {
    /// Presigns a request so that anyone holding the URL may send it until it expires.
    /// - Parameters:
    ///   - method: `GET` (default), `PUT`, `HEAD`, ...
    ///   - expires: lifetime in seconds (V4: 1 to 604800).
    ///   - headers: headers to sign (the request must then send them).
    ///   - query: extra parameters (`response-content-type`, `x-oss-process`, ...).
    ///   - time: the signing time; by default now, corrected for clock skew.
    /// - Throws: `OSSClientError` (`.invalidArgument`, `.credentials`).
    @concurrent public func presign(
        method: String = "GET", bucket: String, key: String, expires: Int64 = 900, headers: [(String, String)] = [],
        query: [(String, String?)] = [], at time: UTCTime? = nil
    ) async throws -> OSSPresignedRequest {
        try OSSOperationRequest.validate(bucket: bucket, key: key, query: query, headers: headers)
        guard let presigner = signer as? SignerAdapter else {
            throw OSSClientError.invalidArgument("this client's signer cannot presign")
        }
        let signed = try await presigner.presign(
            method: method, bucket: bucket, key: key, query: query, headers: headers, expires: expires,
            time: time ?? signingTime())
        let address = RequestAddress(
            endpoint: configuration.endpoint, addressing: configuration.effectiveAddressing, bucket: bucket, key: key)
        let qs = signed.queryString
        let url = "\(address.isTLS ? "https" : "http")://\(address.hostHeader)\(address.path)" + (qs.isEmpty ? "" : "?" + qs)
        return OSSPresignedRequest(method: method, url: url, signedHeaders: signed.signedHeaders, expiration: signed.expiration)
    }
}
