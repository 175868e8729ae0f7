import OSSXML

/// Static website hosting (`WebsiteConfiguration`): PutBucketWebsite, GetBucketWebsite,
/// DeleteBucketWebsite. The routing rules' common parts are typed; OSS's mirroring options
/// (`MirrorHeaders`, `MirrorMultiAlternates`, ...) are not modelled and are dropped on decode.
public struct WebsiteConfiguration: BucketConfigurationModel, Hashable {
    public static let rootElement = "WebsiteConfiguration"
    public static let configurationName = "BucketWebsite"

    /// Served for a request of a "directory".
    public struct IndexDocument: Sendable, Hashable {
        /// `index.html`.
        public var suffix: String
        /// Look for the index in sub-directories too.
        public var supportSubDir: Bool?
        /// 0, 1 or 2: what to do when the index is missing under a sub-directory.
        public var type: Int?
        public init(suffix: String, supportSubDir: Bool? = nil, type: Int? = nil) {
            self.suffix = suffix
            self.supportSubDir = supportSubDir
            self.type = type
        }
    }

    /// Served when a key is missing.
    public struct ErrorDocument: Sendable, Hashable {
        public var key: String
        /// 200 or 404.
        public var httpStatus: Int?
        public init(key: String, httpStatus: Int? = nil) {
            self.key = key
            self.httpStatus = httpStatus
        }
    }

    public struct RoutingRule: Sendable, Hashable {
        public var ruleNumber: Int
        public var keyPrefixEquals: String?
        public var keySuffixEquals: String?
        public var httpErrorCodeReturnedEquals: Int?
        /// `Mirror`, `External`, `Internal` or `AliCDN`.
        public var redirectType: String?
        public var `protocol`: String?
        public var hostName: String?
        public var replaceKeyWith: String?
        public var replaceKeyPrefixWith: String?
        public var enableReplacePrefix: Bool?
        public var passQueryString: Bool?
        public var httpRedirectCode: Int?
        public var mirrorURL: String?

        public init(ruleNumber: Int, redirectType: String? = nil) {
            self.ruleNumber = ruleNumber
            self.redirectType = redirectType
        }
    }

    public var indexDocument: IndexDocument?
    public var errorDocument: ErrorDocument?
    public var routingRules: [RoutingRule]

    public init(indexDocument: IndexDocument? = nil, errorDocument: ErrorDocument? = nil, routingRules: [RoutingRule] = []) {
        self.indexDocument = indexDocument
        self.errorDocument = errorDocument
        self.routingRules = routingRules
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        if let i = f.nested("IndexDocument") {
            indexDocument = IndexDocument(
                suffix: try i.required("Suffix"), supportSubDir: try i.bool("SupportSubDir"), type: try i.integer("Type"))
        }
        if let e = f.nested("ErrorDocument") {
            errorDocument = ErrorDocument(key: try e.required("Key"), httpStatus: try e.integer("HttpStatus"))
        }
        var rules: [RoutingRule] = []
        for r in f.nested("RoutingRules")?.all("RoutingRule") ?? [] {
            var rule = RoutingRule(ruleNumber: try r.requiredInteger("RuleNumber"))
            if let c = r.nested("Condition") {
                rule.keyPrefixEquals = c.string("KeyPrefixEquals")
                rule.keySuffixEquals = c.string("KeySuffixEquals")
                rule.httpErrorCodeReturnedEquals = try c.integer("HttpErrorCodeReturnedEquals")
            }
            let d = try r.requiredNested("Redirect")
            rule.redirectType = d.string("RedirectType")
            rule.protocol = d.string("Protocol")
            rule.hostName = d.string("HostName")
            rule.replaceKeyWith = d.string("ReplaceKeyWith")
            rule.replaceKeyPrefixWith = d.string("ReplaceKeyPrefixWith")
            rule.enableReplacePrefix = try d.bool("EnableReplacePrefix")
            rule.passQueryString = try d.bool("PassQueryString")
            rule.httpRedirectCode = try d.integer("HttpRedirectCode")
            rule.mirrorURL = d.string("MirrorURL")
            rules.append(rule)
        }
        routingRules = rules
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            if let i = indexDocument {
                w.element("IndexDocument") { w in
                    w.element("Suffix", i.suffix)
                    w.element("SupportSubDir", i.supportSubDir)
                    w.element("Type", i.type)
                }
            }
            if let e = errorDocument {
                w.element("ErrorDocument") { w in
                    w.element("Key", e.key)
                    w.element("HttpStatus", e.httpStatus)
                }
            }
            guard !routingRules.isEmpty else { return }
            w.element("RoutingRules") { w in
                for r in routingRules {
                    w.element("RoutingRule") { w in
                        w.element("RuleNumber", r.ruleNumber)
                        w.element("Condition") { w in
                            w.element("KeyPrefixEquals", r.keyPrefixEquals)
                            w.element("KeySuffixEquals", r.keySuffixEquals)
                            w.element("HttpErrorCodeReturnedEquals", r.httpErrorCodeReturnedEquals)
                        }
                        w.element("Redirect") { w in
                            w.element("RedirectType", r.redirectType)
                            w.element("PassQueryString", r.passQueryString)
                            w.element("MirrorURL", r.mirrorURL)
                            w.element("ReplaceKeyWith", r.replaceKeyWith)
                            w.element("ReplaceKeyPrefixWith", r.replaceKeyPrefixWith)
                            w.element("EnableReplacePrefix", r.enableReplacePrefix)
                            w.element("Protocol", r.protocol)
                            w.element("HostName", r.hostName)
                            w.element("HttpRedirectCode", r.httpRedirectCode)
                        }
                    }
                }
            }
        }
    }
}
