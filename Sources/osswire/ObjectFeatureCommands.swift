import OSSClient
import OSSProtocol

/// `osswire tag get|put|rm oss://bucket/key [key=value ...]`: an object's tags
/// (GetObjectTagging, PutObjectTagging, DeleteObjectTagging). `put` replaces every tag.
func tagCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions, flags: Arguments.commonFlags)
    guard args.positional.count >= 2 else { throw UsageError("tag takes get|put|rm and one oss://bucket/key") }
    let action = args.positional[0]
    let uri = try OSSURI.object(args.positional[1])
    let rest = Array(args.positional.dropFirst(2))
    let json = args.flag("json")
    switch action {
    case "get":
        guard rest.isEmpty else { throw UsageError("tag get takes one oss://bucket/key") }
        let r = try await CLIClient.make(args).getObjectTagging(bucket: uri.bucket, key: uri.key)
        if json {
            let tags = r.tags.map { JSON.object([("key", JSON.string($0.key)), ("value", JSON.string($0.value))]) }
            printLine(JSON.success([("object", JSON.string(uri.description)), ("tags", "[" + tags.joined(separator: ",") + "]")]))
        } else {
            for t in r.tags { printLine("\(t.key)=\(t.value)") }
        }
    case "put":
        var tags: [ObjectTag] = []
        for kv in rest {
            guard let (k, v) = Arguments.assignment(kv) else { throw UsageError("tag put: \(kv) is not key=value") }
            tags.append(ObjectTag(key: k, value: v))
        }
        // Checked here too, so a usage mistake exits 2 before the client is made.
        do { try Validation.checkObjectTags(tags) } catch { throw UsageError("tag put: \(error.message)") }
        try await CLIClient.make(args).putObjectTagging(bucket: uri.bucket, key: uri.key, tags: tags)
        printLine(json ? JSON.success([("tagged", JSON.string(uri.description)), ("count", String(tags.count))]) : "tagged \(uri) (\(tags.count) tags)")
    case "rm":
        guard rest.isEmpty else { throw UsageError("tag rm takes one oss://bucket/key") }
        try await CLIClient.make(args).deleteObjectTagging(bucket: uri.bucket, key: uri.key)
        printLine(json ? JSON.success([("untagged", JSON.string(uri.description))]) : "removed the tags of \(uri)")
    default:
        throw UsageError("tag: unknown action \(action) (get, put or rm)")
    }
    return ExitCode.success
}

/// `osswire acl get oss://bucket[/key]`, `osswire acl set oss://bucket[/key] ACL`: a bucket's or
/// an object's ACL (GetBucketAcl/GetObjectAcl, PutBucketAcl/PutObjectAcl).
func aclCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions, flags: Arguments.commonFlags)
    guard args.positional.count >= 2, let uri = try OSSURI(parsing: args.positional[1], requireKey: false) else {
        throw UsageError("acl takes get|set and one oss://bucket[/key]")
    }
    let action = args.positional[0]
    let target = uri.key.isEmpty ? "oss://\(uri.bucket)" : uri.description
    let json = args.flag("json")
    switch action {
    case "get":
        guard args.positional.count == 2 else { throw UsageError("acl get takes one oss://bucket[/key]") }
        let client = try CLIClient.make(args)
        let r =
            uri.key.isEmpty
            ? try await client.getBucketAcl(uri.bucket) : try await client.getObjectAcl(bucket: uri.bucket, key: uri.key)
        printLine(json ? JSON.success([("target", JSON.string(target)), ("acl", JSON.string(r.acl))]) : r.acl)
    case "set":
        guard args.positional.count == 3 else { throw UsageError("acl set takes oss://bucket[/key] and an ACL") }
        let acl = args.positional[2]
        do {
            if uri.key.isEmpty { try Validation.checkBucketACL(acl) } else { try Validation.checkObjectACL(acl) }
        } catch { throw UsageError("acl set: \(error.message)") }
        let client = try CLIClient.make(args)
        if uri.key.isEmpty {
            try await client.putBucketAcl(uri.bucket, acl: acl)
        } else {
            try await client.putObjectAcl(bucket: uri.bucket, key: uri.key, acl: acl)
        }
        printLine(json ? JSON.success([("target", JSON.string(target)), ("acl", JSON.string(acl))]) : "\(target): \(acl)")
    default:
        throw UsageError("acl: unknown action \(action) (get or set)")
    }
    return ExitCode.success
}

/// `osswire restore oss://bucket/key [--days N] [--tier T] [--clean]`: RestoreObject (or
/// CleanRestoredObject); `osswire stat` then shows the restore state.
func restoreCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["days", "tier"]),
        flags: Arguments.commonFlags.union(["clean"]))
    guard args.positional.count == 1 else { throw UsageError("restore takes one oss://bucket/key") }
    let uri = try OSSURI.object(args.positional[0])
    let json = args.flag("json")
    if args.flag("clean") {
        guard args.value("days") == nil, args.value("tier") == nil else { throw UsageError("--clean takes no --days or --tier") }
        try await CLIClient.make(args).cleanRestoredObject(bucket: uri.bucket, key: uri.key)
        printLine(json ? JSON.success([("cleaned", JSON.string(uri.description))]) : "removed the restored copy of \(uri)")
        return ExitCode.success
    }
    let days = try args.int("days")
    let tier = args.value("tier")
    do { try Validation.checkRestore(RestoreRequest(days: days, tier: tier)) } catch { throw UsageError("restore: \(error.message)") }
    let r = try await CLIClient.make(args).restoreObject(bucket: uri.bucket, key: uri.key, days: days, tier: tier)
    let state = r.started ? "started" : "already restored"
    if json {
        printLine(
            JSON.success([
                ("object", JSON.string(uri.description)), ("started", r.started ? "true" : "false"),
                ("priority", r.priority.map(JSON.string) ?? "null"),
            ]))
    } else {
        printLine("restore of \(uri): \(state)" + (r.priority.map { " (tier \($0))" } ?? ""))
    }
    return ExitCode.success
}

/// `osswire symlink oss://bucket/link oss://bucket/target` makes a symlink (PutSymlink);
/// `osswire symlink oss://bucket/link` prints its target (GetSymlink).
func symlinkCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions, flags: Arguments.commonFlags)
    guard (1...2).contains(args.positional.count) else {
        throw UsageError("symlink takes oss://bucket/link [oss://bucket/target]")
    }
    let link = try OSSURI.object(args.positional[0])
    let json = args.flag("json")
    if args.positional.count == 1 {
        let r = try await CLIClient.make(args).getSymlink(bucket: link.bucket, key: link.key)
        let target = "oss://\(link.bucket)/\(r.target)"
        printLine(json ? JSON.success([("link", JSON.string(link.description)), ("target", JSON.string(target))]) : target)
        return ExitCode.success
    }
    let target = try OSSURI.object(args.positional[1])
    guard target.bucket == link.bucket else { throw UsageError("a symlink and its target must be in the same bucket") }
    try await CLIClient.make(args).putSymlink(bucket: link.bucket, key: link.key, target: target.key)
    printLine(json ? JSON.success([("link", JSON.string(link.description)), ("target", JSON.string(target.description))]) : "\(link) -> \(target)")
    return ExitCode.success
}
