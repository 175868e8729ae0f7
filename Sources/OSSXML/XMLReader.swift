/// An incremental XML reader: push bytes as they arrive, in pieces of any size, then `finish()`
/// for the document tree.
///
/// It reads the subset of XML 1.0 that OSS and its SDKs exchange, UTF-8 only: the XML
/// declaration, elements, attributes, self-closing and empty elements, character data, CDATA,
/// comments, processing instructions, the five predefined entities and numeric character
/// references. It refuses DOCTYPE (so DTDs, custom and external entities, and entity-expansion
/// bombs cannot occur) and enforces `XMLLimits`. Each token is handled as soon as its last byte
/// arrives; an unfinished token is kept and the scan for its end resumes where it stopped, so
/// feeding a document in many pieces costs no more than feeding it whole.
///
/// ```swift
/// var reader = XMLReader()
/// try reader.feed(firstChunk)
/// try reader.feed(secondChunk)
/// let root = try reader.finish()
/// ```
public struct XMLReader: Sendable {
    /// The limits this reader enforces.
    public let limits: XMLLimits

    private var buf: [UInt8] = []
    /// Next unconsumed index in `buf`.
    private var pos = 0
    /// Absolute offset of `buf[0]` in the document.
    private var base = 0
    /// Where the search for the end of the token at `pos` resumes.
    private var scan = 0
    /// Quote state of the start-tag scan at `scan` (0 outside attribute values).
    private var scanQuote: UInt8 = 0
    private var total = 0
    private var stack: [Builder] = []
    private var root: XMLElement?
    private var elementCount = 0
    /// Absolute offset at which an XML declaration may appear (0, or 3 after a byte-order mark).
    private var declarationOffset = 0
    private var failure: XMLError?
    private var done = false

    private struct Builder: Sendable {
        var name: String
        var attributes: [XMLAttribute]
        var children: [XMLElement] = []
        var text: [UInt8] = []
        var offset: Int
    }

    public init(limits: XMLLimits = .default) {
        self.limits = limits
    }

    /// Parses a whole document.
    /// - Throws: `XMLError` for a malformed, refused or oversized document.
    public static func parse(_ bytes: some Collection<UInt8>, limits: XMLLimits = .default) throws(XMLError) -> XMLElement {
        var reader = XMLReader(limits: limits)
        try reader.feed(bytes)
        return try reader.finish()
    }

    /// Parses a whole document held in a string.
    public static func parse(_ string: String, limits: XMLLimits = .default) throws(XMLError) -> XMLElement {
        try parse(Array(string.utf8), limits: limits)
    }

    /// Takes the next bytes of the document and handles every token they complete.
    /// - Throws: `XMLError` as soon as the bytes so far cannot begin a valid document; the reader
    ///   then keeps failing with the same error.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(XMLError) {
        if let failure { throw failure }
        guard !done else { throw fail(.malformed, total, "bytes fed after finish()") }
        if total + bytes.count > limits.maxDocumentBytes {
            throw fail(.limitExceeded, limits.maxDocumentBytes, "document larger than \(limits.maxDocumentBytes) bytes")
        }
        total += bytes.count
        buf.append(contentsOf: bytes)
        do throws(XMLError) {
            try run()
        } catch {
            failure = error
            throw error
        }
        compact()
    }

    /// Ends the document and returns its root element.
    /// - Throws: `XMLError` when the document is incomplete (an unfinished tag, unclosed
    ///   elements, no root) or was already refused.
    public mutating func finish() throws(XMLError) -> XMLElement {
        if let failure { throw failure }
        guard !done else { throw fail(.malformed, total, "finish() called twice") }
        done = true
        do throws(XMLError) {
            if pos < buf.count {
                if buf[pos] != UInt8(ascii: "<") {
                    try handleText(pos..<buf.count)
                    pos = buf.count
                } else {
                    throw XMLError(
                        .truncated, offset: total,
                        "unexpected end of document: expected \(expectedEnd()) to close the \(pendingKind()) at byte \(base + pos)")
                }
            }
            if let open = stack.last {
                throw XMLError(
                    .truncated, offset: total,
                    "unexpected end of document: expected </\(open.name)> to close the element opened at byte \(open.offset)")
            }
            guard let root else {
                throw XMLError(.truncated, offset: total, "unexpected end of document: expected a root element")
            }
            return root
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: Tokenizer

    private mutating func fail(_ kind: XMLError.Kind, _ offset: Int, _ message: String) -> XMLError {
        let error = XMLError(kind, offset: offset, message)
        failure = error
        return error
    }

    private func error(_ kind: XMLError.Kind, at index: Int, _ message: String) -> XMLError {
        XMLError(kind, offset: base + index, message)
    }

    private mutating func compact() {
        if pos > 0 && (pos == buf.count || pos >= 1 << 16) {
            buf.removeFirst(pos)
            base += pos
            scan -= pos
            pos = 0
        }
    }

    /// Moves past a finished token that ended just before `end`.
    private mutating func consume(to end: Int) {
        pos = end
        scan = end
        scanQuote = 0
    }

    private mutating func run() throws(XMLError) {
        if base == 0 && pos == 0 && buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF {
            consume(to: 3)
            declarationOffset = 3
        } else if base == 0 && pos == 0 && buf.count < 3 && buf.starts(with: [0xEF, 0xBB, 0xBF].prefix(buf.count)) {
            return  // maybe a byte-order mark; wait for more
        }
        while pos < buf.count {
            if buf[pos] != UInt8(ascii: "<") {
                guard let lt = find(UInt8(ascii: "<")) else { return }
                try handleText(pos..<lt)
                consume(to: lt)
                continue
            }
            guard pos + 1 < buf.count else { return }
            switch buf[pos + 1] {
            case UInt8(ascii: "?"):
                guard let end = find(Self.piEnd, from: pos + 2) else { return }
                try handlePI(end)
                consume(to: end + 2)
            case UInt8(ascii: "!"):
                if matches(Self.commentStart) {
                    guard let end = find(Self.commentEnd, from: pos + 4) else { return }
                    try validateUTF8(pos + 4..<end)
                    consume(to: end + 3)
                } else if matches(Self.cdataStart) {
                    guard let end = find(Self.cdataEnd, from: pos + 9) else { return }
                    try handleCDATA(pos + 9..<end)
                    consume(to: end + 3)
                } else if isPrefixOfOpener() {
                    return  // `<!-` or `<![CD`: wait for more
                } else if matches(Self.doctype, partialOK: true) {
                    throw error(
                        .forbidden, at: pos,
                        "DOCTYPE is not allowed: DTDs, custom and external entities are refused")
                } else {
                    throw error(.malformed, at: pos, "expected a comment '<!--' or a CDATA section '<![CDATA[' after '<!'")
                }
            case UInt8(ascii: "/"):
                guard let gt = find(UInt8(ascii: ">")) else { return }
                try handleEndTag(gt)
                consume(to: gt + 1)
            default:
                guard let gt = findTagEnd() else { return }
                try handleStartTag(gt)
                consume(to: gt + 1)
            }
        }
    }

    private static let piEnd: [UInt8] = Array("?>".utf8)
    private static let commentStart: [UInt8] = Array("<!--".utf8)
    private static let commentEnd: [UInt8] = Array("-->".utf8)
    private static let cdataStart: [UInt8] = Array("<![CDATA[".utf8)
    private static let cdataEnd: [UInt8] = Array("]]>".utf8)
    private static let doctype: [UInt8] = Array("<!DOCTYPE".utf8)

    /// Whether the bytes at `pos` begin with `literal` (or, with `partialOK`, are a prefix of it
    /// that the buffer cuts short).
    private func matches(_ literal: [UInt8], partialOK: Bool = false) -> Bool {
        let available = buf.count - pos
        if available < literal.count {
            return partialOK && buf[pos...].elementsEqual(literal.prefix(available))
        }
        return buf[pos..<(pos + literal.count)].elementsEqual(literal)
    }

    private func isPrefixOfOpener() -> Bool {
        let available = buf.count - pos
        for opener in [Self.commentStart, Self.cdataStart, Self.doctype] where available < opener.count {
            if buf[pos...].elementsEqual(opener.prefix(available)) { return true }
        }
        return false
    }

    /// Index of the next `byte` at or after the resume point, remembering where to resume.
    private mutating func find(_ byte: UInt8) -> Int? {
        var i = max(scan, pos)
        while i < buf.count {
            if buf[i] == byte { return i }
            i += 1
        }
        scan = i
        return nil
    }

    private mutating func find(_ terminator: [UInt8], from start: Int) -> Int? {
        var i = max(scan, start)
        let last = buf.count - terminator.count
        while i <= last {
            if buf[i] == terminator[0] && buf[i..<(i + terminator.count)].elementsEqual(terminator) { return i }
            i += 1
        }
        scan = max(start, last + 1)
        return nil
    }

    /// The `>` that ends the start tag at `pos`, skipping any inside quoted attribute values.
    private mutating func findTagEnd() -> Int? {
        var i = max(scan, pos + 1)
        var quote = scanQuote
        while i < buf.count {
            let b = buf[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: ">") {
                return i
            }
            i += 1
        }
        scan = i
        scanQuote = quote
        return nil
    }

    private func pendingKind() -> String {
        guard pos + 1 < buf.count else { return "markup" }
        switch buf[pos + 1] {
        case UInt8(ascii: "?"): return "processing instruction"
        case UInt8(ascii: "!"): return matches(Self.cdataStart) ? "CDATA section" : "comment"
        case UInt8(ascii: "/"): return "end tag"
        default: return "start tag"
        }
    }

    private func expectedEnd() -> String {
        guard pos + 1 < buf.count else { return "a tag name" }
        switch buf[pos + 1] {
        case UInt8(ascii: "?"): return "'?>'"
        case UInt8(ascii: "!"): return matches(Self.cdataStart) ? "']]>'" : matches(Self.commentStart) ? "'-->'" : "'-->' or ']]>'"
        default: return "'>'"
        }
    }

    // MARK: Tokens

    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    private mutating func handleText(_ range: Range<Int>) throws(XMLError) {
        if stack.isEmpty {
            for i in range where !Self.isSpace(buf[i]) {
                let place = root == nil ? "before the root element" : "after the root element"
                throw error(.malformed, at: i, "expected '<': character data is not allowed \(place)")
            }
            return
        }
        var out = stack[stack.count - 1].text
        stack[stack.count - 1].text = []
        try decode(range, into: &out, attribute: false)
        stack[stack.count - 1].text = out
    }

    private mutating func handleCDATA(_ range: Range<Int>) throws(XMLError) {
        guard !stack.isEmpty else {
            throw error(.malformed, at: range.lowerBound - 9, "a CDATA section is only allowed inside an element")
        }
        try validateUTF8(range)
        var out = stack[stack.count - 1].text
        stack[stack.count - 1].text = []
        var i = range.lowerBound
        while i < range.upperBound {
            let b = buf[i]
            if b == 0x0D {  // XML 1.0 §2.11 line-end normalisation
                out.append(0x0A)
                if i + 1 < range.upperBound && buf[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(b)
            }
            i += 1
        }
        stack[stack.count - 1].text = out
    }

    /// `<?target ...?>`; `end` is the index of `?>`.
    private mutating func handlePI(_ end: Int) throws(XMLError) {
        var i = pos + 2
        guard let target = try name(at: &i, limit: end) else {
            throw error(.malformed, at: i, "expected a processing-instruction target after '<?'")
        }
        try validateUTF8(i..<end)
        guard target.lowercased() == "xml" else { return }
        guard base + pos == declarationOffset, root == nil, stack.isEmpty else {
            throw error(.malformed, at: pos, "the XML declaration is only allowed at the very start of the document")
        }
        // XML 1.0 §4.3.3: the reader is UTF-8 only.
        let body = Array(buf[i..<end])
        let key = Array("encoding".utf8)
        if let at = (0..<max(0, body.count - key.count + 1)).first(where: { body[$0..<($0 + key.count)].elementsEqual(key) }) {
            let rest = body[(at + key.count)...].drop { $0 == 0x20 || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }
            let value = rest.prefix { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") && $0 != 0x20 }
            let name = String(decoding: value, as: UTF8.self).lowercased()
            guard name == "utf-8" || name == "utf8" else {
                throw error(.forbidden, at: pos, "unsupported encoding '\(name)': expected UTF-8")
            }
        }
    }

    /// `<Name attr="v" ...>` or `<Name/>`; `gt` is the index of `>`.
    private mutating func handleStartTag(_ gt: Int) throws(XMLError) {
        let start = pos
        var i = pos + 1
        guard let elementName = try name(at: &i, limit: gt) else {
            throw error(.malformed, at: i, "expected an element name after '<'")
        }
        if root != nil {
            throw error(.malformed, at: start, "expected the end of the document: only one root element is allowed")
        }
        guard stack.count < limits.maxDepth else {
            throw error(.limitExceeded, at: start, "elements nested deeper than \(limits.maxDepth)")
        }
        guard elementCount < limits.maxElements else {
            throw error(.limitExceeded, at: start, "more than \(limits.maxElements) elements")
        }
        elementCount += 1
        var attributes: [XMLAttribute] = []
        var selfClosing = false
        while true {
            let hadSpace = skipSpace(&i, limit: gt)
            if i == gt { break }
            if buf[i] == UInt8(ascii: "/") {
                guard i + 1 == gt else { throw error(.malformed, at: i + 1, "expected '>' after '/'") }
                selfClosing = true
                break
            }
            guard hadSpace else { throw error(.malformed, at: i, "expected whitespace, '/>' or '>' after '\(elementName)'") }
            guard let attributeName = try name(at: &i, limit: gt) else {
                throw error(.malformed, at: i, "expected an attribute name, '/>' or '>'")
            }
            _ = skipSpace(&i, limit: gt)
            guard i < gt, buf[i] == UInt8(ascii: "=") else {
                throw error(.malformed, at: i, "expected '=' after attribute name '\(attributeName)'")
            }
            i += 1
            _ = skipSpace(&i, limit: gt)
            guard i < gt, buf[i] == UInt8(ascii: "\"") || buf[i] == UInt8(ascii: "'") else {
                throw error(.malformed, at: i, "expected a quoted value for attribute '\(attributeName)'")
            }
            let quote = buf[i]
            var close = i + 1
            while close < gt && buf[close] != quote { close += 1 }
            guard close < gt else {  // unreachable: findTagEnd skips '>' inside quotes
                throw error(.malformed, at: i, "expected a closing quote for attribute '\(attributeName)'")
            }
            var value: [UInt8] = []
            try decode(i + 1..<close, into: &value, attribute: true)
            if attributes.contains(where: { $0.name == attributeName }) {
                throw error(.malformed, at: i, "duplicate attribute '\(attributeName)'")
            }
            attributes.append(XMLAttribute(name: attributeName, value: String(decoding: value, as: UTF8.self)))
            i = close + 1
        }
        stack.append(Builder(name: elementName, attributes: attributes, offset: base + start))
        if selfClosing { closeTop() }
    }

    /// `</Name>`; `gt` is the index of `>`.
    private mutating func handleEndTag(_ gt: Int) throws(XMLError) {
        var i = pos + 2
        guard let elementName = try name(at: &i, limit: gt) else {
            throw error(.malformed, at: i, "expected an element name after '</'")
        }
        _ = skipSpace(&i, limit: gt)
        guard i == gt else { throw error(.malformed, at: i, "expected '>' to end </\(elementName)>") }
        guard let open = stack.last else {
            throw error(.mismatchedTag, at: pos, "unexpected end tag </\(elementName)>: no element is open")
        }
        guard open.name == elementName else {
            throw error(
                .mismatchedTag, at: pos,
                "expected </\(open.name)> to close the element opened at byte \(open.offset), found </\(elementName)>")
        }
        closeTop()
    }

    private mutating func closeTop() {
        let b = stack.removeLast()
        let element = XMLElement(
            name: b.name, attributes: b.attributes, children: b.children, text: String(decoding: b.text, as: UTF8.self))
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }

    private func skipSpace(_ i: inout Int, limit: Int) -> Bool {
        let start = i
        while i < limit && Self.isSpace(buf[i]) { i += 1 }
        return i > start
    }

    /// An XML name (XML 1.0 §2.3, with every non-ASCII character accepted) at `i`, or `nil`.
    private func name(at i: inout Int, limit: Int) throws(XMLError) -> String? {
        let start = i
        while i < limit {
            let b = buf[i]
            let ok: Bool
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "_"), UInt8(ascii: ":"):
                ok = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                ok = i > start
            case 0x80...:
                guard let n = Self.utf8Length(buf, i, limit) else {
                    throw error(.invalidUTF8, at: i, "invalid UTF-8 in a name")
                }
                i += n
                continue
            default:
                ok = false
            }
            guard ok else { break }
            i += 1
        }
        return i > start ? String(decoding: buf[start..<i], as: UTF8.self) : nil
    }

    // MARK: Character data

    /// Checks comments, processing instructions and CDATA: UTF-8, and no NUL (XML 1.0 §2.2
    /// `Char`), as in character data, so nothing the reader accepts is a text the writer cannot
    /// write back.
    private func validateUTF8(_ range: Range<Int>) throws(XMLError) {
        var i = range.lowerBound
        while i < range.upperBound {
            if buf[i] == 0x00 {
                throw error(.malformed, at: i, "a NUL byte is not allowed in XML")
            } else if buf[i] < 0x80 {
                i += 1
            } else if let n = Self.utf8Length(buf, i, range.upperBound) {
                i += n
            } else {
                throw error(.invalidUTF8, at: i, "invalid UTF-8 byte 0x\(String(buf[i], radix: 16, uppercase: true))")
            }
        }
    }

    /// Decodes character data or an attribute value: references, line ends, UTF-8 checks.
    private func decode(_ range: Range<Int>, into out: inout [UInt8], attribute: Bool) throws(XMLError) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b = buf[i]
            switch b {
            case UInt8(ascii: "&"):
                i = try reference(at: i, end: end, into: &out)
            case UInt8(ascii: "]") where !attribute && i + 2 < end && buf[i + 1] == UInt8(ascii: "]")
                && buf[i + 2] == UInt8(ascii: ">"):
                // XML 1.0 §2.4: ']]>' may not appear literally in character data.
                throw error(.malformed, at: i, "']]>' is not allowed in character data: expected ']]&gt;'")
            case UInt8(ascii: "<"):  // only reachable in attribute values
                throw error(.malformed, at: i, "'<' is not allowed in an attribute value: expected '&lt;'")
            case 0x0D:  // XML 1.0 §2.11; §3.3.3 for attribute values
                out.append(attribute ? 0x20 : 0x0A)
                i += (i + 1 < end && buf[i + 1] == 0x0A) ? 2 : 1
            case 0x09, 0x0A:
                out.append(attribute ? 0x20 : b)
                i += 1
            case 0x00:
                throw error(.malformed, at: i, "a NUL byte is not allowed in XML")
            case 0x01..<0x80:
                out.append(b)
                i += 1
            default:
                guard let n = Self.utf8Length(buf, i, end) else {
                    throw error(.invalidUTF8, at: i, "invalid UTF-8 byte 0x\(String(b, radix: 16, uppercase: true))")
                }
                out.append(contentsOf: buf[i..<(i + n)])
                i += n
            }
        }
    }

    /// Decodes the reference starting with `&` at `i`; returns the index after its `;`.
    private func reference(at i: Int, end: Int, into out: inout [UInt8]) throws(XMLError) -> Int {
        var semi = i + 1
        while semi < end && semi - i <= 12 && buf[semi] != UInt8(ascii: ";") { semi += 1 }
        guard semi < end, buf[semi] == UInt8(ascii: ";") else {
            throw error(.invalidEntity, at: i, "expected ';' to end the reference started by '&' (write '&amp;' for '&')")
        }
        let body = buf[(i + 1)..<semi]
        let text = String(decoding: body, as: UTF8.self)
        switch text {
        case "amp": out.append(UInt8(ascii: "&"))
        case "lt": out.append(UInt8(ascii: "<"))
        case "gt": out.append(UInt8(ascii: ">"))
        case "quot": out.append(UInt8(ascii: "\""))
        case "apos": out.append(UInt8(ascii: "'"))
        default:
            guard body.first == UInt8(ascii: "#") else {
                throw error(
                    .invalidEntity, at: i,
                    "undefined entity '&\(text);': expected one of &amp; &lt; &gt; &quot; &apos; or a character reference")
            }
            var digits = body.dropFirst()
            var radix: UInt32 = 10
            if digits.first == UInt8(ascii: "x") {
                radix = 16
                digits = digits.dropFirst()
            }
            var value: UInt32 = 0
            for d in digits {
                let v: UInt32
                switch d {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(d - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: v = UInt32(d - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: v = UInt32(d - UInt8(ascii: "A") + 10)
                default: throw error(.invalidEntity, at: i, "malformed character reference '&\(text);'")
                }
                value = value * radix + v
                if value > 0x10FFFF { break }
            }
            guard !digits.isEmpty, value != 0, let scalar = Unicode.Scalar(value) else {
                throw error(.invalidEntity, at: i, "character reference '&\(text);' is not a valid character")
            }
            out.append(contentsOf: UTF8.encode(scalar)!)
        }
        return semi + 1
    }

    /// Length of the well-formed UTF-8 sequence at `i` (RFC 3629 §4), or `nil`.
    static func utf8Length(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        let c = b[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < end && b[i + k] >= lo && b[i + k] <= hi
        }
        switch c {
        case 0x00..<0x80: return 1
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }
}
