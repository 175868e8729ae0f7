/// Percent-encoding (RFC 3986 §2.1) of UTF-8 text.
package enum PercentEncoding {
    /// Which bytes stay literal: a 256-bit set (no allocation, no reference counting: every
    /// request's key and query go through here), the byte table the header checks use too.
    package typealias Allowed = ByteSet

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
        // Over the string's contiguous bytes (every request's key and bucket come here): a text
        // with nothing to escape, the usual case, is appended in one copy.
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var plain = 0
            while plain < bytes.count, allowed.contains(bytes[plain]) { plain += 1 }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<plain]))
            for b in bytes[plain...] { append(b, allowed: allowed, to: &out) }
        }
        if done == nil {
            for b in text.utf8 { append(b, allowed: allowed, to: &out) }
        }
    }

    @inline(__always)
    private static func append(_ b: UInt8, allowed: Allowed, to out: inout [UInt8]) {
        if allowed.contains(b) {
            out.append(b)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(hexDigit(b >> 4))
            out.append(hexDigit(b & 0x0f))
        }
    }

    /// `0`-`9`, `A`-`F` for 0...15.
    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 55 + v }

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

extension ByteSet {
    /// RFC 3986 §2.3 unreserved: `A-Z a-z 0-9 - . _ ~`.
    package static let unreserved = ByteSet { PercentEncoding.isUnreserved($0) }
    /// Unreserved plus `/`: the form OSS uses for object keys in paths.
    package static let unreservedAndSlash = ByteSet { PercentEncoding.isUnreserved($0) || $0 == UInt8(ascii: "/") }
}
