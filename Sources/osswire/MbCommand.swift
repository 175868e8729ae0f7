import OSSClient

/// `osswire mb oss://bucket`: creates a bucket (PutBucket).
func mbCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["acl", "storage-class"]), flags: Arguments.commonFlags)
    guard args.positional.count == 1 else { throw UsageError("mb takes one oss://bucket") }
    let bucket = try OSSURI.bucket(args.positional[0])
    let client = try CLIClient.make(args)
    try await client.createBucket(bucket, acl: args.value("acl"), storageClass: args.value("storage-class"))
    printLine(
        args.flag("json") ? JSON.success([("created", JSON.string("oss://" + bucket))]) : "created oss://\(bucket)")
    return ExitCode.success
}
