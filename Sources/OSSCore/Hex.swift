/// Hexadecimal encoding and decoding of bytes.
package enum Hex {
    private static let lower: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Encodes bytes as hex digits.
    /// - Parameters:
    ///   - bytes: the bytes to encode.
    ///   - uppercase: `true` for `A-F`, `false` (the default) for `a-f`.
    /// - Returns: the hex string, two digits a byte.
    package static func encode<C: Collection>(_ bytes: C, uppercase: Bool = false) -> String where C.Element == UInt8 {
        let digits = uppercase ? upper : lower
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes a byte array as hex digits (the same result as the generic `encode`, without its
    /// per-element generic calls: digests and signatures go through here on every request).
    package static func encode(_ bytes: [UInt8], uppercase: Bool = false) -> String {
        bytes.withUnsafeBytes { encode($0, uppercase: uppercase) }
    }

    /// Encodes the bytes of a buffer as hex digits, written straight into the string.
    package static func encode(_ bytes: UnsafeRawBufferPointer, uppercase: Bool = false) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            write(bytes, into: out, uppercase: uppercase)
        }
    }

    /// Appends the bytes of a buffer as lower-case hex digits to `out`: no string in between.
    package static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bytes.count * 2))
        out.withUnsafeMutableBufferPointer { all in
            _ = write(bytes, into: UnsafeMutableBufferPointer(rebasing: all[start...]), uppercase: false)
        }
    }

    /// Writes two digits a byte to the start of `out` (at least twice as long as `bytes`).
    /// - Returns: the number of digits written.
    private static func write(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>, uppercase: Bool)
        -> Int
    {
        let a = UInt8(ascii: uppercase ? "A" : "a") &- 10
        for (i, b) in bytes.enumerated() {
            let hi = b >> 4, lo = b & 0x0F
            out[2 * i] = hi < 10 ? 0x30 &+ hi : a &+ hi
            out[2 * i + 1] = lo < 10 ? 0x30 &+ lo : a &+ lo
        }
        return bytes.count * 2
    }

    /// Decodes hex digits (either case) into bytes.
    /// - Returns: the bytes, or `nil` when the input has an odd length or a non-hex character.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = value(utf8[i]), let lo = value(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// The value of one hex digit, or `nil`.
    @inlinable
    package static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}
