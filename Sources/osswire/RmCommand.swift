import OSSClient

/// `osswire rm oss://bucket/key...`: deletes objects (DeleteObject, one per key). Deleting a
/// missing key succeeds. Every key is tried; each failure is reported, and the exit status is 1
/// when any failed.
func rmCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(argv, valueOptions: Arguments.commonValueOptions.union(["version-id"]), flags: Arguments.commonFlags)
    guard !args.positional.isEmpty else { throw UsageError("rm takes one or more oss://bucket/key") }
    let uris = try args.positional.map(OSSURI.object)
    let versionId = args.value("version-id")
    if let versionId {
        guard uris.count == 1 else { throw UsageError("--version-id names a version of one object: give one oss://bucket/key") }
        guard !versionId.isEmpty else { throw UsageError("--version-id is empty") }
    }
    let client = try CLIClient.make(args)
    let json = args.flag("json")
    var deleted: [String] = []
    var failed: [(uri: OSSURI, report: FailureReport)] = []
    for uri in uris {
        do {
            let r = try await client.deleteObject(bucket: uri.bucket, key: uri.key, versionId: versionId)
            deleted.append(uri.description)
            if !json { printLine("deleted \(uri)" + versionNote(r, asked: versionId)) }
        } catch {
            let report = FailureReport(error)
            failed.append((uri, report))
            printError("osswire rm: \(uri): \(report.text)")
        }
    }
    if json {
        let fails = failed.map {
            "{\"object\":\(JSON.string($0.uri.description)),\"code\":\(JSON.string($0.report.code)),"
                + "\"error\":\(JSON.string($0.report.text))}"
        }
        var fields = [
            ("state", JSON.string(failed.isEmpty ? "completed" : "failed")),
            ("code", failed.isEmpty ? "null" : JSON.string(failed.count == 1 ? failed[0].report.code : "PartialFailure")),
            ("error", failed.isEmpty ? "null" : JSON.string("\(failed.count) of \(uris.count) deletions failed")),
        ]
        fields += [
            ("deleted", "[" + deleted.map(JSON.string).joined(separator: ",") + "]"),
            ("failed", "[" + fails.joined(separator: ",") + "]"),
        ]
        printLine(JSON.object(fields))
    }
    if !failed.isEmpty && uris.count > 1 {
        printError("osswire rm: \(failed.count) of \(uris.count) deletions failed")
    }
    return failed.isEmpty ? ExitCode.success : ExitCode.failure
}

/// What a delete did in a versioned bucket: which version went, or the delete marker it made.
private func versionNote(_ r: DeleteObjectResult, asked: String?) -> String {
    guard let v = r.versionId else { return "" }
    if asked != nil { return r.deleteMarker ? " (delete marker \(v))" : " (version \(v))" }
    return r.deleteMarker ? " (made delete marker \(v))" : ""
}
