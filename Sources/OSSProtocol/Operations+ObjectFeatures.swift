/// The operations of issue 16's objects area (tagging, ACLs, Block Public Access, symlinks,
/// restore), named for client and mock.
extension OSSOperation {
    public static let putObjectTagging = OSSOperation.named("PutObjectTagging")!
    public static let getObjectTagging = OSSOperation.named("GetObjectTagging")!
    public static let deleteObjectTagging = OSSOperation.named("DeleteObjectTagging")!
    public static let putObjectAcl = OSSOperation.named("PutObjectAcl")!
    public static let getObjectAcl = OSSOperation.named("GetObjectAcl")!
    public static let putPublicAccessBlock = OSSOperation.named("PutPublicAccessBlock")!
    public static let getPublicAccessBlock = OSSOperation.named("GetPublicAccessBlock")!
    public static let deletePublicAccessBlock = OSSOperation.named("DeletePublicAccessBlock")!
    public static let putBucketPublicAccessBlock = OSSOperation.named("PutBucketPublicAccessBlock")!
    public static let getBucketPublicAccessBlock = OSSOperation.named("GetBucketPublicAccessBlock")!
    public static let deleteBucketPublicAccessBlock = OSSOperation.named("DeleteBucketPublicAccessBlock")!
    public static let putSymlink = OSSOperation.named("PutSymlink")!
    public static let getSymlink = OSSOperation.named("GetSymlink")!
    public static let restoreObject = OSSOperation.named("RestoreObject")!
    public static let cleanRestoredObject = OSSOperation.named("CleanRestoredObject")!
    /// GetObjectMeta's HEAD route (`named` gives the GET one): what the official SDKs send.
    public static let getObjectMetaByHead = OSSOperation.all.first { $0.name == "GetObjectMeta" && $0.method == "HEAD" }!
}

extension OSSHeader {
    /// Tags of an upload or copy, `k1=v1&k2=v2` URL-encoded.
    public static let tagging = "x-oss-tagging"
    /// `Copy` or `Replace`: CopyObject's tags.
    public static let taggingDirective = "x-oss-tagging-directive"
    /// How many tags an object has (HEAD and GET answers, when it has any).
    public static let taggingCount = "x-oss-tagging-count"
    /// A symlink's target object (URL-encoded).
    public static let symlinkTarget = "x-oss-symlink-target"
    /// The restore state of an archived object: `ongoing-request="true"`, or
    /// `ongoing-request="false", expiry-date="..."`.
    public static let restore = "x-oss-restore"
    /// The tier of a Cold Archive or Deep Cold Archive restore.
    public static let restorePriority = "x-oss-object-restore-priority"
    /// When an object was last read (with access tracking on).
    public static let lastAccessTime = "x-oss-last-access-time"
    /// A download's bandwidth cap, in bit/s.
    public static let trafficLimit = "x-oss-traffic-limit"
}
