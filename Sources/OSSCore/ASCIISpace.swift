/// Trimming of ASCII white space at the ends of protocol text (header values, option values), by
/// bytes: the one trim of the code base, which had five (Character walks, array copies).
package enum ASCIISpace {
    /// `s` without spaces and tabs (HTTP's OWS, RFC 9110 §5.6.3) at both ends, and without CRs
    /// and LFs too when `lineBreaks`. A value with none at its ends comes back as it is, with
    /// nothing copied (every response header read as a number comes here).
    package static func trimmed<S: StringProtocol>(_ s: S, lineBreaks: Bool = false) -> String {
        func isSpace(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x09 || (lineBreaks && (c == 0x0D || c == 0x0A))
        }
        let bytes = s.utf8
        var first: S.UTF8View.Index? = nil
        var end = bytes.startIndex  // after the last byte that is not a space
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let next = bytes.index(after: i)
            if !isSpace(bytes[i]) {
                if first == nil { first = i }
                end = next
            }
            i = next
        }
        guard let first else { return "" }
        if first == bytes.startIndex && end == bytes.endIndex { return String(s) }
        return String(decoding: bytes[first..<end], as: UTF8.self)
    }
}
