import OSSHTTP
import Testing

/// Field lookup and replacement, which every request and answer goes through.
@Suite("HTTPHeaders: lookup and replacement")
struct HTTPHeadersTests {
    static let sample = HTTPHeaders([
        ("Content-Type", "text/plain"), ("X-Oss-Meta-A", "1"), ("x-oss-meta-b", "2"), ("x-oss-meta-a", "3"),
        ("Content-Length", "10"),
    ])

    @Test("a lookup ignores ASCII case, returns the first value, and tells apart names of one length")
    func lookup() {
        let h = Self.sample
        #expect(h["x-oss-meta-a"] == "1")
        #expect(h["X-OSS-META-B"] == "2")
        #expect(h["content-length"] == "10")
        // The same length as present names, other bytes.
        #expect(h["x-oss-meta-c"] == nil)
        #expect(h["Content-Tipe"] == nil)
        #expect(h["x"] == nil)
        #expect(h.contains("CONTENT-TYPE"))
        #expect(!h.contains("content-typ"))
        #expect(HTTPHeaders()["anything"] == nil)
    }

    @Test("replacing a name sets its first field, drops the later ones, and keeps every other field in order")
    func replace() {
        var h = Self.sample
        h["X-OSS-META-A"] = "new"
        #expect(h.fields.map(\.name) == ["Content-Type", "X-Oss-Meta-A", "x-oss-meta-b", "Content-Length"])
        #expect(h.fields.map(\.value) == ["text/plain", "new", "2", "10"])

        // Duplicates next to each other and at the end all go.
        var runs = HTTPHeaders([("A", "1"), ("a", "2"), ("A", "3"), ("B", "4"), ("a", "5")])
        runs.replaceOrAdd(name: "a", value: "x")
        #expect(runs.fields.map(\.name) == ["A", "B"])
        #expect(runs.fields.map(\.value) == ["x", "4"])

        // A missing name is added at the end; nil removes every field of the name.
        runs["C"] = "c"
        #expect(runs.fields.map(\.name) == ["A", "B", "C"])
        var removed = Self.sample
        removed["x-oss-meta-a"] = nil
        #expect(removed.fields.map(\.name) == ["Content-Type", "x-oss-meta-b", "Content-Length"])
    }
}
