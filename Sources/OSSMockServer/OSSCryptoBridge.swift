import OSSCrypto

/// Digests used in several places.
enum OSSCryptoBridge {
    static func md5(_ bytes: [UInt8]) -> [UInt8] { Digest.md5(bytes) }
}
