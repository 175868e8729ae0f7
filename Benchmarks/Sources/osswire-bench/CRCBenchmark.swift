import CLZMA
import Glibc
import OSSCore

/// `crc`: our CRC64 against liblzma's `lzma_crc64` on the same buffer, rounds interleaved.
struct CRCBenchmark {
    var megabytes = 256
    var rounds = 9

    func run() {
        let size = megabytes << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var gen = SplitMix64(state: 0x05_5C0_FFEE)
        gen.fill(buffer)
        let bytes = UnsafeRawBufferPointer(buffer)
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)

        // Same answer from all three, or the figures mean nothing.
        let ours = CRC64.checksum(bytes)
        let lzma = lzma_crc64(base, size, 0)
        let portable = CRC64.Kernel.tables.checksum(bytes)
        guard ours == lzma, ours == portable else {
            print("crc: MISMATCH ours \(hex64(ours)) liblzma \(hex64(lzma)) portable \(hex64(portable))")
            exit(1)
        }

        print("crc64: \(megabytes) MiB buffer, \(rounds) rounds, medians (GB/s = 1e9 bytes/s)")
        let selected = CRC64.Kernel.selected.description
        print("  selected kernel: \(selected); liblzma \(String(cString: lzma_version_string()))")
        var sink: UInt64 = 0
        let big = measure(rounds: rounds, bytes: size) {
            [
                { sink ^= CRC64.checksum(bytes) },
                { sink ^= lzma_crc64(base, size, 0) },
                { sink ^= CRC64.Kernel.tables.checksum(bytes) },
                { sink ^= CRC64.Kernel.carryLessMultiply.checksum(bytes) },
            ]
        }
        report(big, label: "\(megabytes) MiB (from memory)")

        // The same kernels on a 1 MiB buffer that stays in cache: compute, not DRAM, bound.
        let small = 1 << 20
        let repeats = size / small
        let cached = measure(rounds: rounds, bytes: small * repeats) {
            [
                { for _ in 0..<repeats { sink ^= CRC64.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<small])) } },
                { for _ in 0..<repeats { sink ^= lzma_crc64(base, small, 0) } },
                { for _ in 0..<repeats { sink ^= CRC64.Kernel.tables.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<small])) } },
                {
                    let head = UnsafeRawBufferPointer(rebasing: bytes[0..<small])
                    for _ in 0..<repeats { sink ^= CRC64.Kernel.carryLessMultiply.checksum(head) }
                },
            ]
        }
        report(cached, label: "1 MiB x \(repeats) (in cache)")

        // CRC64.combine: what checking a multipart object against its parts costs.
        var combineTimes: [Double] = []
        let calls = 2000
        for _ in 0..<rounds {
            combineTimes.append(
                Stats.time {
                    for i in 0..<calls {
                        sink ^= CRC64.combine(sink, UInt64(i), lengthOfB: 64 << 20)
                    }
                } / Double(calls))
        }
        Stats.line("CRC64.combine, B = 64 MiB", Stats.fixed(Stats.median(combineTimes) * 1e6) + " µs per call")
        if sink == 42 { print("") }  // keeps the work observable
    }

    /// Runs each closure of `kernels` once per round, interleaved; returns GB/s per kernel.
    private func measure(rounds: Int, bytes: Int, _ kernels: () -> [() -> Void]) -> [[Double]] {
        let list = kernels()
        var rates = [[Double]](repeating: [], count: list.count)
        for _ in 0..<rounds {
            for (i, kernel) in list.enumerated() {
                let seconds = Stats.time(kernel)
                rates[i].append(Double(bytes) / seconds / 1e9)
            }
        }
        return rates
    }

    private func report(_ rates: [[Double]], label: String) {
        let ours = Stats.median(rates[0]), lzma = Stats.median(rates[1]), tables = Stats.median(rates[2])
        print(" \(label):")
        Stats.line("ours CRC64.checksum", Stats.fixed(ours) + " GB/s")
        Stats.line("liblzma lzma_crc64", Stats.fixed(lzma) + " GB/s")
        Stats.line("ours, portable tables", Stats.fixed(tables) + " GB/s")
        if CRC64.Kernel.available.contains(.carryLessMultiply) {
            Stats.line("ours, pclmulqdq kernel", Stats.fixed(Stats.median(rates[3])) + " GB/s")
        }
        Stats.ratio("ours / liblzma", ours, lzma, target: ">= 0.8x")
    }
}

func hex64(_ value: UInt64) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
