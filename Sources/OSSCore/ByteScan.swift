/// Byte-wise checks of protocol text over a string's contiguous UTF-8 (every request's method,
/// bucket, key, header names and values pass through several of them): a loop over a buffer,
/// not the UTF8View's iterator or a walk of Characters. The two that take a test are inlinable,
/// so each caller's test is inlined into the loop instead of called per byte.
package enum ByteScan {
    /// Whether every UTF-8 byte of `s` passes `test` (true for an empty string).
    @inlinable
    package static func allSatisfy(_ s: String, _ test: (UInt8) -> Bool) -> Bool {
        if let result = s.utf8.withContiguousStorageIfAvailable({ buffer in
            for b in buffer where !test(b) { return false }
            return true
        }) {
            return result
        }
        return s.utf8.allSatisfy(test)
    }

    /// Whether some UTF-8 byte of `s` passes `test`.
    @inlinable
    package static func contains(_ s: String, where test: (UInt8) -> Bool) -> Bool {
        !allSatisfy(s) { !test($0) }
    }

    /// Whether `s` holds CR, LF or NUL: what would end a header line or a C string early.
    package static func hasLineBreak(_ s: String) -> Bool {
        contains(s) { $0 == 13 || $0 == 10 || $0 == 0 }
    }

    /// Whether `s` starts with the bytes of `prefix`; with `ignoringCase`, ASCII letters of `s`
    /// are compared lowered (`prefix` is then given in lower case).
    package static func hasPrefix(_ s: String, _ prefix: StaticString, ignoringCase: Bool = false) -> Bool {
        // withUTF8Buffer: a one-character literal is held as a scalar, without a pointer.
        prefix.withUTF8Buffer { p in
            guard s.utf8.count >= p.count else { return false }
            if let result = s.utf8.withContiguousStorageIfAvailable({ b in
                for i in 0..<p.count where b[i] != p[i] && !(ignoringCase && ASCIICase.lower(b[i]) == p[i]) {
                    return false
                }
                return true
            }) {
                return result
            }
            return s.utf8.starts(with: p) { ignoringCase ? ASCIICase.lower($0) == $1 : $0 == $1 }
        }
    }

    /// Whether `a`'s UTF-8 bytes sort before `b`'s (byte order, the order V4 signing sorts by);
    /// with `ignoringCase`, as if both were lower-cased (ASCII letters), without lowering either.
    package static func precedes(_ a: String, _ b: String, ignoringCase: Bool = false) -> Bool {
        @inline(__always) func byte(_ c: UInt8) -> UInt8 { ignoringCase ? ASCIICase.lower(c) : c }
        if let result = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = min(x.count, y.count)
                for i in 0..<n where byte(x[i]) != byte(y[i]) { return byte(x[i]) < byte(y[i]) }
                return x.count < y.count
            }
        }), let result {
            return result
        }
        return a.utf8.lazy.map(byte).lexicographicallyPrecedes(b.utf8.lazy.map(byte))
    }
}
