import OSSHTTP

/// Input checks that run before any byte is sent: a request that fails them never reaches the wire.
public enum Validation {
    /// The highest part number OSS accepts.
    public static let maxPartNumber = 10_000
    /// The longest object key, in UTF-8 bytes.
    public static let maxKeyLength = 1023

    /// OSS bucket naming: 3 to 63 characters, lower-case letters, digits and `-`, starting and
    /// ending with a letter or digit.
    public static func checkBucketName(_ bucket: String) throws {
        guard !bucket.isEmpty else { throw OSSClientError.invalidArgument("the bucket name is empty") }
        let b = Array(bucket.utf8)
        guard (3...63).contains(b.count) else {
            throw OSSClientError.invalidArgument("bucket name \(quoted(bucket)) must be 3 to 63 characters long")
        }
        for c in b {
            let ok = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "-")
            guard ok else {
                throw OSSClientError.invalidArgument(
                    "bucket name \(quoted(bucket)) may only hold lower-case letters, digits and '-'")
            }
        }
        guard b.first != UInt8(ascii: "-"), b.last != UInt8(ascii: "-") else {
            throw OSSClientError.invalidArgument("bucket name \(quoted(bucket)) cannot start or end with '-'")
        }
    }

    /// An object key: not empty, at most 1023 bytes of UTF-8, no CR, LF or NUL, not starting with
    /// `/` or `\`.
    public static func checkObjectKey(_ key: String) throws {
        guard !key.isEmpty else { throw OSSClientError.invalidArgument("the object key is empty") }
        let count = key.utf8.count
        guard count <= maxKeyLength else {
            throw OSSClientError.invalidArgument("the object key is \(count) bytes long; the limit is \(maxKeyLength)")
        }
        // NUL too: percent-encoded it would reach the server as %00, which no OSS key can hold
        // (the signer refuses it as well).
        guard !key.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
            throw OSSClientError.invalidArgument("object key \(quoted(key)) holds a CR, LF or NUL")
        }
        guard let first = key.utf8.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "\\") else {
            throw OSSClientError.invalidArgument("object key \(quoted(key)) cannot start with '/' or '\\'")
        }
    }

    /// A part number in 1...10000.
    public static func checkPartNumber(_ n: Int) throws {
        guard (1...maxPartNumber).contains(n) else {
            throw OSSClientError.invalidArgument("part number \(n) is outside 1...\(maxPartNumber)")
        }
    }

    /// A header name: an RFC 9110 §5.6.2 token.
    public static func checkHeaderName(_ name: String) throws {
        guard HTTPHeaders.isValidName(name) else {
            throw OSSClientError.invalidArgument("header name \(quoted(name)) is not a valid token")
        }
    }

    /// A header value: no CR, LF or NUL (RFC 9110 §5.5).
    public static func checkHeaderValue(_ value: String, name: String) throws {
        guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
            throw OSSClientError.invalidArgument("the value of header \(name) holds a CR, LF or NUL")
        }
    }

    /// User metadata (`x-oss-meta-*` without the prefix): names are tokens, values have no CR/LF.
    public static func checkMetadata(_ metadata: [String: String]) throws {
        for (name, value) in metadata {
            try checkHeaderName("x-oss-meta-" + name)
            try checkHeaderValue(value, name: "x-oss-meta-" + name)
        }
    }

    /// A query parameter value passed by the caller: no control characters.
    static func checkParameter(_ value: String, name: String) throws {
        guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
            throw OSSClientError.invalidArgument("parameter \(name) holds a CR, LF or NUL")
        }
    }

    /// A value quoted for an error message, with control characters made visible and long
    /// values shortened.
    static func quoted(_ s: String) -> String {
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
