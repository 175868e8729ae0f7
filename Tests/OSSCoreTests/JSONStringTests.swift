import Foundation
import OSSCore
import Testing

@Suite("JSONString")
struct JSONStringTests {
    @Test("quotes, backslashes and control characters are escaped; Foundation reads back the same text")
    func escapesAndReadsBack() throws {
        let samples = ["", "plain", "a \"b\" c", "back\\slash", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1f}", "ключ/日本/🙂"]
        for s in samples {
            let literal = JSONString.quoted(s)
            let decoded = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: [.fragmentsAllowed])
            #expect(decoded as? String == s, "\(literal)")
        }
        #expect(JSONString.quoted("\u{1}") == "\"\\u0001\"")
        #expect(JSONString.escaped("a\"b") == "a\\\"b")
    }

    @Test("an absent value is null")
    func optional() {
        #expect(JSONString.optional(nil) == "null")
        #expect(JSONString.optional("x") == "\"x\"")
    }
}
