import OSSCore

extension TransferOutcome {
    /// The outcome as one JSON object, as `osswire cp --json` prints it (DESIGN.md): `bytes`,
    /// `bytes_sent`, `seconds`, `upload_id`, `parts_total`, `parts_resumed`, `crc64`, and `state`,
    /// `parts_done`, `bucket`, `key`, `local_path`, `etag`, `reason`, `code`, `error`, `notes`.
    /// - Parameter direction: `upload` or `download`, stored as `direction`.
    public func json(direction: String = "upload") -> String {
        var fields: [(String, String)] = [
            ("state", JSON.string(state.description)),
            ("direction", JSON.string(direction)),
            ("bucket", JSON.string(bucket)),
            ("key", JSON.string(key)),
            ("local_path", JSON.string(localPath)),
            ("bytes", String(bytes)),
            ("bytes_sent", String(bytesTransferred)),
            ("seconds", JSON.number(seconds)),
            ("upload_id", uploadId.map(JSON.string) ?? "null"),
            ("parts_total", String(partsTotal)),
            ("parts_done", String(partsDone)),
            ("parts_resumed", String(partsResumed)),
            // A string: a 64-bit value does not survive JSON numbers in most readers.
            ("crc64", crc64.map { JSON.string(String($0)) } ?? "null"),
            ("etag", etag.map(JSON.string) ?? "null"),
            ("reason", reason.map { JSON.string($0.description) } ?? "null"),
            ("code", errorCode.map(JSON.string) ?? "null"),
            ("error", error.map { JSON.string("\($0)") } ?? "null"),
            ("notes", "[" + notes.map(JSON.string).joined(separator: ",") + "]"),
        ]
        if let checkpointPath { fields.append(("checkpoint", JSON.string(checkpointPath))) }
        return "{" + fields.map { "\(JSON.string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// Minimal JSON text (RFC 8259) for the CLI summaries.
enum JSON {
    /// A string literal, escaped per RFC 8259 §7.
    static func string(_ s: String) -> String { JSONString.quoted(s) }

    /// A finite number with millisecond precision.
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        let ms = (d * 1000).rounded()
        let whole = Int64(ms / 1000)
        let frac = Int64(abs(ms.truncatingRemainder(dividingBy: 1000)))
        let f = String(frac)
        return "\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)"
    }
}
