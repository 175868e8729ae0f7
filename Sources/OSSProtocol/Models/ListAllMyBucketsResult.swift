import OSSCore
import OSSXML

/// The body of a ListBuckets (GetService) response.
public struct ListAllMyBucketsResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "ListAllMyBucketsResult"

    /// One bucket.
    public struct Bucket: Sendable, Hashable {
        public var name: String
        public var creationDate: UTCTime?
        /// The region id as OSS writes it (`oss-cn-hangzhou`).
        public var location: String?
        public var extranetEndpoint: String?
        public var intranetEndpoint: String?
        public var region: String?
        public var storageClass: String?
        public var resourceGroupId: String?

        public init(
            name: String, creationDate: UTCTime? = nil, location: String? = nil, extranetEndpoint: String? = nil,
            intranetEndpoint: String? = nil, region: String? = nil, storageClass: String? = nil,
            resourceGroupId: String? = nil
        ) {
            self.name = name
            self.creationDate = creationDate
            self.location = location
            self.extranetEndpoint = extranetEndpoint
            self.intranetEndpoint = intranetEndpoint
            self.region = region
            self.storageClass = storageClass
            self.resourceGroupId = resourceGroupId
        }
    }

    public var prefix: String?
    public var marker: String?
    public var maxKeys: Int?
    public var isTruncated: Bool?
    public var nextMarker: String?
    public var owner: Owner?
    public var buckets: [Bucket]

    public init(
        buckets: [Bucket], owner: Owner? = nil, prefix: String? = nil, marker: String? = nil, maxKeys: Int? = nil,
        isTruncated: Bool? = nil, nextMarker: String? = nil
    ) {
        self.buckets = buckets
        self.owner = owner
        self.prefix = prefix
        self.marker = marker
        self.maxKeys = maxKeys
        self.isTruncated = isTruncated
        self.nextMarker = nextMarker
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        prefix = f.string("Prefix")
        marker = f.string("Marker")
        maxKeys = try f.integer("MaxKeys")
        isTruncated = try f.bool("IsTruncated")
        nextMarker = f.string("NextMarker")
        owner = f.nested("Owner").map(Owner.init)
        var buckets: [Bucket] = []
        for b in f.nested("Buckets")?.all("Bucket") ?? [] {
            buckets.append(
                Bucket(
                    name: try b.required("Name"), creationDate: try b.time("CreationDate"), location: b.string("Location"),
                    extranetEndpoint: b.string("ExtranetEndpoint"), intranetEndpoint: b.string("IntranetEndpoint"),
                    region: b.string("Region"), storageClass: b.string("StorageClass"),
                    resourceGroupId: b.string("ResourceGroupId")))
        }
        self.buckets = buckets
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("Prefix", prefix)
            w.element("Marker", marker)
            w.element("MaxKeys", maxKeys)
            w.element("IsTruncated", isTruncated)
            w.element("NextMarker", nextMarker)
            owner?.write(to: &w)
            w.element("Buckets") { w in
                for b in buckets {
                    w.element("Bucket") { w in
                        w.element("CreationDate", b.creationDate)
                        w.element("ExtranetEndpoint", b.extranetEndpoint)
                        w.element("IntranetEndpoint", b.intranetEndpoint)
                        w.element("Location", b.location)
                        w.element("Name", b.name)
                        w.element("Region", b.region)
                        w.element("ResourceGroupId", b.resourceGroupId)
                        w.element("StorageClass", b.storageClass)
                    }
                }
            }
        }
    }
}
