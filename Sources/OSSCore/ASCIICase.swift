/// ASCII case folding for protocol names (header field names, tokens), without the allocation
/// and Unicode tables of `String.lowercased()`.
///
/// Header names are tokens (RFC 9110 §5.6.2): ASCII only. A request builds and looks up a dozen
/// of them; `lowercased()` on each side of each comparison allocated two strings per comparison.
package enum ASCIICase {
    /// Whether `a` and `b` are equal when ASCII letters are compared without case (other bytes
    /// must be equal). Never allocates.
    package static func equal(_ a: String, _ b: String) -> Bool {
        let x = a.utf8
        let y = b.utf8
        guard x.count == y.count else { return false }
        if let same = x.withContiguousStorageIfAvailable({ p in
            y.withContiguousStorageIfAvailable { q in equal(p, q) }
        }), let result = same {
            return result
        }
        return zip(x, y).allSatisfy { lower($0) == lower($1) }
    }

    private static func equal(_ p: UnsafeBufferPointer<UInt8>, _ q: UnsafeBufferPointer<UInt8>) -> Bool {
        for i in 0..<p.count where p[i] != q[i] && lower(p[i]) != lower(q[i]) { return false }
        return true
    }

    /// `s` with ASCII `A-Z` lowered (other bytes kept): `s` itself when it has none, no allocation.
    package static func lowercased(_ s: String) -> String {
        guard ByteScan.contains(s, where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        // Written in place: no array in between (a name of up to 15 bytes allocates nothing).
        let bytes = s.utf8
        return String(unsafeUninitializedCapacity: bytes.count) { out in
            var i = 0
            for c in bytes {
                out[i] = lower(c)
                i += 1
            }
            return i
        }
    }

    /// The byte with ASCII `A-Z` lowered.
    @inline(__always)
    package static func lower(_ c: UInt8) -> UInt8 {
        c >= 0x41 && c <= 0x5A ? c | 0x20 : c
    }
}
