/* --col ROLE=COLUMN, repeated: one value a line. */
#include "cli_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_fit_options("--col", data, size);
    return 0;
}
