import OSSCore

/// Writes `bytes` to a new file at `path` (replacing one there), through OSSCore's file type.
public func writeTestFile(_ path: String, _ bytes: [UInt8]) throws {
    let file = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate])
    defer { file.close() }
    try file.write(bytes, at: 0)
}
