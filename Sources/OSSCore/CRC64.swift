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

    // MARK: Combine (zlib's crc32_combine method, for the reflected 64-bit polynomial)

    private static let poly: UInt64 = 0xC96C_5795_D787_0F42

    private static func gf2Times(_ mat: [UInt64], _ vec0: UInt64) -> UInt64 {
        var vec = vec0
        var sum: UInt64 = 0
        var i = 0
        while vec != 0 {
            if vec & 1 != 0 { sum ^= mat[i] }
            vec >>= 1
            i += 1
        }
        return sum
    }

    private static func gf2Square(_ mat: [UInt64]) -> [UInt64] {
        (0..<64).map { gf2Times(mat, mat[$0]) }
    }

    /// The CRC64 of the concatenation A‖B, given CRC(A), CRC(B) and the length of B.
    /// Used to check a multipart object against the CRCs of its parts.
    public static func combine(_ crcA: UInt64, _ crcB: UInt64, lengthOfB: UInt64) -> UInt64 {
        if lengthOfB == 0 { return crcA }
        // odd: the operator for one zero bit; even: for two.
        var odd = [UInt64](repeating: 0, count: 64)
        odd[0] = poly
        var row: UInt64 = 1
        for n in 1..<64 {
            odd[n] = row
            row <<= 1
        }
        var even = gf2Square(odd)  // 2 zero bits
        odd = gf2Square(even)  // 4 zero bits
        var crc1 = crcA
        var len = lengthOfB
        repeat {
            even = gf2Square(odd)  // first pass: one zero byte
            if len & 1 != 0 { crc1 = gf2Times(even, crc1) }
            len >>= 1
            if len == 0 { break }
            odd = gf2Square(even)
            if len & 1 != 0 { crc1 = gf2Times(odd, crc1) }
            len >>= 1
        } while len != 0
        return crc1 ^ crcB
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
