import OSSXML

/// The body of a CompleteMultipartUpload response (without a callback).
public struct CompleteMultipartUploadResult: XMLModel, Hashable {
    public static let rootElement = "CompleteMultipartUploadResult"

    public var encodingType: String?
    public var location: String?
    public var bucket: String
    /// The object key, percent-decoded when `encodingType` is `url`.
    public var key: String
    /// The ETag of the object, quotes included (`"1C78...-2"`).
    public var eTag: String

    public init(bucket: String, key: String, eTag: String, location: String? = nil, encodingType: String? = nil) {
        self.bucket = bucket
        self.key = key
        self.eTag = eTag
        self.location = location
        self.encodingType = encodingType
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        encodingType = f.string("EncodingType")
        location = f.string("Location")
        bucket = try f.required("Bucket")
        key = try f.requiredKey("Key")
        eTag = try f.required("ETag")
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("EncodingType", encodingType)
            w.element("Location", location)
            w.element("Bucket", bucket)
            w.key("Key", key, urlEncoded: url)
            w.element("ETag", eTag)
        }
    }
}
