import OSSCore

/// Browser uploads (PostObject, issue 16 part 5): the rules a policy and its form fields must
/// follow before the client signs them.
extension Validation {
    /// The form fields the signer writes itself: a caller may neither set them nor put a
    /// condition on them.
    package static let postSignatureFields: Set<String> = [
        "policy", "x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-signature",
        "x-oss-security-token", "ossaccesskeyid", "signature", "file",
    ]

    /// The form fields a policy condition may name (lower-case): OSS's list, plus every
    /// `x-oss-meta-*` and `x-oss-*` field.
    package static let postConditionFields: Set<String> = [
        "bucket", "key", "content-type", "cache-control", "content-disposition", "content-encoding", "expires",
        "success_action_status", "success_action_redirect",
    ]

    /// The statuses `success_action_status` may ask for.
    package static let postSuccessStatuses = ["200", "201", "204"]

    /// Checks a browser-upload policy's conditions and the form fields that go with it.
    /// - Parameters:
    ///   - conditions: the caller's conditions (the signer adds its own).
    ///   - fields: the caller's form fields (`key`, `Content-Type`, `x-oss-meta-*`, ...).
    ///   - bucket: the bucket the form uploads to.
    /// - Throws: `ValidationError` for a condition on an unknown or signer-owned field, a
    ///   `bucket` condition other than equality or naming another bucket, a bad
    ///   `content-length-range`, a `success_action_status` OSS does not answer, a field name or
    ///   value a form cannot carry, or a field whose value breaks a condition of the policy.
    package static func checkPostPolicy(
        conditions: [PostPolicy.Condition], fields: [(name: String, value: String)], bucket: String
    ) throws(ValidationError) {
        try checkBucketName(bucket)
        var ranges = 0
        for c in conditions {
            switch c {
            case .contentLengthRange(let lo, let hi):
                ranges += 1
                guard lo >= 0, hi >= lo else {
                    throw ValidationError("content-length-range \(lo),\(hi): the sizes must be 0 <= min <= max")
                }
                guard hi <= 5 << 30 else {
                    throw ValidationError("content-length-range max \(hi) is over 5 GiB, the most PostObject takes")
                }
            default:
                let f = c.field ?? ""
                try checkPostFieldName(f, what: "a policy condition")
                guard !postSignatureFields.contains(f) else {
                    throw ValidationError("the policy condition on '\(f)' is the signer's: it writes that condition itself")
                }
                guard postConditionFields.contains(f) || f.hasPrefix("x-oss-") else {
                    throw ValidationError(
                        "a policy condition cannot name '\(printable(f))': use key, bucket, Content-Type, Cache-Control, Content-Disposition, Content-Encoding, Expires, success_action_status, success_action_redirect, x-oss-meta-* or x-oss-*"
                    )
                }
                if f == "bucket" {
                    switch c {
                    case .exact(_, let v), .equals(_, let v):
                        guard v == bucket else {
                            throw ValidationError("the policy's bucket condition names '\(printable(v))', not the bucket '\(bucket)'")
                        }
                    default: throw ValidationError("a bucket condition can only be an equality")
                    }
                }
                if f == "success_action_status" {
                    switch c {
                    case .exact(_, let v), .equals(_, let v):
                        guard postSuccessStatuses.contains(v) else {
                            throw ValidationError("success_action_status '\(printable(v))' must be 200, 201 or 204")
                        }
                    default: break
                    }
                }
                try checkPostValue(c.values, what: "the condition on '\(f)'")
            }
        }
        guard ranges <= 1 else { throw ValidationError("the policy has \(ranges) content-length-range conditions; give one") }
        var seen: Set<String> = []
        for field in fields {
            let f = ASCIICase.lowercased(field.name)
            try checkPostFieldName(f, what: "a form field")
            guard !postSignatureFields.contains(f) else {
                throw ValidationError("the form field '\(f)' is the signer's (or, for 'file', the browser's): it cannot be given")
            }
            guard seen.insert(f).inserted else { throw ValidationError("the form field '\(field.name)' is given twice") }
            try checkPostValue([field.value], what: "the form field '\(field.name)'")
            if f == "success_action_status", !postSuccessStatuses.contains(field.value) {
                throw ValidationError("success_action_status '\(printable(field.value))' must be 200, 201 or 204")
            }
            if f == "key" {
                guard !field.value.isEmpty else { throw ValidationError("the key form field is empty") }
                try checkObjectName(field.value)
            }
            // A field the form will carry must meet the policy, or OSS refuses every upload of it.
            for c in conditions where c.field == f {
                guard c.allows(field.value) else {
                    throw ValidationError(
                        "the form field '\(field.name)' = '\(printable(field.value))' breaks the policy's condition \(c.json)")
                }
            }
        }
    }

    /// A form field name: a non-empty HTTP token (a multipart header parameter carries it).
    private static func checkPostFieldName(_ f: String, what: String) throws(ValidationError) {
        guard !f.isEmpty else { throw ValidationError("\(what) has an empty field name") }
        for c in f.utf8 where c <= 0x20 || c >= 0x7F || c == UInt8(ascii: "\"") || c == UInt8(ascii: ";") || c == UInt8(ascii: "\\") {
            throw ValidationError("\(what) names '\(printable(f))', which a form field name cannot hold (space, quote, ';', control)")
        }
    }

    /// A value a form part can carry: no CR, LF or NUL.
    private static func checkPostValue(_ values: [String], what: String) throws(ValidationError) {
        for v in values where v.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
            throw ValidationError("\(what) holds CR, LF or NUL: '\(printable(v))'")
        }
    }

    private static func printable(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}

extension PostPolicy.Condition {
    /// The values the condition quotes (none for `content-length-range`).
    var values: [String] {
        switch self {
        case .exact(_, let v), .equals(_, let v): return [v]
        case .startsWith(_, let p): return [p]
        case .oneOf(_, let vs), .noneOf(_, let vs): return vs
        case .contentLengthRange: return []
        }
    }

    /// Whether a form field's value meets this condition (`content-length-range` is about the
    /// file's size: always `true` here). Values compare byte for byte, as OSS compares them.
    public func allows(_ value: String) -> Bool {
        switch self {
        case .exact(_, let v), .equals(_, let v): return value == v
        case .startsWith(_, let p): return value.utf8.starts(with: p.utf8)
        case .oneOf(_, let vs): return vs.contains(value)
        case .noneOf(_, let vs): return !vs.contains(value)
        case .contentLengthRange: return true
        }
    }
}
