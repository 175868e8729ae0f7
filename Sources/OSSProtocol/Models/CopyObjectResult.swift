import OSSCore
import OSSXML

/// The body of a CopyObject response.
public struct CopyObjectResult: XMLModel, Hashable {
    public static let rootElement = "CopyObjectResult"

    /// The ETag of the new object, quotes included.
    public var eTag: String
    public var lastModified: UTCTime

    public init(eTag: String, lastModified: UTCTime) {
        self.eTag = eTag
        self.lastModified = lastModified
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        eTag = try f.required("ETag")
        lastModified = try f.requiredTime("LastModified")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("ETag", eTag)
            w.element("LastModified", lastModified)
        }
    }
}
