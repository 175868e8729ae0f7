/// A minimal XML element tree for the small request bodies the mock server reads
/// (CompleteMultipartUpload, Delete, CreateBucketConfiguration). No DTDs, no entities beyond the
/// predefined ones and character references.
struct MockXMLNode: Sendable {
    var name: String
    var children: [MockXMLNode] = []
    var text: String = ""

    func child(_ name: String) -> MockXMLNode? { children.first { $0.name == name } }
    func all(_ name: String) -> [MockXMLNode] { children.filter { $0.name == name } }

    /// Parses a document; `nil` when it is not well-formed.
    static func parse(_ bytes: [UInt8]) -> MockXMLNode? {
        var p = Parser(b: bytes)
        return p.document()
    }

    private struct Parser {
        let b: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < b.count, b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13 { i += 1 }
        }

        func starts(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= b.count && Array(b[i..<(i + u.count)]) == u
        }

        mutating func skipPast(_ s: String) -> Bool {
            let u = Array(s.utf8)
            while i + u.count <= b.count {
                if Array(b[i..<(i + u.count)]) == u {
                    i += u.count
                    return true
                }
                i += 1
            }
            return false
        }

        /// Skips the declaration, comments and processing instructions.
        mutating func misc() -> Bool {
            while true {
                skipSpace()
                if starts("<?") {
                    guard skipPast("?>") else { return false }
                } else if starts("<!--") {
                    guard skipPast("-->") else { return false }
                } else if starts("<!") {
                    return false  // no DTDs
                } else {
                    return true
                }
            }
        }

        mutating func document() -> MockXMLNode? {
            if starts("\u{FEFF}") { i += 3 }
            guard misc(), i < b.count, b[i] == UInt8(ascii: "<"), let root = element() else { return nil }
            guard misc(), i == b.count else { return nil }
            return root
        }

        mutating func name() -> String? {
            let start = i
            while i < b.count {
                let c = b[i]
                if c == 32 || c == 9 || c == 10 || c == 13 || c == UInt8(ascii: ">") || c == UInt8(ascii: "/")
                    || c == UInt8(ascii: "=")
                {
                    break
                }
                i += 1
            }
            return i > start ? String(decoding: b[start..<i], as: UTF8.self) : nil
        }

        mutating func element() -> MockXMLNode? {
            guard i < b.count, b[i] == UInt8(ascii: "<") else { return nil }
            i += 1
            guard let n = name() else { return nil }
            var node = MockXMLNode(name: n)
            // Attributes are skipped.
            while true {
                skipSpace()
                guard i < b.count else { return nil }
                if b[i] == UInt8(ascii: "/") {
                    guard i + 1 < b.count, b[i + 1] == UInt8(ascii: ">") else { return nil }
                    i += 2
                    return node
                }
                if b[i] == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                guard name() != nil else { return nil }
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "=") else { return nil }
                i += 1
                skipSpace()
                guard i < b.count, b[i] == 34 || b[i] == 39 else { return nil }
                let q = b[i]
                i += 1
                while i < b.count, b[i] != q { i += 1 }
                guard i < b.count else { return nil }
                i += 1
            }
            var text: [UInt8] = []
            while true {
                guard i < b.count else { return nil }
                if starts("</") {
                    i += 2
                    guard name() == n else { return nil }
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ">") else { return nil }
                    i += 1
                    node.text = String(decoding: text, as: UTF8.self)
                    return node
                } else if starts("<!--") {
                    guard skipPast("-->") else { return nil }
                } else if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    guard skipPast("]]>") else { return nil }
                    text.append(contentsOf: b[start..<(i - 3)])
                } else if b[i] == UInt8(ascii: "<") {
                    guard let c = element() else { return nil }
                    node.children.append(c)
                } else if b[i] == UInt8(ascii: "&") {
                    guard let end = b[i...].firstIndex(of: UInt8(ascii: ";")), end - i <= 12 else { return nil }
                    let ref = String(decoding: b[(i + 1)..<end], as: UTF8.self)
                    i = end + 1
                    switch ref {
                    case "lt": text.append(UInt8(ascii: "<"))
                    case "gt": text.append(UInt8(ascii: ">"))
                    case "amp": text.append(UInt8(ascii: "&"))
                    case "quot": text.append(34)
                    case "apos": text.append(39)
                    default:
                        guard ref.hasPrefix("#") else { return nil }
                        let digits = ref.dropFirst()
                        let v = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                        guard let v, let scalar = Unicode.Scalar(v) else { return nil }
                        text.append(contentsOf: String(Character(scalar)).utf8)
                    }
                } else {
                    text.append(b[i])
                    i += 1
                }
            }
        }
    }
}
