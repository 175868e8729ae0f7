/// What a request addresses: the service (no bucket), a bucket, or an object.
public enum MockResourceLevel: String, Sendable, Hashable, CaseIterable {
    case service, bucket, object
}

/// One OSS API operation and how a request selects it, as OSS routes it: the method, the level,
/// the sub-resources in the query (with a value where it matters, `comp=add`) and, for a few, a
/// header (`x-oss-copy-source`).
///
/// ``MockOperation/all`` is the table: every operation of the official SDKs (alibabacloud-oss-v2's
/// `operations/`, alibabacloud-oss-go-sdk-v2's `api_op_*.go`), implemented or not. The mock routes
/// each request to one of them (``MockOperation/route(_:)``) and answers `501 NotImplemented`,
/// changing nothing, for every operation it has no handler for.
public struct MockOperation: Hashable, Sendable, CustomStringConvertible {
    /// The OSS name (`PutBucketCors`): the request log's and the fault rules' operation name.
    public let name: String
    public let method: String
    public let level: MockResourceLevel
    /// Query parameters that must be present, with the value they must have when it is not `nil`.
    public let query: [Parameter]
    /// A request header that must be present.
    public let header: String?

    public struct Parameter: Hashable, Sendable {
        public let name: String
        public let value: String?
    }

    init(_ name: String, _ method: String, _ level: MockResourceLevel, _ query: String..., header: String? = nil) {
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
    }

    public var description: String { name }

    /// The sub-resources of this operation's selection (`cors`, `comp`), in table order.
    public var subresources: [String] { query.map(\.name) }

    /// Whether `request` asks for this operation (method and level checked by the caller).
    func matches(_ request: MockRequest) -> Bool {
        for p in query {
            guard let v = request.queryValue(p.name) else { return false }
            if let want = p.value, v != want { return false }
        }
        if let header, (request.header(header) ?? "").isEmpty { return false }
        return true
    }
}

extension MockOperation {
    /// The level a request addresses.
    static func level(of r: MockRequest) -> MockResourceLevel {
        r.bucket == nil ? .service : (r.key == nil ? .bucket : .object)
    }

    /// What a request asks for.
    enum Route: Equatable {
        /// A known OSS operation.
        case operation(MockOperation)
        /// A sub-resource OSS knows, with a method or level no operation of the table has
        /// (`PUT /bucket/key?cors`): the description names it.
        case unknownSubresource(String)
        /// No OSS operation has this method at this level (`PATCH`, `PUT /`).
        case unknownMethod
    }

    /// Routes a request as OSS does: the first operation of the table (most specific first) whose
    /// method, level, sub-resources and header match; a request with a known sub-resource no
    /// operation takes is never handed to the plain operation of its method.
    static func route(_ r: MockRequest) -> Route {
        let level = level(of: r)
        let candidates = byMethodAndLevel[Key(method: r.method, level: level)] ?? []
        for op in candidates where !op.query.isEmpty && op.matches(r) { return .operation(op) }
        if let sub = r.query.first(where: { selectingSubresources.contains($0.name) }) {
            return .unknownSubresource("\(r.method) \(level.rawValue)?\(sub.name)")
        }
        for op in candidates where op.query.isEmpty && op.matches(r) { return .operation(op) }
        return .unknownMethod
    }

    /// The operation's name for the log and the fault rules (`Unknown` when none).
    static func name(_ r: MockRequest) -> String {
        if case .operation(let op) = route(r) { return op.name }
        return "Unknown"
    }

    private struct Key: Hashable {
        let method: String
        let level: MockResourceLevel
    }

    private static let byMethodAndLevel: [Key: [MockOperation]] = Dictionary(
        grouping: all, by: { Key(method: $0.method, level: $0.level) })

    /// Every query parameter that selects an operation somewhere in OSS: the table's, and the
    /// sub-resources of older or console-only APIs the table does not list. A request carrying one
    /// that no operation of its method and level takes is refused, never served as the plain operation.
    public static let selectingSubresources: Set<String> = Set(all.flatMap(\.subresources)).union([
        "img", "udf", "udfName", "udfImage", "udfImageDesc", "udfApplication", "udfApplicationLog", "udfId",
        "objectInfo", "group", "link", "regionList", "vip", "vpcip", "status", "qos",
    ])

    /// The table, most specific first within each method and level.
    public static let all: [MockOperation] = service + bucket + object

    private static let service: [MockOperation] = [
        .init("ListBuckets", "GET", .service),
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

    private static let bucket: [MockOperation] = [
        // Buckets and listings.
        .init("PutBucketAcl", "PUT", .bucket, "acl"),
        .init("PutBucket", "PUT", .bucket),
        .init("DeleteBucket", "DELETE", .bucket),
        .init("HeadBucket", "HEAD", .bucket),
        .init("GetBucketAcl", "GET", .bucket, "acl"),
        .init("GetBucketInfo", "GET", .bucket, "bucketInfo"),
        .init("GetBucketLocation", "GET", .bucket, "location"),
        .init("GetBucketStat", "GET", .bucket, "stat"),
        .init("ListMultipartUploads", "GET", .bucket, "uploads"),
        .init("ListObjectVersions", "GET", .bucket, "versions"),
        .init("ListObjectsV2", "GET", .bucket, "list-type=2"),
        .init("ListObjects", "GET", .bucket),
        .init("DeleteMultipleObjects", "POST", .bucket, "delete"),
        .init("PostObject", "POST", .bucket),
        .init("OptionObject", "OPTIONS", .bucket),
        .init("PutBucketVersioning", "PUT", .bucket, "versioning"),
        .init("GetBucketVersioning", "GET", .bucket, "versioning"),
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

    private static let object: [MockOperation] = [
        // Objects and multipart uploads.
        .init("UploadPartCopy", "PUT", .object, "uploadId", header: "x-oss-copy-source"),
        .init("UploadPart", "PUT", .object, "uploadId"),
        .init("PutObjectAcl", "PUT", .object, "acl"),
        .init("PutObjectTagging", "PUT", .object, "tagging"),
        .init("PutSymlink", "PUT", .object, "symlink"),
        .init("PutObjectRetention", "PUT", .object, "retention"),
        .init("PutObjectLegalHold", "PUT", .object, "legalHold"),
        .init("PutLiveChannelStatus", "PUT", .object, "live", "status"),
        .init("PutLiveChannel", "PUT", .object, "live"),
        .init("CopyObject", "PUT", .object, header: "x-oss-copy-source"),
        .init("PutObject", "PUT", .object),
        .init("ListParts", "GET", .object, "uploadId"),
        .init("GetObjectMeta", "GET", .object, "objectMeta"),
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
        .init("GetObject", "GET", .object),
        .init("GetObjectMeta", "HEAD", .object, "objectMeta"),
        .init("HeadObjectWithProcess", "HEAD", .object, "x-oss-process"),
        .init("HeadObject", "HEAD", .object),
        .init("AbortMultipartUpload", "DELETE", .object, "uploadId"),
        .init("DeleteObjectTagging", "DELETE", .object, "tagging"),
        .init("DeleteLiveChannel", "DELETE", .object, "live"),
        .init("DeleteObject", "DELETE", .object),
        .init("InitiateMultipartUpload", "POST", .object, "uploads"),
        .init("CompleteMultipartUpload", "POST", .object, "uploadId"),
        .init("AppendObject", "POST", .object, "append"),
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
        .init("OptionObject", "OPTIONS", .object),
    ]
}
