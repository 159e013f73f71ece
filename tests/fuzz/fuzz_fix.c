/* --fix NAME=VALUE, repeated: one value a line. */
#include "cli_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_fit_options("--fix", data, size);
    return 0;
}
