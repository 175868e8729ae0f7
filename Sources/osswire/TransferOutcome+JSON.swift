import OSSTransfer

extension TransferOutcome {
    /// The outcome as one JSON object, as `osswire cp --json` prints it for uploads, downloads and
    /// copies alike (DESIGN.md): `state`, `code`, `error`, `direction`, `source`, `destination`,
    /// `bucket`, `key`, `local_path`, `bytes`, `bytes_sent`, `seconds`, `upload_id`,
    /// `parts_total`, `parts_done`, `parts_resumed`, `crc64`, `etag`, `reason`, `notes`,
    /// `checkpoint`, `body_fully_sent` (for a transfer a stop cut short in flight: whether the
    /// server may have a whole body of a request it interrupted, so the object, or a part not
    /// counted in `parts_done`, may exist; `null` when no request was cut short). Every key is always there (`null` when it does not apply), numbers are JSON
    /// numbers except `crc64`, a decimal string (64 bits do not survive a reader's doubles).
    /// - Parameters:
    ///   - direction: `upload`, `download` or `copy`.
    ///   - source: what the transfer read, as the user named it (`null` when not given).
    ///   - destination: what it wrote, as the user named it.
    func json(direction: String = "upload", source: String? = nil, destination: String? = nil) -> String {
        let fields: [(String, String)] = [
            ("state", JSON.string(state.description)),
            ("code", errorCode.map(JSON.string) ?? "null"),
            ("error", error.map { JSON.string("\($0)") } ?? "null"),
            ("direction", JSON.string(direction)),
            ("source", source.map(JSON.string) ?? "null"),
            ("destination", destination.map(JSON.string) ?? "null"),
            ("bucket", JSON.string(bucket)),
            ("key", JSON.string(key)),
            ("local_path", localPath.isEmpty ? "null" : JSON.string(localPath)),
            ("bytes", String(bytes)),
            ("bytes_sent", String(bytesTransferred)),
            ("seconds", JSON.seconds(seconds)),
            ("upload_id", uploadId.map(JSON.string) ?? "null"),
            ("parts_total", String(partsTotal)),
            ("parts_done", String(partsDone)),
            ("parts_resumed", String(partsResumed)),
            ("crc64", crc64.map { JSON.string(String($0)) } ?? "null"),
            ("etag", etag.map(JSON.string) ?? "null"),
            ("reason", reason.map { JSON.string($0.description) } ?? "null"),
            ("notes", "[" + notes.map(JSON.string).joined(separator: ",") + "]"),
            ("checkpoint", checkpointPath.map(JSON.string) ?? "null"),
            ("body_fully_sent", bodyFullySent.map { $0 ? "true" : "false" } ?? "null"),
        ]
        return JSON.object(fields)
    }
}
