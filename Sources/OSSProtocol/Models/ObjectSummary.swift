import OSSCore
import OSSXML

/// One object in a listing (`Contents` of ListObjects v1 and v2).
public struct ObjectSummary: Sendable, Hashable {
    /// The object key, percent-decoded when the listing is URL-encoded. May be empty.
    public var key: String
    public var lastModified: UTCTime?
    /// The ETag, quotes included.
    public var eTag: String?
    /// `Normal`, `Multipart`, `Appendable`, `Symlink`.
    public var type: String?
    public var size: Int64?
    public var storageClass: String?
    public var owner: Owner?
    /// The restore state of an archived object, as sent (`ongoing-request="false", ...`).
    public var restoreInfo: String?
    public var transitionTime: UTCTime?

    public init(
        key: String, size: Int64? = nil, eTag: String? = nil, lastModified: UTCTime? = nil, type: String? = nil,
        storageClass: String? = nil, owner: Owner? = nil, restoreInfo: String? = nil, transitionTime: UTCTime? = nil
    ) {
        self.key = key
        self.size = size
        self.eTag = eTag
        self.lastModified = lastModified
        self.type = type
        self.storageClass = storageClass
        self.owner = owner
        self.restoreInfo = restoreInfo
        self.transitionTime = transitionTime
    }

    init(_ f: XMLFields) throws(XMLModelError) {
        key = try f.requiredKey("Key")
        lastModified = try f.time("LastModified")
        eTag = f.string("ETag")
        type = f.string("Type")
        size = try f.integer("Size")
        storageClass = f.string("StorageClass")
        owner = f.nested("Owner").map(Owner.init)
        restoreInfo = f.string("RestoreInfo")
        transitionTime = try f.time("TransitionTime")
    }

    func write(to w: inout XMLWriter, urlEncoded: Bool) {
        w.element("Contents") { w in
            w.key("Key", key, urlEncoded: urlEncoded)
            w.element("LastModified", lastModified)
            w.element("ETag", eTag)
            w.element("Type", type)
            w.element("Size", size)
            w.element("StorageClass", storageClass)
            owner?.write(to: &w)
            w.element("RestoreInfo", restoreInfo)
            w.element("TransitionTime", transitionTime)
        }
    }
}
