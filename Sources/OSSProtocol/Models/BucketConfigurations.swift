import OSSCore
import OSSXML

// The smaller bucket configurations: tags, referer, logging, user-defined log fields,
// encryption, and the policy status. CORS, lifecycle and website have files of their own.

/// A bucket's tags (`<Tagging><TagSet><Tag>`): PutBucketTags, GetBucketTags, DeleteBucketTags.
/// A bucket without tags answers an empty set.
public struct BucketTags: BucketConfigurationModel, Hashable {
    public static let rootElement = "Tagging"
    public static let configurationName = "BucketTags"
    public var tags: [OSSTag]

    public init(_ tags: [OSSTag]) { self.tags = tags }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        tags = try f.nested("TagSet").map { (s: XMLFields) throws(XMLModelError) in try OSSTag.read(s) } ?? []
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in w.element("TagSet") { OSSTag.write(tags, to: &$0) } }
    }
}

/// Hotlink protection (`RefererConfiguration`): PutBucketReferer, GetBucketReferer. A bucket
/// never configured answers empty lists with empty referers allowed.
public struct RefererConfiguration: BucketConfigurationModel, Hashable {
    public static let rootElement = "RefererConfiguration"
    public static let configurationName = "BucketReferer"
    public var allowEmptyReferer: Bool
    public var allowTruncateQueryString: Bool?
    public var truncatePath: Bool?
    /// Referers allowed (`*` and `?` wildcards).
    public var referers: [String]
    /// Referers refused.
    public var blacklist: [String]?

    public init(
        allowEmptyReferer: Bool = true, referers: [String] = [], blacklist: [String]? = nil,
        allowTruncateQueryString: Bool? = nil, truncatePath: Bool? = nil
    ) {
        self.allowEmptyReferer = allowEmptyReferer
        self.referers = referers
        self.blacklist = blacklist
        self.allowTruncateQueryString = allowTruncateQueryString
        self.truncatePath = truncatePath
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        guard let allow = try f.bool("AllowEmptyReferer") else { throw f.missing("AllowEmptyReferer") }
        allowEmptyReferer = allow
        allowTruncateQueryString = try f.bool("AllowTruncateQueryString")
        truncatePath = try f.bool("TruncatePath")
        referers = try f.requiredNested("RefererList").strings("Referer")
        blacklist = f.nested("RefererBlacklist")?.strings("Referer")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("AllowEmptyReferer", allowEmptyReferer)
            w.element("AllowTruncateQueryString", allowTruncateQueryString)
            w.element("TruncatePath", truncatePath)
            w.element("RefererList") { $0.elements("Referer", referers) }
            if let blacklist { w.element("RefererBlacklist") { $0.elements("Referer", blacklist) } }
        }
    }
}

/// Access logging (`BucketLoggingStatus`): PutBucketLogging, GetBucketLogging,
/// DeleteBucketLogging. `targetBucket == nil` is logging off (what a bucket never configured answers).
public struct BucketLoggingStatus: BucketConfigurationModel, Hashable {
    public static let rootElement = "BucketLoggingStatus"
    public static let configurationName = "BucketLogging"
    /// The bucket the logs go to (same owner and region).
    public var targetBucket: String?
    /// The prefix of the log objects.
    public var targetPrefix: String?

    public init(targetBucket: String? = nil, targetPrefix: String? = nil) {
        self.targetBucket = targetBucket
        self.targetPrefix = targetPrefix
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        if let e = f.nested("LoggingEnabled") {
            targetBucket = try e.required("TargetBucket")
            targetPrefix = e.string("TargetPrefix")
        }
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            if let targetBucket {
                w.element("LoggingEnabled") { w in
                    w.element("TargetBucket", targetBucket)
                    w.element("TargetPrefix", targetPrefix)
                }
            }
        }
    }
}

/// Request headers and query parameters added to a bucket's access log
/// (`UserDefinedLogFieldsConfiguration`): Put/Get/DeleteUserDefinedLogFieldsConfig.
public struct UserDefinedLogFieldsConfiguration: BucketConfigurationModel, Hashable {
    public static let rootElement = "UserDefinedLogFieldsConfiguration"
    public static let configurationName = "UserDefinedLogFieldsConfig"
    public var headers: [String]
    public var parameters: [String]

    public init(headers: [String] = [], parameters: [String] = []) {
        self.headers = headers
        self.parameters = parameters
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        headers = f.nested("HeaderSet")?.strings("header") ?? []
        parameters = f.nested("ParamSet")?.strings("parameter") ?? []
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("HeaderSet") { $0.elements("header", headers) }
            w.element("ParamSet") { $0.elements("parameter", parameters) }
        }
    }
}

/// Default server-side encryption of a bucket's new objects (`ServerSideEncryptionRule`):
/// PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption.
public struct ServerSideEncryptionRule: BucketConfigurationModel, Hashable {
    public static let rootElement = "ServerSideEncryptionRule"
    public static let configurationName = "BucketEncryption"
    /// The algorithms OSS offers.
    public static let algorithms = ["AES256", "KMS", "SM4"]
    /// `AES256`, `KMS` or `SM4`.
    public var sseAlgorithm: String
    /// The KMS key, with `KMS` only (OSS uses a managed key when absent).
    public var kmsMasterKeyId: String?
    /// `SM4` to encrypt KMS data keys with SM4, with `KMS` only.
    public var kmsDataEncryption: String?

    public init(sseAlgorithm: String, kmsMasterKeyId: String? = nil, kmsDataEncryption: String? = nil) {
        self.sseAlgorithm = sseAlgorithm
        self.kmsMasterKeyId = kmsMasterKeyId
        self.kmsDataEncryption = kmsDataEncryption
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        try self.init(fields: try XMLFields(root: root, expecting: Self.rootElement).requiredNested("ApplyServerSideEncryptionByDefault"))
    }

    /// The algorithm and key elements, also found directly under GetBucketInfo's `ServerSideEncryptionRule`.
    init(fields f: XMLFields) throws(XMLModelError) {
        sseAlgorithm = try f.required("SSEAlgorithm")
        kmsMasterKeyId = f.string("KMSMasterKeyID")
        kmsDataEncryption = f.string("KMSDataEncryption")
    }

    func writeFields(to w: inout XMLWriter) {
        w.element("SSEAlgorithm", sseAlgorithm)
        w.element("KMSMasterKeyID", kmsMasterKeyId)
        w.element("KMSDataEncryption", kmsDataEncryption)
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in w.element("ApplyServerSideEncryptionByDefault") { writeFields(to: &$0) } }
    }
}

/// The body of GetBucketPolicyStatus: whether the bucket's policy makes it public.
public struct PolicyStatus: XMLModel, Hashable {
    public static let rootElement = "PolicyStatus"
    public var isPublic: Bool

    public init(isPublic: Bool) { self.isPublic = isPublic }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        isPublic = try f.bool("IsPublic") ?? false
    }

    public func encode() -> [UInt8] { XMLWriter.document(Self.rootElement) { $0.element("IsPublic", isPublic) } }
}
