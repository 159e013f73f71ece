/*
 * libFuzzer target for the formula-law parser (issue 20): parse and
 * compile the input as a formula, then evaluate it once with gradients on
 * three rows.  The parser must reject bad input with an error, never crash,
 * hang or read out of bounds.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *       tests/fuzz/fuzz_formula.c <library sources> -llbfgs -lcjson -lcsv -lm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "law/formula.h"
#include "scalefit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    static const char *const cols[] = {"N", "D", "loss", "P", "lr"};
    sf_formula_options o;
    sf_formula_options_init(&o);
    o.columns = cols;
    o.n_columns = 5;
    sf_law *law = NULL;
    sf_error err;
    if (sf_law_parse(text, &o, &law, &err) == SF_OK) {
        double lN[3] = {18.0, 20.0, 23.0}, lD[3] = {21.0, 22.5, 25.0}, lC[3], lU[3] = {20, 22, 30};
        double P[3] = {2, 4, 8}, lr[3] = {1e-4, 3e-4, 1e-3}, y[3], J[3 * SF_MAX_PARAMS];
        for (int i = 0; i < 3; i++) lC[i] = 1.79 + lN[i] + lD[i];
        sf_obs x = {.n = 3};
        x.log[SF_ROLE_N] = lN;
        x.log[SF_ROLE_D] = lD;
        x.log[SF_ROLE_C] = lC;
        x.log[SF_ROLE_U] = lU;
        for (size_t k = 0; k < sf_law_n_extra(law); k++)
            x.extra[k] = strcmp(sf_law_extra_name(law, k), "P") == 0 ? P : lr;
        double th[SF_MAX_PARAMS];
        for (size_t j = 0; j < sf_law_n_params(law); j++) th[j] = 0.1 * (double)(j + 1);
        sf_formula_eval(law, th, &x, y, J);
        sf_point pt = {.N = 1e9, .D = 2e10};
        double L, nat[SF_MAX_PARAMS];
        for (size_t j = 0; j < sf_law_n_params(law); j++) nat[j] = 0.5;
        (void)sf_law_predict(law, nat, &pt, &L);
        sf_law_free(law);
    }
    free(text);
    return 0;
}
