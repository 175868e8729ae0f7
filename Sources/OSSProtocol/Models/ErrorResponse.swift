import OSSXML

/// The `<Error>` body OSS sends with a failed request.
///
/// Code, Message, RequestId, HostId and EC have their own fields; every other element
/// (`ErrorDetail`, `RecommendDoc`, `SignatureProvided`, `Key`, `ArgumentName`...) is kept in
/// `extra`, by element name. The EC is also sent in the `x-oss-ec` response header.
public struct ErrorResponse: XMLModel, Hashable {
    public static let rootElement = "Error"

    public var code: String
    public var message: String?
    public var requestId: String?
    public var hostId: String?
    /// The error's detail code (`0002-00000902`).
    public var ec: String?
    /// Every other leaf element, by name (the first one where a name repeats).
    public var extra: [String: String]

    public init(
        code: String, message: String? = nil, requestId: String? = nil, hostId: String? = nil, ec: String? = nil,
        extra: [String: String] = [:]
    ) {
        self.code = code
        self.message = message
        self.requestId = requestId
        self.hostId = hostId
        self.ec = ec
        self.extra = extra
    }

    private static let named: Set<String> = ["Code", "Message", "RequestId", "HostId", "EC"]

    public init(xml root: XMLElement) throws(XMLModelError) {
        let f = try XMLFields(root: root, expecting: Self.rootElement)
        code = try f.required("Code")
        message = f.string("Message")
        requestId = f.string("RequestId")
        hostId = f.string("HostId")
        ec = f.string("EC")
        var extra: [String: String] = [:]
        for child in root.children where child.children.isEmpty {
            let name = String(child.localName)
            if !Self.named.contains(name) && extra[name] == nil { extra[name] = child.text }
        }
        self.extra = extra
    }

    /// Writes the body; `extra` elements follow the named ones, sorted by name.
    public func encode() -> [UInt8] {
        XMLWriter.document(Self.rootElement) { w in
            w.element("Code", code)
            w.element("Message", message)
            w.element("RequestId", requestId)
            w.element("HostId", hostId)
            for (name, value) in extra.sorted(by: { $0.key < $1.key }) where !Self.named.contains(name) {
                w.element(name, value)
            }
            w.element("EC", ec)
        }
    }
}
