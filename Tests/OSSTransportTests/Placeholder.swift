// Tests for OSSTransport live here.
