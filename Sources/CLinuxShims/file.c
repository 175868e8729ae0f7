// File helpers for OSSCore's FileDescriptor: what Swift's Glibc module leaves out (it is
// declared only with _GNU_SOURCE).

#define _GNU_SOURCE
#include "CLinuxShims.h"

#include <fcntl.h>

int coss_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, (off64_t)offset, (off64_t)length, SYNC_FILE_RANGE_WRITE);
}
