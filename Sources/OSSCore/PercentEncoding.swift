/// Percent-encoding (RFC 3986 §2.1) of UTF-8 text.
package enum PercentEncoding {
    /// Which bytes stay literal: a 256-bit set (no allocation, no reference counting: every
    /// request's key and query go through here).
    package struct Allowed: Sendable {
        @usableFromInline let bits: (UInt64, UInt64, UInt64, UInt64)

        package init(_ predicate: (UInt8) -> Bool) {
            var words: [UInt64] = [0, 0, 0, 0]
            for b in 0..<256 where predicate(UInt8(b)) { words[b >> 6] |= 1 << UInt64(b & 63) }
            bits = (words[0], words[1], words[2], words[3])
        }

        /// RFC 3986 §2.3 unreserved: `A-Z a-z 0-9 - . _ ~`.
        package static let unreserved = Allowed { isUnreserved($0) }
        /// Unreserved plus `/`: the form OSS uses for object keys in paths.
        package static let unreservedAndSlash = Allowed { isUnreserved($0) || $0 == UInt8(ascii: "/") }

        @inlinable
        package func contains(_ byte: UInt8) -> Bool {
            let word: UInt64
            switch byte >> 6 {
            case 0: word = bits.0
            case 1: word = bits.1
            case 2: word = bits.2
            default: word = bits.3
            }
            return (word >> UInt64(byte & 63)) & 1 == 1
        }
    }

    @inlinable
    static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Encodes every byte of the UTF-8 form of `text` that `allowed` does not keep as `%XX`
    /// (upper-case hex).
    package static func encode(_ text: some StringProtocol, allowed: Allowed = .unreserved) -> String {
        // Most keys and names need no escape: the text as it is, no copy.
        var string = String(text)
        let clean = string.withUTF8 { buffer in
            for b in buffer where !allowed.contains(b) { return false }
            return true
        }
        if clean { return string }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3)
        append(string, allowed: allowed, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `encode(text, allowed:)`'s bytes to `out`, with no string in between.
    package static func append(_ text: String, allowed: Allowed, to out: inout [UInt8]) {
        for b in text.utf8 {
            if allowed.contains(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(b >> 4)])
                out.append(upperHex[Int(b & 0x0f)])
            }
        }
    }

    /// Decodes `%XX` sequences.
    /// - Parameters:
    ///   - text: the encoded text.
    ///   - plusAsSpace: decode `+` as a space (the form encoding of query strings).
    /// - Returns: the decoded text, or `nil` for a malformed `%` sequence or bytes that are not UTF-8.
    package static func decode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        guard let bytes = decodeBytes(text, plusAsSpace: plusAsSpace) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Decodes `%XX` sequences into raw bytes (no UTF-8 check).
    package static func decodeBytes(_ text: some StringProtocol, plusAsSpace: Bool = false) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let c = utf8[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < utf8.count, let hi = Hex.value(utf8[i + 1]), let lo = Hex.value(utf8[i + 2]) else {
                    return nil
                }
                out.append(hi << 4 | lo)
                i += 3
            } else if plusAsSpace && c == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                i += 1
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }
}
