/// The OSS header names client and mock both use, as OSS spells them (HTTP names compare without
/// regard to case, RFC 9110 §5.1).
public enum OSSHeader {
    /// The CRC64-ECMA of an object or a part, in decimal.
    public static let crc64 = "x-oss-hash-crc64ecma"
    /// The id of a request, in every answer.
    public static let requestId = "x-oss-request-id"
    /// The error's detail code (`0002-00000902`).
    public static let ec = "x-oss-ec"
    /// A HEAD answer's error document, base64 (HEAD answers have no body).
    public static let errorDocument = "x-oss-err"
    /// The object version an answer concerns.
    public static let versionId = "x-oss-version-id"
    /// Whether a DeleteObject left a delete marker.
    public static let deleteMarker = "x-oss-delete-marker"
    /// Where the next AppendObject must start.
    public static let nextAppendPosition = "x-oss-next-append-position"
    /// `Normal`, `Appendable`, `Multipart`, `Symlink`.
    public static let objectType = "x-oss-object-type"
    public static let storageClass = "x-oss-storage-class"
    /// `/bucket/key` of CopyObject and UploadPartCopy.
    public static let copySource = "x-oss-copy-source"
    /// The bytes of the source UploadPartCopy takes (`bytes=0-99`).
    public static let copySourceRange = "x-oss-copy-source-range"
    /// `COPY` or `REPLACE`: CopyObject's metadata.
    public static let metadataDirective = "x-oss-metadata-directive"
    /// A bucket's ACL (PutBucket).
    public static let bucketACL = "x-oss-acl"
    public static let objectACL = "x-oss-object-acl"
    public static let forbidOverwrite = "x-oss-forbid-overwrite"
    /// The prefix of user metadata headers.
    public static let metadataPrefix = "x-oss-meta-"
    /// The STS token of temporary credentials.
    public static let securityToken = "x-oss-security-token"
    /// The signing time of V4 (and of V1 when present).
    public static let date = "x-oss-date"
}

/// OSS error codes client and mock both use (the `Code` of the error document).
public enum OSSErrorCode {
    public static let accessDenied = "AccessDenied"
    public static let noSuchBucket = "NoSuchBucket"
    public static let noSuchKey = "NoSuchKey"
    public static let noSuchUpload = "NoSuchUpload"
    public static let invalidBucketName = "InvalidBucketName"
    public static let invalidObjectName = "InvalidObjectName"
    public static let invalidArgument = "InvalidArgument"
    public static let invalidPart = "InvalidPart"
    public static let invalidPartOrder = "InvalidPartOrder"
    public static let invalidRange = "InvalidRange"
    public static let malformedXML = "MalformedXML"
    public static let requestTimeTooSkewed = "RequestTimeTooSkewed"
    public static let signatureDoesNotMatch = "SignatureDoesNotMatch"
    public static let notImplemented = "NotImplemented"
    public static let internalError = "InternalError"
    public static let serviceUnavailable = "ServiceUnavailable"

    /// The code of an error answer without an error document, from its status alone.
    public static func forStatus(_ status: Int) -> String {
        switch status {
        case 400: "BadRequest"
        case 403: accessDenied
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 412: "PreconditionFailed"
        case 416: invalidRange
        case 500: internalError
        case 503: serviceUnavailable
        default: "HTTP\(status)"
        }
    }
}
