import OSSXML

/// A bucket's lifecycle rules (`LifecycleConfiguration`): PutBucketLifecycle,
/// GetBucketLifecycle, DeleteBucketLifecycle.
public struct LifecycleConfiguration: BucketConfigurationModel, Hashable {
    public static let rootElement = "LifecycleConfiguration"
    public static let configurationName = "BucketLifecycle"

    /// When an action applies: after `days` since the last change, or to objects changed before
    /// `createdBeforeDate` (`2023-12-17T00:00:00.000Z`, midnight UTC), or (expiration only) from
    /// `date` on.
    public struct When: Sendable, Hashable {
        public var days: Int?
        public var createdBeforeDate: String?
        public var date: String?

        public init(days: Int? = nil, createdBeforeDate: String? = nil, date: String? = nil) {
            self.days = days
            self.createdBeforeDate = createdBeforeDate
            self.date = date
        }

        init(_ f: XMLFields) throws(XMLModelError) {
            days = try f.integer("Days")
            createdBeforeDate = f.string("CreatedBeforeDate")
            date = f.string("Date")
        }

        func write(to w: inout XMLWriter) {
            w.element("Days", days)
            w.element("CreatedBeforeDate", createdBeforeDate)
            w.element("Date", date)
        }

        /// How many of the ways to say when are given.
        var count: Int { [days != nil, createdBeforeDate != nil, date != nil].filter { $0 }.count }
    }

    /// A move to a colder storage class.
    public struct Transition: Sendable, Hashable {
        public var when: When
        /// `IA`, `Archive`, `ColdArchive` or `DeepColdArchive`.
        public var storageClass: String
        /// Count from the last access instead of the last change.
        public var isAccessTime: Bool?
        public var returnToStdWhenVisit: Bool?

        public init(_ when: When, storageClass: String, isAccessTime: Bool? = nil, returnToStdWhenVisit: Bool? = nil) {
            self.when = when
            self.storageClass = storageClass
            self.isAccessTime = isAccessTime
            self.returnToStdWhenVisit = returnToStdWhenVisit
        }
    }

    public struct Rule: Sendable, Hashable {
        /// Up to 255 bytes; OSS makes one up when absent.
        public var id: String?
        /// The keys the rule applies to (empty: the whole bucket).
        public var prefix: String
        /// `Enabled` or `Disabled`.
        public var status: String
        /// Delete the objects.
        public var expiration: When?
        /// With versioning: remove delete markers that have no versions left.
        public var expiredObjectDeleteMarker: Bool?
        public var transitions: [Transition]
        /// Abort unfinished multipart uploads.
        public var abortMultipartUpload: When?
        /// Objects must carry all these tags.
        public var tags: [OSSTag]

        public init(
            id: String? = nil, prefix: String = "", status: String = "Enabled", expiration: When? = nil,
            transitions: [Transition] = [], abortMultipartUpload: When? = nil, tags: [OSSTag] = []
        ) {
            self.id = id
            self.prefix = prefix
            self.status = status
            self.expiration = expiration
            self.transitions = transitions
            self.abortMultipartUpload = abortMultipartUpload
            self.tags = tags
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        var rules: [Rule] = []
        for r in f.all("Rule") {
            var rule = Rule(id: r.string("ID"), prefix: r.string("Prefix") ?? "", status: try r.required("Status"))
            if let e = r.nested("Expiration") {
                rule.expiration = try When(e)
                rule.expiredObjectDeleteMarker = try e.bool("ExpiredObjectDeleteMarker")
            }
            for t in r.all("Transition") {
                rule.transitions.append(
                    Transition(
                        try When(t), storageClass: try t.required("StorageClass"), isAccessTime: try t.bool("IsAccessTime"),
                        returnToStdWhenVisit: try t.bool("ReturnToStdWhenVisit")))
            }
            if let a = r.nested("AbortMultipartUpload") { rule.abortMultipartUpload = try When(a) }
            rule.tags = try OSSTag.read(r)
            rules.append(rule)
        }
        self.rules = rules
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            for r in rules {
                w.element("Rule") { w in
                    w.element("ID", r.id)
                    w.element("Prefix", r.prefix)
                    w.element("Status", r.status)
                    if r.expiration != nil || r.expiredObjectDeleteMarker != nil {
                        w.element("Expiration") { w in
                            r.expiration?.write(to: &w)
                            w.element("ExpiredObjectDeleteMarker", r.expiredObjectDeleteMarker)
                        }
                    }
                    for t in r.transitions {
                        w.element("Transition") { w in
                            t.when.write(to: &w)
                            w.element("StorageClass", t.storageClass)
                            w.element("IsAccessTime", t.isAccessTime)
                            w.element("ReturnToStdWhenVisit", t.returnToStdWhenVisit)
                        }
                    }
                    if let a = r.abortMultipartUpload { w.element("AbortMultipartUpload") { a.write(to: &$0) } }
                    OSSTag.write(r.tags, to: &w)
                }
            }
        }
    }
}
