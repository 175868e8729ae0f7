import OSSCore
import OSSXML

/// The body of a DeleteMultipleObjects response: the objects deleted (none in quiet mode).
public struct DeleteResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "DeleteResult"

    /// One deleted object.
    public struct Deleted: Sendable, Hashable {
        /// The key, percent-decoded when `encodingType` is `url`.
        public var key: String
        public var versionId: String?
        public var deleteMarker: Bool?
        public var deleteMarkerVersionId: String?

        public init(key: String, versionId: String? = nil, deleteMarker: Bool? = nil, deleteMarkerVersionId: String? = nil) {
            self.key = key
            self.versionId = versionId
            self.deleteMarker = deleteMarker
            self.deleteMarkerVersionId = deleteMarkerVersionId
        }
    }

    public var encodingType: String?
    public var deleted: [Deleted]

    public init(deleted: [Deleted], encodingType: String? = nil) {
        self.deleted = deleted
        self.encodingType = encodingType
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        encodingType = f.string("EncodingType")
        var deleted: [Deleted] = []
        for d in f.all("Deleted") {
            deleted.append(
                Deleted(
                    key: try d.requiredKey("Key"), versionId: d.string("VersionId"),
                    deleteMarker: try d.bool("DeleteMarker"), deleteMarkerVersionId: d.string("DeleteMarkerVersionId")))
        }
        self.deleted = deleted
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("EncodingType", encodingType)
            for d in deleted {
                w.element("Deleted") { w in
                    w.key("Key", d.key, urlEncoded: url)
                    w.element("VersionId", d.versionId)
                    w.element("DeleteMarker", d.deleteMarker)
                    w.element("DeleteMarkerVersionId", d.deleteMarkerVersionId)
                }
            }
        }
    }
}
