// Tests for OSSTransfer live here.
