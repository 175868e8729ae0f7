// Tests for OSSSigner live here.
