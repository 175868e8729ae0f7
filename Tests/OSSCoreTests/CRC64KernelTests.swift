import CLinuxShims
import Foundation
import OSSTestSupport
import Testing
@testable import OSSCore

/// The carry-less multiply kernels this CPU runs (PCLMULQDQ, VPCLMULQDQ on 256 and 512 bits) and the one
/// selected, against the portable slicing-by-8 tables and a bit-at-a-time reference: same
/// register in, same register out, for every length, start alignment and split a caller can
/// produce.
@Suite struct CRC64KernelTests {
    /// A kernel under test: a name for failure messages and the function.
    struct Kernel: CustomStringConvertible, Sendable {
        var description: String
        var update: @Sendable (UInt64, UnsafeRawBufferPointer) -> UInt64
    }

    /// The selected kernel and every carry-less multiply kernel this CPU can run.
    static let fastKernels: [Kernel] = {
        var kernels = [Kernel(description: "selected") { coss_crc64_update($0, $1.baseAddress, $1.count) }]
        let available = coss_crc64_kernels()
        for (bit, name) in [
            (COSS_CRC64_KERNEL_PCLMUL, "pclmul"), (COSS_CRC64_KERNEL_VPCLMUL_AVX2, "vpclmul256"),
            (COSS_CRC64_KERNEL_VPCLMUL_AVX512, "vpclmul"),
        ] where available & bit != 0 {
            kernels.append(Kernel(description: name) { coss_crc64_update_kernel(bit, $0, $1.baseAddress, $1.count) })
        }
        return kernels
    }()

    static func portable(_ register: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        coss_crc64_update_portable(register, bytes.baseAddress, bytes.count)
    }

    /// One bit at a time, straight from the definition: no tables, no constants.
    static func bitwise(_ register: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var crc = register
        for byte in bytes {
            crc ^= UInt64(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1 }
        }
        return crc
    }

    @Test(arguments: Self.fastKernels) func checkValueFromEveryKernel(kernel: Kernel) {
        let check = Array("123456789".utf8)
        check.withUnsafeBytes { raw in
            #expect(~kernel.update(~0, raw) == 0x995D_C9BB_DF19_39FA)
            #expect(~Self.portable(~0, raw) == 0x995D_C9BB_DF19_39FA)
            #expect(~Self.bitwise(~0, raw) == 0x995D_C9BB_DF19_39FA)
        }
        #expect(CRC64.checksum(check) == 0x995D_C9BB_DF19_39FA)
    }

    @Test(arguments: Self.fastKernels) func checkValueOfALongInputMatchesTheBitwiseReference(kernel: Kernel) {
        // 256 bytes and more take the folding path; the reference needs no tables.
        var gen = SplitMix64(state: 42)
        let data = gen.bytes(4099)
        data.withUnsafeBytes { raw in
            #expect(kernel.update(~0, raw) == Self.bitwise(~0, raw))
            #expect(Self.portable(~0, raw) == Self.bitwise(~0, raw))
        }
    }

    @Test func kernelIsSelectedWhenTheCPUHasCarryLessMultiply() throws {
        #if arch(x86_64)
            let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let flags =
                cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map {
                    Set($0.split(separator: " ").map(String.init))
                } ?? []
            let hasCLMUL = flags.contains("pclmulqdq") && flags.contains("sse4_1")
            let hasVPCLMUL = hasCLMUL && flags.contains("avx512f") && flags.contains("vpclmulqdq")
            let hasVPCLMUL256 = hasCLMUL && flags.contains("avx2") && flags.contains("vpclmulqdq")
            #expect(CRC64.usesCarryLessMultiply == hasCLMUL)
            #expect((coss_crc64_kernels() & COSS_CRC64_KERNEL_PCLMUL != 0) == hasCLMUL)
            #expect((coss_crc64_kernels() & COSS_CRC64_KERNEL_VPCLMUL_AVX512 != 0) == hasVPCLMUL)
            #expect((coss_crc64_kernels() & COSS_CRC64_KERNEL_VPCLMUL_AVX2 != 0) == hasVPCLMUL256)
            // The widest this CPU runs is the one used.
            let widest: CRC64.Kernel =
                hasVPCLMUL ? .carryLessMultiply512 : hasVPCLMUL256 ? .carryLessMultiply256 : hasCLMUL ? .carryLessMultiply : .tables
            #expect(CRC64.Kernel.selected == widest)
        #else
            #expect(!CRC64.usesCarryLessMultiply)
        #endif
    }

    @Test(arguments: Self.fastKernels) func everyLengthUpTo300AtEveryAlignment(kernel: Kernel) {
        var gen = SplitMix64(state: 1)
        let data = gen.bytes(300 + 16)
        let register = gen.next()
        data.withUnsafeBytes { all in
            for alignment in 0...15 {
                for length in 0...300 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    let expected = Self.portable(register, slice)
                    let got = kernel.update(register, slice)
                    #expect(got == expected, "\(kernel) length \(length) alignment \(alignment)")
                    if got != expected { return }
                }
            }
        }
    }

    @Test(arguments: Self.fastKernels) func everyLengthOfTheFoldingPathAtEveryAlignment(kernel: Kernel) {
        // 256...2100 crosses every main loop (128 and 256 bytes a round), the vector kernels'
        // thresholds (512 and 1024 bytes), the 16-byte loop and every tail length.
        var gen = SplitMix64(state: 2)
        let data = gen.bytes(2100 + 16)
        data.withUnsafeBytes { all in
            for alignment in 0...15 {
                for length in 256...2100 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    let expected = Self.portable(~0, slice)
                    let got = kernel.update(~0, slice)
                    #expect(got == expected, "\(kernel) length \(length) alignment \(alignment)")
                    if got != expected { return }
                }
            }
        }
    }

    @Test(arguments: Self.fastKernels) func anyStartingRegister(kernel: Kernel) {
        var gen = SplitMix64(state: 3)
        let data = gen.bytes(2048)
        data.withUnsafeBytes { raw in
            for register in [0, ~0, 1, 1 << 63, gen.next(), gen.next(), gen.next()] as [UInt64] {
                #expect(kernel.update(register, raw) == Self.portable(register, raw))
            }
        }
    }

    @Test(arguments: Self.fastKernels) func largeBuffers(kernel: Kernel) {
        var gen = SplitMix64(state: 4)
        let data = gen.bytes(6 << 20 + 77)
        data.withUnsafeBytes { all in
            #expect(kernel.update(~0, all) == Self.portable(~0, all))
            let shifted = UnsafeRawBufferPointer(rebasing: all[5...])
            #expect(kernel.update(~0, shifted) == Self.portable(~0, shifted))
        }
        let zeros = [UInt8](repeating: 0, count: 3 << 20)
        zeros.withUnsafeBytes { #expect(kernel.update(~0, $0) == Self.portable(~0, $0)) }
    }

    @Test(arguments: Self.fastKernels) func piecesOfOddSizesEqualTheWhole(kernel: Kernel) {
        var gen = SplitMix64(state: 5)
        let data = gen.bytes(3 << 20 + 1)
        let sizes = [1, 3, 7, 15, 17, 127, 129, 255, 257, 1021, 4093, 65_537, 300_007]
        data.withUnsafeBytes { all in
            let whole = Self.portable(~0, all)
            for size in sizes {
                var register: UInt64 = ~0
                var crc = CRC64()
                var offset = 0
                var step = 0
                while offset < all.count {
                    // Vary the piece a little so pieces start at every alignment.
                    let n = min(size + step % 5, all.count - offset)
                    let piece = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)])
                    register = kernel.update(register, piece)
                    crc.update(piece)
                    offset += n
                    step += 1
                }
                #expect(register == whole, "pieces of about \(size) bytes")
                #expect(crc.value == ~whole, "CRC64 in pieces of about \(size) bytes")
            }
        }
    }

    @Test func combineAgreesWithTheFastKernel() {
        var gen = SplitMix64(state: 6)
        let a = gen.bytes(1 << 20 + 3)
        let b = gen.bytes(5 << 20 + 11)
        let combined = CRC64.combine(CRC64.checksum(a), CRC64.checksum(b), lengthOfB: UInt64(b.count))
        #expect(combined == CRC64.checksum(a + b))
    }

    @Test func combineForEveryShortLengthOfB() {
        var gen = SplitMix64(state: 7)
        let a = gen.bytes(1000)
        let b = gen.bytes(300)
        let crcA = CRC64.checksum(a)
        for length in 0...300 {
            let tail = Array(b.prefix(length))
            #expect(
                CRC64.combine(crcA, CRC64.checksum(tail), lengthOfB: UInt64(length)) == CRC64.checksum(a + tail),
                "length of B \(length)")
        }
    }

    @Test func combineIsAssociativeForHugeLengths() {
        // Lengths far beyond any buffer (multipart objects reach 48.8 TiB): (A‖B)‖C == A‖(B‖C).
        var gen = SplitMix64(state: 8)
        for _ in 0..<50 {
            let a = gen.next(), b = gen.next(), c = gen.next()
            let lengthB = gen.next() >> UInt64(gen.next() % 64), lengthC = gen.next() >> 20
            let left = CRC64.combine(CRC64.combine(a, b, lengthOfB: lengthB), c, lengthOfB: lengthC)
            let right = CRC64.combine(a, CRC64.combine(b, c, lengthOfB: lengthC), lengthOfB: lengthB &+ lengthC)
            if lengthB &+ lengthC >= lengthB {  // no wrap-around
                #expect(left == right)
            }
        }
    }
}
