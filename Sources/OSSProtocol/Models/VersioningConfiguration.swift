import OSSXML

/// The body of PutBucketVersioning and of GetBucketVersioning's answer: the bucket's versioning
/// state. A bucket that was never versioned answers with no `Status`.
public struct VersioningConfiguration: XMLModel, Hashable {
    public static let rootElement = "VersioningConfiguration"

    /// `Enabled` or `Suspended`; `nil` for a bucket that was never versioned.
    public var status: String?

    public init(status: String? = nil) {
        self.status = status
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        status = f.string("Status")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("Status", status)
        }
    }
}
