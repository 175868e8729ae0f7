import OSSCore

/// The policy of a browser upload (PostObject): until when the form may be used, and the
/// conditions its fields and file must meet. Sent base64-encoded in the `policy` form field, and
/// the string the signature is computed over.
///
/// The JSON is OSS's: `{"expiration":"2026-12-05T14:00:00.000Z","conditions":[...]}` where a
/// condition is `{"field":"value"}`, `["eq","$field","value"]`, `["starts-with","$field","prefix"]`,
/// `["in","$field",["a","b"]]`, `["not-in","$field",["a"]]` or
/// `["content-length-range",min,max]`. The client encodes it; the mock decodes and enforces it.
public struct PostPolicy: Sendable, Hashable {
    /// One condition of the policy.
    public enum Condition: Sendable, Hashable, CustomStringConvertible {
        /// `{"field":"value"}`: the form field must be exactly the value (as `eq`).
        case exact(field: String, value: String)
        /// `["eq","$field","value"]`.
        case equals(field: String, value: String)
        /// `["starts-with","$field","prefix"]` (an empty prefix allows any value).
        case startsWith(field: String, prefix: String)
        /// `["in","$field",[values]]`.
        case oneOf(field: String, values: [String])
        /// `["not-in","$field",[values]]`.
        case noneOf(field: String, values: [String])
        /// `["content-length-range",min,max]`: the file's size in bytes, both ends included.
        case contentLengthRange(min: Int64, max: Int64)

        /// The form field the condition is on (lower-cased as OSS compares names), `nil` for
        /// `content-length-range`.
        public var field: String? {
            switch self {
            case .exact(let f, _), .equals(let f, _), .startsWith(let f, _), .oneOf(let f, _), .noneOf(let f, _):
                return ASCIICase.lowercased(f)
            case .contentLengthRange: return nil
            }
        }

        /// The condition as the policy's JSON writes it.
        public var json: String {
            switch self {
            case .exact(let f, let v): return "{" + JSONString.quoted(f) + ":" + JSONString.quoted(v) + "}"
            case .equals(let f, let v): return "[\"eq\"," + JSONString.quoted("$" + f) + "," + JSONString.quoted(v) + "]"
            case .startsWith(let f, let p):
                return "[\"starts-with\"," + JSONString.quoted("$" + f) + "," + JSONString.quoted(p) + "]"
            case .oneOf(let f, let vs):
                return "[\"in\"," + JSONString.quoted("$" + f) + ",[" + vs.map(JSONString.quoted).joined(separator: ",") + "]]"
            case .noneOf(let f, let vs):
                return "[\"not-in\"," + JSONString.quoted("$" + f) + ",[" + vs.map(JSONString.quoted).joined(separator: ",")
                    + "]]"
            case .contentLengthRange(let lo, let hi): return "[\"content-length-range\",\(lo),\(hi)]"
            }
        }

        public var description: String { json }
    }

    /// When the policy stops working (whole seconds are written with `.000Z`).
    public var expiration: UTCTime
    /// The conditions, in order.
    public var conditions: [Condition]

    public init(expiration: UTCTime, conditions: [Condition]) {
        self.expiration = expiration
        self.conditions = conditions
    }

    /// The policy's JSON text (compact, conditions in order).
    public var json: String {
        "{\"expiration\":" + JSONString.quoted(expiration.iso8601) + ",\"conditions\":["
            + conditions.map(\.json).joined(separator: ",") + "]}"
    }

    /// The `policy` form field: the JSON's UTF-8, base64-encoded.
    public var base64: String { Base64.encode(Array(json.utf8)) }

    // MARK: Decoding (the mock)

    /// Decodes a policy's JSON as OSS reads it.
    /// - Throws: `ValidationError` naming what is wrong: not JSON, no `expiration` or
    ///   `conditions`, an unknown operator, a range that is not two integers with min <= max.
    public init(json bytes: [UInt8]) throws(ValidationError) {
        var parser = PostPolicyJSON(bytes)
        let root: PostPolicyJSON.Value
        do { root = try parser.document() } catch { throw ValidationError("the policy is not valid JSON: \(error.message)") }
        guard case .object(let members) = root else { throw ValidationError("the policy is not a JSON object") }
        guard let exp = members.first(where: { $0.0 == "expiration" })?.1 else {
            throw ValidationError("the policy has no expiration")
        }
        guard case .string(let expText) = exp, let when = UTCTime(iso8601: expText) else {
            throw ValidationError("the policy's expiration is not an ISO 8601 UTC time")
        }
        guard let conds = members.first(where: { $0.0 == "conditions" })?.1 else {
            throw ValidationError("the policy has no conditions")
        }
        guard case .array(let items) = conds else { throw ValidationError("the policy's conditions are not a list") }
        var out: [Condition] = []
        for item in items {
            switch item {
            case .object(let pairs):
                guard pairs.count == 1, case .string(let v) = pairs[0].1 else {
                    throw ValidationError("a condition object must hold one field with a string value")
                }
                out.append(.exact(field: pairs[0].0, value: v))
            case .array(let parts):
                out.append(try PostPolicy.condition(parts))
            default:
                throw ValidationError("a condition must be an object or a list")
            }
        }
        self.init(expiration: when, conditions: out)
    }

    private static func condition(_ parts: [PostPolicyJSON.Value]) throws(ValidationError) -> Condition {
        guard let first = parts.first, case .string(let op) = first else {
            throw ValidationError("a condition list must start with its operator")
        }
        let lower = ASCIICase.lowercased(op)
        if lower == "content-length-range" {
            guard parts.count == 3, case .number(let lo) = parts[1], case .number(let hi) = parts[2], lo >= 0, hi >= lo
            else { throw ValidationError("content-length-range must be two integers, min <= max") }
            return .contentLengthRange(min: lo, max: hi)
        }
        guard parts.count == 3, case .string(let dollarField) = parts[1], dollarField.hasPrefix("$"), dollarField.count > 1 else {
            throw ValidationError("condition \(JSONString.quoted(op)) must be [\"\(op)\", \"$field\", value]")
        }
        let field = String(dollarField.dropFirst())
        switch lower {
        case "eq", "starts-with":
            guard case .string(let v) = parts[2] else {
                throw ValidationError("condition \(JSONString.quoted(op)) needs a string value")
            }
            return lower == "eq" ? .equals(field: field, value: v) : .startsWith(field: field, prefix: v)
        case "in", "not-in":
            guard case .array(let vs) = parts[2] else { throw ValidationError("condition \(JSONString.quoted(op)) needs a list") }
            var values: [String] = []
            for v in vs {
                guard case .string(let s) = v else { throw ValidationError("condition \(JSONString.quoted(op)) needs strings") }
                values.append(s)
            }
            return lower == "in" ? .oneOf(field: field, values: values) : .noneOf(field: field, values: values)
        default:
            throw ValidationError("unknown policy condition \(JSONString.quoted(op))")
        }
    }
}

/// The JSON the policy needs (RFC 8259, integers only for numbers), without Foundation.
struct PostPolicyJSON {
    indirect enum Value {
        case object([(String, Value)])
        case array([Value])
        case string(String)
        case number(Int64)
        case bool(Bool)
        case null
    }

    struct Failure: Error {
        let message: String
    }

    private let b: [UInt8]
    private var i = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { b = bytes }

    mutating func document() throws(Failure) -> Value {
        let v = try value()
        skipSpace()
        guard i == b.count else { throw Failure(message: "text after the document at byte \(i)") }
        return v
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    private mutating func expect(_ word: String) throws(Failure) {
        for c in word.utf8 {
            guard i < b.count, b[i] == c else { throw Failure(message: "unexpected byte at \(i)") }
            i += 1
        }
    }

    private mutating func value() throws(Failure) -> Value {
        skipSpace()
        guard i < b.count else { throw Failure(message: "unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"):
            depth += 1
            guard depth <= 32 else { throw Failure(message: "nested too deep") }
            defer { depth -= 1 }
            i += 1
            var members: [(String, Value)] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw Failure(message: "expected a name at byte \(i)") }
                let name = try string()
                skipSpace()
                try expect(":")
                members.append((name, try value()))
                skipSpace()
                guard i < b.count else { throw Failure(message: "unexpected end") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw Failure(message: "expected ',' or '}' at byte \(i)")
            }
        case UInt8(ascii: "["):
            depth += 1
            guard depth <= 32 else { throw Failure(message: "nested too deep") }
            defer { depth -= 1 }
            i += 1
            var items: [Value] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            while true {
                items.append(try value())
                skipSpace()
                guard i < b.count else { throw Failure(message: "unexpected end") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw Failure(message: "expected ',' or ']' at byte \(i)")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        default:
            return .number(try number())
        }
    }

    private mutating func number() throws(Failure) -> Int64 {
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        let start = i
        var v: Int64 = 0
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(b[i] - 0x30))
            guard !o1, !o2 else { throw Failure(message: "a number out of range at byte \(start)") }
            v = s
            i += 1
        }
        guard i > start else { throw Failure(message: "unexpected byte at \(start)") }
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            throw Failure(message: "a number that is not an integer at byte \(start)")
        }
        return negative ? -v : v
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= b.count else { throw Failure(message: "a short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw Failure(message: "a bad \\u escape at byte \(i)")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws(Failure) -> String {
        i += 1  // the opening quote
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw Failure(message: "an unterminated string") }
            let c = b[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw Failure(message: "a string that is not UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard i < b.count else { throw Failure(message: "an unterminated escape") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard i + 2 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw Failure(message: "a lone surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Failure(message: "a lone surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Failure(message: "a lone surrogate") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw Failure(message: "a bad escape at byte \(i - 1)")
                }
            default:
                guard c >= 0x20 else { throw Failure(message: "a control character in a string at byte \(i - 1)") }
                out.append(c)
            }
        }
    }
}
