import OSSCore
import OSSXML

/// The body of a ListMultipartUploads response: uploads initiated and not yet completed or aborted.
public struct ListMultipartUploadsResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "ListMultipartUploadsResult"

    /// One upload in progress.
    public struct Upload: Sendable, Hashable {
        /// The object key, percent-decoded when the listing is URL-encoded.
        public var key: String
        public var uploadId: String
        public var storageClass: String?
        public var initiated: UTCTime?

        public init(key: String, uploadId: String, storageClass: String? = nil, initiated: UTCTime? = nil) {
            self.key = key
            self.uploadId = uploadId
            self.storageClass = storageClass
            self.initiated = initiated
        }
    }

    public var encodingType: String?
    public var bucket: String
    /// Key-like values below are percent-decoded when `encodingType` is `url`.
    public var keyMarker: String?
    public var uploadIdMarker: String?
    public var nextKeyMarker: String?
    public var nextUploadIdMarker: String?
    public var delimiter: String?
    public var prefix: String?
    public var maxUploads: Int?
    public var isTruncated: Bool
    public var uploads: [Upload]
    /// `CommonPrefixes/Prefix` values, when a delimiter was given.
    public var commonPrefixes: [String]

    public init(
        bucket: String, uploads: [Upload], isTruncated: Bool = false, keyMarker: String? = nil,
        uploadIdMarker: String? = nil, nextKeyMarker: String? = nil, nextUploadIdMarker: String? = nil,
        delimiter: String? = nil, prefix: String? = nil, maxUploads: Int? = nil, commonPrefixes: [String] = [],
        encodingType: String? = nil
    ) {
        self.bucket = bucket
        self.uploads = uploads
        self.isTruncated = isTruncated
        self.keyMarker = keyMarker
        self.uploadIdMarker = uploadIdMarker
        self.nextKeyMarker = nextKeyMarker
        self.nextUploadIdMarker = nextUploadIdMarker
        self.delimiter = delimiter
        self.prefix = prefix
        self.maxUploads = maxUploads
        self.commonPrefixes = commonPrefixes
        self.encodingType = encodingType
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        encodingType = f.string("EncodingType")
        bucket = try f.required("Bucket")
        keyMarker = try f.key("KeyMarker")
        uploadIdMarker = f.string("UploadIdMarker")
        nextKeyMarker = try f.key("NextKeyMarker")
        nextUploadIdMarker = f.string("NextUploadIdMarker")
        delimiter = try f.key("Delimiter")
        prefix = try f.key("Prefix")
        maxUploads = try f.integer("MaxUploads")
        isTruncated = try f.bool("IsTruncated") ?? false
        var uploads: [Upload] = []
        for u in f.all("Upload") {
            uploads.append(
                Upload(
                    key: try u.requiredKey("Key"), uploadId: try u.required("UploadId"),
                    storageClass: u.string("StorageClass"), initiated: try u.time("Initiated")))
        }
        self.uploads = uploads
        commonPrefixes = try f.commonPrefixes()
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("EncodingType", encodingType)
            w.element("Bucket", bucket)
            w.key("KeyMarker", keyMarker, urlEncoded: url)
            w.element("UploadIdMarker", uploadIdMarker)
            w.key("NextKeyMarker", nextKeyMarker, urlEncoded: url)
            w.element("NextUploadIdMarker", nextUploadIdMarker)
            w.key("Delimiter", delimiter, urlEncoded: url)
            w.key("Prefix", prefix, urlEncoded: url)
            w.element("MaxUploads", maxUploads)
            w.element("IsTruncated", isTruncated)
            for u in uploads {
                w.element("Upload") { w in
                    w.key("Key", u.key, urlEncoded: url)
                    w.element("UploadId", u.uploadId)
                    w.element("StorageClass", u.storageClass)
                    w.element("Initiated", u.initiated)
                }
            }
            w.commonPrefixes(commonPrefixes, urlEncoded: url)
        }
    }
}
