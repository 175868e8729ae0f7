internal import COpenSSL
import OSSCore

/// A message digest algorithm of libcrypto.
package struct DigestAlgorithm: Sendable, Hashable {
    fileprivate enum Base: Sendable, Hashable { case md5, sha1, sha256 }
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

    var evp: OpaquePointer {
        switch base {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        }
    }
}

/// An incremental message digest (MD5, SHA-1, SHA-256) over libcrypto's EVP interface.
///
/// A value owns an `EVP_MD_CTX`; it is not copyable, so two owners can never share one context.
package struct Digest: ~Copyable {
    private let ctx: OpaquePointer
    package let algorithm: DigestAlgorithm

    package init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.ctx = ctx
        precondition(EVP_DigestInit_ex(ctx, algorithm.evp, nil) == 1, "EVP_DigestInit_ex failed")
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Adds bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    /// Adds bytes.
    package mutating func update(_ bytes: some Collection<UInt8>) {
        bytes.withContiguousBytes { update($0) }
    }

    /// Finishes and returns the digest.
    package consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        precondition(EVP_DigestFinal_ex(ctx, &out, &len) == 1, "EVP_DigestFinal_ex failed")
        return Array(out[0..<Int(len)])
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
    /// SHA-256 of a string's UTF-8 bytes.
    package static func sha256(_ text: String) -> [UInt8] { hash(.sha256, Array(text.utf8)) }
}

/// HMAC (RFC 2104) over libcrypto.
package enum HMAC {
    /// The HMAC of `message` under `key`.
    package static func authenticate(
        _ algorithm: DigestAlgorithm, key: some Collection<UInt8>, message: some Collection<UInt8>
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        key.withContiguousBytes { k in
            message.withContiguousBytes { m in
                // OpenSSL 3 accepts a NULL key or message of length 0.
                let result = COpenSSL.HMAC(
                    algorithm.evp, k.baseAddress, Int32(k.count),
                    m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &len)
                precondition(result != nil, "HMAC failed")
            }
        }
        return Array(out[0..<Int(len)])
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
