import OSSCore
import OSSXML

/// The body of GetBucketAcl and GetObjectAcl: the owner and the canned ACL granted.
public struct AccessControlPolicy: XMLModel, Hashable {
    public static let rootElement = "AccessControlPolicy"

    public var owner: Owner?
    /// `private`, `public-read`, `public-read-write`, or for an object `default` (the bucket's).
    public var grant: String

    public init(owner: Owner? = nil, grant: String) {
        self.owner = owner
        self.grant = grant
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        owner = f.nested("Owner").map { Owner($0) }
        guard let list = f.nested("AccessControlList") else { throw f.missing("AccessControlList") }
        grant = try list.required("Grant")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            owner?.write(to: &w)
            w.element("AccessControlList") { $0.element("Grant", grant) }
        }
    }
}

/// The body of the Block Public Access operations (service and bucket level).
public struct PublicAccessBlockConfiguration: XMLModel, Hashable {
    public static let rootElement = "PublicAccessBlockConfiguration"

    /// Whether public ACLs (and policies) are refused and ignored.
    public var blockPublicAccess: Bool

    public init(blockPublicAccess: Bool) { self.blockPublicAccess = blockPublicAccess }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        blockPublicAccess = try f.bool("BlockPublicAccess") ?? false
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in w.element("BlockPublicAccess", blockPublicAccess) }
    }
}

/// The body of RestoreObject: how long the restored copy lives, and for Cold Archive and Deep
/// Cold Archive objects how fast it is made (`Expedited`, `Standard`, `Bulk`).
public struct RestoreRequest: XMLModel, Hashable {
    public static let rootElement = "RestoreRequest"

    /// Days the restored copy stays readable (1...7 for Archive, 1...365 for the cold classes).
    public var days: Int?
    /// `JobParameters/Tier`.
    public var tier: String?

    public init(days: Int? = nil, tier: String? = nil) {
        self.days = days
        self.tier = tier
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        days = try f.integer("Days")
        tier = f.nested("JobParameters")?.trimmed("Tier") ?? f.trimmed("Tier")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("Days", days)
            if let tier { w.element("JobParameters") { $0.element("Tier", tier) } }
        }
    }
}
