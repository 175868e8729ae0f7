import OSSCore

/// The one JSON text builder of the CLI (RFC 8259, no Foundation): every `--json` object is
/// made with it.
enum JSON {
    /// A JSON string literal (RFC 8259 §7).
    static func string(_ s: String) -> String { JSONString.quoted(s) }

    static func optional(_ s: String?) -> String { s.map(string) ?? "null" }

    /// `{"state":"completed","code":null,"error":null,` then `fields`, then `}`: the success
    /// object of a command's `--json` (every object carries state, code and error).
    static func success(_ fields: [(String, String)]) -> String {
        object([("state", string("completed")), ("code", "null"), ("error", "null")] + fields)
    }

    /// `{"name":value,...}` in the order given; each value is JSON text already.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A number with at most three decimals (`0.005`, `12.5`, `3`).
    static func seconds(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        let ms = Int64((d * 1000).rounded())
        let whole = ms / 1000
        var frac = String(abs(ms % 1000))
        while frac.count < 3 { frac = "0" + frac }
        return "\(whole).\(frac)"
    }
}
