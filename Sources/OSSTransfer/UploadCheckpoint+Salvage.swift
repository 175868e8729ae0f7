import OSSCore

extension UploadCheckpoint {
    /// The UploadId a damaged checkpoint still names, so the upload it started can be aborted
    /// instead of being left on the server.
    ///
    /// Read line by line without the checksum: the `upload-id` line must be there once and
    /// decode to a plausible id (printable ASCII, no spaces), and a readable `bucket` or `key`
    /// line must name this destination (a checkpoint of another object is never acted on). An
    /// id that belongs to another key is harmless anyway: OSS refuses to abort it (NoSuchUpload).
    /// - Returns: the id, or `nil` when none can be trusted.
    static func salvageUploadId(from bytes: [UInt8], bucket: String, key: String) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("\(CheckpointCodec.magic) ") else { return nil }
        var ids: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            let value = fields[1] == "-" ? "" : PercentEncoding.decode(fields[1])
            switch fields[0] {
            case "upload-id":
                if let value { ids.append(value) }
            case "bucket":
                if let value, value != bucket { return nil }
            case "key":
                if let value, value != key { return nil }
            default:
                continue
            }
        }
        guard ids.count == 1, let id = ids.first, !id.isEmpty, id.utf8.count <= 256,
            id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        else { return nil }
        return id
    }
}
