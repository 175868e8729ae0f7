import OSSCore

/// Writes `bytes` to a new file at `path` (replacing one there), through OSSCore's file type.
public func writeTestFile(_ path: String, _ bytes: [UInt8]) throws {
    let file = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate])
    defer { file.close() }
    try file.write(bytes, at: 0)
}

/// Runs `body` with a new scratch file under /tmp holding `bytes`, open for reading and writing;
/// closes and removes it afterwards.
public func withScratchFile<T>(_ bytes: [UInt8], _ body: (FileDescriptor) async throws -> T) async throws -> T {
    let path = "/tmp/osswire-scratch-\(UInt64.random(in: 0...UInt64.max))"
    let file = try FileDescriptor.open(path, .readWrite, options: [.create, .exclusive], permissions: 0o600)
    defer {
        file.close()
        FileDescriptor.remove(path)
    }
    try file.write(bytes, at: 0)
    return try await body(file)
}
