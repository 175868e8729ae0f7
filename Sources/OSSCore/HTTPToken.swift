/// The token grammar of RFC 9110 §5.6.2, which header names and methods follow: the HTTP codec,
/// the client's input checks and the signer read it here.
package enum HTTPToken {
    /// tchar (RFC 9110 §5.6.2).
    @inline(__always)
    package static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// A non-empty run of tchar.
    package static func isToken(_ s: String) -> Bool {
        !s.isEmpty && ByteScan.allIn(s, .token)
    }
}
