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

    /// Whether every UTF-8 byte of `s` is in `set` (true for an empty string): one table lookup
    /// per byte, no call. The checks every request's head goes through use this form: given a
    /// test closure, the optimiser kept calling the test per byte (the header values' check alone
    /// was 4% of a small PutObject's CPU).
    package static func allIn(_ s: String, _ set: ByteSet) -> Bool {
        allIn(s, set) { _ in false }
    }

    /// `s` as a decimal `UInt64` (an optional `+`, then digits) once ASCII spaces, tabs, CR and
    /// LF around it are dropped; `nil` for anything else or more than `UInt64.max`. What
    /// `UInt64(ASCIISpace.trimmed(s, lineBreaks: true))` gives, read in place (the CRC64 header
    /// of every answer is read this way, twice).
    package static func decimalUInt64(_ s: String) -> UInt64? {
        func parse(_ b: UnsafeBufferPointer<UInt8>) -> UInt64? {
            var (lo, hi) = ASCIISpace.bounds(b, lineBreaks: true)
            if lo < hi, b[lo] == UInt8(ascii: "+") { lo += 1 }
            guard lo < hi else { return nil }
            var n: UInt64 = 0
            for i in lo..<hi {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(d))
                if o1 || o2 { return nil }
                n = a
            }
            return n
        }
        if let result = s.utf8.withContiguousStorageIfAvailable(parse) { return result }
        return Array(s.utf8).withUnsafeBufferPointer(parse)
    }

    /// Whether `s` holds CR, LF or NUL: what would end a header line or a C string early.
    /// Eight bytes at a time (every header name and value of every request passes here).
    package static func hasLineBreak(_ s: String) -> Bool {
        !allIn(s, .noLineBreak) { w in
            !Words.hasZero(w) && !Words.hasZero(w ^ Words.repeating(13)) && !Words.hasZero(w ^ Words.repeating(10))
        }
    }

    /// Whether `s` is a field value as RFC 9110 §5.5 allows it on the wire: no control byte but
    /// HTAB, no DEL. Eight bytes at a time.
    package static func isFieldValue(_ s: String) -> Bool {
        allIn(s, .fieldValue) { w in !Words.hasByteBelow(0x20, w) && !Words.hasZero(w ^ Words.repeating(0x7F)) }
    }

    /// `allIn`, eight bytes at a time where `wordPasses` says all eight of a word are in `set`
    /// (a word it rejects is checked byte by byte: the test may reject words that pass).
    @inline(__always)
    static func allIn(_ s: String, _ set: ByteSet, wordPasses: (UInt64) -> Bool) -> Bool {
        if let result = s.utf8.withContiguousStorageIfAvailable({ buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i &+ 8 <= buffer.count, wordPasses(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i &+= 8 }
            while i < buffer.count {
                if !set.contains(buffer[i]) { return false }
                i &+= 1
            }
            return true
        }) {
            return result
        }
        return s.utf8.allSatisfy { set.contains($0) }
    }

    /// Tests on eight bytes in one `UInt64` (the bit tricks of "Bit Twiddling Hacks"; exact as
    /// booleans for the whole word).
    enum Words {
        @inline(__always) static func repeating(_ b: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(b) }
        /// Some byte of `w` is 0.
        @inline(__always) static func hasZero(_ w: UInt64) -> Bool {
            (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0
        }
        /// Some byte of `w` is below `n` (n <= 128).
        @inline(__always) static func hasByteBelow(_ n: UInt8, _ w: UInt64) -> Bool {
            (w &- repeating(n)) & ~w & 0x8080_8080_8080_8080 != 0
        }
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

/// A set of byte values as a 256-bit table, for `ByteScan.allIn`.
package struct ByteSet: Sendable {
    @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The bytes that pass `test`.
    package init(_ test: (UInt8) -> Bool) {
        for c in 0...255 where test(UInt8(c)) {
            let bit = UInt64(1) << UInt64(c & 63)
            switch c >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }
    }

    /// One load and a shift, no branch (a switch on the word mispredicted on text that mixes
    /// letters with digits and punctuation).
    @inlinable @inline(__always)
    package func contains(_ c: UInt8) -> Bool {
        let word = withUnsafeBytes(of: words) { $0.load(fromByteOffset: Int(c >> 6) &* 8, as: UInt64.self) }
        return word & (UInt64(1) << UInt64(c & 63)) != 0
    }

    /// Every byte but CR, LF and NUL.
    package static let noLineBreak = ByteSet { $0 != 13 && $0 != 10 && $0 != 0 }
    /// tchar (RFC 9110 §5.6.2): the bytes of a header name or a method.
    package static let token = ByteSet(HTTPToken.isTokenChar)
    /// A field value's bytes on the wire (RFC 9110 §5.5): HTAB, and no other control or DEL.
    package static let fieldValue = ByteSet { $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) }
    /// A request target's bytes: no space, control or DEL.
    package static let target = ByteSet { $0 > 0x20 && $0 != 0x7F }
}
