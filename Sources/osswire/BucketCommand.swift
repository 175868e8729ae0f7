import OSSClient
import OSSCore
import OSSProtocol

/// `osswire bucket info|location|stat|exists oss://bucket` and
/// `osswire bucket CONFIG get|put|rm oss://bucket [FILE]`: a bucket's settings and the
/// configurations OSS keeps for it (issue 16, part 4).
func bucketCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["tag", "sse", "kms-key-id", "target-bucket", "target-prefix"]),
        flags: Arguments.commonFlags)
    guard let sub = args.positional.first else { throw UsageError("bucket takes a subcommand: try 'osswire bucket --help'") }
    var rest = Array(args.positional.dropFirst())
    let json = args.flag("json")
    if let read = BucketRead(rawValue: sub) {
        guard rest.count == 1 else { throw UsageError("bucket \(sub) takes one oss://bucket") }
        let bucket = try OSSURI.bucket(rest[0])
        return try await read.run(bucket: bucket, client: try CLIClient.make(args), json: json)
    }
    guard let family = BucketConfigFamily.all.first(where: { $0.name == sub }) else {
        throw UsageError("unknown bucket subcommand '\(sub)': info, location, stat, exists, or one of \(BucketConfigFamily.names)")
    }
    guard let action = rest.first, ["get", "put", "rm"].contains(action) else {
        throw UsageError("bucket \(sub) takes get, put or rm")
    }
    rest.removeFirst()
    // The bucket is the oss:// argument; a put's file is the other, in either order.
    guard let uriIndex = rest.firstIndex(where: { $0.hasPrefix("oss://") }) else {
        throw UsageError("bucket \(sub) \(action) needs oss://bucket")
    }
    let bucket = try OSSURI.bucket(rest.remove(at: uriIndex))
    let client = try CLIClient.make(args)
    switch action {
    case "get":
        guard rest.isEmpty else { throw UsageError("bucket \(sub) get takes only oss://bucket") }
        let (_, body) = try await client.send(.bucket(family.get, bucket))
        let text = String(decoding: body, as: UTF8.self)
        printLine(json ? JSON.success([("bucket", JSON.string(bucket)), ("configuration", JSON.string(text))]) : text)
    case "put":
        let body: [UInt8]
        if let path = rest.first {
            guard rest.count == 1 else { throw UsageError("bucket \(sub) put takes one FILE") }
            body = Array(try readConfigFile(path).utf8)
        } else if let built = try family.fromFlags(args) {
            body = built
        } else {
            throw UsageError("bucket \(sub) put needs a FILE (\(family.format))\(family.flagsHint)")
        }
        try await family.put(client, bucket, body)
        printLine(json ? JSON.success([("bucket", JSON.string(bucket)), ("set", JSON.string(sub))]) : "set \(sub) of oss://\(bucket)")
    default:
        guard let delete = family.delete else {
            throw UsageError("OSS cannot remove the \(sub) configuration: put an empty one instead")
        }
        _ = try await client.send(.bucket(delete, bucket))
        printLine(json ? JSON.success([("bucket", JSON.string(bucket)), ("removed", JSON.string(sub))]) : "removed \(sub) of oss://\(bucket)")
    }
    return ExitCode.success
}

private func readConfigFile(_ path: String) throws -> String {
    do {
        return try BenchFiles.readText(path)
    } catch {
        throw CLIError("cannot read \(path): \(error)", code: "FileError")
    }
}

/// The bucket reads.
private enum BucketRead: String {
    case info, location, stat, exists

    func run(bucket: String, client: OSSClient, json: Bool) async throws -> Int32 {
        /// Name, text, and whether the JSON value is a number or boolean.
        var fields: [(String, String?, Bool)] = [("bucket", bucket, false)]
        switch self {
        case .info:
            let i = try await client.getBucketInfo(bucket)
            fields += [
                ("location", i.location, false), ("region", i.region, false), ("created", i.creationDate?.iso8601, false),
                ("storage_class", i.storageClass, false), ("redundancy", i.dataRedundancyType, false), ("acl", i.acl, false),
                ("versioning", i.versioning, false), ("sse", i.encryption?.sseAlgorithm, false), ("kms_key_id", i.encryption?.kmsMasterKeyId, false),
                ("log_bucket", i.logBucket.flatMap { $0.isEmpty ? nil : $0 }, false),
                ("extranet_endpoint", i.extranetEndpoint, false), ("owner", i.owner?.id, false),
            ]
        case .location:
            fields.append(("location", try await client.getBucketLocation(bucket).location, false))
        case .stat:
            let s = try await client.getBucketStat(bucket)
            fields += [
                ("storage", String(s.storage), true), ("objects", String(s.objectCount), true),
                ("multipart_uploads", String(s.multipartUploadCount), true), ("multipart_parts", String(s.multipartPartCount), true),
                ("last_modified", String(s.lastModifiedTime), true),
            ]
            for (c, _) in BucketStat.classElements {
                let f = s.byStorageClass[c] ?? .init()
                fields += [("\(c).storage", String(f.storage), true), ("\(c).objects", String(f.objectCount), true)]
            }
        case .exists:
            fields.append(("exists", try await client.bucketExists(bucket) ? "true" : "false", true))
        }
        if json {
            printLine(JSON.success(fields.compactMap { n, v, raw in v.map { (n, raw ? $0 : JSON.string($0)) } }))
        } else {
            for (n, v, _) in fields { if let v { printLine("\(n): \(v)") } }
        }
        return ExitCode.success
    }
}

/// One configuration family of `osswire bucket`: its operations, how a put body is checked
/// (with the typed model, so nothing malformed is sent), and the typed flags it takes.
private struct BucketConfigFamily: Sendable {
    let name: String
    let get: OSSOperation
    let delete: OSSOperation?
    /// Checks a body and sends it.
    let put: @Sendable (OSSClient, String, [UInt8]) async throws -> Void
    var format = "XML"
    var flagsHint = ""
    /// The body the typed flags make, `nil` when none was given.
    var fromFlags: @Sendable (Arguments) throws -> [UInt8]? = { _ in nil }

    static func xml<M: BucketConfigurationModel>(_ name: String, _: M.Type) -> BucketConfigFamily {
        BucketConfigFamily(
            name: name, get: M.getOperation, delete: M.deleteOperation,
            put: { client, bucket, body in try await client.putBucketConfiguration(bucket, document: body, as: M.self) })
    }

    static let all: [BucketConfigFamily] = [
        .xml("cors", CORSConfiguration.self),
        .xml("lifecycle", LifecycleConfiguration.self),
        .xml("website", WebsiteConfiguration.self),
        .xml("referer", RefererConfiguration.self),
        BucketConfigFamily(
            name: "policy", get: .getBucketPolicy, delete: .deleteBucketPolicy,
            put: { client, bucket, body in try await client.putBucketPolicy(bucket, policy: String(decoding: body, as: UTF8.self)) },
            format: "JSON"),
        with(.xml("logging", BucketLoggingStatus.self)) {
            $0.flagsHint = " or --target-bucket B [--target-prefix P]"
            $0.fromFlags = { args in
                guard let target = args.value("target-bucket") else { return nil }
                return BucketLoggingStatus(targetBucket: target, targetPrefix: args.value("target-prefix")).encode()
            }
        },
        with(.xml("encryption", ServerSideEncryptionRule.self)) {
            $0.flagsHint = " or --sse AES256|KMS|SM4 [--kms-key-id ID]"
            $0.fromFlags = { args in
                guard let sse = args.value("sse") else { return nil }
                return ServerSideEncryptionRule(sseAlgorithm: sse, kmsMasterKeyId: args.value("kms-key-id")).encode()
            }
        },
        with(.xml("tags", BucketTags.self)) {
            $0.flagsHint = " or --tag KEY=VALUE (repeatable)"
            $0.fromFlags = { args in
                let tags = args.values("tag")
                guard !tags.isEmpty else { return nil }
                return BucketTags(
                    try tags.map { t in
                        guard let (k, v) = Arguments.assignment(t) else { throw UsageError("--tag takes KEY=VALUE, not \(t)") }
                        return OSSTag(key: k, value: v)
                    }
                ).encode()
            }
        },
    ]

    static var names: String { all.map(\.name).joined(separator: ", ") }

    private static func with(_ f: BucketConfigFamily, _ change: (inout BucketConfigFamily) -> Void) -> BucketConfigFamily {
        var f = f
        change(&f)
        return f
    }
}
