#if canImport(Glibc)
    import Glibc
#endif
import Testing
@testable import OSSCore

@Suite("FileDescriptor: the one file type")
struct FileDescriptorTests {
    static func scratchPath(_ name: String) -> String {
        "/tmp/osswire-fd-\(name)-\(UInt64.random(in: 0...UInt64.max))"
    }

    @Test("positional writes and reads round-trip; a read past the end returns what there is")
    func roundTrip() throws {
        let path = Self.scratchPath("rt")
        defer { FileDescriptor.remove(path) }
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        let file = try FileDescriptor.open(path, .readWrite, options: [.create, .truncate], permissions: 0o600)
        defer { file.close() }
        try file.write(Array(data[100_000...]), at: 100_000)  // the hole is filled after
        try file.write(Array(data[..<100_000]), at: 0)
        #expect(try file.size() == 300_000)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var got: [UInt8] = []
        var offset: Int64 = 0
        while true {
            let n = try file.read(into: buffer, at: offset)
            got += buffer[0..<n]
            offset += Int64(n)
            if n < buffer.count { break }  // fewer than asked only at the end of the file
        }
        #expect(got == data)
        #expect(try file.read(into: buffer, at: 10_000_000) == 0)
        #expect(try file.status().st_mode & 0o777 == 0o600)
    }

    @Test(
        "write-behind (a download's file) keeps every byte where it was written, writers in parallel, windows crossed or spanned, on disk and on tmpfs",
        arguments: ["/tmp", "/dev/shm"])
    func writeBehind(directory: String) async throws {
        let path = directory + "/osswire-fd-wb-\(UInt64.random(in: 0...UInt64.max))"
        defer { FileDescriptor.remove(path) }
        let window: Int64 = 64 << 10
        let size = 1_000_003
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let file = try FileDescriptor.open(path, .readWrite, options: [.create, .truncate], writeBehind: window)
        defer { file.close() }
        #expect(file.writeBehindWindow == window)
        // Four writers on interleaved quarters, in pieces that end inside a window, on its edge,
        // or span several: the writes each kick the windows they complete.
        let pieces = [1, 4095, 65_536, 70_000, 200_001, 17]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for quarter in 0..<4 {
                group.addTask {
                    let start = quarter * size / 4, end = (quarter + 1) * size / 4
                    var at = start, i = quarter
                    while at < end {
                        let n = min(pieces[i % pieces.count], end - at)
                        try data.withUnsafeBytes { all in
                            try file.write(UnsafeRawBufferPointer(rebasing: all[at..<(at + n)]), at: Int64(at))
                        }
                        at += n
                        i += 1
                    }
                }
            }
            try await group.waitForAll()
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size + 1, alignment: 16)
        defer { buffer.deallocate() }
        #expect(try file.read(into: buffer, at: 0) == size)
        #expect(Array(buffer[0..<size]) == data)
    }

    @Test("truncate cuts and extends; a file that shrank reads short, not stale bytes")
    func shrink() throws {
        let path = Self.scratchPath("shrink")
        defer { FileDescriptor.remove(path) }
        let file = try FileDescriptor.open(path, .readWrite, options: [.create, .truncate])
        defer { file.close() }
        try file.write([UInt8](repeating: 7, count: 8192), at: 0)
        try file.truncate(to: 1000)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        #expect(try file.read(into: buffer, at: 0) == 1000)
        try file.truncate(to: 5000)
        #expect(try file.read(into: buffer, at: 0) == 4096)
        #expect(buffer[4095] == 0)  // the extension reads as zeros
        try file.sync()
    }

    @Test("errors carry errno and the operation with its path")
    func errors() throws {
        let missing = Self.scratchPath("missing")
        let e = try #require(throws: SystemError.self) { try FileDescriptor.open(missing, .readOnly) }
        #expect(e.errno == ENOENT)
        #expect(e.operation == "open \(missing)")
        let path = Self.scratchPath("excl")
        defer { FileDescriptor.remove(path) }
        try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusive]).close()
        let exists = try #require(throws: SystemError.self) {
            try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusive])
        }
        #expect(exists.errno == EEXIST)
        let readOnly = try FileDescriptor.open(path, .readOnly)
        defer { readOnly.close() }
        let write = try #require(throws: SystemError.self) { try readOnly.write([1], at: 0) }
        #expect(write.errno == EBADF && write.operation == "write \(path)")
    }

    @Test("EINTR is retried in one place; other errors are thrown with their errno")
    func eintrRetried() throws {
        var calls = 0
        let r = try SystemCall.retrying("probe") { () -> Int in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(r == 42 && calls == 3)
        let e = try #require(throws: SystemError.self) {
            try SystemCall.retrying("probe") { () -> Int in
                errno = EIO
                return -1
            }
        }
        #expect(e.errno == EIO && e.operation == "probe")
    }
}
