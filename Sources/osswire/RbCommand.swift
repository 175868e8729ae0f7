import OSSClient

/// `osswire rb oss://bucket`: deletes an empty bucket (DeleteBucket).
func rbCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions, flags: Arguments.commonFlags)
    guard args.positional.count == 1 else { throw UsageError("rb takes one oss://bucket") }
    let bucket = try OSSURI.bucket(args.positional[0])
    let client = try CLIClient.make(args)
    try await client.deleteBucket(bucket)
    printLine(
        args.flag("json") ? JSON.success([("removed", JSON.string("oss://" + bucket))]) : "removed oss://\(bucket)")
    return ExitCode.success
}
