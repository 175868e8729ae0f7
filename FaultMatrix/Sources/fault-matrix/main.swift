import Foundation
import OSSClient
import OSSCore

// fault-matrix [OUTPUT.md] [--only FAULT-SUBSTRING]
// Runs every fault against every operation and writes the table (stdout when no output given).
// Exit status 1 when a cell hangs or its check fails.

var output: String?
var only: String?
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    if a == "--only" { only = args.popFirst() } else { output = a }
}

let scratch = NSTemporaryDirectory() + "fault-matrix-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }
var generator = SystemRandomNumberGenerator()
let data = (0..<Settings.fileSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
let file = scratch + "/source.bin"
_ = FileManager.default.createFile(atPath: file, contents: Data(data))

var results: [CellResult] = []
let runStarted = Date()
for fault in allFaults where only.map({ fault.name.contains($0) }) ?? true {
    for op in Operation.allCases {
        let r = await runCell(fault, op, file: file, data: data, scratch: scratch)
        let mark = r.checkHolds && !r.outcome.hasPrefix("HANG") ? "ok " : "BAD"
        FileHandle.standardError.write(
            "\(mark) \(fault.name) / \(op.rawValue): \(r.outcome); \(r.recovery); \(r.check) (\(String(format: "%.1f", r.seconds)) s)\n"
                .data(using: .utf8)!)
        results.append(r)
    }
}

func cell(_ r: CellResult) -> String {
    let verdict = r.checkHolds && !r.outcome.hasPrefix("HANG") ? "✅" : "❌"
    var s = "\(verdict) **\(r.outcome)**"
    if r.recovery != "-" { s += "<br>recovery: \(r.recovery)" }
    s += "<br>\(r.check)<br>\(String(format: "%.1f", r.seconds)) s"
    return s
}

var md = """
    # Fault matrix

    Produced by `scripts/fault-matrix.sh` (the `FaultMatrix` package's `fault-matrix` executable)
    on \(ISO8601DateFormatter().string(from: runStarted)); do not edit by hand, run the script again.

    Each cell starts a fresh in-process mock OSS server (`OSSMockServer`) on 127.0.0.1 and a fresh
    `OSSClient` (V4, idle timeout 2 s, total timeout 30 s, 3 retries with 50–500 ms back-off),
    injects one fault through `MockFaults` (the same names as `osswire mock-server`'s flags and
    the admin endpoint), and sends a \(Settings.fileSize)-byte random file: as one PutObject, as a
    multipart upload of \(Settings.partSize)-byte parts (4 parts, the last of 123 bytes), or as a download of the object
    (uploaded first, without faults) with `getObject(toFile:)`. Unless stated, the fault is aimed
    at the column's operation (`fault-operation PutObject|UploadPart|GetObject`) and strikes once
    (`fault-times 1`), so a retry can succeed; "slow reader" applies to every request.

    - **outcome**: what the client call returned. **recovery**: `retry` when the client's own
      retries recovered (with the number of requests the server saw for that operation and
      key), `resume` when the multipart upload listed the parts the server holds (ListParts) and
      sent only the missing or wrong ones, `fresh upload` after `NoSuchUpload`.
    - **check**: on success, the stored object (read from the mock's store) or the downloaded
      file equals the source, byte for byte; on failure, the store holds nothing or the exact
      file (never a wrong object), and a download leaves no file and no temporary file.
    - **no hangs**: each cell runs under a \(Settings.hangGuard) guard (then the client is
      disabled and the cell marked HANG); the client's idle timeout is what ends a stall.
    - The "multipart upload" column uses the client's primitives (InitiateMultipartUpload,
      UploadPart, ListParts, CompleteMultipartUpload with the combined CRC64), resuming once by
      ListParts. The `Uploader` column uses OSSTransfer's resumable uploader (2 parts at once,
      3 tries per part, a checkpoint directory); when a run does not complete, the same upload
      is run again, which resumes from the checkpoint (ListParts) as `osswire cp` does.
    - **server restart**: the mock keeps bodies only for its process's life, so a restarted
      server (same port, new process state) has an empty store: a multipart upload in progress
      gets `NoSuchUpload` and starts afresh; a download of an object stored before the restart
      gets `NoSuchKey` (reported; nothing written).
    - **wrong CRC**: the mock stores the right bytes and only the CRC64 header it sends back is
      wrong, so a single PUT fails with `CrcCheckError` (never retried) while the stored object
      equals the file: the client cannot tell a wrong header from wrong stored bytes, and reports
      the failure. A multipart upload recovers because the part is checked again (ListParts'
      CRC64 or the uploader's next try) and the combined CRC64 is checked at completion.
    - **403 mid-body**: the mock answers before the body is read and closes; the client reports
      the service's `AccessDenied` (not a network error) and does not retry a 4xx. The multipart
      column recovers only because the fault strikes once and the resume sends the part again.


    """
md += "| fault | " + Operation.allCases.map(\.rawValue).joined(separator: " | ") + " |\n"
md += "| --- | " + Operation.allCases.map { _ in "---" }.joined(separator: " | ") + " |\n"
for fault in allFaults {
    let row = results.filter { $0.fault == fault.name }
    if row.isEmpty { continue }
    md += "| \(fault.name) | " + Operation.allCases.map { op in
        row.first { $0.operation == op }.map(cell) ?? "not run"
    }.joined(separator: " | ") + " |\n"
}
md += "\n## How each fault was injected\n\n| fault | " + Operation.allCases.map(\.rawValue).joined(separator: " | ") + " |\n"
md += "| --- | " + Operation.allCases.map { _ in "---" }.joined(separator: " | ") + " |\n"
for fault in allFaults where results.contains(where: { $0.fault == fault.name }) {
    md += "| \(fault.name) | " + Operation.allCases.map { fault.how($0) }.joined(separator: " | ") + " |\n"
}
let failures = results.filter { $0.error != nil }
if !failures.isEmpty {
    md += "\n## The errors in full\n\n"
    for r in failures {
        let text = r.error!.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        md += "- \(r.fault) / \(r.operation.rawValue): `\(text)`\n"
    }
}
let bad = results.filter { !$0.checkHolds || $0.outcome.hasPrefix("HANG") }
md += "\n\(results.count) cells, \(bad.count) failing their check or hanging; the whole run took "
md += String(format: "%.0f s.\n", Date().timeIntervalSince(runStarted))

if let output {
    try md.write(toFile: output, atomically: true, encoding: .utf8)
} else {
    print(md, terminator: "")
}
exit(bad.isEmpty ? 0 : 1)
