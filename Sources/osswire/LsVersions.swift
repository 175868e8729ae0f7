import OSSClient
import OSSCore

/// `osswire ls --versions oss://bucket[/prefix]`: every version and delete marker under a prefix
/// (ListObjectVersions, all pages), keys in order and each key's versions newest first.
func lsVersions(_ client: OSSClient, _ uri: OSSURI, _ args: Arguments, maxKeys: Int?, json: Bool) async throws -> Int32
{
    var parameters = ListObjectVersionsParameters(
        prefix: uri.key.isEmpty ? nil : uri.key, delimiter: args.value("delimiter"))
    parameters.maxKeys = maxKeys
    var versions = 0
    var markers = 0
    var total: Int64 = 0
    var items: [String] = []
    var prefixes: [String] = []
    for try await page in client.listObjectVersionsPages(bucket: uri.bucket, parameters) {
        for p in page.commonPrefixes {
            if json {
                prefixes.append(JSON.string(p))
            } else {
                printLine("\(String(repeating: " ", count: 35))DIR  oss://\(uri.bucket)/\(p)")
            }
        }
        // The page holds versions and delete markers apart; shown together: keys in order, each
        // key's latest first, then newest first.
        var entries: [(key: String, id: String, latest: Bool, modified: UTCTime?, size: Int64?, etag: String?)] = []
        for v in page.versions { entries.append((v.key, v.versionId, v.isLatest, v.lastModified, v.size ?? 0, v.eTag)) }
        for d in page.deleteMarkers { entries.append((d.key, d.versionId, d.isLatest, d.lastModified, nil, nil)) }
        entries.sort { a, b in
            if a.key != b.key { return a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }
            if a.latest != b.latest { return a.latest }
            return (a.modified?.seconds ?? 0) > (b.modified?.seconds ?? 0)
        }
        for e in entries {
            if let size = e.size {
                versions += 1
                total += size
            } else {
                markers += 1
            }
            if json {
                items.append(
                    "{\"key\":\(JSON.string(e.key)),\"version_id\":\(JSON.string(e.id)),\"is_latest\":\(e.latest),"
                        + "\"delete_marker\":\(e.size == nil),\"size\":\(e.size.map { String($0) } ?? "null"),"
                        + "\"last_modified\":\(JSON.optional(e.modified?.iso8601)),\"etag\":\(JSON.optional(e.etag))}")
            } else {
                let what = e.size.map { pad(String($0), 12) } ?? pad("DELETED", 12)
                let latest = e.latest ? "  (latest)" : ""
                printLine("\(e.modified?.iso8601 ?? "-")  \(what)  \(e.id)  oss://\(uri.bucket)/\(e.key)\(latest)")
            }
        }
    }
    if json {
        printLine(
            JSON.success([
                ("versions", "[\(items.joined(separator: ","))]"), ("prefixes", "[\(prefixes.joined(separator: ","))]"),
                ("count", "\(versions)"), ("delete_markers", "\(markers)"), ("bytes", "\(total)"),
            ]))
    } else {
        printLine(
            "\(versions) version\(versions == 1 ? "" : "s"), \(markers) delete marker\(markers == 1 ? "" : "s"), \(total) bytes"
        )
    }
    return ExitCode.success
}

private func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
