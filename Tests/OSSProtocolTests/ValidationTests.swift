import OSSProtocol
import Testing

@Suite("Input validation")
struct ValidationTests {
    @Test("good bucket names pass", arguments: ["abc", "my-bucket-1", "a1b", String(repeating: "a", count: 63)])
    func goodBuckets(_ name: String) throws {
        try Validation.checkBucketName(name)
    }

    @Test(
        "bad bucket names fail before any byte is sent",
        arguments: [
            "", "ab", String(repeating: "a", count: 64), "Upper", "-start", "end-", "under_score", "dot.ted", "sp ace",
        ])
    func badBuckets(_ name: String) {
        #expect(throws: ValidationError.self) { try Validation.checkBucketName(name) }
    }

    @Test("keys: empty, too long, CR/LF, leading slash fail; tricky but valid keys pass")
    func keys() throws {
        for bad in ["", String(repeating: "k", count: 1024), "a\rb", "a\nb", "/lead", "\\lead"] {
            #expect(throws: ValidationError.self) { try Validation.checkObjectKey(bad) }
        }
        for good in [String(repeating: "k", count: 1023), "a b+~*!'()%?#=&", "日本/😀", "trailing/", "a//./../b"] {
            try Validation.checkObjectKey(good)
        }
        // 1023 bytes counted in UTF-8, not characters.
        #expect(throws: ValidationError.self) { try Validation.checkObjectKey(String(repeating: "é", count: 512)) }
    }

    @Test("part numbers outside 1...10000 fail", arguments: [0, -1, 10_001, Int.max])
    func badPartNumbers(_ n: Int) {
        #expect(throws: ValidationError.self) { try Validation.checkPartNumber(n) }
    }

    @Test("part numbers 1 and 10000 pass")
    func edgePartNumbers() throws {
        try Validation.checkPartNumber(1)
        try Validation.checkPartNumber(10_000)
    }

    @Test("metadata and header values with CR/LF fail; names must be tokens")
    func headers() throws {
        try Validation.checkMetadata(["Author": "Ann", "x-y": "1 2"])
        #expect(throws: ValidationError.self) { try Validation.checkMetadata(["a": "x\r\nEvil: 1"]) }
        #expect(throws: ValidationError.self) { try Validation.checkMetadata(["bad name": "x"]) }
        #expect(throws: ValidationError.self) { try Validation.checkHeaderName("a:b") }
        #expect(throws: ValidationError.self) { try Validation.checkHeaderValue("a\u{0}b", name: "X") }
    }

    @Test("error messages show control characters instead of breaking lines")
    func quoting() throws {
        let e = try #require(throws: ValidationError.self) { try Validation.checkObjectKey("a\nb") }
        #expect(e.description.contains("a\\nb"))
        #expect(!e.description.contains("\n"))
    }

    @Test("the mock's object-name rule is OSS's: control characters are the client's own refusal")
    func objectNameAndKey() throws {
        try Validation.checkObjectName("a\nb")
        #expect(throws: ValidationError.self) { try Validation.checkObjectName("/lead") }
        #expect(!Validation.isValidBucketName("Upper"))
        #expect(Validation.isValidBucketName("abc"))
    }
}
