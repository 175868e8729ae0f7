internal import CLinuxShims

/// `sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE)` through the shim (Glibc's module
/// leaves it out): kept in a file of its own so the shim's declarations do not shadow Glibc's
/// types (`mode_t`) in `FileDescriptor`'s public signatures.
func startWritebackCall(_ fd: Int32, _ offset: Int64, _ length: Int64) -> Int32 {
    coss_start_writeback(fd, offset, length)
}
