import OSSCore
import OSSXML

/// The body of a ListParts response: the parts the server holds for an upload.
public struct ListPartsResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "ListPartsResult"

    /// One uploaded part.
    public struct Part: Sendable, Hashable {
        public var partNumber: Int
        public var lastModified: UTCTime?
        /// The part's ETag, quotes included.
        public var eTag: String
        /// CRC64-ECMA of the part, when the server reports it.
        public var hashCRC64: UInt64?
        public var size: Int64

        public init(partNumber: Int, eTag: String, size: Int64, lastModified: UTCTime? = nil, hashCRC64: UInt64? = nil) {
            self.partNumber = partNumber
            self.eTag = eTag
            self.size = size
            self.lastModified = lastModified
            self.hashCRC64 = hashCRC64
        }
    }

    public var encodingType: String?
    public var bucket: String
    /// The object key, percent-decoded when `encodingType` is `url`.
    public var key: String
    public var uploadId: String
    public var storageClass: String?
    public var partNumberMarker: Int?
    public var nextPartNumberMarker: Int?
    public var maxParts: Int?
    public var isTruncated: Bool
    public var parts: [Part]
    /// The client-side-encryption context of the upload (set by the Initiate's
    /// `x-oss-meta-client-side-encryption-*` headers), when it has one.
    public var clientEncryptionKey: String?
    public var clientEncryptionStart: String?
    public var clientEncryptionCekAlg: String?
    public var clientEncryptionWrapAlg: String?
    public var clientEncryptionDataSize: Int64?
    public var clientEncryptionPartSize: Int64?

    public init(
        bucket: String, key: String, uploadId: String, parts: [Part], isTruncated: Bool = false,
        partNumberMarker: Int? = nil, nextPartNumberMarker: Int? = nil, maxParts: Int? = nil,
        storageClass: String? = nil, encodingType: String? = nil
    ) {
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
        self.parts = parts
        self.isTruncated = isTruncated
        self.partNumberMarker = partNumberMarker
        self.nextPartNumberMarker = nextPartNumberMarker
        self.maxParts = maxParts
        self.storageClass = storageClass
        self.encodingType = encodingType
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        encodingType = f.string("EncodingType")
        bucket = try f.required("Bucket")
        key = try f.requiredKey("Key")
        uploadId = try f.required("UploadId")
        storageClass = f.string("StorageClass")
        partNumberMarker = try f.integer("PartNumberMarker")
        nextPartNumberMarker = try f.integer("NextPartNumberMarker")
        maxParts = try f.integer("MaxParts")
        isTruncated = try f.bool("IsTruncated") ?? false
        clientEncryptionKey = f.string("ClientEncryptionKey")
        clientEncryptionStart = f.string("ClientEncryptionStart")
        clientEncryptionCekAlg = f.string("ClientEncryptionCekAlg")
        clientEncryptionWrapAlg = f.string("ClientEncryptionWrapAlg")
        clientEncryptionDataSize = try f.integer("ClientEncryptionDataSize")
        clientEncryptionPartSize = try f.integer("ClientEncryptionPartSize")
        var parts: [Part] = []
        for p in f.all("Part") {
            parts.append(
                Part(
                    partNumber: try p.requiredInteger("PartNumber"), eTag: try p.required("ETag"),
                    size: try p.requiredInteger("Size"), lastModified: try p.time("LastModified"),
                    hashCRC64: try p.integer("HashCrc64ecma")))
        }
        self.parts = parts
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("EncodingType", encodingType)
            w.element("Bucket", bucket)
            w.key("Key", key, urlEncoded: url)
            w.element("UploadId", uploadId)
            w.element("StorageClass", storageClass)
            w.element("ClientEncryptionKey", clientEncryptionKey)
            w.element("ClientEncryptionStart", clientEncryptionStart)
            w.element("ClientEncryptionCekAlg", clientEncryptionCekAlg)
            w.element("ClientEncryptionWrapAlg", clientEncryptionWrapAlg)
            w.element("ClientEncryptionDataSize", clientEncryptionDataSize)
            w.element("ClientEncryptionPartSize", clientEncryptionPartSize)
            w.element("PartNumberMarker", partNumberMarker)
            w.element("NextPartNumberMarker", nextPartNumberMarker)
            w.element("MaxParts", maxParts)
            w.element("IsTruncated", isTruncated)
            for p in parts {
                w.element("Part") { w in
                    w.element("PartNumber", p.partNumber)
                    w.element("LastModified", p.lastModified)
                    w.element("ETag", p.eTag)
                    w.element("HashCrc64ecma", p.hashCRC64)
                    w.element("Size", p.size)
                }
            }
        }
    }
}
