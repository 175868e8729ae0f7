import OSSCore

/// Input that breaks a rule of OSS or of HTTP: what the client refuses before any byte is sent,
/// and what the mock answers with an OSS error.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for a person; a value it quotes has its control characters made visible.
    public let message: String

    package init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The input rules of OSS in one place: the client checks them before a request leaves, the mock
/// when one arrives.
package enum Validation {
    /// The highest part number OSS accepts.
    package static let maxPartNumber = 10_000
    /// The longest object key, in UTF-8 bytes.
    package static let maxKeyLength = 1023

    /// OSS bucket naming: 3 to 63 characters, lower-case letters, digits and `-`, starting and
    /// ending with a letter or digit.
    package static func checkBucketName(_ bucket: String) throws(ValidationError) {
        guard !bucket.isEmpty else { throw ValidationError("the bucket name is empty") }
        let b = bucket.utf8  // walked in place: every request checks its bucket
        guard (3...63).contains(b.count) else {
            throw ValidationError("bucket name \(quoted(bucket)) must be 3 to 63 characters long")
        }
        for c in b {
            let ok = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "-")
            guard ok else {
                throw ValidationError("bucket name \(quoted(bucket)) may only hold lower-case letters, digits and '-'")
            }
        }
        guard b.first != UInt8(ascii: "-"), b.last != UInt8(ascii: "-") else {
            throw ValidationError("bucket name \(quoted(bucket)) cannot start or end with '-'")
        }
    }

    /// Whether OSS accepts a bucket name.
    package static func isValidBucketName(_ bucket: String) -> Bool {
        (try? checkBucketName(bucket)) != nil
    }

    /// OSS's object naming: 1 to 1023 bytes of UTF-8, not starting with `/` or `\`.
    package static func checkObjectName(_ key: String) throws(ValidationError) {
        guard !key.isEmpty else { throw ValidationError("the object key is empty") }
        let count = key.utf8.count
        guard count <= maxKeyLength else {
            throw ValidationError("the object key is \(count) bytes long; the limit is \(maxKeyLength)")
        }
        guard let first = key.utf8.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "\\") else {
            throw ValidationError("object key \(quoted(key)) cannot start with '/' or '\\'")
        }
    }

    /// An object key the client sends: OSS's naming, and no CR, LF or NUL. Percent-encoded, a NUL
    /// would reach the server as %00, which no OSS key can hold (the signer refuses it as well),
    /// and a key also travels in headers (`x-oss-copy-source`).
    package static func checkObjectKey(_ key: String) throws(ValidationError) {
        try checkObjectName(key)
        guard !ByteScan.hasLineBreak(key) else {
            throw ValidationError("object key \(quoted(key)) holds a CR, LF or NUL")
        }
    }

    /// A part number in 1...10000.
    package static func checkPartNumber(_ n: Int) throws(ValidationError) {
        guard (1...maxPartNumber).contains(n) else {
            throw ValidationError("part number \(n) is outside 1...\(maxPartNumber)")
        }
    }

    /// A listing's page size (`max-keys`, `max-parts`, `max-uploads`): 1...1000.
    package static func checkPageSize(_ n: Int, name: String) throws(ValidationError) {
        guard (1...1000).contains(n) else { throw ValidationError("\(name) must be 1...1000, not \(n)") }
    }

    /// A header name: an RFC 9110 §5.6.2 token.
    package static func checkHeaderName(_ name: String) throws(ValidationError) {
        guard HTTPToken.isToken(name) else {
            throw ValidationError("header name \(quoted(name)) is not a valid token")
        }
    }

    /// A header value: no CR, LF or NUL (RFC 9110 §5.5).
    package static func checkHeaderValue(_ value: String, name: String) throws(ValidationError) {
        guard !ByteScan.hasLineBreak(value) else {
            throw ValidationError("the value of header \(name) holds a CR, LF or NUL")
        }
    }

    /// User metadata (`x-oss-meta-*` without the prefix): names are tokens, values have no CR/LF.
    package static func checkMetadata(_ metadata: [String: String]) throws(ValidationError) {
        for (name, value) in metadata {
            try checkHeaderName(OSSHeader.metadataPrefix + name)
            try checkHeaderValue(value, name: OSSHeader.metadataPrefix + name)
        }
    }

    /// A query parameter name or value passed by the caller: no CR, LF or NUL.
    package static func checkParameter(_ value: String, name: String) throws(ValidationError) {
        guard !ByteScan.hasLineBreak(value) else {
            throw ValidationError("parameter \(name) holds a CR, LF or NUL")
        }
    }

    /// A value quoted for an error message, with control characters made visible and long
    /// values shortened.
    package static func quoted(_ s: String) -> String {
        var out = "\""
        var n = 0
        for scalar in s.unicodeScalars {
            if n == 80 {
                out += "..."
                break
            }
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            n += 1
        }
        return out + "\""
    }
}
