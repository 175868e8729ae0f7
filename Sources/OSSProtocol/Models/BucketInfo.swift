import OSSCore
import OSSXML

/// The body of a GetBucketInfo response (`<BucketInfo><Bucket>...`).
public struct BucketInfo: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "BucketInfo"

    public var name: String
    public var creationDate: UTCTime?
    /// The region id as OSS writes it (`oss-cn-hangzhou`).
    public var location: String?
    /// The region (`cn-hangzhou`).
    public var region: String?
    public var extranetEndpoint: String?
    public var intranetEndpoint: String?
    public var storageClass: String?
    /// `LRS` or `ZRS`.
    public var dataRedundancyType: String?
    /// The canned ACL (`AccessControlList/Grant`): `private`, `public-read`, `public-read-write`.
    public var acl: String?
    public var owner: Owner?
    public var comment: String?
    public var resourceGroupId: String?
    /// `Enabled` or `Suspended`; absent for a bucket that never had versioning.
    public var versioning: String?
    public var accessMonitor: String?
    public var transferAcceleration: String?
    public var crossRegionReplication: String?
    public var blockPublicAccess: Bool?
    /// The default server-side encryption; its algorithm is `None` when there is none.
    public var encryption: ServerSideEncryptionRule?
    /// Where the access log goes (`BucketPolicy/LogBucket`, `LogPrefix`).
    public var logBucket: String?
    public var logPrefix: String?

    public init(name: String) { self.name = name }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let top = try XMLFields(root: root, expecting: Self.rootElement)
        let f = try top.requiredNested("Bucket")
        name = try f.required("Name")
        creationDate = try f.time("CreationDate")
        location = f.string("Location")
        region = f.string("Region")
        extranetEndpoint = f.string("ExtranetEndpoint")
        intranetEndpoint = f.string("IntranetEndpoint")
        storageClass = f.string("StorageClass")
        dataRedundancyType = f.string("DataRedundancyType")
        acl = f.nested("AccessControlList")?.string("Grant")
        owner = f.nested("Owner").map(Owner.init)
        comment = f.string("Comment")
        resourceGroupId = f.string("ResourceGroupId")
        versioning = f.string("Versioning")
        accessMonitor = f.string("AccessMonitor")
        transferAcceleration = f.string("TransferAcceleration")
        crossRegionReplication = f.string("CrossRegionReplication")
        blockPublicAccess = try f.bool("BlockPublicAccess")
        encryption = try f.nested("ServerSideEncryptionRule").map { (e: XMLFields) throws(XMLModelError) in try ServerSideEncryptionRule(fields: e) }
        logBucket = f.nested("BucketPolicy")?.string("LogBucket")
        logPrefix = f.nested("BucketPolicy")?.string("LogPrefix")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("Bucket") { w in
                w.element("AccessMonitor", accessMonitor)
                w.element("CreationDate", creationDate)
                w.element("ExtranetEndpoint", extranetEndpoint)
                w.element("IntranetEndpoint", intranetEndpoint)
                w.element("Location", location)
                w.element("StorageClass", storageClass)
                w.element("TransferAcceleration", transferAcceleration)
                w.element("CrossRegionReplication", crossRegionReplication)
                w.element("Name", name)
                w.element("ResourceGroupId", resourceGroupId)
                w.element("Region", region)
                w.element("DataRedundancyType", dataRedundancyType)
                w.element("Versioning", versioning)
                w.element("BlockPublicAccess", blockPublicAccess)
                w.element("Comment", comment)
                owner?.write(to: &w)
                if let acl { w.element("AccessControlList") { $0.element("Grant", acl) } }
                if let encryption { w.element("ServerSideEncryptionRule") { encryption.writeFields(to: &$0) } }
                w.element("BucketPolicy") { w in
                    w.element("LogBucket", logBucket ?? "")
                    w.element("LogPrefix", logPrefix ?? "")
                }
            }
        }
    }
}

/// The body of a GetBucketLocation response: `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`.
public struct BucketLocation: XMLModel, Hashable {
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "LocationConstraint"
    /// The region id as OSS writes it (`oss-cn-hangzhou`).
    public var location: String

    public init(location: String) { self.location = location }

    public init(xml root: XMLElement) throws(XMLModelError) {
        _ = try XMLFields(root: root, expecting: Self.rootElement)
        location = root.text
    }

    public func encode() -> [UInt8] {
        var w = XMLWriter(declaration: true)
        w.element(Self.rootElement, location)
        return w.bytes
    }
}

/// The body of a GetBucketStat response: sizes in bytes and counts, overall and per storage class.
public struct BucketStat: XMLModel, Hashable {
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "BucketStat"

    /// The figures of one storage class.
    public struct ClassFigures: Sendable, Hashable {
        public var storage: Int64 = 0
        /// The billed size (minimum billable sizes applied); `nil` for Standard, which has none.
        public var realStorage: Int64?
        public var objectCount: Int64 = 0
        public init(storage: Int64 = 0, realStorage: Int64? = nil, objectCount: Int64 = 0) {
            self.storage = storage
            self.realStorage = realStorage
            self.objectCount = objectCount
        }
    }

    public var storage: Int64 = 0
    public var objectCount: Int64 = 0
    public var multipartUploadCount: Int64 = 0
    public var liveChannelCount: Int64 = 0
    /// Seconds since 1970 of the last change (0 for an empty bucket).
    public var lastModifiedTime: Int64 = 0
    public var multipartPartCount: Int64 = 0
    public var multipartPartStorage: Int64 = 0
    public var deleteMarkerCount: Int64 = 0
    /// By storage class name (`Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`).
    public var byStorageClass: [String: ClassFigures] = [:]

    /// The storage classes and the prefix of their elements (`InfrequentAccessStorage`).
    public static let classElements: [(storageClass: String, prefix: String)] = [
        ("Standard", "Standard"), ("IA", "InfrequentAccess"), ("Archive", "Archive"),
        ("ColdArchive", "ColdArchive"), ("DeepColdArchive", "DeepColdArchive"),
    ]

    public init() {}

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        storage = try f.integer("Storage") ?? 0
        objectCount = try f.integer("ObjectCount") ?? 0
        multipartUploadCount = try f.integer("MultipartUploadCount") ?? 0
        liveChannelCount = try f.integer("LiveChannelCount") ?? 0
        lastModifiedTime = try f.integer("LastModifiedTime") ?? 0
        multipartPartCount = try f.integer("MultipartPartCount") ?? 0
        multipartPartStorage = try f.integer("MultipartPartStorage") ?? 0
        deleteMarkerCount = try f.integer("DeleteMarkerCount") ?? 0
        for (c, p) in Self.classElements {
            byStorageClass[c] = ClassFigures(
                storage: try f.integer(p + "Storage") ?? 0, realStorage: try f.integer(p + "RealStorage"),
                objectCount: try f.integer(p + "ObjectCount") ?? 0)
        }
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("Storage", storage)
            w.element("ObjectCount", objectCount)
            w.element("MultipartUploadCount", multipartUploadCount)
            w.element("LiveChannelCount", liveChannelCount)
            w.element("LastModifiedTime", lastModifiedTime)
            for (c, p) in Self.classElements {
                let figures = byStorageClass[c] ?? ClassFigures(realStorage: c == "Standard" ? nil : 0)
                w.element(p + "Storage", figures.storage)
                w.element(p + "RealStorage", figures.realStorage)
                w.element(p + "ObjectCount", figures.objectCount)
            }
            w.element("MultipartPartCount", multipartPartCount)
            w.element("MultipartPartStorage", multipartPartStorage)
            w.element("DeleteMarkerCount", deleteMarkerCount)
        }
    }
}
