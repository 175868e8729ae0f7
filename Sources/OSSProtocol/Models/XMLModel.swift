import OSSCore
import OSSXML

/// A model read from an XML body: a response decoded by the client, or a request body decoded
/// by the mock server.
public protocol XMLDecodableModel: Sendable {
    /// The name of the root element (`ListBucketResult`).
    static var rootElement: String { get }
    /// Reads the model from its parsed root element.
    /// - Throws: `XMLModelError` naming the missing or malformed element.
    init(xml root: XMLElement) throws(XMLModelError)
}

/// A model written as an XML body: a request sent by the client, or a response sent by the
/// mock server.
public protocol XMLEncodableModel: Sendable {
    /// The body, UTF-8.
    func encode() -> [UInt8]
}

/// A model both sides share: decoded where it is received, encoded where it is sent.
public typealias XMLModel = XMLDecodableModel & XMLEncodableModel

extension XMLDecodableModel {
    /// Parses `body` and reads the model from it.
    /// - Throws: `XMLModelError` (`invalidXML` wraps the reader's `XMLError`).
    public static func decode(_ body: some Collection<UInt8>, limits: XMLLimits = .default) throws(XMLModelError) -> Self {
        let root: XMLElement
        do throws(XMLError) {
            root = try XMLReader.parse(body, limits: limits)
        } catch {
            throw XMLModelError(.invalidXML, path: rootElement, error.description, xmlError: error)
        }
        return try Self(xml: root)
    }

    /// Parses `body` held in a string and reads the model from it.
    public static func decode(_ body: String) throws(XMLModelError) -> Self {
        try decode(Array(body.utf8))
    }
}

/// Reading helpers over one element: typed child values with errors that name the element.
struct XMLFields {
    let element: XMLElement
    let path: String
    /// Percent-decode key-like values (`EncodingType=url`).
    var urlDecoded: Bool

    /// The root of a model, checked to be `name`; `url` decoding is taken from `EncodingType`.
    init(root: XMLElement, expecting name: String) throws(XMLModelError) {
        guard root.localName == name else {
            throw XMLModelError(.wrongRoot, path: root.name, "expected <\(name)>, found <\(root.name)>")
        }
        self.element = root
        self.path = name
        self.urlDecoded = root.text(of: "EncodingType")?.lowercased() == "url"
    }

    init(element: XMLElement, path: String, urlDecoded: Bool) {
        self.element = element
        self.path = path
        self.urlDecoded = urlDecoded
    }

    /// Every child named `name`, each with its own path (`Part[2]`).
    func all(_ name: String) -> [XMLFields] {
        element.children(name).enumerated().map {
            XMLFields(element: $0.element, path: "\(path)/\(name)[\($0.offset + 1)]", urlDecoded: urlDecoded)
        }
    }

    func nested(_ name: String) -> XMLFields? {
        element.child(name).map { XMLFields(element: $0, path: "\(path)/\(name)", urlDecoded: urlDecoded) }
    }

    func missing(_ name: String) -> XMLModelError {
        XMLModelError(.missingElement, path: "\(path)/\(name)", "required element <\(name)> is missing")
    }

    func malformed(_ name: String, _ text: String, _ expected: String) -> XMLModelError {
        XMLModelError(.malformedValue, path: "\(path)/\(name)", "expected \(expected), found '\(text)'")
    }

    /// The text of `name`; an empty element gives the empty string.
    func string(_ name: String) -> String? { element.text(of: name) }

    func required(_ name: String) throws(XMLModelError) -> String {
        guard let value = string(name) else { throw missing(name) }
        return value
    }

    /// A key, prefix, marker or delimiter: percent-decoded after parsing when the body says
    /// `EncodingType=url` (the value may then hold control characters).
    func key(_ name: String) throws(XMLModelError) -> String? {
        guard let raw = string(name) else { return nil }
        guard urlDecoded else { return raw }
        guard let decoded = PercentEncoding.decode(raw) else {
            throw malformed(name, raw, "URL-encoded UTF-8 (EncodingType is url)")
        }
        return decoded
    }

    func requiredKey(_ name: String) throws(XMLModelError) -> String {
        guard let value = try key(name) else { throw missing(name) }
        return value
    }

    /// The `CommonPrefixes/Prefix` values of a listing (keys, so percent-decoded with
    /// `EncodingType=url`); an empty `<CommonPrefixes/>` adds none.
    func commonPrefixes() throws(XMLModelError) -> [String] {
        var prefixes: [String] = []
        for c in all("CommonPrefixes") {
            if let p = try c.key("Prefix") { prefixes.append(p) }
        }
        return prefixes
    }

    /// The text of `name` without surrounding white space, for numbers, booleans and times.
    func trimmed(_ name: String) -> String? {
        guard let text = string(name) else { return nil }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    /// An integer; an empty element reads as absent.
    func integer<T: FixedWidthInteger>(_ name: String, as: T.Type = T.self) throws(XMLModelError) -> T? {
        guard let raw = trimmed(name), !raw.isEmpty else { return nil }
        guard let value = T(raw) else { throw malformed(name, raw, "an integer") }
        return value
    }

    func requiredInteger<T: FixedWidthInteger>(_ name: String, as: T.Type = T.self) throws(XMLModelError) -> T {
        guard let value: T = try integer(name) else { throw missing(name) }
        return value
    }

    /// `true` or `false` (any case); an empty element reads as absent.
    func bool(_ name: String) throws(XMLModelError) -> Bool? {
        guard let raw = trimmed(name), !raw.isEmpty else { return nil }
        switch raw.lowercased() {
        case "true": return true
        case "false": return false
        default: throw malformed(name, raw, "true or false")
        }
    }

    /// An ISO 8601 time stamp (`2012-02-24T08:43:07.000Z`); an empty element reads as absent.
    func time(_ name: String) throws(XMLModelError) -> UTCTime? {
        guard let raw = trimmed(name), !raw.isEmpty else { return nil }
        guard let value = UTCTime(iso8601: raw) else { throw malformed(name, raw, "an ISO 8601 UTC time stamp") }
        return value
    }

    func requiredTime(_ name: String) throws(XMLModelError) -> UTCTime {
        guard let value = try time(name) else { throw missing(name) }
        return value
    }
}

extension XMLWriter {
    /// Writes a key-like value, percent-encoded when `urlEncoded` (the `EncodingType=url` form).
    mutating func key(_ name: String, _ value: String?, urlEncoded: Bool) {
        guard let value else { return }
        element(name, urlEncoded ? PercentEncoding.encode(value) : value)
    }

    /// A listing's `CommonPrefixes`, one element each around its `Prefix`.
    mutating func commonPrefixes(_ prefixes: [String], urlEncoded: Bool) {
        for p in prefixes {
            element("CommonPrefixes") { w in w.key("Prefix", p, urlEncoded: urlEncoded) }
        }
    }

    mutating func element(_ name: String, _ value: (some FixedWidthInteger)?) {
        if let value { element(name, String(value)) }
    }

    mutating func element(_ name: String, _ value: Bool?) {
        if let value { element(name, value ? "true" : "false") }
    }

    mutating func element(_ name: String, _ value: UTCTime?) {
        if let value { element(name, value.iso8601) }
    }

    /// A response body: the XML declaration, then the root element around what `body` writes.
    static func document(_ root: String, _ body: (inout XMLWriter) -> Void) -> [UInt8] {
        var w = XMLWriter(declaration: true)
        w.element(root, body)
        return w.bytes
    }
}

/// Whether `encodingType` asks for URL-encoded keys.
func isURLEncoding(_ encodingType: String?) -> Bool {
    encodingType?.lowercased() == "url"
}
