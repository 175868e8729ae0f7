extension CpRun {
    /// `--version-id ID`: a version of the source object, so only for a download or a copy.
    /// - Throws: `UsageError` for an empty id or an upload.
    static func versionId(_ args: Arguments, sourceIsOSS: Bool) throws -> String? {
        guard let id = args.value("version-id") else { return nil }
        guard !id.isEmpty else { throw UsageError("--version-id is empty") }
        guard sourceIsOSS else {
            throw UsageError("--version-id names a version of the source object: the source must be oss://bucket/key")
        }
        return id
    }
}
