internal import COpenSSL
import OSSCore

/// A message digest algorithm of libcrypto.
package struct DigestAlgorithm: Sendable, Hashable {
    fileprivate enum Base: Int32, Sendable, Hashable { case md5 = 0, sha1 = 1, sha256 = 2 }
    fileprivate let base: Base

    package static let md5 = DigestAlgorithm(base: .md5)
    package static let sha1 = DigestAlgorithm(base: .sha1)
    package static let sha256 = DigestAlgorithm(base: .sha256)

    /// Digest length in bytes.
    package var length: Int {
        switch base {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        }
    }

    /// The block the compression function works on (HMAC pads its key to it): 64 bytes for all three.
    package var blockLength: Int { 64 }
}

/// An incremental message digest (MD5, SHA-1, SHA-256) over libcrypto.
///
/// The context lives in the value (no allocation) and is driven by libcrypto's per-algorithm
/// functions (`SHA256_Init`/`_Update`/`_Final`: the same assembly, SHA-NI or AVX2, that EVP
/// runs). Not EVP: OpenSSL 3 routes every EVP digest and `HMAC()` through its provider
/// machinery, whose first use loads `openssl.cnf` and builds the default provider's algorithm
/// tables, about 2 MiB of libcrypto's pages resident in a process that only signs requests
/// (measured with `/proc/PID/smaps`: libcrypto 1.6 MiB resident with these functions against
/// 3.5 MiB after one `HMAC(EVP_sha256(), ...)`), and costs a fetch and an allocation per digest.
/// TLS still initialises all of it when a connection needs it.
///
/// Not copyable, so two owners can never share one context.
package struct Digest: ~Copyable {
    private var context = coss_digest_ctx()
    package let algorithm: DigestAlgorithm

    package init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        coss_digest_init(&context, algorithm.base.rawValue)
    }

    /// Adds bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        coss_digest_update(&context, algorithm.base.rawValue, bytes.baseAddress, bytes.count)
    }

    /// Adds bytes.
    package mutating func update(_ bytes: some Collection<UInt8>) {
        bytes.withContiguousBytes { update($0) }
    }

    /// Finishes and returns the digest.
    package consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.length)
        finalize(into: &out)
        return out
    }

    /// Finishes, writing the digest to the start of `out` (at least `algorithm.length` bytes).
    mutating func finalize(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= algorithm.length, "digest buffer too small")
        coss_digest_final(&context, algorithm.base.rawValue, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    private mutating func finalize(into out: inout [UInt8]) {
        out.withUnsafeMutableBytes { finalize(into: $0) }
    }

    /// The digest of one buffer.
    package static func hash(_ algorithm: DigestAlgorithm, _ bytes: some Collection<UInt8>) -> [UInt8] {
        var d = Digest(algorithm)
        d.update(bytes)
        return d.finalize()
    }

    /// MD5 of bytes.
    package static func md5(_ bytes: some Collection<UInt8>) -> [UInt8] { hash(.md5, bytes) }
    /// SHA-1 of bytes.
    package static func sha1(_ bytes: some Collection<UInt8>) -> [UInt8] { hash(.sha1, bytes) }
    /// SHA-256 of bytes.
    package static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] { hash(.sha256, bytes) }

    /// Appends the lower-case hex SHA-256 of `bytes` to `out` (the V4 string to sign's last line).
    package static func appendSHA256Hex(of bytes: [UInt8], to out: inout [UInt8]) {
        var d = Digest(.sha256)
        d.update(bytes)
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { digest in
            d.finalize(into: digest)
            Hex.append(UnsafeRawBufferPointer(digest), to: &out)
        }
    }
    /// SHA-256 of a string's UTF-8 bytes.
    package static func sha256(_ text: String) -> [UInt8] {
        var d = Digest(.sha256)
        var text = text
        text.withUTF8 { d.update(UnsafeRawBufferPointer($0)) }
        return d.finalize()
    }
}

/// HMAC (RFC 2104) over `Digest`: H(K ^ opad, H(K ^ ipad, message)), the key hashed first when
/// longer than the block and zero-padded to it.
package enum HMAC {
    /// The HMAC of `message` under `key`.
    package static func authenticate(
        _ algorithm: DigestAlgorithm, key: some Collection<UInt8>, message: some Collection<UInt8>
    ) -> [UInt8] {
        message.withContiguousBytes { m in
            key.withContiguousBytes { k in authenticate(algorithm, key: k, message: m) }
        }
    }

    /// The HMAC of the bytes of `message` under the bytes of `key`.
    package static func authenticate(_ algorithm: DigestAlgorithm, key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer)
        -> [UInt8]
    {
        var out = [UInt8](repeating: 0, count: algorithm.length)
        out.withUnsafeMutableBytes { authenticate(algorithm, key: key, message: message, into: $0) }
        return out
    }

    /// The HMAC in lower-case hex (a V4 signature), with no byte array in between.
    package static func authenticateHex(
        _ algorithm: DigestAlgorithm, key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer
    ) -> String {
        withUnsafeTemporaryAllocation(byteCount: algorithm.length, alignment: 16) { out in
            authenticate(algorithm, key: key, message: message, into: out)
            return Hex.encode(UnsafeRawBufferPointer(out))
        }
    }

    /// Writes the HMAC to the start of `out` (at least `algorithm.length` bytes).
    static func authenticate(
        _ algorithm: DigestAlgorithm, key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawBufferPointer
    ) {
        let block = algorithm.blockLength
        withUnsafeTemporaryAllocation(byteCount: block * 2 + 64, alignment: 16) { scratch in
            let pad = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<block])
            let hashed = UnsafeMutableRawBufferPointer(rebasing: scratch[block..<(block * 2)])
            let innerDigest = UnsafeMutableRawBufferPointer(rebasing: scratch[(block * 2)...])
            pad.initializeMemory(as: UInt8.self, repeating: 0)
            if key.count > block {
                var d = Digest(algorithm)
                d.update(key)
                d.finalize(into: hashed)
                pad.copyMemory(from: UnsafeRawBufferPointer(rebasing: hashed[0..<algorithm.length]))
            } else if key.count > 0 {
                pad.copyMemory(from: key)
            }
            for i in 0..<block { pad[i] ^= 0x36 }
            var inner = Digest(algorithm)
            inner.update(UnsafeRawBufferPointer(pad))
            inner.update(message)
            inner.finalize(into: innerDigest)
            for i in 0..<block { pad[i] ^= 0x36 ^ 0x5C }
            var outer = Digest(algorithm)
            outer.update(UnsafeRawBufferPointer(pad))
            outer.update(UnsafeRawBufferPointer(rebasing: innerDigest[0..<algorithm.length]))
            // The key's traces do not outlive the call.
            OPENSSL_cleanse(scratch.baseAddress, scratch.count)
            outer.finalize(into: out)
        }
    }

    /// HMAC-SHA1.
    package static func sha1(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        authenticate(.sha1, key: key, message: message)
    }

    /// HMAC-SHA256.
    package static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        authenticate(.sha256, key: key, message: message)
    }
}

/// Constant-time comparison, for signatures and digests.
package func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    a.withContiguousBytes { x in
        b.withContiguousBytes { y in
            guard x.count == y.count else { return false }
            if x.count == 0 { return true }
            return CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0
        }
    }
}

/// Fills a buffer with cryptographically strong random bytes.
package func secureRandomBytes(_ count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    if count > 0 { precondition(RAND_bytes(&out, Int32(count)) == 1, "RAND_bytes failed") }
    return out
}
