/*
 * Shared by the libFuzzer targets (tests/fuzz/README.md): a
 * NUL-terminated copy of the input, split into lines.
 */
#ifndef SF_FUZZ_H
#define SF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Split s in place at newlines into at most max pieces. */
static inline size_t fuzz_lines(char *s, char **out, size_t max)
{
    size_t n = 0;
    while (n < max) {
        out[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl) break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

#endif /* SF_FUZZ_H */
