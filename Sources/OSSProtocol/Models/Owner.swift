import OSSXML

/// The owner of a bucket or object.
public struct Owner: Sendable, Hashable {
    public var id: String?
    public var displayName: String?

    public init(id: String? = nil, displayName: String? = nil) {
        self.id = id
        self.displayName = displayName
    }

    init(_ f: XMLFields) {
        id = f.string("ID")
        displayName = f.string("DisplayName")
    }

    func write(to w: inout XMLWriter) {
        w.element("Owner") { w in
            w.element("ID", id)
            w.element("DisplayName", displayName)
        }
    }
}
