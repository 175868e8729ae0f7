import OSSCore
import OSSProtocol
import OSSSigner

/// A signed browser-upload form (PostObject): where to POST and the fields to send. A browser
/// (or `curl -F`) sends the fields in this order, then the `file` field last, as
/// `multipart/form-data`; OSS stores the file under the `key` field's value (`${filename}` in
/// it becomes the uploaded file's name).
public struct OSSPostObjectForm: Sendable {
    /// The URL to POST the form to: the bucket's URL.
    public var url: String
    /// The form fields in order: `key` (when given), `policy`, `x-oss-signature-version`,
    /// `x-oss-credential`, `x-oss-date`, `x-oss-signature`, `x-oss-security-token` (STS), then
    /// the caller's other fields. The `file` field goes after them.
    public var fields: [(name: String, value: String)]
    /// The policy as signed (its JSON is `policy.json`).
    public var policy: PostPolicy
    /// When the policy stops working.
    public var expiration: UTCTime { policy.expiration }

    /// The value of a field (names compare case-insensitively), or `nil`.
    public func field(_ name: String) -> String? {
        fields.first { ASCIICase.equal($0.name, name) }?.value
    }
}

extension OSSClient {
    /// Signs a browser-upload policy (PostObject, V4) with this client's credentials, region and
    /// endpoint, for a form that uploads one file to `bucket`.
    ///
    ///     let form = try await client.presignPostObject(
    ///         bucket: "photos", expires: 3600,
    ///         conditions: [.startsWith(field: "key", prefix: "user-42/"), .contentLengthRange(min: 1, max: 10 << 20)],
    ///         fields: [("key", "user-42/${filename}"), ("success_action_status", "201")])
    ///     // POST form.url with form.fields, then the `file` field.
    ///
    /// The policy holds the caller's conditions, a `bucket` condition (unless given), and the
    /// V4 conditions OSS requires (`x-oss-signature-version`, `x-oss-credential`, `x-oss-date`,
    /// and `x-oss-security-token` with STS credentials).
    /// - Parameters:
    ///   - bucket: the bucket to upload to.
    ///   - expires: the policy's lifetime in seconds, 1 to 604800 (7 days).
    ///   - conditions: what the form must meet: `.equals`/`.exact`, `.startsWith`, `.oneOf`,
    ///     `.noneOf` on `key`, `Content-Type`, `Cache-Control`, `Content-Disposition`,
    ///     `Content-Encoding`, `Expires`, `success_action_status`, `success_action_redirect`,
    ///     `x-oss-meta-*` or `x-oss-*`, `bucket` equality, and `.contentLengthRange(min:max:)`.
    ///   - fields: the form fields to send with it (`key`, `Content-Type`, `x-oss-meta-*`,
    ///     `success_action_status`, ...); each must meet the conditions on it.
    ///   - time: the signing time; by default now, corrected for clock skew.
    /// - Throws: `OSSClientError` `.invalidArgument` for conditions or fields OSS would refuse
    ///   (checked before anything is signed), `.credentials` when no credentials are available.
    @concurrent public func presignPostObject(
        bucket: String, expires: Int64 = 3600, conditions: [PostPolicy.Condition] = [],
        fields: [(String, String)] = [], at time: UTCTime? = nil
    ) async throws -> OSSPostObjectForm {
        let named = fields.map { (name: $0.0, value: $0.1) }
        try checkInput { try Validation.checkPostPolicy(conditions: conditions, fields: named, bucket: bucket) }
        guard let adapter = signer as? SignerAdapter else {
            throw OSSClientError.invalidArgument("this client's signer cannot sign a POST policy")
        }
        let form: PostObjectForm
        do {
            form = try await adapter.signer.signPostObject(
                bucket: bucket, conditions: conditions, fields: named, expires: expires, at: time ?? signingTime())
        } catch let e as SigningError {
            throw OSSClientError(SignerAdapter.kind(of: e), e.description, underlying: e)
        } catch let e as OSSClientError {
            throw e
        } catch {
            throw OSSClientError(.credentials, "the credentials provider failed: \(error)", underlying: error)
        }
        let address = RequestAddress(
            endpoint: configuration.endpoint, addressing: configuration.effectiveAddressing, bucket: bucket, key: nil)
        return OSSPostObjectForm(url: address.url, fields: form.fields, policy: form.policy)
    }
}
