internal import CLinuxShims

/// Starts writing `length` bytes at `offset` of `fd` to the device without waiting for them
/// (`sync_file_range(2)`, `SYNC_FILE_RANGE_WRITE`, through the shim: Glibc's module leaves it
/// out): a later `sync()` then has less to wait for. Best effort: a file system that cannot is
/// left to `sync()`. It may block while the device's queue is full, as a writer is throttled by
/// the kernel anyway. In a file of its own so the shim's declarations do not shadow Glibc's types
/// (`mode_t`) in `FileDescriptor`'s public signatures.
func startWriteback(_ fd: Int32, offset: Int64, length: Int64) {
    _ = coss_start_writeback(fd, offset, length)
}
