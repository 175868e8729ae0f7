import OSSCore

/// Streams a byte range of a local file through a pooled buffer with `pread`, computing its
/// CRC64 on the way. Each call re-reads the file, so a retried part sends what is on disk.
public struct PartReader: Sendable {
    let file: TransferFile
    let pool: BufferPool

    init(file: TransferFile, pool: BufferPool) {
        self.file = file
        self.pool = pool
    }

    /// Opens `path` and reads through at most `buffers` buffers of `bufferSize` bytes.
    /// - Throws: `TransferError.file`.
    public init(path: String, buffers: Int = 1, bufferSize: Int = 256 << 10) throws(TransferError) {
        file = try TransferFile.openForReading(path)
        pool = BufferPool(capacity: max(1, buffers), bufferSize: bufferSize)
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
                let want = Int(min(Int64(buffer.count), length - done))
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
                let got = try file.read(into: slice, at: offset + done)
                guard got > 0 else {
                    throw TransferError(
                        .sourceChanged, "\(file.path) ended \(length - done) bytes before the end of its part")
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<got])
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
