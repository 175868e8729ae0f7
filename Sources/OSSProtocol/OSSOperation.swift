/// What a request addresses: the service (no bucket), a bucket, or an object.
public enum OSSResourceLevel: String, Sendable, Hashable, CaseIterable {
    case service, bucket, object
}

/// One OSS API operation and how a request selects it, as OSS routes it: the method, the level,
/// the sub-resources in the query (with a value where it matters, `comp=add`) and, for a few, a
/// header (`x-oss-copy-source`).
///
/// The client names the operation each request is (`OSSOperationRequest.operation`) and the mock
/// routes each request it receives to one (``OSSOperation/route(method:level:query:header:)``),
/// from the same table: ``OSSOperation/all``, every operation of the official SDKs
/// (alibabacloud-oss-v2's `operations/`, alibabacloud-oss-go-sdk-v2's `api_op_*.go`), implemented
/// or not. Operations are equal when their names are: `GetObjectMeta` is one operation that OSS
/// selects with GET or HEAD.
public struct OSSOperation: Hashable, Sendable, CustomStringConvertible {
    /// The OSS name (`PutBucketCors`): what logs, errors and the mock's fault rules call it.
    public let name: String
    /// The HTTP method (`GET`, `PUT`, ...).
    public let method: String
    public let level: OSSResourceLevel
    /// Query parameters that must be present, with the value they must have when it is not `nil`.
    public let query: [Parameter]
    /// A request header that must be present.
    public let header: String?
    /// Query parameters of this operation that elsewhere name a sub-resource: ListBuckets's
    /// `tagging` filter is not GetBucketTags's sub-resource.
    public let parameters: Set<String>

    /// A query parameter that selects an operation: `uploads`, or `comp=add`.
    public struct Parameter: Hashable, Sendable {
        public let name: String
        public let value: String?
    }

    init(
        _ name: String, _ method: String, _ level: OSSResourceLevel, _ query: String..., header: String? = nil,
        parameters: Set<String> = []
    ) {
        self.name = name
        self.method = method
        self.level = level
        self.query = query.map { item in
            if let eq = item.firstIndex(of: "=") {
                return Parameter(name: String(item[..<eq]), value: String(item[item.index(after: eq)...]))
            }
            return Parameter(name: item, value: nil)
        }
        self.header = header
        self.parameters = parameters
    }

    public static func == (a: OSSOperation, b: OSSOperation) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public var description: String { name }

    /// The sub-resources of this operation's selection (`cors`, `comp`), in table order.
    public var subresources: [String] { query.map(\.name) }

    /// The operation of the table with this name (the first route of it, for one OSS selects in
    /// two ways), or `nil`.
    public static func named(_ name: String) -> OSSOperation? { byName[name] }

    private static let byName: [String: OSSOperation] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
}

// MARK: - Routing

extension OSSOperation {
    /// What a request asks for.
    public enum Route: Equatable, Sendable {
        /// A known OSS operation.
        case operation(OSSOperation)
        /// A sub-resource OSS knows, with a method or level no operation of the table has
        /// (`PUT /bucket/key?cors`): the description names it.
        case unknownSubresource(String)
        /// No OSS operation has this method at this level (`PATCH`, `PUT /`).
        case unknownMethod
    }

    /// Routes a request as OSS does: the first operation of the table (most specific first) whose
    /// method, level, sub-resources and header match; a request with a known sub-resource no
    /// operation takes is never handed to the plain operation of its method.
    /// - Parameters:
    ///   - method: the request method, upper-case.
    ///   - level: what the request addresses.
    ///   - query: the decoded query parameters in order (`nil`: a bare name).
    ///   - header: looks a request header up (case-insensitive); a header that is absent or empty
    ///     does not select.
    public static func route(
        method: String, level: OSSResourceLevel, query: [(name: String, value: String?)], header: (String) -> String?
    ) -> Route {
        func matches(_ op: OSSOperation) -> Bool {
            for p in op.query {
                guard let item = query.first(where: { $0.name == p.name }) else { return false }
                if let want = p.value, (item.value ?? "") != want { return false }
            }
            if let h = op.header, (header(h) ?? "").isEmpty { return false }
            return true
        }
        let candidates = byMethodAndLevel[Key(method: method, level: level)] ?? []
        for op in candidates where !op.query.isEmpty && matches(op) { return .operation(op) }
        // A known sub-resource no operation takes, unless the plain operation has it as a parameter.
        let plain = plainParameters[Key(method: method, level: level)] ?? []
        if let sub = query.first(where: { OSSSubresources.selecting.contains($0.name) && !plain.contains($0.name) }) {
            return .unknownSubresource("\(method) \(level.rawValue)?\(sub.name)")
        }
        for op in candidates where op.query.isEmpty && matches(op) { return .operation(op) }
        return .unknownMethod
    }

    private struct Key: Hashable {
        let method: String
        let level: OSSResourceLevel
    }

    private static let byMethodAndLevel: [Key: [OSSOperation]] = Dictionary(
        grouping: all, by: { Key(method: $0.method, level: $0.level) })

    /// The parameters of the plain operations (no sub-resource) of each method and level.
    private static let plainParameters: [Key: Set<String>] = byMethodAndLevel.mapValues { ops in
        ops.filter { $0.query.isEmpty }.reduce(into: []) { $0.formUnion($1.parameters) }
    }
}

// MARK: - The operations client and mock both use

extension OSSOperation {
    public static let listBuckets = OSSOperation("ListBuckets", "GET", .service, parameters: ["tagging"])
    public static let putBucketAcl = OSSOperation("PutBucketAcl", "PUT", .bucket, "acl")
    public static let putBucket = OSSOperation("PutBucket", "PUT", .bucket)
    public static let deleteBucket = OSSOperation("DeleteBucket", "DELETE", .bucket)
    public static let headBucket = OSSOperation("HeadBucket", "HEAD", .bucket)
    public static let getBucketAcl = OSSOperation("GetBucketAcl", "GET", .bucket, "acl")
    public static let getBucketInfo = OSSOperation("GetBucketInfo", "GET", .bucket, "bucketInfo")
    public static let getBucketLocation = OSSOperation("GetBucketLocation", "GET", .bucket, "location")
    public static let getBucketStat = OSSOperation("GetBucketStat", "GET", .bucket, "stat")
    public static let listMultipartUploads = OSSOperation("ListMultipartUploads", "GET", .bucket, "uploads")
    public static let listObjectVersions = OSSOperation("ListObjectVersions", "GET", .bucket, "versions")
    public static let listObjectsV2 = OSSOperation("ListObjectsV2", "GET", .bucket, "list-type=2")
    public static let listObjects = OSSOperation("ListObjects", "GET", .bucket)
    public static let deleteMultipleObjects = OSSOperation("DeleteMultipleObjects", "POST", .bucket, "delete")
    public static let getBucketVersioning = OSSOperation("GetBucketVersioning", "GET", .bucket, "versioning")
    public static let uploadPartCopy = OSSOperation("UploadPartCopy", "PUT", .object, "uploadId", header: "x-oss-copy-source")
    public static let uploadPart = OSSOperation("UploadPart", "PUT", .object, "uploadId")
    public static let copyObject = OSSOperation("CopyObject", "PUT", .object, header: "x-oss-copy-source")
    public static let putObject = OSSOperation("PutObject", "PUT", .object)
    public static let listParts = OSSOperation("ListParts", "GET", .object, "uploadId")
    public static let getObjectMeta = OSSOperation("GetObjectMeta", "GET", .object, "objectMeta")
    public static let getObject = OSSOperation("GetObject", "GET", .object)
    public static let headObject = OSSOperation("HeadObject", "HEAD", .object)
    public static let abortMultipartUpload = OSSOperation("AbortMultipartUpload", "DELETE", .object, "uploadId")
    public static let deleteObject = OSSOperation("DeleteObject", "DELETE", .object)
    public static let initiateMultipartUpload = OSSOperation("InitiateMultipartUpload", "POST", .object, "uploads")
    public static let completeMultipartUpload = OSSOperation("CompleteMultipartUpload", "POST", .object, "uploadId")
    public static let appendObject = OSSOperation("AppendObject", "POST", .object, "append")
    public static let optionObject = OSSOperation("OptionObject", "OPTIONS", .object)
}

// MARK: - The table

extension OSSOperation {
    /// The table, most specific first within each method and level.
    public static let all: [OSSOperation] = service + bucket + object

    private static let service: [OSSOperation] = [
        .listBuckets,
        .init("DescribeRegions", "GET", .service, "regions"),
        .init("GetUserQoSInfo", "GET", .service, "qosInfo"),
        .init("ListCloudBoxes", "GET", .service, "cloudboxes"),
        .init("ListAccessPoints", "GET", .service, "accessPoint"),
        .init("ListUserDataRedundancyTransition", "GET", .service, "redundancyTransition"),
        .init("GetPublicAccessBlock", "GET", .service, "publicAccessBlock"),
        .init("PutPublicAccessBlock", "PUT", .service, "publicAccessBlock"),
        .init("DeletePublicAccessBlock", "DELETE", .service, "publicAccessBlock"),
        .init("GetResourcePoolInfo", "GET", .service, "resourcePoolInfo", "resourcePool"),
        .init("ListResourcePoolBuckets", "GET", .service, "resourcePoolBuckets", "resourcePool"),
        .init("GetResourcePoolRequesterQoSInfo", "GET", .service, "requesterQosInfo", "resourcePool", "qosRequester"),
        .init("ListResourcePoolRequesterQoSInfos", "GET", .service, "requesterQosInfo", "resourcePool"),
        .init("ListResourcePools", "GET", .service, "resourcePool"),
        .init("PutResourcePoolRequesterQoSInfo", "PUT", .service, "requesterQosInfo", "resourcePool", "qosRequester"),
        .init("DeleteResourcePoolRequesterQoSInfo", "DELETE", .service, "requesterQosInfo", "resourcePool", "qosRequester"),
        .init("InitUserAntiDDosInfo", "PUT", .service, "antiDDos"),
        .init("UpdateUserAntiDDosInfo", "POST", .service, "antiDDos"),
        .init("GetUserAntiDDosInfo", "GET", .service, "antiDDos"),
        .init("ListBucketAntiDDosInfo", "GET", .service, "bucketAntiDDos"),
        .init("DoDataPipelineAction", "POST", .service, "dataPipeline"),
    ]

    private static let bucket: [OSSOperation] = [
        // Buckets and listings.
        .putBucketAcl,
        .putBucket,
        .deleteBucket,
        .headBucket,
        .getBucketAcl,
        .getBucketInfo,
        .getBucketLocation,
        .getBucketStat,
        .listMultipartUploads,
        .listObjectVersions,
        .listObjectsV2,
        .listObjects,
        .deleteMultipleObjects,
        .init("PostObject", "POST", .bucket),
        .init("OptionObject", "OPTIONS", .bucket),
        .init("PutBucketVersioning", "PUT", .bucket, "versioning"),
        .getBucketVersioning,
        // Configuration.
        .init("PutBucketCors", "PUT", .bucket, "cors"),
        .init("GetBucketCors", "GET", .bucket, "cors"),
        .init("DeleteBucketCors", "DELETE", .bucket, "cors"),
        .init("PutBucketLifecycle", "PUT", .bucket, "lifecycle"),
        .init("GetBucketLifecycle", "GET", .bucket, "lifecycle"),
        .init("DeleteBucketLifecycle", "DELETE", .bucket, "lifecycle"),
        .init("PutBucketLogging", "PUT", .bucket, "logging"),
        .init("GetBucketLogging", "GET", .bucket, "logging"),
        .init("DeleteBucketLogging", "DELETE", .bucket, "logging"),
        .init("PutUserDefinedLogFieldsConfig", "PUT", .bucket, "userDefinedLogFieldsConfig"),
        .init("GetUserDefinedLogFieldsConfig", "GET", .bucket, "userDefinedLogFieldsConfig"),
        .init("DeleteUserDefinedLogFieldsConfig", "DELETE", .bucket, "userDefinedLogFieldsConfig"),
        .init("PutBucketWebsite", "PUT", .bucket, "website"),
        .init("GetBucketWebsite", "GET", .bucket, "website"),
        .init("DeleteBucketWebsite", "DELETE", .bucket, "website"),
        .init("PutBucketReferer", "PUT", .bucket, "referer"),
        .init("GetBucketReferer", "GET", .bucket, "referer"),
        .init("PutBucketPolicy", "PUT", .bucket, "policy"),
        .init("GetBucketPolicy", "GET", .bucket, "policy"),
        .init("DeleteBucketPolicy", "DELETE", .bucket, "policy"),
        .init("GetBucketPolicyStatus", "GET", .bucket, "policyStatus"),
        .init("PutBucketEncryption", "PUT", .bucket, "encryption"),
        .init("GetBucketEncryption", "GET", .bucket, "encryption"),
        .init("DeleteBucketEncryption", "DELETE", .bucket, "encryption"),
        .init("PutBucketTags", "PUT", .bucket, "tagging"),
        .init("GetBucketTags", "GET", .bucket, "tagging"),
        .init("DeleteBucketTags", "DELETE", .bucket, "tagging"),
        .init("PutBucketRequestPayment", "PUT", .bucket, "requestPayment"),
        .init("GetBucketRequestPayment", "GET", .bucket, "requestPayment"),
        .init("PutBucketTransferAcceleration", "PUT", .bucket, "transferAcceleration"),
        .init("GetBucketTransferAcceleration", "GET", .bucket, "transferAcceleration"),
        .init("PutBucketResourceGroup", "PUT", .bucket, "resourceGroup"),
        .init("GetBucketResourceGroup", "GET", .bucket, "resourceGroup"),
        .init("PutBucketAccessMonitor", "PUT", .bucket, "accessmonitor"),
        .init("GetBucketAccessMonitor", "GET", .bucket, "accessmonitor"),
        .init("PutBucketArchiveDirectRead", "PUT", .bucket, "bucketArchiveDirectRead"),
        .init("GetBucketArchiveDirectRead", "GET", .bucket, "bucketArchiveDirectRead"),
        .init("PutBucketHttpsConfig", "PUT", .bucket, "httpsConfig"),
        .init("GetBucketHttpsConfig", "GET", .bucket, "httpsConfig"),
        .init("PutBucketOverwriteConfig", "PUT", .bucket, "overwriteConfig"),
        .init("GetBucketOverwriteConfig", "GET", .bucket, "overwriteConfig"),
        .init("DeleteBucketOverwriteConfig", "DELETE", .bucket, "overwriteConfig"),
        .init("PutBucketObjectWormConfiguration", "PUT", .bucket, "objectWorm"),
        .init("GetBucketObjectWormConfiguration", "GET", .bucket, "objectWorm"),
        .init("PutBucketProcess", "PUT", .bucket, "processConfiguration"),
        .init("GetBucketProcess", "GET", .bucket, "processConfiguration"),
        .init("PutBucketResponseHeader", "PUT", .bucket, "responseHeader"),
        .init("GetBucketResponseHeader", "GET", .bucket, "responseHeader"),
        .init("DeleteBucketResponseHeader", "DELETE", .bucket, "responseHeader"),
        .init("PutBucketRtc", "PUT", .bucket, "rtc"),
        .init("PutBucketQoSInfo", "PUT", .bucket, "qosInfo"),
        .init("GetBucketQoSInfo", "GET", .bucket, "qosInfo"),
        .init("DeleteBucketQoSInfo", "DELETE", .bucket, "qosInfo"),
        .init("PutBucketRequesterQoSInfo", "PUT", .bucket, "requesterQosInfo", "qosRequester"),
        .init("GetBucketRequesterQoSInfo", "GET", .bucket, "requesterQosInfo", "qosRequester"),
        .init("ListBucketRequesterQoSInfos", "GET", .bucket, "requesterQosInfo"),
        .init("DeleteBucketRequesterQoSInfo", "DELETE", .bucket, "requesterQosInfo", "qosRequester"),
        .init("InitBucketAntiDDosInfo", "PUT", .bucket, "antiDDos"),
        .init("UpdateBucketAntiDDosInfo", "POST", .bucket, "antiDDos"),
        .init("PutAsyncFetchTask", "POST", .bucket, "asyncFetch"),
        .init("GetAsyncFetchTask", "GET", .bucket, "asyncFetch"),
        // Inventory, styles, WORM, replication, CNAME, metadata query.
        .init("PutBucketInventory", "PUT", .bucket, "inventory"),
        .init("GetBucketInventory", "GET", .bucket, "inventory", "inventoryId"),
        .init("ListBucketInventory", "GET", .bucket, "inventory"),
        .init("DeleteBucketInventory", "DELETE", .bucket, "inventory"),
        .init("PutStyle", "PUT", .bucket, "style"),
        .init("GetStyle", "GET", .bucket, "style", "styleName"),
        .init("ListStyle", "GET", .bucket, "style"),
        .init("DeleteStyle", "DELETE", .bucket, "style"),
        .init("InitiateBucketWorm", "POST", .bucket, "worm"),
        .init("ExtendBucketWorm", "POST", .bucket, "wormExtend"),
        .init("CompleteBucketWorm", "POST", .bucket, "wormId"),
        .init("GetBucketWorm", "GET", .bucket, "worm"),
        .init("AbortBucketWorm", "DELETE", .bucket, "worm"),
        .init("PutBucketReplication", "POST", .bucket, "replication", "comp=add"),
        .init("DeleteBucketReplication", "POST", .bucket, "replication", "comp=delete"),
        .init("GetBucketReplication", "GET", .bucket, "replication"),
        .init("GetBucketReplicationLocation", "GET", .bucket, "replicationLocation"),
        .init("GetBucketReplicationProgress", "GET", .bucket, "replicationProgress"),
        .init("PutCname", "POST", .bucket, "cname", "comp=add"),
        .init("DeleteCname", "POST", .bucket, "cname", "comp=delete"),
        .init("CreateCnameToken", "POST", .bucket, "cname", "comp=token"),
        .init("GetCnameToken", "GET", .bucket, "comp=token"),
        .init("ListCname", "GET", .bucket, "cname"),
        .init("OpenMetaQuery", "POST", .bucket, "metaQuery", "comp=add"),
        .init("DoMetaQuery", "POST", .bucket, "metaQuery", "comp=query"),
        .init("CloseMetaQuery", "POST", .bucket, "metaQuery", "comp=delete"),
        .init("GetMetaQueryStatus", "GET", .bucket, "metaQuery"),
        .init("DoMetaQueryAction", "POST", .bucket, "MetaQuery"),
        // Access points, public access block, redundancy transition, live channels.
        .init("CreateAccessPoint", "PUT", .bucket, "accessPoint"),
        .init("GetAccessPoint", "GET", .bucket, "accessPoint", header: "x-oss-access-point-name"),
        .init("ListAccessPoints", "GET", .bucket, "accessPoint"),
        .init("DeleteAccessPoint", "DELETE", .bucket, "accessPoint"),
        .init("PutAccessPointPolicy", "PUT", .bucket, "accessPointPolicy"),
        .init("GetAccessPointPolicy", "GET", .bucket, "accessPointPolicy"),
        .init("DeleteAccessPointPolicy", "DELETE", .bucket, "accessPointPolicy"),
        .init("PutAccessPointPublicAccessBlock", "PUT", .bucket, "publicAccessBlock", "x-oss-access-point-name"),
        .init("GetAccessPointPublicAccessBlock", "GET", .bucket, "publicAccessBlock", "x-oss-access-point-name"),
        .init("DeleteAccessPointPublicAccessBlock", "DELETE", .bucket, "publicAccessBlock", "x-oss-access-point-name"),
        .init("PutBucketPublicAccessBlock", "PUT", .bucket, "publicAccessBlock"),
        .init("GetBucketPublicAccessBlock", "GET", .bucket, "publicAccessBlock"),
        .init("DeleteBucketPublicAccessBlock", "DELETE", .bucket, "publicAccessBlock"),
        .init("CreateAccessPointForObjectProcess", "PUT", .bucket, "accessPointForObjectProcess"),
        .init("GetAccessPointForObjectProcess", "GET", .bucket, "accessPointForObjectProcess"),
        .init("DeleteAccessPointForObjectProcess", "DELETE", .bucket, "accessPointForObjectProcess"),
        .init("CreateBucketDataRedundancyTransition", "POST", .bucket, "redundancyTransition"),
        .init(
            "GetBucketDataRedundancyTransition", "GET", .bucket, "redundancyTransition",
            "x-oss-redundancy-transition-taskid"),
        .init("ListBucketDataRedundancyTransition", "GET", .bucket, "redundancyTransition"),
        .init("DeleteBucketDataRedundancyTransition", "DELETE", .bucket, "redundancyTransition"),
        .init("ListLiveChannel", "GET", .bucket, "live"),
    ]

    private static let object: [OSSOperation] = [
        // Objects and multipart uploads.
        .uploadPartCopy,
        .uploadPart,
        .init("PutObjectAcl", "PUT", .object, "acl"),
        .init("PutObjectTagging", "PUT", .object, "tagging"),
        .init("PutSymlink", "PUT", .object, "symlink"),
        .init("PutObjectRetention", "PUT", .object, "retention"),
        .init("PutObjectLegalHold", "PUT", .object, "legalHold"),
        .init("PutLiveChannelStatus", "PUT", .object, "live", "status"),
        .init("PutLiveChannel", "PUT", .object, "live"),
        .copyObject,
        .putObject,
        .listParts,
        .getObjectMeta,
        .init("GetObjectAcl", "GET", .object, "acl"),
        .init("GetObjectTagging", "GET", .object, "tagging"),
        .init("GetSymlink", "GET", .object, "symlink"),
        .init("GetObjectRetention", "GET", .object, "retention"),
        .init("GetObjectLegalHold", "GET", .object, "legalHold"),
        .init("GetLiveChannelStat", "GET", .object, "live", "comp=stat"),
        .init("GetLiveChannelHistory", "GET", .object, "live", "comp=history"),
        .init("GetLiveChannelInfo", "GET", .object, "live"),
        .init("GetVodPlaylist", "GET", .object, "vod"),
        .init("GetObjectWithProcess", "GET", .object, "x-oss-process"),
        .getObject,
        .init("GetObjectMeta", "HEAD", .object, "objectMeta"),
        .init("HeadObjectWithProcess", "HEAD", .object, "x-oss-process"),
        .headObject,
        .abortMultipartUpload,
        .init("DeleteObjectTagging", "DELETE", .object, "tagging"),
        .init("DeleteLiveChannel", "DELETE", .object, "live"),
        .deleteObject,
        .initiateMultipartUpload,
        .completeMultipartUpload,
        .appendObject,
        .init("SealAppendObject", "POST", .object, "seal"),
        .init("RestoreObject", "POST", .object, "restore"),
        .init("CleanRestoredObject", "POST", .object, "cleanRestoredObject"),
        .init("SelectObject", "POST", .object, "x-oss-process=csv/select"),
        .init("SelectObject", "POST", .object, "x-oss-process=json/select"),
        .init("CreateSelectObjectMeta", "POST", .object, "x-oss-process=csv/meta"),
        .init("CreateSelectObjectMeta", "POST", .object, "x-oss-process=json/meta"),
        .init("ProcessObject", "POST", .object, "x-oss-process"),
        .init("AsyncProcessObject", "POST", .object, "x-oss-async-process"),
        .init("PostVodPlaylist", "POST", .object, "vod"),
        .optionObject,
    ]
}
