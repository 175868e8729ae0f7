import OSSCore

/// One header field as it appears on the wire.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in wire order, with case-insensitive lookup and repeated names (RFC 9110 §5.2).
public struct HTTPHeaders: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    public private(set) var fields: [HTTPField] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        self.init(fields, reservingExtra: 0)
    }

    /// The fields, with room for `extra` more added without regrowing.
    public init(_ fields: [(String, String)], reservingExtra extra: Int) {
        var all: [HTTPField] = []
        all.reserveCapacity(fields.count + extra)
        for f in fields { all.append(HTTPField(name: f.0, value: f.1)) }
        self.fields = all
    }

    /// Named pairs (the client layer's type), with room for `extra` more.
    package init(named fields: [(name: String, value: String)], reservingExtra extra: Int) {
        var all: [HTTPField] = []
        all.reserveCapacity(fields.count + extra)
        for f in fields { all.append(HTTPField(name: f.name, value: f.value)) }
        self.fields = all
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> HTTPField { fields[position] }

    /// The first value of `name`, or `nil`. Setting replaces every field of that name (nil removes).
    public subscript(name: String) -> String? {
        get { firstIndex(named: name).map { fields[$0].value } }
        set {
            if let newValue { replaceOrAdd(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.equalNames($0.name, name) }.map(\.value)
    }

    /// Every value of `name` split on commas and trimmed (list-valued fields, RFC 9110 §5.6.1).
    public func listValues(for name: String) -> [String] {
        values(for: name).flatMap { $0.split(separator: ",") }.map { ASCIISpace.trimmed($0) }
            .filter { !$0.isEmpty }
    }

    public func contains(_ name: String) -> Bool { firstIndex(named: name) != nil }

    /// The index of the first field named `name`, from `start`. An index loop, lengths compared
    /// first: every request and answer looks fields up several times, and `first(where:)` retained
    /// and released the strings of every field it passed (`perf probe` on `swift_retain` and
    /// `swift_release`: 83 calls a PutObject from the name lookup by `first(where:)`, 14 this way).
    func firstIndex(named name: String, from start: Int = 0) -> Int? {
        let length = name.utf8.count
        var i = start
        while i < fields.count {
            if fields[i].name.utf8.count == length && Self.equalNames(fields[i].name, name) { return i }
            i += 1
        }
        return nil
    }

    /// Makes room for `n` fields without regrowing.
    mutating func reserveCapacity(_ n: Int) {
        fields.reserveCapacity(n)
    }

    /// Appends a field, keeping any of the same name.
    public mutating func add(name: String, value: String) {
        fields.append(HTTPField(name: name, value: value))
    }

    /// Replaces the first field of `name` (removing later ones), or appends when absent.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let i = firstIndex(named: name) {
            fields[i].value = value
            var from = i + 1
            while let j = firstIndex(named: name, from: from) {
                fields.remove(at: j)
                from = j
            }
        } else {
            add(name: name, value: value)
        }
    }

    /// Removes every field of `name`.
    public mutating func remove(name: String) {
        fields.removeAll(where: { Self.equalNames($0.name, name) })
    }

    /// Whether a list-valued field holds `token`, compared case-insensitively (`Connection: close`).
    public func containsToken(_ token: String, in name: String) -> Bool {
        guard contains(name) else { return false }  // the usual case: no list to build
        return listValues(for: name).contains(where: { Self.equalNames($0, token) })
    }

    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Whether `name` may be a field name: an RFC 9110 §5.6.2 token (what the encoders send).
    public static func isValidName(_ name: String) -> Bool { HTTPSyntax.isToken(name) }

    /// ASCII case-insensitive equality without allocating.
    static func equalNames(_ a: String, _ b: String) -> Bool {
        // Lengths first (free on native strings), then the bytes: names sharing a prefix such as
        // `x-oss-` differ in length far more often than in their bytes.
        ASCIICase.equal(a, b)
    }
}
