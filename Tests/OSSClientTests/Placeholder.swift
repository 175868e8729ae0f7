// Tests for OSSClient live here.
