// Tests for OSSMockServer live here.
