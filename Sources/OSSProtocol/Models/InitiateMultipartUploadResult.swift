import OSSCore
import OSSXML

/// The body of an InitiateMultipartUpload response.
public struct InitiateMultipartUploadResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "InitiateMultipartUploadResult"

    public var bucket: String
    /// The object key, percent-decoded when `encodingType` is `url`.
    public var key: String
    public var uploadId: String
    /// `url` when the request asked for `encoding-type=url`.
    public var encodingType: String?

    public init(bucket: String, key: String, uploadId: String, encodingType: String? = nil) {
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
        self.encodingType = encodingType
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        encodingType = f.string("EncodingType")
        bucket = try f.required("Bucket")
        key = try f.requiredKey("Key")
        uploadId = try f.required("UploadId")
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("EncodingType", encodingType)
            w.element("Bucket", bucket)
            w.key("Key", key, urlEncoded: url)
            w.element("UploadId", uploadId)
        }
    }
}
