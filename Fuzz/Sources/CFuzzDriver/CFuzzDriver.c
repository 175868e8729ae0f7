// LLVMFuzzerRunDriver is defined by libFuzzer; this target only carries its declaration.
#include "CFuzzDriver.h"
