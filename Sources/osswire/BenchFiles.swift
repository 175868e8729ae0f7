import Glibc
import OSSCore

/// Files of `osswire bench`: summaries read and written whole, and the per-request log.
enum BenchFiles {
    /// The whole file as UTF-8 text (summaries are small).
    static func readText(_ path: String) throws(SystemError) -> String {
        let file = try FileDescriptor.open(path, .readOnly)
        defer { file.close() }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: Int64 = 0
        while true {
            let r = buffer.withUnsafeMutableBytes { b in
                Result { () throws(SystemError) -> Int in try file.read(into: b, at: offset) }
            }
            let n = try r.get()
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
            offset += Int64(n)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `text` to `path` (created or truncated).
    static func writeText(_ path: String, _ text: String) throws(SystemError) {
        let file = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o644)
        defer { file.close() }
        try file.write(Array(text.utf8), at: 0)
    }
}

/// `--log FILE`: one JSON object a line per request, written in batches (the lines of a batch
/// are in completion order).
final class BenchLog: Sendable {
    private let file: FileDescriptor
    private struct State {
        var pending: [UInt8] = []
        var offset: Int64 = 0
        var failure: SystemError? = nil
    }
    private let state = PThreadMutex(State())

    init(path: String) throws(SystemError) {
        file = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o644)
    }

    func append(_ line: String) {
        let flush: [UInt8]? = state.withLock { s in
            s.pending.append(contentsOf: line.utf8)
            s.pending.append(0x0A)
            guard s.pending.count >= 1 << 16 else { return nil }
            defer { s.pending.removeAll(keepingCapacity: true) }
            return s.pending
        }
        if let flush { write(flush) }
    }

    private func write(_ bytes: [UInt8]) {
        // The offset is taken under the lock so batches never overlap.
        let at: Int64 = state.withLock { s in
            defer { s.offset += Int64(bytes.count) }
            return s.offset
        }
        do {
            try file.write(bytes, at: at)
        } catch {
            state.withLock { if $0.failure == nil { $0.failure = error } }
        }
    }

    /// Writes what is pending and closes; the first write failure, if any.
    func close() -> SystemError? {
        let rest = state.withLock { s in
            defer { s.pending.removeAll() }
            return s.pending
        }
        if !rest.isEmpty { write(rest) }
        file.close()
        return state.withLock { $0.failure }
    }
}
