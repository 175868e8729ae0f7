import OSSCore

/// Receives the bytes of one ranged download and writes them at their place in the file,
/// computing their CRC64 and reporting progress.
public final class RangeSink: Sendable {
    private struct State {
        var written: Int64 = 0
        var crc = CRC64()
    }
    private let file: FileDescriptor
    private let offset: Int64
    /// The bytes this range should receive.
    public let length: Int64
    private let progress: @Sendable (Int64) -> Void
    private let state = PThreadMutex(State())

    init(file: FileDescriptor, offset: Int64, length: Int64, progress: @escaping @Sendable (Int64) -> Void) {
        self.file = file
        self.offset = offset
        self.length = length
        self.progress = progress
    }

    /// Writes the next bytes of the range.
    /// - Throws: `TransferError.file`, or `.invalidResponse` when more bytes arrive than the range holds.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(TransferError) {
        let at = state.withLock { $0.written }
        guard at + Int64(bytes.count) <= length else {
            throw TransferError(.invalidResponse, "the server sent more than the \(length) bytes asked for")
        }
        do { try file.write(bytes, at: offset + at) } catch { throw TransferError.file(error) }
        let total = state.withLock { s in
            s.written += Int64(bytes.count)
            s.crc.update(bytes)
            return s.written
        }
        progress(total)
    }

    /// Receives the whole range straight into the file: `fill` is given the file, the range's
    /// offset and length, and a progress callback (bytes of the range so far), and returns what
    /// it wrote and the CRC64 of it. A download adapter passes this to a client that receives
    /// into its own buffer and writes with `pwrite` (see `OSSClientOperations`).
    public func receive(
        _ fill: (
            _ file: FileDescriptor, _ offset: Int64, _ length: Int64, _ progress: @escaping @Sendable (Int64) -> Void
        ) async throws -> (written: Int64, crc64: UInt64)
    ) async throws {
        let (written, crc) = try await fill(file, offset, length, progress)
        state.withLock { s in
            s.written = written
            s.crc = CRC64(continuing: crc)
        }
    }

    /// Writes the next bytes of the range.
    public func write(_ bytes: [UInt8]) throws(TransferError) {
        let failure: TransferError? = bytes.withUnsafeBytes { raw in
            do { try write(raw) } catch { return (error as? TransferError) ?? TransferError(.file, "\(error)") }
            return nil
        }
        if let failure { throw failure }
    }

    /// Bytes written so far.
    public var bytesWritten: Int64 { state.withLock { $0.written } }

    /// The CRC64 of the bytes written so far.
    public var crc64: UInt64 { state.withLock { $0.crc.value } }
}
