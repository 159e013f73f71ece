/* --prior NAME=KIND(A,B): what parses must format and parse back. */
#include "fuzz.h"
#include "scalefit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    if (!s) return 0;
    sf_prior p;
    sf_error err;
    sf_error_clear(&err);
    if (sf_prior_parse(s, &p, &err) == SF_OK) {
        char buf[256];
        sf_prior_format(&p, buf, sizeof buf);
    }
    free(s);
    return 0;
}
