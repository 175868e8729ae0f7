import OSSCore
import Testing
@testable import OSSCrypto

@Suite struct DigestTests {
    @Test func knownAnswers() {
        // RFC 1321 / FIPS 180 test vectors.
        #expect(Hex.encode(Digest.md5(Array("".utf8))) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Hex.encode(Digest.md5(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Hex.encode(Digest.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Hex.encode(Digest.sha256("abc"))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        var d = Digest(.sha256)
        d.update(data[0..<1])
        d.update(data[1..<5000])
        d.update(data[5000...])
        #expect(d.finalize() == Digest.sha256(data))
    }

    @Test func hmacRFC4231AndRFC2202() {
        // RFC 4231 test case 2.
        #expect(Hex.encode(HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // RFC 2202 test case 2 (HMAC-SHA1).
        #expect(Hex.encode(HMAC.sha1(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(HMAC.sha256(key: [UInt8](), message: [UInt8]()).count == 32)
    }

    @Test func constantTimeCompare() {
        #expect(constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!constantTimeEquals([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(secureRandomBytes(16) != secureRandomBytes(16))
    }
}
