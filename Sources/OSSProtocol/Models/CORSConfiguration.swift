import OSSXML

/// A bucket's cross-origin rules (`CORSConfiguration`): PutBucketCors, GetBucketCors,
/// DeleteBucketCors; OSS answers a browser's OPTIONS preflight (OptionObject) from them.
public struct CORSConfiguration: BucketConfigurationModel, Hashable {
    public static let rootElement = "CORSConfiguration"
    public static let configurationName = "BucketCors"
    /// The methods a rule may allow.
    public static let methods = ["GET", "PUT", "DELETE", "POST", "HEAD"]

    /// One rule: a request matches when its origin, method and headers all do.
    public struct Rule: Sendable, Hashable {
        /// Origins (`*` matches any; one `*` wildcard each).
        public var allowedOrigins: [String]
        /// `GET`, `PUT`, `DELETE`, `POST`, `HEAD`.
        public var allowedMethods: [String]
        /// Headers a preflight may ask for (`*` wildcard); OSS keeps them lower-case.
        public var allowedHeaders: [String]
        /// Response headers a browser may show to the page.
        public var exposeHeaders: [String]
        /// How long a browser may cache the preflight answer.
        public var maxAgeSeconds: Int?

        public init(
            allowedOrigins: [String], allowedMethods: [String], allowedHeaders: [String] = [], exposeHeaders: [String] = [],
            maxAgeSeconds: Int? = nil
        ) {
            self.allowedOrigins = allowedOrigins
            self.allowedMethods = allowedMethods
            self.allowedHeaders = allowedHeaders
            self.exposeHeaders = exposeHeaders
            self.maxAgeSeconds = maxAgeSeconds
        }
    }

    public var rules: [Rule]
    /// Answer `Vary: Origin`.
    public var responseVary: Bool?

    public init(rules: [Rule], responseVary: Bool? = nil) {
        self.rules = rules
        self.responseVary = responseVary
    }

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        var rules: [Rule] = []
        for r in f.all("CORSRule") {
            rules.append(
                Rule(
                    allowedOrigins: r.strings("AllowedOrigin"), allowedMethods: r.strings("AllowedMethod"),
                    allowedHeaders: r.strings("AllowedHeader"), exposeHeaders: r.strings("ExposeHeader"),
                    maxAgeSeconds: try r.integer("MaxAgeSeconds")))
        }
        self.rules = rules
        responseVary = try f.bool("ResponseVary")
    }

    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            for r in rules {
                w.element("CORSRule") { w in
                    w.elements("AllowedOrigin", r.allowedOrigins)
                    w.elements("AllowedMethod", r.allowedMethods)
                    w.elements("AllowedHeader", r.allowedHeaders)
                    w.elements("ExposeHeader", r.exposeHeaders)
                    w.element("MaxAgeSeconds", r.maxAgeSeconds)
                }
            }
            w.element("ResponseVary", responseVary)
        }
    }

    /// The first rule allowing a request from `origin` with `method` and `headers` (a
    /// preflight's `Access-Control-Request-*`), and the allowed origin that matched, as OSS
    /// picks it.
    public func match(origin: String, method: String, headers: [String]) -> (rule: Rule, origin: String)? {
        for r in rules where r.allowedMethods.contains(method) {
            guard let o = r.allowedOrigins.first(where: { CORSConfiguration.wildcardMatch($0, origin) }) else { continue }
            let allHeaders = headers.allSatisfy { h in
                r.allowedHeaders.contains { CORSConfiguration.wildcardMatch($0.lowercased(), h.lowercased()) }
            }
            if allHeaders { return (r, o) }
        }
        return nil
    }

    /// `pattern` with at most one `*` standing for any run of characters.
    static func wildcardMatch(_ pattern: String, _ value: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == value }
        let head = pattern[..<star]
        let tail = pattern[pattern.index(after: star)...]
        return value.count >= head.count + tail.count && value.hasPrefix(head) && value.hasSuffix(tail)
    }
}
