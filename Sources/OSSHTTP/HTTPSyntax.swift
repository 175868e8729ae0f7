import OSSCore

/// Character classes and small helpers of RFC 9110 §5.6 shared by the parsers and the encoder.
enum HTTPSyntax {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9
    static let colon: UInt8 = 58

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c | 0x20 : c }

    /// tchar (RFC 9110 §5.6.2).
    @inline(__always)
    static func isTokenChar(_ c: UInt8) -> Bool { HTTPToken.isTokenChar(c) }

    static func isToken(_ s: String) -> Bool { HTTPToken.isToken(s) }

    /// A field value as RFC 9110 §5.5 allows it on the wire: no CR, LF or NUL (and no other controls
    /// except HTAB).
    static func isValidFieldValue(_ s: String) -> Bool {
        ByteScan.isFieldValue(s)
    }

    static func append(_ s: String, to out: inout [UInt8]) {
        out.append(contentsOf: s.utf8)
    }

    static func appendCRLF(_ out: inout [UInt8]) {
        out.append(cr)
        out.append(lf)
    }

    /// Parses a non-negative decimal (Content-Length, RFC 9110 §8.6): digits only, no sign, no overflow.
    static func parseDecimal<C: Collection<UInt8>>(_ digits: C) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var n: Int64 = 0
        for c in digits {
            guard c >= 48 && c <= 57 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 48))
            if o1 || o2 { return nil }
            n = a
        }
        return n
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    static func hex(_ n: Int) -> String { String(n, radix: 16, uppercase: false) }
}
