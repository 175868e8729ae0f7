import OSSXML

/// Request bodies the shared models do not cover.
struct OSSXMLWriterShim {
    private var writer = XMLWriter(declaration: true)
    var bytes: [UInt8] { writer.bytes }

    /// `<CreateBucketConfiguration><StorageClass>...</StorageClass></CreateBucketConfiguration>`.
    mutating func createBucketConfiguration(storageClass: String) {
        writer.element("CreateBucketConfiguration") { w in w.element("StorageClass", storageClass) }
    }
}
