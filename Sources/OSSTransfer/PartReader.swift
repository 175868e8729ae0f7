import OSSClient
import OSSCore

/// Streams byte ranges of one local file through the transfer's bounded buffer pool: the file
/// is opened once and read with `pread` (any number of parts at once), each part through one
/// pooled buffer. Each call re-reads the file, so a retried part sends what is on disk.
public struct PartReader: Sendable {
    let file: FileDescriptor
    let pool: BufferPool

    init(file: FileDescriptor, pool: BufferPool) {
        self.file = file
        self.pool = pool
    }

    /// Opens `path` and reads through at most `buffers` buffers of `bufferSize` bytes.
    /// - Throws: `TransferError.file`.
    public init(path: String, buffers: Int = 1, bufferSize: Int = 256 << 10) throws(TransferError) {
        do { file = try FileDescriptor.open(path, .readOnly) } catch { throw TransferError.file(error) }
        pool = BufferPool(capacity: max(1, buffers), bufferSize: bufferSize)
    }

    /// Lends a pooled buffer for sending `length` bytes from `offset`, as a request body over
    /// the shared descriptor: the client reads the range into that buffer and writes it to the
    /// socket from there (its CRC64 computed on the way). Waits while every buffer is lent.
    public func withBody<R>(offset: Int64, length: Int64, _ send: (OSSRequestBody) async throws -> R) async rethrows
        -> R
    {
        try await pool.withBuffer { buffer in
            try await send(.file(file, offset: offset, length: length, buffer: buffer))
        }
    }

    /// Reads `length` bytes from `offset`, handing each chunk to `body` as it is read.
    /// - Parameter body: gets each chunk; the bytes are valid only during the call.
    /// - Returns: the CRC64 of the range.
    /// - Throws: `TransferError.file` on a read error, or `.sourceChanged` when the file ends
    ///   before the range does (it was truncated); whatever `body` throws.
    @discardableResult
    public func read(
        offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) async throws -> Void = { _ in }
    ) async throws -> UInt64 {
        try await pool.withBuffer { buffer in
            var crc = CRC64()
            var done: Int64 = 0
            while done < length {
                try Task.checkCancellation()
                let want = Int(min(Int64(buffer.capacity), length - done))
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want])
                let got: Int
                do throws(SystemError) { got = try file.read(into: slice, at: offset + done) } catch { throw TransferError.file(error) }
                guard got > 0 else {
                    throw TransferError(
                        .sourceChanged, "\(file.path) ended \(length - done) bytes before the end of its part")
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<got])
                crc.update(chunk)
                try await body(chunk)
                done += Int64(got)
            }
            return crc.value
        }
    }

    /// The CRC64 of a range, read from the file.
    public func crc64(offset: Int64, length: Int64) async throws -> UInt64 {
        try await read(offset: offset, length: length)
    }
}
