// Tests for OSSXML live here.
