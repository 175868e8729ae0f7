extension Collection<UInt8> {
    /// Runs `body` on the bytes in place when the collection keeps them contiguous (arrays,
    /// slices, raw buffers), else on a copy.
    package func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let r = try withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) { return r }
        return try Array(self).withUnsafeBytes(body)
    }
}
