/// `oss://bucket/key`, split.
struct OSSURI: CustomStringConvertible, Equatable {
    var bucket: String
    var key: String

    /// Parses `oss://bucket[/key]`; `nil` when `text` is not an `oss://` URI.
    /// - Throws: `UsageError` when a key is required and missing.
    init?(parsing text: String, requireKey: Bool) throws {
        guard text.hasPrefix("oss://") else { return nil }
        let rest = text.dropFirst("oss://".count)
        if let slash = rest.firstIndex(of: "/") {
            bucket = String(rest[..<slash])
            key = String(rest[rest.index(after: slash)...])
        } else {
            bucket = String(rest)
            key = ""
        }
        if bucket.isEmpty { throw UsageError("\(text) names no bucket: expected oss://bucket/key") }
        if requireKey && key.isEmpty {
            throw UsageError("\(text) names no object: expected oss://\(bucket)/key")
        }
    }

    /// Parses an argument that must be `oss://bucket/key`.
    static func object(_ text: String) throws -> OSSURI {
        guard let uri = try OSSURI(parsing: text, requireKey: true) else {
            throw UsageError("expected oss://bucket/key, got \(text)")
        }
        return uri
    }

    /// Parses an argument that must be `oss://bucket`.
    static func bucket(_ text: String) throws -> String {
        guard let uri = try OSSURI(parsing: text, requireKey: false) else {
            throw UsageError("expected oss://bucket, got \(text)")
        }
        guard uri.key.isEmpty else { throw UsageError("expected a bucket without a key: oss://\(uri.bucket)") }
        return uri.bucket
    }

    var description: String { "oss://\(bucket)/\(key)" }
}
