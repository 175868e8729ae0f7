/// One attribute of an element, as written (qualified name, decoded value).
public struct XMLAttribute: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An element of a parsed document: name, attributes, child elements and character data.
///
/// Names are matched by local name (the part after any `prefix:`), so a namespace declared on the
/// root (`<ListBucketResult xmlns="...">`) changes nothing for the decoders.
public struct XMLElement: Sendable, Hashable {
    /// The qualified name as written (`Key`, or `ns:Key`).
    public var name: String
    /// Attributes in document order, namespace declarations included.
    public var attributes: [XMLAttribute]
    /// Child elements in document order.
    public var children: [XMLElement]
    /// The character data directly inside this element (entities and CDATA decoded), concatenated.
    /// An empty element (`<Key></Key>` or `<Key/>`) has the empty string.
    public var text: String

    public init(name: String, attributes: [XMLAttribute] = [], children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The name without a namespace prefix.
    public var localName: Substring {
        if let colon = name.utf8.lastIndex(of: UInt8(ascii: ":")) {
            return name[name.utf8.index(after: colon)...]
        }
        return name[...]
    }

    /// The first child with this local name.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.localName == name }
    }

    /// Every child with this local name, in document order.
    public func children(_ name: String) -> [XMLElement] {
        children.filter { $0.localName == name }
    }

    /// The text of the first child with this local name, or `nil` when there is none.
    public func text(of name: String) -> String? {
        child(name)?.text
    }

    /// The value of the attribute with this qualified name.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}
