import OSSXML
import OSSTestSupport
import Testing

@Suite struct XMLWriterTests {
    @Test func escapesTextAsTheOfficialSDKs() {
        #expect(XMLWriter.escaped("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d\"e'f")
        #expect(XMLWriter.escaped("tab\there\nline\rcr\u{1}\u{1F}") == "tab&#09;here&#10;line&#13;cr&#01;&#31;")
        #expect(XMLWriter.escaped("中文 \u{1F600}") == "中文 \u{1F600}")
    }

    @Test func escapesQuotesInAttributeValues() {
        var w = XMLWriter()
        w.open("a", attributes: [("q", "say \"hi\" & 'bye' <now>")])
        w.close("a")
        #expect(w.string == "<a q=\"say &quot;hi&quot; &amp; &apos;bye&apos; &lt;now&gt;\"></a>")
    }

    @Test func writesDeclarationOnlyWhenAsked() {
        var w = XMLWriter(declaration: true)
        w.element("a", "x")
        #expect(w.string == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x</a>")
        var plain = XMLWriter()
        plain.element("b", nil as String?)
        plain.element("c", "")
        #expect(plain.string == "<c></c>")
    }

    static let tricky = [
        "&<>\"'", "a&amp;b", "tab\there", "new\nline", "cr\rlf\r\n", "  spaced  ", "中文/文件 1.txt", "emoji 😀/ok",
        "\u{1}\u{2}\u{B}\u{C}\u{1F}", "]]>", "<!--x-->", "<![CDATA[y]]>", "&#65;", "%2F%20", "",
    ]

    @Test func writerThenReaderRoundTripsTrickyText() async throws {
        for value in Self.tricky {
            var w = XMLWriter(declaration: true)
            w.element("Root") { w in
                w.element("Key", value)
                w.open("Attr", attributes: [("v", value)])
                w.close("Attr")
            }
            let root = try await parseEverySplit(w.bytes).get()
            #expect(root.text(of: "Key") == value, "\(value.debugDescription)")
            // Attribute values: white space other than references is normalised by XML, and the
            // writer writes control characters as references, so they survive too.
            #expect(root.child("Attr")?.attribute("v") == value, "\(value.debugDescription)")
        }
    }

    @Test func writingAParsedSampleBackReadsTheSame() throws {
        for name in try Fixtures.responseNames() {
            let root = try XMLReader.parse(try Fixtures.response(name))
            var w = XMLWriter(declaration: true)
            w.write(root)
            #expect(try XMLReader.parse(w.bytes) == root, "\(name)")
        }
        let tricky = XMLElement(
            name: "r", attributes: [XMLAttribute(name: "a", value: "\"&'<>\t\n")],
            children: Self.tricky.map { XMLElement(name: "k", text: $0) }, text: "x&y")
        var w = XMLWriter()
        w.write(tricky)
        #expect(try XMLReader.parse(w.bytes) == tricky)
    }
}
