import OSSClient
import OSSCore

/// `osswire stat oss://bucket/key`: an object's metadata (HeadObject).
func statCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions, flags: Arguments.commonFlags)
    guard args.positional.count == 1 else { throw UsageError("stat takes one oss://bucket/key") }
    let uri = try OSSURI.object(args.positional[0])
    let client = try CLIClient.make(args)
    let m = try await client.headObject(bucket: uri.bucket, key: uri.key)
    var fields: [(String, String?)] = [
        ("key", uri.key), ("size", String(m.contentLength)), ("content_type", m.contentType), ("etag", m.etag),
        ("last_modified", m.lastModified?.iso8601), ("crc64", m.crc64.map { String($0) }), ("object_type", m.objectType),
        ("storage_class", m.storageClass), ("version_id", m.versionId),
        ("next_append_position", m.nextAppendPosition.map { String($0) }), ("request_id", m.requestId),
    ]
    for (name, value) in m.userMetadata.sorted(by: { $0.key < $1.key }) { fields.append(("meta." + name, value)) }
    if args.flag("json") {
        let body = fields.compactMap { f in f.1.map { "\(JSON.string(f.0)):\(JSON.string($0))" } }
        printLine("{" + body.joined(separator: ",") + "}")
    } else {
        for (name, value) in fields { if let value { printLine("\(name): \(value)") } }
    }
    return ExitCode.success
}
