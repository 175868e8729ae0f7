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

    @Test func removedHandlerDoesNotRun() {
        let signal = CancellationSignal()
        let count = Counter()
        let key = signal.onCancel { _ in count.add(1) }
        signal.remove(key)
        signal.cancel()
        #expect(count.value == 0)
    }
}

final class Counter: Sendable {
    let v = PThreadMutex(0)
    func add(_ n: Int) { v.withLock { $0 += n } }
    var value: Int { v.withLock { $0 } }
}
