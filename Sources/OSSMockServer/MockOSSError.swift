import OSSXML

/// An OSS error answer: HTTP status, code, message, EC, and extra XML fields.
///
/// Codes, statuses and messages follow OSS; EC values have OSS's form (`0026-00000001`) and are
/// the mock's own where OSS's are not published.
public struct MockOSSError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var ec: String
    /// Extra elements of the error XML (`Key`, `ServerTime`, `StringToSign`, ...), in order.
    public var fields: [Field]
    /// Extra response headers (`x-oss-next-append-position`, ...).
    public var headers: [Field]

    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, code: String, message: String, ec: String = "0000-00000000", fields: [Field] = [], headers: [Field] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.ec = ec
        self.fields = fields
        self.headers = headers
    }

    /// `Code (status): message`, with the extra fields.
    public var description: String {
        var s = "\(code) (\(status)): \(message)"
        for f in fields { s += " \(f.name)=\(f.value)" }
        return s
    }

    func with(_ name: String, _ value: String) -> MockOSSError {
        var e = self
        e.fields.append(Field(name, value))
        return e
    }

    func withHeader(_ name: String, _ value: String) -> MockOSSError {
        var e = self
        e.headers.append(Field(name, value))
        return e
    }

    /// The OSS error document.
    func xml(requestId: String, hostId: String) -> [UInt8] {
        var w = XMLWriter(declaration: true)
        w.open("Error")
        w.element("Code", code)
        w.element("Message", message)
        w.element("RequestId", requestId)
        w.element("HostId", hostId)
        for f in fields { w.element(f.name, f.value) }
        w.element("EC", ec)
        w.element("RecommendDoc", "https://api.aliyun.com/troubleshoot?q=\(ec)")
        w.close("Error")
        return w.bytes
    }

    // MARK: The catalog

    static let accessDenied = MockOSSError(
        status: 403, code: "AccessDenied", message: "You have no right to access this object because of bucket acl.",
        ec: "0003-00000001")
    static let anonymousDenied = MockOSSError(
        status: 403, code: "AccessDenied", message: "You are forbidden to access this resource anonymously.",
        ec: "0003-00000001")
    static let expired = MockOSSError(status: 403, code: "AccessDenied", message: "Request has expired.", ec: "0002-00000069")
    static let signatureDoesNotMatch = MockOSSError(
        status: 403, code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ec: "0002-00000040")
    static let invalidAccessKeyId = MockOSSError(
        status: 403, code: "InvalidAccessKeyId", message: "The OSS Access Key Id you provided does not exist in our records.",
        ec: "0002-00000902")
    static let invalidSecurityToken = MockOSSError(
        status: 403, code: "InvalidSecurityToken", message: "The security token you provided is invalid.", ec: "0002-00000018")
    static let requestTimeTooSkewed = MockOSSError(
        status: 403, code: "RequestTimeTooSkewed",
        message: "The difference between the request time and the current time is too large.", ec: "0002-00000504")
    /// A V4 `Authorization` header scoped to another region than the server's, or to none.
    static let invalidSigningRegion = MockOSSError(
        status: 400, code: "InvalidArgument", message: "Invalid signing region in Authorization header.",
        ec: "0002-00000226")
    /// A presigned V4 URL whose `x-oss-credential` names another region or none (status and EC:
    /// the mock's own, OSS publishes only the message).
    static let invalidCredentialRegion = MockOSSError(
        status: 400, code: "InvalidArgument", message: "The signing region in credential is invalid.",
        ec: "0002-00000226")
    /// A V4 scope naming another product than `oss`.
    static let invalidSigningProduct = MockOSSError(
        status: 400, code: "InvalidArgument", message: "Invalid signing product in Authorization header.",
        ec: "0002-00000227")
    static let invalidArgument = MockOSSError(status: 400, code: "InvalidArgument", message: "", ec: "0016-00000000")
    static let missingDate = MockOSSError(
        status: 403, code: "AccessDenied", message: "Missing the Date or x-oss-date header.", ec: "0002-00000014")
    static let noSuchBucket = MockOSSError(
        status: 404, code: "NoSuchBucket", message: "The specified bucket does not exist.", ec: "0015-00000101")
    static let bucketAlreadyExists = MockOSSError(
        status: 409, code: "BucketAlreadyExists", message: "The requested bucket name is not available.", ec: "0015-00000104")
    static let bucketNotEmpty = MockOSSError(
        status: 409, code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty.", ec: "0015-00000301")
    static let invalidBucketName = MockOSSError(
        status: 400, code: "InvalidBucketName", message: "The specified bucket is not valid.", ec: "0015-00000001")
    static let noSuchKey = MockOSSError(
        status: 404, code: "NoSuchKey", message: "The specified key does not exist.", ec: "0026-00000001")
    static let invalidObjectName = MockOSSError(
        status: 400, code: "InvalidObjectName", message: "The specified object is not valid.", ec: "0016-00000005")
    static let noSuchUpload = MockOSSError(
        status: 404, code: "NoSuchUpload",
        message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        ec: "0042-00000002")
    static let invalidDigest = MockOSSError(
        status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified is not valid.", ec: "0016-00000012")
    static let badDigest = MockOSSError(
        status: 400, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received.",
        ec: "0016-00000013")
    static let invalidRange = MockOSSError(
        status: 416, code: "InvalidRange", message: "The requested range cannot be satisfied", ec: "0025-00000001")
    static let positionNotEqualToLength = MockOSSError(
        status: 409, code: "PositionNotEqualToLength", message: "Position is not equal to file length",
        ec: "0026-00000016")
    static let objectNotAppendable = MockOSSError(
        status: 409, code: "ObjectNotAppendable", message: "The object is not appendable", ec: "0026-00000015")
    static let invalidPartOrder = MockOSSError(
        status: 400, code: "InvalidPartOrder",
        message: "The list of parts was not in ascending order. Parts list must specified in order by part number.",
        ec: "0042-00000206")
    static let invalidPart = MockOSSError(
        status: 400, code: "InvalidPart",
        message: "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
        ec: "0042-00000205")
    static let entityTooSmall = MockOSSError(
        status: 400, code: "EntityTooSmall", message: "Your proposed upload smaller than the minimum allowed size.",
        ec: "0042-00000207")
    static let entityTooLarge = MockOSSError(
        status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size.",
        ec: "0042-00000208")
    static let malformedXML = MockOSSError(
        status: 400, code: "MalformedXML",
        message: "The XML you provided was not well-formed or did not validate against our published schema.",
        ec: "0016-00000609")
    static let missingContentLength = MockOSSError(
        status: 411, code: "MissingContentLength", message: "You must provide the Content-Length HTTP header.",
        ec: "0016-00000102")
    static let incompleteBody = MockOSSError(
        status: 400, code: "IncompleteBody", message: "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        ec: "0016-00000103")
    /// An OSS operation the mock has no handler for (the message names it).
    static func notImplemented(_ what: String) -> MockOSSError {
        MockOSSError(
            status: 501, code: "NotImplemented", message: "The mock server does not implement \(what).",
            ec: "0000-00000501")
    }
    static let corsNotEnabled = MockOSSError(
        status: 403, code: "AccessForbidden", message: "CORSResponse: CORS is not enabled for this bucket.",
        ec: "0003-00000001")
    static let methodNotAllowed = MockOSSError(
        status: 405, code: "MethodNotAllowed", message: "The specified method is not allowed against this resource.",
        ec: "0000-00000405")
    static let invalidTargetBucketForCopy = MockOSSError(
        status: 400, code: "InvalidArgument", message: "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.",
        ec: "0017-00000003")
    static let preconditionFailed = MockOSSError(
        status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold.",
        ec: "0026-00000011")

    static let discarded = MockOSSError(
        status: 404, code: "NoSuchKey",
        message: "The mock server counted this object's bytes but did not keep them (discardBodies, --discard-bodies).",
        ec: "0026-00000001")

    static func argument(_ message: String, name: String? = nil, value: String? = nil) -> MockOSSError {
        var e = MockOSSError.invalidArgument
        e.message = message
        if let name { e.fields.append(Field("ArgumentName", name)) }
        if let value { e.fields.append(Field("ArgumentValue", value)) }
        return e
    }
}
