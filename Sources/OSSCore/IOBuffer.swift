/// A fixed-size byte buffer that is allocated once and reused: what a body is read into before
/// it goes to the socket, so a transfer allocates nothing per chunk.
///
/// `@unchecked Sendable`: the bytes are lent to one user at a time (a request body being sent, a
/// response being received), handed over by whoever owns the buffer (`BufferPool` in the
/// transfer layer, a request's own attempt otherwise); the memory lives until the buffer is
/// released.
public final class IOBuffer: @unchecked Sendable {
    /// The buffer's memory, `capacity` bytes, 64-byte aligned.
    public let bytes: UnsafeMutableRawBufferPointer

    /// Allocates `capacity` bytes (at least one).
    public init(capacity: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, capacity), alignment: 64)
    }

    deinit { bytes.deallocate() }

    /// The size in bytes.
    public var capacity: Int { bytes.count }
}
