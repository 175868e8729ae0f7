// Tests for osswire live here.
