import Testing
@testable import OSSCore

@Suite struct CRC64Tests {
    @Test func checkValueMatchesDesign() {
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0x995D_C9BB_DF19_39FA)
        #expect(CRC64.checksum([UInt8]()) == 0)
    }

    @Test func incrementalEqualsWhole() {
        let data = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var crc = CRC64()
        var i = 0
        while i < data.count {
            let n = min(1 + i % 977, data.count - i)
            crc.update(data[i..<(i + n)])
            i += n
        }
        #expect(crc.value == CRC64.checksum(data))
    }

    @Test func combineEqualsCRCOfConcatenation() {
        let a = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        let b = (0..<12345).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let combined = CRC64.combine(CRC64.checksum(a), CRC64.checksum(b), lengthOfB: UInt64(b.count))
        #expect(combined == CRC64.checksum(a + b))
        #expect(CRC64.combine(CRC64.checksum(a), 0, lengthOfB: 0) == CRC64.checksum(a))
    }

    @Test func continuingFromAValue() {
        let a = Array("hello ".utf8), b = Array("world".utf8)
        var crc = CRC64(continuing: CRC64.checksum(a))
        crc.update(b)
        #expect(crc.value == CRC64.checksum(a + b))
    }
}

@Suite struct EncodingTests {
    @Test func hexRoundTrip() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.encode([0xab], uppercase: true) == "AB")
        #expect(Hex.decode("00AbfF") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        // Appended after what is there, lower case, the same digits as encode.
        var out: [UInt8] = Array("x:".utf8)
        [UInt8]([0x00, 0x9f, 0xa0, 0xff]).withUnsafeBytes { Hex.append($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "x:009fa0ff")
    }

    @Test func base64KnownAnswers() {
        // RFC 4648 §10 test vectors.
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.decode("Zm9") == nil)
        #expect(Base64.decode("Zm=v") == nil)
        #expect(Base64.decode("Z!==") == nil)
    }

    @Test func percentEncoding() {
        #expect(PercentEncoding.encode("a b/c~d+é") == "a%20b%2Fc~d%2B%C3%A9")
        #expect(PercentEncoding.encode("a b/c", allowed: .unreservedAndSlash) == "a%20b/c")
        // Nothing to escape: the text comes back as it is (also from a Substring); a set may
        // keep bytes of any value, each of the 256 tested.
        #expect(PercentEncoding.encode("AZaz09-._~") == "AZaz09-._~")
        #expect(PercentEncoding.encode("[dir/key]".dropFirst().dropLast(), allowed: .unreservedAndSlash) == "dir/key")
        #expect(PercentEncoding.encode("é", allowed: PercentEncoding.Allowed { $0 >= 0x80 }) == "é")
        // A plain run, then escapes and plain bytes mixed: appended onto bytes already there.
        var out = Array("x=".utf8)
        PercentEncoding.append("dir/a b+c/ü~z", allowed: .unreservedAndSlash, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x=dir/a%20b%2Bc/%C3%BC~z")
        for text in ["", "plain", " lead", "trail ", "多字节/キー 1", "\u{7F}\u{0}%"] {
            #expect(PercentEncoding.decode(PercentEncoding.encode(text)) == text)
        }
        let odd = PercentEncoding.Allowed { $0 % 3 == 0 }
        for b in 0...255 { #expect(odd.contains(UInt8(b)) == (b % 3 == 0)) }
        #expect(PercentEncoding.decode("demo%2Fmultipart.data") == "demo/multipart.data")
        #expect(PercentEncoding.decode("%0C%0A%0B") == "\u{0C}\n\u{0B}")
        #expect(PercentEncoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentEncoding.decode("%E4%B8%AD%E6%96%87.txt") == "中文.txt")
        #expect(PercentEncoding.decode("%2") == nil)
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.decode("%FF") == nil)
    }
}

@Suite struct UTCTimeTests {
    @Test func formatsKnownInstant() throws {
        // 2012-02-24T08:43:07Z = 1330072987
        let t = UTCTime(seconds: 1_330_072_987)
        #expect(t.iso8601 == "2012-02-24T08:43:07.000Z")
        #expect(t.rfc1123 == "Fri, 24 Feb 2012 08:43:07 GMT")
        #expect(t.iso8601Basic == "20120224T084307Z")
        #expect(t.yyyymmdd == "20120224")
    }

    @Test func parsesWhatItFormats() throws {
        for s: Int64 in [0, 951_782_400 /* 2000-02-29 */, 1_330_072_987, 1_767_225_599 /* 2025-12-31T23:59:59 */,
                         4_102_444_800, -1] {
            let t = UTCTime(seconds: s)
            #expect(UTCTime(rfc1123: t.rfc1123) == t)
            #expect(UTCTime(iso8601Basic: t.iso8601Basic) == t)
            #expect(UTCTime(iso8601: t.iso8601) == t)
        }
    }

    @Test func padsEveryFieldAndKeepsLongYears() {
        let early = UTCTime(year: 5, month: 3, day: 4, hour: 5, minute: 6, second: 7, nanoseconds: 8_000_000)!
        #expect(early.iso8601 == "0005-03-04T05:06:07.008Z")
        #expect(early.iso8601Basic == "00050304T050607Z")
        #expect(early.yyyymmdd == "00050304")
        let late = UTCTime(year: 10000, month: 1, day: 2, hour: 3, minute: 4, second: 5)!
        #expect(late.iso8601 == "10000-01-02T03:04:05.000Z")
        #expect(late.iso8601Basic == "100000102T030405Z")
        #expect(late.rfc1123.hasSuffix(" 02 Jan 10000 03:04:05 GMT"))
    }

    @Test func leapDayAndYearEnd() {
        #expect(UTCTime(year: 2024, month: 2, day: 29)?.iso8601 == "2024-02-29T00:00:00.000Z")
        #expect(UTCTime(year: 2023, month: 2, day: 29) == nil)
        #expect(UTCTime(year: 2026, month: 12, day: 31, hour: 23, minute: 59, second: 59)?.adding(seconds: 1).iso8601Basic
            == "20270101T000000Z")
    }

    @Test func parsesFractionsAndRejectsGarbage() {
        #expect(UTCTime(iso8601: "2012-02-24T08:43:07.5Z")?.nanoseconds == 500_000_000)
        #expect(UTCTime(iso8601: "2012-02-24T08:43:07Z")?.seconds == 1_330_072_987)
        #expect(UTCTime(iso8601: "2012-02-24 08:43:07Z") == nil)
        #expect(UTCTime(iso8601: "2012-13-24T08:43:07Z") == nil)
        #expect(UTCTime(rfc1123: "Fri, 24 Foo 2012 08:43:07 GMT") == nil)
        #expect(UTCTime(iso8601Basic: "20120224T084307") == nil)
    }
}

@Suite struct CancellationSignalTests {
    @Test func handlersRunOnceWithFirstReason() {
        let signal = CancellationSignal()
        let count = Counter()
        signal.onCancel { r in count.add(r == .disabled ? 1 : 100) }
        signal.cancel(.disabled)
        signal.cancel(.taskCancelled)
        #expect(count.value == 1)
        #expect(signal.reason == .disabled)
        // Registered after firing: runs at once.
        #expect(signal.onCancel { _ in count.add(10) } == nil)
        #expect(count.value == 11)
    }

    /// A request registers its stream's abort (no closure): firing aborts it once; registered
    /// after the signal fired, it aborts at once; removed, it never does.
    @Test func abortOnCancelAbortsTheStream() {
        let signal = CancellationSignal()
        let stream = AbortCountingStream()
        let kept = AbortCountingStream()
        signal.abortOnCancel(stream)
        signal.remove(signal.abortOnCancel(kept))
        signal.cancel(.paused)
        signal.cancel(.disabled)
        #expect(stream.aborts.value == 1)
        #expect(kept.aborts.value == 0)
        let late = AbortCountingStream()
        #expect(signal.abortOnCancel(late) == nil)
        #expect(late.aborts.value == 1)
    }

    @Test func removedHandlerDoesNotRun() {
        let signal = CancellationSignal()
        let count = Counter()
        let key = signal.onCancel { _ in count.add(1) }
        signal.remove(key)
        signal.cancel()
        #expect(count.value == 0)
    }

    /// The first handler is kept in place and the rest in a table: removing any of them, in any
    /// order, leaves exactly the others to run, and a freed first place is used again.
    @Test func manyHandlersAddedAndRemovedInAnyOrder() {
        let signal = CancellationSignal()
        let count = Counter()
        let a = signal.onCancel { _ in count.add(1) }
        let b = signal.onCancel { _ in count.add(10) }
        let c = signal.onCancel { _ in count.add(100) }
        signal.remove(a)
        let d = signal.onCancel { _ in count.add(1_000) }
        signal.remove(c)
        #expect(Set([a, b, c, d].compactMap { $0 }).count == 4)
        signal.cancel(.paused)
        #expect(count.value == 1_010)
        signal.remove(b)  // after firing: nothing to remove, nothing runs twice
        signal.cancel(.aborted)
        #expect(count.value == 1_010)
    }

    /// A forward fires the other signal with the same reason; removed, it does not; made after
    /// this signal fired, it fires the other at once. The other firing first changes nothing here.
    @Test func forwardFiresTheOtherSignalWithTheSameReason() {
        let call = CancellationSignal(), request = CancellationSignal()
        #expect(call.forward(to: request) != nil)
        call.cancel(.disabled)
        #expect(request.reason == .disabled)

        let kept = CancellationSignal(), removed = CancellationSignal()
        let key = kept.forward(to: removed)
        kept.remove(key)
        kept.cancel(.aborted)
        #expect(removed.reason == nil)
        #expect(kept.forward(to: removed) == nil)
        #expect(removed.reason == .aborted)

        let parent = CancellationSignal(), child = CancellationSignal()
        parent.forward(to: child)
        child.cancel(.deadline)
        #expect(parent.reason == nil)
        parent.cancel(.paused)
        #expect(child.reason == .deadline)
    }
}

@Suite struct PThreadMutexTests {
    final class Tracked: Sendable {
        let gone: Counter
        init(_ gone: Counter) { self.gone = gone }
        deinit { gone.add(1) }
    }

    /// The value lives in the lock's one allocation: copies of the lock share it, and it is
    /// destroyed (once) with the last copy.
    @Test func copiesShareOneValueReleasedWithTheLast() {
        let gone = Counter()
        do {
            let lock = PThreadMutex(Tracked(gone))
            let copy = lock
            let first = lock.withLock { ObjectIdentifier($0) }
            #expect(copy.withLock { ObjectIdentifier($0) } == first)
            copy.withLock { $0 = Tracked(gone) }  // the replaced value goes at once
            #expect(gone.value == 1)
            #expect(lock.withLock { ObjectIdentifier($0) } != first)
        }
        #expect(gone.value == 2)
    }

    /// Many threads adding under the lock lose no update.
    @Test func concurrentUpdatesAreSerialised() async {
        let lock = PThreadMutex(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { lock.withLock { $0 += 1 } } }
            }
        }
        #expect(lock.withLock { $0 } == 80_000)
    }
}

@Suite struct ASCIICaseTests {
    @Test func lowercasedFoldsOnlyASCIILettersAndKeepsTheRest() {
        #expect(ASCIICase.lowercased("x-oss-date") == "x-oss-date")
        #expect(ASCIICase.lowercased("X-OSS-Content-SHA256") == "x-oss-content-sha256")
        #expect(ASCIICase.lowercased("Content-Type-Ünïcode-AZ[@]") == "content-type-Ünïcode-az[@]")
        #expect(ASCIICase.lowercased("") == "")
    }

    /// OWS (spaces and tabs) by default, CR and LF too when asked; inner white space and
    /// characters next to the ends stay.
    @Test func trimmedTakesOWSAndOnlyWhenAskedLineBreaks() {
        #expect(ASCIISpace.trimmed(" \tv a l\t ") == "v a l")
        #expect(ASCIISpace.trimmed("\r v \n") == "\r v \n")
        #expect(ASCIISpace.trimmed("\r v \n", lineBreaks: true) == "v")
        #expect(ASCIISpace.trimmed(" \t ") == "")
        #expect(ASCIISpace.trimmed(Substring("  ü ")) == "ü")
        #expect(ASCIISpace.trimmed("clean") == "clean")
        #expect(ASCIISpace.trimmed("") == "")
        #expect(ASCIISpace.trimmed("\n", lineBreaks: true) == "")
        // Only the ends are read: a long (heap) value, and a slice in the middle of a larger string.
        let long = "  " + String(repeating: "a b\t", count: 40) + "z \t"
        #expect(ASCIISpace.trimmed(long) == String(repeating: "a b\t", count: 40) + "z")
        let line = "x-oss-meta-a:   value with  spaces   ;rest"
        let slice = line[line.index(after: line.firstIndex(of: ":")!)..<line.firstIndex(of: ";")!]
        #expect(ASCIISpace.trimmed(slice) == "value with  spaces")
        // A combining mark is a byte like any other: the space before it is inner, after it trimmed.
        #expect(ASCIISpace.trimmed(" e\u{301} ") == "e\u{301}")
    }
}

@Suite struct ByteScanTests {
    @Test func checksEveryByteOfShortAndLongStrings() {
        let long = String(repeating: "abc-", count: 50)
        #expect(ByteScan.allSatisfy("", { _ in false }))
        #expect(ByteScan.allSatisfy(long) { $0 != 0 })
        #expect(!ByteScan.allSatisfy(long + "\u{0}") { $0 != 0 })
        #expect(ByteScan.hasLineBreak(long + "\r"))
        #expect(ByteScan.hasLineBreak("a\nb"))
        #expect(ByteScan.hasLineBreak("\u{0}"))
        #expect(!ByteScan.hasLineBreak(long + "ü"))
        #expect(ByteScan.contains("a/b") { $0 == UInt8(ascii: "/") })
    }

    /// The word-at-a-time checks against their byte-by-byte definitions: every byte value, at
    /// every position of strings of 1 to 20 bytes (inside the first word, at a word's edge, in
    /// the tail), among bytes that pass (ASCII and UTF-8 continuation bytes).
    @Test func wordAtATimeChecksAgreeWithTheDefinitions() {
        let lineBreakFree = { (b: [UInt8]) in !b.contains { $0 == 13 || $0 == 10 || $0 == 0 } }
        let fieldValue = { (b: [UInt8]) in b.allSatisfy { $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) } }
        var mismatches: [String] = []
        for length in 1...20 {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    bytes[position] = UInt8(value)
                    // Invalid UTF-8 is repaired by String(decoding:); check the bytes it holds.
                    let s = String(decoding: bytes, as: UTF8.self)
                    let held = Array(s.utf8)
                    if ByteScan.hasLineBreak(s) == lineBreakFree(held) { mismatches.append("line break \(held)") }
                    if ByteScan.isFieldValue(s) != fieldValue(held) { mismatches.append("field value \(held)") }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(ByteScan.isFieldValue("é\tvalue with spaces and ünïcode, long enough for several words"))
        #expect(!ByteScan.isFieldValue("a value with spaces that ends in a DEL\u{7F}"))
    }

    /// The in-place decimal read agrees with `UInt64(trimmed)` on what servers send and on what
    /// they should not.
    @Test func decimalUInt64AgreesWithTheStandardParse() {
        let samples = [
            "0", "42", " 42", "42 ", "\t42\r\n", "+7", "18446744073709551615", "18446744073709551616",
            "", " ", "4 2", "-1", "0x10", "12a", "١٢", "00012", "+", "99999999999999999999",
        ]
        for s in samples {
            #expect(ByteScan.decimalUInt64(s) == UInt64(ASCIISpace.trimmed(s, lineBreaks: true)), "\(s)")
        }
    }

    @Test func prefixWithAndWithoutCase() {
        #expect(ByteScan.hasPrefix("x-oss-meta", "x-oss-"))
        #expect(!ByteScan.hasPrefix("X-Oss-Meta", "x-oss-"))
        #expect(ByteScan.hasPrefix("X-Oss-Meta", "x-oss-", ignoringCase: true))
        #expect(!ByteScan.hasPrefix("x-os", "x-oss-", ignoringCase: true))
        #expect(!ByteScan.hasPrefix("x_oss-a", "x-oss-", ignoringCase: true))
        #expect(ByteScan.hasPrefix("", ""))
        #expect(ByteScan.hasPrefix("Xy", "x", ignoringCase: true))  // a one-character literal has no pointer
        #expect(!ByteScan.hasPrefix("", "x"))
    }

    /// Byte order, as V4 signing sorts: upper case before lower, a prefix before what extends it,
    /// UTF-8 by its bytes.
    @Test func precedesIsByteOrder() {
        let names = ["x-oss-meta-b", "content-type", "x-oss-meta-a", "X-Big", "x-oss-meta", "é", "z"]
        #expect(names.sorted { ByteScan.precedes($0, $1) } == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(!ByteScan.precedes("a", "a"))
        #expect(ByteScan.precedes("", "a"))
        // Ignoring case: the order of the lower-cased names, with neither lowered.
        let lowered = { (s: String) in Array(s.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        #expect(
            names.sorted { ByteScan.precedes($0, $1, ignoringCase: true) }
                == names.sorted { lowered($0).lexicographicallyPrecedes(lowered($1)) })
        #expect(ByteScan.precedes("Content-MD5", "content-type", ignoringCase: true))
        #expect(!ByteScan.precedes("X-OSS-Date", "x-oss-date", ignoringCase: true))
    }
}

final class Counter: Sendable {
    let v = PThreadMutex(0)
    func add(_ n: Int) { v.withLock { $0 += n } }
    var value: Int { v.withLock { $0 } }
}

/// A stream that only counts its aborts.
final class AbortCountingStream: ByteStream {
    let aborts = Counter()
    var idleTimeout: Duration? {
        get { nil }
        set {}
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int { 0 }
    func write(_ bytes: UnsafeRawBufferPointer) async throws {}
    func abort() { aborts.add(1) }
    func close() {}
    var isReusable: Bool { false }
}
