import Foundation
import OSSTestSupport
import OSSXML
import Testing

/// Parses `bytes` fed as the given pieces.
func parsePieces(_ pieces: [ArraySlice<UInt8>], limits: XMLLimits = .default) -> Result<XMLElement, XMLError> {
    var reader = XMLReader(limits: limits)
    do {
        for piece in pieces { try reader.feed(piece) }
        return .success(try reader.finish())
    } catch {
        return .failure(error)
    }
}

/// The result of feeding `bytes` whole, then checks every split into two pieces and one byte at
/// a time give exactly the same result (tree or error).
///
/// The work is quadratic in the document's length, so it runs on a thread of its own
/// (`Blocking.run`): on Swift's cooperative pool (two threads here) it would starve the socket
/// tests running beside it. The expectations are checked back on the test's task.
func parseEverySplit(_ bytes: [UInt8], limits: XMLLimits = .default, sourceLocation: SourceLocation = #_sourceLocation)
    async -> Result<XMLElement, XMLError>
{
    // The closure cannot throw, so neither can the run.
    let outcome = try! await Blocking.run { () -> SplitOutcome in
        let whole = parsePieces([bytes[...]], limits: limits)
        var firstBadCut: Int? = nil
        for cut in 0...bytes.count where parsePieces([bytes[..<cut], bytes[cut...]], limits: limits) != whole {
            firstBadCut = cut
            break
        }
        let bytewise = parsePieces(bytes.indices.map { bytes[$0...$0] }, limits: limits)
        return SplitOutcome(whole: whole, firstBadCut: firstBadCut, bytewiseAgrees: bytewise == whole)
    }
    #expect(outcome.firstBadCut == nil, "split at byte \(outcome.firstBadCut ?? -1)", sourceLocation: sourceLocation)
    #expect(outcome.bytewiseAgrees, "one byte at a time", sourceLocation: sourceLocation)
    return outcome.whole
}

struct SplitOutcome: Sendable {
    let whole: Result<XMLElement, XMLError>
    let firstBadCut: Int?
    let bytewiseAgrees: Bool
}

@Suite struct XMLReaderTests {
    @Test func everyResponseSampleParsesTheSameInEverySplit() async throws {
        let names = try Fixtures.responseNames()
        #expect(names.count == 25)
        for name in names {
            let bytes = try Fixtures.response(name)
            let result = await parseEverySplit(bytes)
            let root = try result.get()
            #expect(!root.children.isEmpty, "\(name)")
        }
    }

    @Test func everyRequestSampleParsesTheSameInEverySplit() async throws {
        for name in try Fixtures.requestNames() {
            _ = try await parseEverySplit(try Fixtures.request(name)).get()
        }
    }

    @Test func readsDeclarationNamespacesAttributesAndEmptyElements() async throws {
        let doc = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- leading comment -->
            <r:Root xmlns:r="urn:x" xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com" a='1' b="two &amp; &quot;three&quot;">
              <Empty></Empty><Self/><SelfSpaced />
              <r:Named x = "y">v</r:Named>
              <?ignored processing instruction?>
            </r:Root>
            <!-- trailing comment -->

            """
        let root = try await parseEverySplit(Array(doc.utf8)).get()
        #expect(root.name == "r:Root")
        #expect(root.localName == "Root")
        #expect(root.attribute("a") == "1")
        #expect(root.attribute("b") == "two & \"three\"")
        #expect(root.attribute("xmlns") == "http://doc.oss-cn-hangzhou.aliyuncs.com")
        #expect(root.text(of: "Empty") == "")
        #expect(root.text(of: "Self") == "")
        #expect(root.child("SelfSpaced")?.children == [])
        #expect(root.text(of: "Named") == "v")
        #expect(root.child("Named")?.attribute("x") == "y")
        #expect(root.child("Missing") == nil)
        #expect(root.children.map(\.name) == ["Empty", "Self", "SelfSpaced", "r:Named"])
    }

    @Test func decodesEntitiesCharacterReferencesAndCDATA() async throws {
        let doc = "<a>&amp;&lt;&gt;&quot;&apos;|&#65;&#x42;&#x43;&#x4e2d;&#128512;|<![CDATA[<raw> & ]] ]]>|\u{4E2D}\u{1F600}</a>"
        let root = try await parseEverySplit(Array(doc.utf8)).get()
        #expect(root.text == "&<>\"'|AB" + "C" + "\u{4E2D}\u{1F600}|<raw> & ]] |\u{4E2D}\u{1F600}")
    }

    @Test func hexReferenceNeedsLowerCaseX() throws {
        // XML 1.0 §4.1 spells the hex form `&#x`; `&#X43;` is not a reference.
        let result = parsePieces([Array("<a>&#X43;</a>".utf8)[...]])
        #expect(throws: XMLError.self) { try result.get() }
    }

    @Test func normalisesLineEndsButKeepsReferencedOnes() async throws {
        let root = try await parseEverySplit(Array("<a v=\"x\ty\r\nz\">1\r\n2\r3&#13;&#10;&#9;</a>".utf8)).get()
        #expect(root.text == "1\n2\n3\r\n\t")
        #expect(root.attribute("v") == "x y z")
    }

    @Test func skipsByteOrderMark() async throws {
        let root = try await parseEverySplit([0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\"?><a>x</a>".utf8)).get()
        #expect(root.text == "x")
    }

    @Test func keepsGreaterThanInsideAttributeValues() async throws {
        let root = try await parseEverySplit(Array("<a k=\"1>2\" j='\"'>t</a>".utf8)).get()
        #expect(root.attribute("k") == "1>2")
        #expect(root.attribute("j") == "\"")
    }

    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <lolz>&lol3;</lolz>
        """

    /// (document, expected kind, expected offset, words the message must contain)
    static let malformed: [(String, XMLError.Kind, Int, String)] = [
        ("", .truncated, 0, "expected a root element"),
        ("   \n", .truncated, 4, "expected a root element"),
        ("<a>", .truncated, 3, "expected </a>"),
        ("<a><b>text</b>", .truncated, 14, "expected </a>"),
        ("<a", .truncated, 2, "expected '>'"),
        ("<a><!-- never closed", .truncated, 20, "'-->'"),
        ("<a><![CDATA[x", .truncated, 13, "']]>'"),
        ("<a b=\"1>", .truncated, 8, "expected '>'"),
        ("<a><b></a>", .mismatchedTag, 6, "expected </b>"),
        ("</a>", .mismatchedTag, 0, "unexpected end tag"),
        ("<a></a></b>", .mismatchedTag, 7, "unexpected end tag"),
        ("<a>&foo;</a>", .invalidEntity, 3, "undefined entity '&foo;'"),
        ("<a>&amp</a>", .invalidEntity, 3, "expected ';'"),
        ("<a>AT&T</a>", .invalidEntity, 5, "expected ';'"),
        ("<a>&#xD800;</a>", .invalidEntity, 3, "not a valid character"),
        ("<a>&#0;</a>", .invalidEntity, 3, "not a valid character"),
        ("<a>&#x110000;</a>", .invalidEntity, 3, "not a valid character"),
        ("<a>&#12a;</a>", .invalidEntity, 3, "malformed character reference"),
        ("<a>&#;</a>", .invalidEntity, 3, "not a valid character"),
        ("<a b=\"&x;\"/>", .invalidEntity, 6, "undefined entity"),
        ("<!DOCTYPE a SYSTEM \"http://evil/x.dtd\"><a/>", .forbidden, 0, "DOCTYPE"),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", .forbidden, 21,
            "DOCTYPE"
        ),
        (billionLaughs, .forbidden, 22, "DOCTYPE"),
        ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", .forbidden, 0, "expected UTF-8"),
        ("<a/><?xml version=\"1.0\"?>", .malformed, 4, "only allowed at the very start"),
        (" <?xml version=\"1.0\"?><a/>", .malformed, 1, "only allowed at the very start"),
        ("<a></a><b/>", .malformed, 7, "only one root element"),
        ("text<a/>", .malformed, 0, "before the root element"),
        ("<a/>text", .malformed, 4, "after the root element"),
        ("<a b='1' b='2'/>", .malformed, 11, "duplicate attribute 'b'"),
        ("<a b=1/>", .malformed, 5, "expected a quoted value"),
        ("<a b/>", .malformed, 4, "expected '='"),
        ("<a b='1'c='2'/>", .malformed, 8, "expected whitespace"),
        ("<a b='<'/>", .malformed, 6, "'<' is not allowed"),
        ("< a/>", .malformed, 1, "expected an element name"),
        ("<1a/>", .malformed, 1, "expected an element name"),
        ("<a/ >", .malformed, 3, "expected '>' after '/'"),
        ("<a></a >x", .malformed, 8, "after the root element"),
        ("<a></a x>", .malformed, 7, "expected '>' to end </a>"),
        ("<a><!x></a>", .malformed, 3, "expected a comment"),
        ("<a>\u{0}</a>", .malformed, 3, "NUL"),
        ("<a>x]]>y</a>", .malformed, 4, "']]>' is not allowed"),
    ]

    @Test func malformedDocumentsGiveAClearErrorInEverySplit() async throws {
        for (doc, kind, offset, words) in Self.malformed {
            let result = await parseEverySplit(Array(doc.utf8))
            guard case .failure(let error) = result else {
                Issue.record("accepted: \(doc)")
                continue
            }
            #expect(error.kind == kind, "\(doc): \(error)")
            #expect(error.offset == offset, "\(doc): \(error)")
            #expect(error.message.contains(words), "\(doc): \(error)")
            #expect(error.description.contains("byte \(offset)"))
        }
    }

    @Test func invalidUTF8IsRefusedWhereverItIs() async throws {
        let cases: [([UInt8], Int)] = [
            (Array("<a>".utf8) + [0xFF] + Array("</a>".utf8), 3),
            (Array("<a>".utf8) + [0xE4, 0xB8] + Array("</a>".utf8), 3),  // truncated sequence
            (Array("<a>".utf8) + [0xC0, 0xAF] + Array("</a>".utf8), 3),  // overlong '/'
            (Array("<a>".utf8) + [0xED, 0xA0, 0x80] + Array("</a>".utf8), 3),  // surrogate
            (Array("<a>".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("</a>".utf8), 3),  // above U+10FFFF
            (Array("<a x=\"".utf8) + [0x80] + Array("\"/>".utf8), 6),
            (Array("<a".utf8) + [0xFE] + Array("/>".utf8), 2),
            (Array("<a><![CDATA[".utf8) + [0xFF] + Array("]]></a>".utf8), 12),
            (Array("<a><!--".utf8) + [0xFF] + Array("--></a>".utf8), 7),
        ]
        for (bytes, offset) in cases {
            let result = await parseEverySplit(bytes)
            guard case .failure(let error) = result else {
                Issue.record("accepted invalid UTF-8: \(bytes)")
                continue
            }
            #expect(error.offset == offset, "\(bytes): \(error)")
            #expect(error.kind == .invalidUTF8 || error.kind == .malformed, "\(error)")
        }
    }

    @Test func everyTruncationOfASampleIsAnError() throws {
        let bytes = try Fixtures.response("ListPartsResult-encoding-url")
        let end = bytes.lastIndex(of: UInt8(ascii: ">"))!
        for cut in 0...end {
            #expect(throws: XMLError.self, "cut at \(cut)") { try XMLReader.parse(bytes[..<cut]) }
        }
    }

    @Test func enforcesDepthElementAndSizeLimits() throws {
        let deep = String(repeating: "<a>", count: 10) + String(repeating: "</a>", count: 10)
        #expect(throws: Never.self) { try XMLReader.parse(deep, limits: XMLLimits(maxDepth: 10)) }
        let tooDeep = parsePieces([Array(deep.utf8)[...]], limits: XMLLimits(maxDepth: 9))
        #expect(throws: XMLError.self) { try tooDeep.get() }
        if case .failure(let e) = tooDeep {
            #expect(e.kind == .limitExceeded)
            #expect(e.offset == 27)
        }

        let many = "<r>" + String(repeating: "<e/>", count: 100) + "</r>"
        #expect(throws: Never.self) { try XMLReader.parse(many, limits: XMLLimits(maxElements: 101)) }
        let tooMany = parsePieces([Array(many.utf8)[...]], limits: XMLLimits(maxElements: 100))
        if case .failure(let e) = tooMany { #expect(e.kind == .limitExceeded && e.offset == 3 + 99 * 4) } else {
            Issue.record("element limit not enforced")
        }

        let big = Array(("<r>" + String(repeating: "x", count: 1000) + "</r>").utf8)
        #expect(throws: Never.self) { try XMLReader.parse(big, limits: XMLLimits(maxDocumentBytes: big.count)) }
        var reader = XMLReader(limits: XMLLimits(maxDocumentBytes: big.count - 1))
        try reader.feed(big[..<500])
        do {
            try reader.feed(big[500...])
            Issue.record("size limit not enforced")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.offset == big.count - 1)
        }
        // The reader stays failed.
        #expect(throws: XMLError.self) { _ = try reader.finish() }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let n = 100_000
        let bytes = Array((String(repeating: "<a>", count: n) + String(repeating: "</a>", count: n)).utf8)
        #expect(throws: XMLError.self) { try XMLReader.parse(bytes) }
    }

    @Test func aReaderAfterFinishRefusesMoreBytes() throws {
        var reader = XMLReader()
        try reader.feed(Array("<a/>".utf8))
        _ = try reader.finish()
        #expect(throws: XMLError.self) { try reader.feed(Array(" ".utf8)) }
    }
}
