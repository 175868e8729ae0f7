import OSSCore
import OSSXML

/// The body of a ListObjects (v1) or ListObjectsV2 response.
///
/// v1 fills `marker` / `nextMarker`; v2 fills `startAfter`, `continuationToken`,
/// `nextContinuationToken` and `keyCount`.
public struct ListBucketResult: XMLModel, Hashable {
    /// What the request cost, when `OSSClient` made it (empty when decoded on its own).
    public var metrics = OSSRequestMetrics()
    public static let rootElement = "ListBucketResult"

    /// The bucket name.
    public var name: String
    /// Key-like values (`prefix`, `marker`, `nextMarker`, `delimiter`, `startAfter`, the keys of
    /// `contents`, `commonPrefixes`) are percent-decoded when `encodingType` is `url`.
    public var prefix: String?
    public var marker: String?
    public var startAfter: String?
    public var continuationToken: String?
    public var maxKeys: Int?
    public var delimiter: String?
    public var encodingType: String?
    public var isTruncated: Bool
    public var nextMarker: String?
    public var nextContinuationToken: String?
    public var keyCount: Int?
    public var contents: [ObjectSummary]
    /// `CommonPrefixes/Prefix` values; an empty `<CommonPrefixes/>` adds none.
    public var commonPrefixes: [String]

    public init(
        name: String, contents: [ObjectSummary] = [], commonPrefixes: [String] = [], isTruncated: Bool = false,
        prefix: String? = nil, marker: String? = nil, startAfter: String? = nil, continuationToken: String? = nil,
        maxKeys: Int? = nil, delimiter: String? = nil, encodingType: String? = nil, nextMarker: String? = nil,
        nextContinuationToken: String? = nil, keyCount: Int? = nil
    ) {
        self.name = name
        self.contents = contents
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.prefix = prefix
        self.marker = marker
        self.startAfter = startAfter
        self.continuationToken = continuationToken
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.encodingType = encodingType
        self.nextMarker = nextMarker
        self.nextContinuationToken = nextContinuationToken
        self.keyCount = keyCount
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        name = try f.required("Name")
        prefix = try f.key("Prefix")
        marker = try f.key("Marker")
        startAfter = try f.key("StartAfter")
        continuationToken = f.string("ContinuationToken")
        maxKeys = try f.integer("MaxKeys")
        delimiter = try f.key("Delimiter")
        encodingType = f.string("EncodingType")
        isTruncated = try f.bool("IsTruncated") ?? false
        nextMarker = try f.key("NextMarker")
        nextContinuationToken = f.string("NextContinuationToken")
        keyCount = try f.integer("KeyCount")
        var contents: [ObjectSummary] = []
        for c in f.all("Contents") { contents.append(try ObjectSummary(c)) }
        self.contents = contents
        commonPrefixes = try f.commonPrefixes()
    }

    public func encode() -> [UInt8] {
        let url = isURLEncoding(encodingType)
        return XMLWriter.document(Self.rootElement) { w in
            w.element("Name", name)
            w.key("Prefix", prefix, urlEncoded: url)
            w.key("Marker", marker, urlEncoded: url)
            w.key("StartAfter", startAfter, urlEncoded: url)
            w.element("ContinuationToken", continuationToken)
            w.element("MaxKeys", maxKeys)
            w.key("Delimiter", delimiter, urlEncoded: url)
            w.element("EncodingType", encodingType)
            w.element("IsTruncated", isTruncated)
            w.key("NextMarker", nextMarker, urlEncoded: url)
            w.element("NextContinuationToken", nextContinuationToken)
            for c in contents { c.write(to: &w, urlEncoded: url) }
            w.commonPrefixes(commonPrefixes, urlEncoded: url)
            w.element("KeyCount", keyCount)
        }
    }
}
