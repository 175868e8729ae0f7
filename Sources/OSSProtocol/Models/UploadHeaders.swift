import OSSCore

/// What an upload sets on the object it makes, for PutObject and InitiateMultipartUpload alike
/// (a multipart upload takes them at its start; OSS keeps them with the upload and gives them to
/// the object CompleteMultipartUpload makes), and the callback of the request that stores it.
public struct UploadHeaders: Sendable, Hashable {
    /// `Content-Type`; `nil`: guessed from the file name (``ContentType``) where there is one,
    /// else OSS's `application/octet-stream`.
    public var contentType: String?
    /// User metadata, sent as `x-oss-meta-<name>`.
    public var metadata: [String: String] = [:]
    public var cacheControl: String?
    public var contentDisposition: String?
    /// `x-oss-storage-class`: `Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`.
    public var storageClass: String?
    /// `x-oss-object-acl`: `default`, `private`, `public-read`, `public-read-write`.
    public var acl: String?
    /// `x-oss-tagging`, in URL query form: `k=v&k2=v2` (see ``tagging(_:)``).
    public var tagging: String?
    /// `x-oss-server-side-encryption`: `AES256`, `KMS` or `SM4`.
    public var serverSideEncryption: String?
    /// `x-oss-server-side-encryption-key-id`: the KMS key (only with `KMS`).
    public var serverSideEncryptionKeyId: String?
    /// The upload callback; it goes on the request that stores the object (PutObject, or
    /// CompleteMultipartUpload).
    public var callback: UploadCallback?

    public init(contentType: String? = nil, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.metadata = metadata
    }

    public static let serverSideEncryptionHeader = "x-oss-server-side-encryption"
    public static let serverSideEncryptionKeyIdHeader = "x-oss-server-side-encryption-key-id"
    public static let taggingHeader = "x-oss-tagging"

    /// Tags in `x-oss-tagging`'s form: each key and value percent-encoded, joined with `=` and `&`.
    public static func tagging(_ tags: [(key: String, value: String)]) -> String {
        tags.map { PercentEncoding.encode($0.key) + "=" + PercentEncoding.encode($0.value) }.joined(separator: "&")
    }

    /// Whether nothing is set.
    public var isEmpty: Bool { self == UploadHeaders() }

    /// Checks every field against OSS's rules before a byte is sent.
    public func validate() throws(ValidationError) {
        if let contentType { try Validation.checkHeaderValue(contentType, name: "Content-Type") }
        try Validation.checkMetadata(metadata)
        if let cacheControl { try Validation.checkHeaderValue(cacheControl, name: "Cache-Control") }
        if let contentDisposition { try Validation.checkHeaderValue(contentDisposition, name: "Content-Disposition") }
        if let storageClass { try UploadRules.checkStorageClass(storageClass) }
        if let acl { try UploadRules.checkObjectACL(acl) }
        if let tagging { _ = try UploadRules.parseTagging(tagging) }
        try UploadRules.checkEncryption(serverSideEncryption, keyId: serverSideEncryptionKeyId)
        try callback?.validate()
    }

    /// The headers that describe the object (everything but the callback), in a stable order.
    public var objectHeaders: [(String, String)] {
        var out: [(String, String)] = []
        if let contentType { out.append(("Content-Type", contentType)) }
        if let cacheControl { out.append(("Cache-Control", cacheControl)) }
        if let contentDisposition { out.append(("Content-Disposition", contentDisposition)) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { out.append((OSSHeader.metadataPrefix + name, value)) }
        if let storageClass { out.append((OSSHeader.storageClass, storageClass)) }
        if let acl { out.append((OSSHeader.objectACL, acl)) }
        if let tagging { out.append((UploadHeaders.taggingHeader, tagging)) }
        if let serverSideEncryption { out.append((UploadHeaders.serverSideEncryptionHeader, serverSideEncryption)) }
        if let serverSideEncryptionKeyId {
            out.append((UploadHeaders.serverSideEncryptionKeyIdHeader, serverSideEncryptionKeyId))
        }
        return out
    }

    /// The callback's headers (none without a callback).
    public var callbackHeaders: [(String, String)] { callback?.headers ?? [] }
}

/// The rules of the upload headers (issue 16, upload ergonomics), shared by the client (checked
/// before sending) and the mock (answered as OSS does).
package enum UploadRules {
    package static let storageClasses = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"]
    package static let objectACLs = ["default", "private", "public-read", "public-read-write"]
    package static let encryptions = ["AES256", "KMS", "SM4"]
    /// OSS: at most 10 tags an object.
    package static let maxTags = 10

    package static func checkStorageClass(_ s: String) throws(ValidationError) {
        guard storageClasses.contains(s) else {
            throw ValidationError(
                "storage class \(Validation.quoted(s)) is not one of \(storageClasses.joined(separator: ", "))")
        }
    }

    package static func checkObjectACL(_ s: String) throws(ValidationError) {
        guard objectACLs.contains(s) else {
            throw ValidationError("object ACL \(Validation.quoted(s)) is not one of \(objectACLs.joined(separator: ", "))")
        }
    }

    package static func checkEncryption(_ sse: String?, keyId: String?) throws(ValidationError) {
        if let sse, !encryptions.contains(sse) {
            throw ValidationError(
                "server-side encryption \(Validation.quoted(sse)) is not one of \(encryptions.joined(separator: ", "))")
        }
        if let keyId {
            guard sse == "KMS" else { throw ValidationError("a KMS key id needs server-side encryption KMS") }
            guard !keyId.isEmpty else { throw ValidationError("the KMS key id is empty") }
            try Validation.checkHeaderValue(keyId, name: UploadHeaders.serverSideEncryptionKeyIdHeader)
        }
    }

    /// The tags of an `x-oss-tagging` value (`k=v&k2=v2`, percent-encoded), checked against OSS's
    /// rules: at most 10 tags, keys 1 to 128 characters and unique, values up to 256.
    package static func parseTagging(_ text: String) throws(ValidationError) -> [(key: String, value: String)] {
        guard !text.isEmpty else { return [] }
        var tags: [(key: String, value: String)] = []
        for item in text.split(separator: "&", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = PercentEncoding.decode(pair[0], plusAsSpace: true),
                let value = PercentEncoding.decode(pair.count > 1 ? pair[1] : "", plusAsSpace: true)
            else { throw ValidationError("tagging \(Validation.quoted(text)) is not URL-encoded key=value pairs") }
            guard (1...128).contains(key.count) else {
                throw ValidationError("tag key \(Validation.quoted(key)) must be 1 to 128 characters long")
            }
            guard value.count <= 256 else {
                throw ValidationError("the value of tag \(Validation.quoted(key)) is longer than 256 characters")
            }
            guard !tags.contains(where: { $0.key == key }) else {
                throw ValidationError("tag key \(Validation.quoted(key)) is given twice")
            }
            for s in [key, value] where s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                throw ValidationError("tag \(Validation.quoted(key)) holds a control character")
            }
            tags.append((key, value))
        }
        guard tags.count <= maxTags else {
            throw ValidationError("an object takes at most \(maxTags) tags, not \(tags.count)")
        }
        return tags
    }
}
