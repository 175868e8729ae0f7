// Tests for OSSHTTP live here.
