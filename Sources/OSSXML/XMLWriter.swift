/// Writes XML documents: elements, text and attributes, escaped correctly.
///
/// The output has no whitespace between elements, the form OSS and its SDKs exchange.
///
/// ```swift
/// var w = XMLWriter()
/// w.open("Delete")
/// w.element("Quiet", "true")
/// w.close("Delete")
/// let body = w.bytes
/// ```
public struct XMLWriter: Sendable {
    /// The document written so far, UTF-8.
    public private(set) var bytes: [UInt8] = []

    /// Starts a document.
    /// - Parameter declaration: write `<?xml version="1.0" encoding="UTF-8"?>` first.
    public init(declaration: Bool = false) {
        if declaration { bytes.append(contentsOf: #"<?xml version="1.0" encoding="UTF-8"?>"#.utf8) }
    }

    /// The document as a string.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Writes a start tag, with attributes in the order given.
    public mutating func open(_ name: String, attributes: [(String, String)] = []) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        for (key, value) in attributes {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: key.utf8)
            bytes.append(contentsOf: #"=""#.utf8)
            XMLWriter.escape(value, into: &bytes, quotes: true)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: ">"))
    }

    /// Writes an end tag.
    public mutating func close(_ name: String) {
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// Writes escaped character data.
    public mutating func text(_ value: String) {
        XMLWriter.escape(value, into: &bytes)
    }

    /// Writes `<name>value</name>`.
    public mutating func element(_ name: String, _ value: String) {
        open(name)
        text(value)
        close(name)
    }

    /// Writes `<name>value</name>` when the value is present.
    public mutating func element(_ name: String, _ value: String?) {
        if let value { element(name, value) }
    }

    /// Writes `<name>` ... `</name>` around what `body` writes.
    public mutating func element(_ name: String, _ body: (inout XMLWriter) -> Void) {
        open(name)
        body(&self)
        close(name)
    }

    /// Writes a parsed element back: its attributes, its text, then its children.
    ///
    /// Text interleaved with child elements is written before them, so reading the output gives
    /// back an equal `XMLElement`.
    public mutating func write(_ element: XMLElement) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: element.name.utf8)
        for attribute in element.attributes {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: attribute.name.utf8)
            bytes.append(contentsOf: #"=""#.utf8)
            XMLWriter.escape(attribute.value, into: &bytes, quotes: true)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: ">"))
        text(element.text)
        for child in element.children { write(child) }
        close(element.name)
    }

    /// Escapes `&`, `<` and `>` as the predefined entities (and `"`, `'` too when `quotes` is set,
    /// as attribute values need), and control characters below U+0020 as two-digit numeric
    /// references (`&#09;`): the form the official SDKs send, so that request bodies and their
    /// Content-MD5 are byte-for-byte theirs. TAB, LF and CR written as references survive
    /// white-space normalisation on the reading side.
    public static func escape(_ value: String, into out: inout [UInt8], quotes: Bool = false) {
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'") where quotes: out.append(contentsOf: "&apos;".utf8)
            case 0..<0x20:
                out.append(contentsOf: "&#".utf8)
                if b < 10 { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: String(b).utf8)
                out.append(UInt8(ascii: ";"))
            default: out.append(b)
            }
        }
    }

    /// `value` escaped as `escape(_:into:)` does.
    public static func escaped(_ value: String, quotes: Bool = false) -> String {
        var out: [UInt8] = []
        escape(value, into: &out, quotes: quotes)
        return String(decoding: out, as: UTF8.self)
    }
}
