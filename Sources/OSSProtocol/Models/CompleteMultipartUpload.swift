import OSSXML

/// The body of a CompleteMultipartUpload request: the parts, in order, that make the object.
///
/// Encoded byte for byte as the official SDKs (alibabacloud-oss-v2, oss2) send it: no XML
/// declaration, no white space, ETag quotes written literally.
public struct CompleteMultipartUpload: XMLModel, Hashable {
    public static let rootElement = "CompleteMultipartUpload"

    /// One part of the object.
    public struct Part: Sendable, Hashable {
        public var partNumber: Int
        /// The ETag UploadPart returned, quotes included.
        public var eTag: String

        public init(partNumber: Int, eTag: String) {
            self.partNumber = partNumber
            self.eTag = eTag
        }
    }

    public var parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        var parts: [Part] = []
        for p in f.all("Part") {
            parts.append(Part(partNumber: try p.requiredInteger("PartNumber"), eTag: try p.required("ETag")))
        }
        self.parts = parts
    }

    public func encode() -> [UInt8] {
        var w = XMLWriter()
        w.element(Self.rootElement) { w in
            for p in parts {
                w.element("Part") { w in
                    w.element("PartNumber", p.partNumber)
                    w.element("ETag", p.eTag)
                }
            }
        }
        return w.bytes
    }
}
