import OSSCore
import OSSXML

/// The body of an UploadPartCopy response.
public struct CopyPartResult: XMLModel, Hashable {
    public static let rootElement = "CopyPartResult"

    public var lastModified: UTCTime?
    /// The ETag of the new part, quotes included.
    public var eTag: String

    public init(lastModified: UTCTime?, eTag: String) {
        self.lastModified = lastModified
        self.eTag = eTag
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        lastModified = try f.time("LastModified")
        eTag = try f.required("ETag")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("LastModified", lastModified)
            w.element("ETag", eTag)
        }
    }
}
