/// JSON string literals (RFC 8259 §7) without Foundation, for the CLI's `--json` output and the
/// mock server's admin endpoint.
package enum JSONString {
    /// `s` as a JSON string literal, quotes included: `"`, `\` and control characters escaped.
    package static func quoted(_ s: String) -> String { "\"" + escaped(s) + "\"" }

    /// `s` as the inside of a JSON string literal (no quotes around it).
    package static func escaped(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `s` quoted, or `null` when it is absent.
    package static func optional(_ s: String?) -> String { s.map(quoted) ?? "null" }
}
