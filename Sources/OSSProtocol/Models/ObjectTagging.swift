import OSSCore
import OSSXML

/// One tag of an object (or bucket): a key and a value.
public struct ObjectTag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The body of PutObjectTagging and GetObjectTagging: `<Tagging><TagSet><Tag>...`.
public struct ObjectTagging: XMLModel, Hashable {
    public static let rootElement = "Tagging"

    /// The tags in order.
    public var tagSet: [ObjectTag]

    public init(tagSet: [ObjectTag] = []) { self.tagSet = tagSet }

    /// Tags from a dictionary, sorted by key.
    public init(_ tags: [String: String]) {
        tagSet = tags.sorted { $0.key < $1.key }.map { ObjectTag(key: $0.key, value: $0.value) }
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        guard let set = f.nested("TagSet") else { throw f.missing("TagSet") }
        var tags: [ObjectTag] = []
        for t in set.all("Tag") {
            tags.append(ObjectTag(key: try t.required("Key"), value: t.string("Value") ?? ""))
        }
        tagSet = tags
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("TagSet") { w in
                for t in tagSet {
                    w.element("Tag") { w in
                        w.element("Key", t.key)
                        w.element("Value", t.value)
                    }
                }
            }
        }
    }

    /// The `x-oss-tagging` header form: `k1=v1&k2=v2`, each part URL-encoded.
    public var headerValue: String {
        tagSet.map { PercentEncoding.encode($0.key) + "=" + PercentEncoding.encode($0.value) }.joined(separator: "&")
    }

    /// Reads the `x-oss-tagging` header form (`k1=v1&k2`, URL-encoded), or `nil` when it is not
    /// in that form (a part with two `=`, or bad percent-encoding).
    public static func parseHeader(_ value: String) -> ObjectTagging? {
        var tags: [ObjectTag] = []
        if value.isEmpty { return ObjectTagging() }
        for part in value.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return nil }
            guard let k = PercentEncoding.decode(pieces[0], plusAsSpace: true) else { return nil }
            let v = pieces.count == 2 ? PercentEncoding.decode(pieces[1], plusAsSpace: true) : ""
            guard let v else { return nil }
            tags.append(ObjectTag(key: k, value: v))
        }
        return ObjectTagging(tagSet: tags)
    }
}

