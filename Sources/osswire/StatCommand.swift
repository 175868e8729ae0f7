import OSSClient
import OSSCore

/// `osswire stat oss://bucket/key`: an object's metadata (HeadObject).
func statCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions.union(["version-id"]), flags: Arguments.commonFlags)
    guard args.positional.count == 1 else { throw UsageError("stat takes one oss://bucket/key") }
    let uri = try OSSURI.object(args.positional[0])
    let client = try CLIClient.make(args)
    if args.value("version-id") == "" { throw UsageError("--version-id is empty") }
    let m = try await client.headObject(bucket: uri.bucket, key: uri.key, versionId: args.value("version-id"))
    /// Name, text, and whether the JSON value is a number.
    var fields: [(String, String?, Bool)] = [
        ("key", uri.key, false), ("size", String(m.contentLength), true), ("content_type", m.contentType, false),
        ("etag", m.etag, false), ("last_modified", m.lastModified?.iso8601, false),
        // A string in JSON: a 64-bit CRC does not survive a reader that keeps numbers as doubles.
        ("crc64", m.crc64.map { String($0) }, false), ("object_type", m.objectType, false),
        ("storage_class", m.storageClass, false), ("version_id", m.versionId, false),
        ("next_append_position", m.nextAppendPosition.map { String($0) }, true),
        ("tagging_count", m.taggingCount.map { String($0) }, true),
        ("restore", m.restore.map { $0.ongoing ? "ongoing" : "restored" }, false),
        ("restore_expiry", m.restore?.expiry?.iso8601, false), ("request_id", m.requestId, false),
    ]
    for (name, value) in m.userMetadata.sorted(by: { $0.key < $1.key }) { fields.append(("meta." + name, value, false)) }
    if args.flag("json") {
        printLine(
            JSON.success(
                fields.compactMap { name, value, isNumber in
                    value.map { (name, isNumber ? $0 : JSON.string($0)) }
                }))
    } else {
        for (name, value, _) in fields { if let value { printLine("\(name): \(value)") } }
    }
    return ExitCode.success
}
