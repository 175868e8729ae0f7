internal import CLinuxShims

/// CRC64-ECMA as OSS computes it for `x-oss-hash-crc64ecma`: reflected polynomial
/// 0xC96C5795D7870F42, initial value and final xor all ones. The check value of "123456789"
/// is 0x995DC9BBDF1939FA.
public struct CRC64: Sendable, Hashable {
    /// The running register (before the final xor).
    var register: UInt64

    /// A CRC of no bytes, or a CRC to continue from a value already computed.
    /// - Parameter value: a finished CRC64 (as reported by OSS) to continue from; 0 for none.
    public init(continuing value: UInt64 = 0) {
        register = ~value
    }

    /// Adds bytes to the CRC.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        register = coss_crc64_update(register, base, bytes.count)
    }

    /// Adds bytes to the CRC (in place when the collection is contiguous, as arrays are).
    public mutating func update(_ bytes: some Collection<UInt8>) {
        bytes.withContiguousBytes { update($0) }
    }

    /// The CRC of all bytes added so far.
    public var value: UInt64 { ~register }

    /// The CRC64 of a whole buffer.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt64 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }

    /// The CRC64 of a whole buffer.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
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

extension CRC64 {
    /// One implementation of CRC64: `CRC64` picks the fastest this CPU runs; benchmarks compare
    /// them one by one.
    public struct Kernel: Sendable, Hashable, CustomStringConvertible {
        let bit: UInt32
        public let description: String

        /// Portable slicing-by-8 tables, on any CPU.
        public static let tables = Kernel(bit: UInt32(COSS_CRC64_KERNEL_TABLES), description: "portable tables")
        /// Carry-less multiplication (x86-64 PCLMULQDQ).
        public static let carryLessMultiply = Kernel(bit: UInt32(COSS_CRC64_KERNEL_PCLMUL), description: "pclmulqdq")
        /// Carry-less multiplication on 256-bit vectors (VPCLMULQDQ with AVX2).
        public static let carryLessMultiply256 = Kernel(
            bit: UInt32(COSS_CRC64_KERNEL_VPCLMUL_AVX2), description: "AVX2 vpclmulqdq")
        /// Carry-less multiplication on 512-bit vectors (AVX-512 VPCLMULQDQ).
        public static let carryLessMultiply512 = Kernel(
            bit: UInt32(COSS_CRC64_KERNEL_VPCLMUL_AVX512), description: "AVX-512 vpclmulqdq")

        /// The kernels this CPU runs, slowest first.
        public static var available: [Kernel] {
            let bits = UInt32(coss_crc64_kernels())
            return [tables, carryLessMultiply, carryLessMultiply256, carryLessMultiply512].filter { bits & $0.bit != 0 }
        }

        /// The kernel `CRC64` uses on this CPU: the fastest available.
        public static var selected: Kernel { available.last ?? tables }

        /// The CRC64 of a whole buffer with this kernel (the tables when this CPU cannot run it).
        public func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
            return ~coss_crc64_update_kernel(bit, ~0, base, bytes.count)
        }
    }
}
