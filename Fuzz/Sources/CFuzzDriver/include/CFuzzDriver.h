#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, `-sanitize=fuzzer`): runs the fuzzing loop with the command
/// line in `argc`/`argv`, calling `callback` for every input. Declared here because SwiftPM
/// names an executable's entry point `<Target>_main` and points `main` at it, so libFuzzer's own
/// `main` is never used: each target's `@main` hands control to this driver instead.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
