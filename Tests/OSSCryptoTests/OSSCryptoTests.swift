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

    @Test func multiBlockKnownAnswers() {
        // FIPS 180-2 appendix B.2 and B.3: two blocks, and a million bytes fed in uneven pieces.
        #expect(Hex.encode(Digest.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var d = Digest(.sha256)
        var at = 0
        var step = 1
        while at < million.count {
            let end = min(million.count, at + step)
            d.update(million[at..<end])
            at = end
            step = step * 3 + 1
        }
        #expect(Hex.encode(d.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(Hex.encode(Digest.sha1(million)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        #expect(Hex.encode(Digest.md5(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8)))
            == "57edf4a22be3c955ac49da2e2107b67a")
    }

    @Test func hmacKeysLongerThanTheBlockAreHashedFirst() {
        // RFC 4231 test case 6 (131-byte key), RFC 2202 test cases 6 (SHA-1, 80-byte key) and
        // 2 (MD5), and the block-sized key (64 bytes: used as it is, not hashed).
        let key131 = [UInt8](repeating: 0xaa, count: 131)
        #expect(Hex.encode(HMAC.sha256(key: key131, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let key80 = [UInt8](repeating: 0xaa, count: 80)
        #expect(Hex.encode(HMAC.sha1(key: key80, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
        #expect(Hex.encode(HMAC.authenticate(.md5, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "750c783e6ab0b503eaa86e310a5db738")
        let key64 = [UInt8](repeating: 0x0b, count: 64)
        let hashedKey = Digest.sha256(key64)
        #expect(HMAC.sha256(key: key64, message: [1, 2, 3] as [UInt8]) != HMAC.sha256(key: hashedKey, message: [1, 2, 3] as [UInt8]))
        let key65 = [UInt8](repeating: 0x0b, count: 65)
        #expect(HMAC.sha256(key: key65, message: [1, 2, 3] as [UInt8]) == HMAC.sha256(key: Digest.sha256(key65), message: [1, 2, 3] as [UInt8]))
    }

    @Test func constantTimeCompare() {
        #expect(constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!constantTimeEquals([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(secureRandomBytes(16) != secureRandomBytes(16))
    }
}
