import OSSClient

/// `osswire rm oss://bucket/key`: deletes an object (DeleteObject). Deleting a missing key succeeds.
func rmCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions, flags: Arguments.commonFlags)
    guard !args.positional.isEmpty else { throw UsageError("rm takes one or more oss://bucket/key") }
    let uris = try args.positional.map(OSSURI.object)
    let client = try CLIClient.make(args)
    for uri in uris {
        try await client.deleteObject(bucket: uri.bucket, key: uri.key)
        if args.flag("json") {
            printLine("{\"deleted\":\(JSON.string(uri.description))}")
        } else {
            printLine("deleted \(uri)")
        }
    }
    return ExitCode.success
}
