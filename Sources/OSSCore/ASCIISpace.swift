/// Trimming of ASCII white space at the ends of protocol text (header values, option values), by
/// bytes: the one trim of the code base, which had five (Character walks, array copies).
package enum ASCIISpace {
    /// `s` without spaces and tabs (HTTP's OWS, RFC 9110 §5.6.3) at both ends, and without CRs
    /// and LFs too when `lineBreaks`. A value with none at its ends comes back as it is, with
    /// nothing copied (every response header read as a number comes here).
    ///
    /// Only the ends are looked at: a value is read from each end up to its first byte that is
    /// not a space, never through its middle (signing trims every header value of every request).
    package static func trimmed(_ s: String, lineBreaks: Bool = false) -> String {
        let found = s.utf8.withContiguousStorageIfAvailable { b -> String? in
            let (lo, hi) = bounds(b, lineBreaks: lineBreaks)
            if lo == 0 && hi == b.count { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        }
        switch found {
        case .some(.some(let trimmed)): return trimmed
        case .some(.none): return s
        case .none: return trimmedByIndex(s, lineBreaks: lineBreaks)  // a bridged, non-contiguous string
        }
    }

    /// Appends the bytes of `trimmed(s)` to `out`, with no string in between.
    package static func appendTrimmed(_ s: String, to out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { b in
            let (lo, hi) = bounds(b, lineBreaks: false)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[lo..<hi]))
        }
        if done == nil { out.append(contentsOf: trimmedByIndex(s, lineBreaks: false).utf8) }
    }

    /// `trimmed` for a substring or any other string type.
    package static func trimmed<S: StringProtocol>(_ s: S, lineBreaks: Bool = false) -> String {
        if let whole = s as? String { return trimmed(whole, lineBreaks: lineBreaks) }
        let found = s.utf8.withContiguousStorageIfAvailable { b -> String in
            let (lo, hi) = bounds(b, lineBreaks: lineBreaks)
            return String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        }
        return found ?? trimmedByIndex(s, lineBreaks: lineBreaks)
    }

    @inline(__always)
    private static func isSpace(_ c: UInt8, lineBreaks: Bool) -> Bool {
        c == 0x20 || c == 0x09 || (lineBreaks && (c == 0x0D || c == 0x0A))
    }

    /// The offsets of the first byte that is not a space and just past the last (equal when the
    /// value is all spaces).
    static func bounds(_ b: UnsafeBufferPointer<UInt8>, lineBreaks: Bool) -> (Int, Int) {
        var lo = 0
        var hi = b.count
        while lo < hi && isSpace(b[lo], lineBreaks: lineBreaks) { lo += 1 }
        while hi > lo && isSpace(b[hi - 1], lineBreaks: lineBreaks) { hi -= 1 }
        return (lo, hi)
    }

    /// The same by index, for a string whose bytes are not contiguous (its UTF-8 view only walks
    /// forward: the end is the byte after the last that is not a space).
    private static func trimmedByIndex<S: StringProtocol>(_ s: S, lineBreaks: Bool) -> String {
        let bytes = s.utf8
        var lo = bytes.startIndex
        while lo != bytes.endIndex && isSpace(bytes[lo], lineBreaks: lineBreaks) { lo = bytes.index(after: lo) }
        var hi = lo
        var i = lo
        while i != bytes.endIndex {
            let next = bytes.index(after: i)
            if !isSpace(bytes[i], lineBreaks: lineBreaks) { hi = next }
            i = next
        }
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}
