import OSSCore
import OSSXML

/// The body of a ListObjectVersions (GetBucketVersions) response: every version and delete marker
/// of the keys listed. An unversioned bucket lists each object once, with `VersionId` `null`.
public struct ListVersionsResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "ListVersionsResult"

    /// One version of an object.
    public struct Version: Sendable, Hashable {
        public var key: String
        public var versionId: String
        public var isLatest: Bool
        public var lastModified: UTCTime?
        /// The ETag, quotes included.
        public var eTag: String?
        /// `Normal`, `Multipart`, `Appendable`, `Symlink`.
        public var type: String?
        public var size: Int64?
        public var storageClass: String?
        public var owner: Owner?

        public init(
            key: String, versionId: String, isLatest: Bool, lastModified: UTCTime? = nil, eTag: String? = nil,
            type: String? = nil, size: Int64? = nil, storageClass: String? = nil, owner: Owner? = nil
        ) {
            self.key = key
            self.versionId = versionId
            self.isLatest = isLatest
            self.lastModified = lastModified
            self.eTag = eTag
            self.type = type
            self.size = size
            self.storageClass = storageClass
            self.owner = owner
        }
    }

    /// A delete marker.
    public struct DeleteMarker: Sendable, Hashable {
        public var key: String
        public var versionId: String
        public var isLatest: Bool
        public var lastModified: UTCTime?
        public var owner: Owner?

        public init(key: String, versionId: String, isLatest: Bool, lastModified: UTCTime? = nil, owner: Owner? = nil) {
            self.key = key
            self.versionId = versionId
            self.isLatest = isLatest
            self.lastModified = lastModified
            self.owner = owner
        }
    }

    public var name: String
    /// Key-like values (`prefix`, `keyMarker`, `nextKeyMarker`, `delimiter`, keys, common
    /// prefixes) are percent-decoded when `encodingType` is `url`.
    public var prefix: String?
    public var keyMarker: String?
    public var versionIdMarker: String?
    public var maxKeys: Int?
    public var delimiter: String?
    public var encodingType: String?
    public var isTruncated: Bool
    public var nextKeyMarker: String?
    public var nextVersionIdMarker: String?
    public var versions: [Version]
    public var deleteMarkers: [DeleteMarker]
    public var commonPrefixes: [String]

    public init(
        name: String, versions: [Version] = [], deleteMarkers: [DeleteMarker] = [], commonPrefixes: [String] = [],
        isTruncated: Bool = false, prefix: String? = nil, keyMarker: String? = nil, versionIdMarker: String? = nil,
        maxKeys: Int? = nil, delimiter: String? = nil, encodingType: String? = nil, nextKeyMarker: String? = nil,
        nextVersionIdMarker: String? = nil
    ) {
        self.name = name
        self.versions = versions
        self.deleteMarkers = deleteMarkers
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.prefix = prefix
        self.keyMarker = keyMarker
        self.versionIdMarker = versionIdMarker
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.encodingType = encodingType
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionIdMarker = nextVersionIdMarker
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        name = try f.required("Name")
        prefix = try f.key("Prefix")
        keyMarker = try f.key("KeyMarker")
        versionIdMarker = f.string("VersionIdMarker")
        maxKeys = try f.integer("MaxKeys")
        delimiter = try f.key("Delimiter")
        encodingType = f.string("EncodingType")
        isTruncated = try f.bool("IsTruncated") ?? false
        nextKeyMarker = try f.key("NextKeyMarker")
        nextVersionIdMarker = f.string("NextVersionIdMarker")
        var versions: [Version] = []
        for v in f.all("Version") {
            versions.append(
                Version(
                    key: try v.requiredKey("Key"), versionId: try v.required("VersionId"),
                    isLatest: try v.bool("IsLatest") ?? false, lastModified: try v.time("LastModified"),
                    eTag: v.string("ETag"), type: v.string("Type"), size: try v.integer("Size"),
                    storageClass: v.string("StorageClass"), owner: v.nested("Owner").map(Owner.init)))
        }
        self.versions = versions
        var markers: [DeleteMarker] = []
        for d in f.all("DeleteMarker") {
            markers.append(
                DeleteMarker(
                    key: try d.requiredKey("Key"), versionId: try d.required("VersionId"),
                    isLatest: try d.bool("IsLatest") ?? false, lastModified: try d.time("LastModified"),
                    owner: d.nested("Owner").map(Owner.init)))
        }
        deleteMarkers = markers
        commonPrefixes = try f.commonPrefixes()
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("Name", name)
            w.key("Prefix", prefix, urlEncoded: url)
            w.key("KeyMarker", keyMarker, urlEncoded: url)
            w.element("VersionIdMarker", versionIdMarker)
            w.element("MaxKeys", maxKeys)
            w.key("Delimiter", delimiter, urlEncoded: url)
            w.element("EncodingType", encodingType)
            w.element("IsTruncated", isTruncated)
            w.key("NextKeyMarker", nextKeyMarker, urlEncoded: url)
            w.element("NextVersionIdMarker", nextVersionIdMarker)
            for v in versions {
                w.element("Version") { w in
                    w.key("Key", v.key, urlEncoded: url)
                    w.element("VersionId", v.versionId)
                    w.element("IsLatest", v.isLatest)
                    w.element("LastModified", v.lastModified)
                    w.element("ETag", v.eTag)
                    w.element("Type", v.type)
                    w.element("Size", v.size)
                    w.element("StorageClass", v.storageClass)
                    v.owner?.write(to: &w)
                }
            }
            for d in deleteMarkers {
                w.element("DeleteMarker") { w in
                    w.key("Key", d.key, urlEncoded: url)
                    w.element("VersionId", d.versionId)
                    w.element("IsLatest", d.isLatest)
                    w.element("LastModified", d.lastModified)
                    d.owner?.write(to: &w)
                }
            }
            w.commonPrefixes(commonPrefixes, urlEncoded: url)
        }
    }
}
