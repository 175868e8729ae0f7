import OSSXML

/// The body of a PutBucket request: the bucket's storage class and data redundancy type.
public struct CreateBucketConfiguration: XMLModel, Hashable {
    public static let rootElement = "CreateBucketConfiguration"

    /// `Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`.
    public var storageClass: String?
    /// `LRS` or `ZRS`.
    public var dataRedundancyType: String?

    public init(storageClass: String? = nil, dataRedundancyType: String? = nil) {
        self.storageClass = storageClass
        self.dataRedundancyType = dataRedundancyType
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        storageClass = f.string("StorageClass")
        dataRedundancyType = f.string("DataRedundancyType")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("StorageClass", storageClass)
            w.element("DataRedundancyType", dataRedundancyType)
        }
    }
}
