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
        let root: JSONValue
        do throws(JSONParseError) { root = try JSONReader.parse(bytes) } catch {
            throw ValidationError("the policy is not valid JSON: \(error)")
        }
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

    private static func condition(_ parts: [JSONValue]) throws(ValidationError) -> Condition {
        guard let first = parts.first, case .string(let op) = first else {
            throw ValidationError("a condition list must start with its operator")
        }
        let lower = ASCIICase.lowercased(op)
        if lower == "content-length-range" {
            guard parts.count == 3, case .number(_, let loText) = parts[1], case .number(_, let hiText) = parts[2],
                let lo = Int64(loText), let hi = Int64(hiText), lo >= 0, hi >= lo
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
