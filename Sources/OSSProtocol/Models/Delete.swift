import OSSXML

/// The body of a DeleteMultipleObjects request.
///
/// Encoded byte for byte as alibabacloud-oss-v2 sends it: no XML declaration, `Quiet` first,
/// keys XML-escaped (control characters as `&#09;`), never URL-encoded (`encoding-type=url`
/// only changes the response).
public struct Delete: XMLModel, Hashable {
    public static let rootElement = "Delete"

    /// One object to delete.
    public struct Object: Sendable, Hashable {
        public var key: String
        public var versionId: String?

        public init(key: String, versionId: String? = nil) {
            self.key = key
            self.versionId = versionId
        }
    }

    /// In quiet mode the response lists no deleted objects.
    public var quiet: Bool
    public var objects: [Object]

    public init(objects: [Object], quiet: Bool = false) {
        self.objects = objects
        self.quiet = quiet
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        quiet = try f.bool("Quiet") ?? false
        var objects: [Object] = []
        for o in f.all("Object") {
            objects.append(Object(key: try o.required("Key"), versionId: o.string("VersionId")))
        }
        self.objects = objects
    }

    public func encode() -> [UInt8] {
        var w = XMLWriter()
        w.element(Self.rootElement) { w in
            w.element("Quiet", quiet)
            for o in objects {
                w.element("Object") { w in
                    w.element("Key", o.key)
                    w.element("VersionId", o.versionId)
                }
            }
        }
        return w.bytes
    }
}
