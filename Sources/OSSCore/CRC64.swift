import CLinuxShims

/// CRC64-ECMA as OSS computes it for `x-oss-hash-crc64ecma`: reflected polynomial
/// 0xC96C5795D7870F42, initial value and final xor all ones. The check value of "123456789"
/// is 0x995DC9BBDF1939FA.
public struct CRC64: Sendable, Hashable {
    /// The running register (before the final xor).
    @usableFromInline var register: UInt64

    /// A CRC of no bytes, or a CRC to continue from a value already computed.
    /// - Parameter value: a finished CRC64 (as reported by OSS) to continue from; 0 for none.
    public init(continuing value: UInt64 = 0) {
        register = ~value
    }

    /// Adds bytes to the CRC.
    @inlinable
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        register = coss_crc64_update(register, base, bytes.count)
    }

    /// Adds bytes to the CRC.
    @inlinable
    public mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The CRC of all bytes added so far.
    @inlinable
    public var value: UInt64 { ~register }

    /// The CRC64 of a whole buffer.
    public static func checksum(_ bytes: some ContiguousBytes) -> UInt64 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }

    /// Whether the running kernel uses carry-less multiplication (else portable tables).
    public static var usesCarryLessMultiply: Bool { coss_crc64_uses_clmul() != 0 }

    /// The CRC64 of the concatenation A‖B, given CRC(A), CRC(B) and the length of B.
    /// Used to check a multipart object against the CRCs of its parts.
    public static func combine(_ crcA: UInt64, _ crcB: UInt64, lengthOfB: UInt64) -> UInt64 {
        if lengthOfB == 0 { return crcA }
        // zlib's crc32_combine method (x^(8 len) mod P by squaring, no allocation), in C.
        return coss_crc64_combine(crcA, crcB, lengthOfB)
    }
}

/// Types whose bytes can be read in place.
public protocol ContiguousBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
extension UnsafeRawBufferPointer: ContiguousBytes {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try body(self) }
}
