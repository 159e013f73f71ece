/* The fit-file reader: any text; what it accepts must write back and
 * read back the same. */
#include "fuzz.h"
#include "scalefit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    if (!s) return 0;
    sf_fit *fit = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (sf_fit_json_parse(s, "fuzz.json", &fit, &err) == SF_OK) {
        char *js = sf_fit_json(fit);
        sf_fit *back = NULL;
        if (!js || sf_fit_json_parse(js, "again.json", &back, &err) != SF_OK) abort();
        sf_alloc_row row;
        sf_alloc_optimal(sf_fit_law(fit), sf_fit_params(fit), 1e21, &row, &err);
        sf_fit_free(back);
        free(js);
        sf_fit_free(fit);
    }
    free(s);
    return 0;
}
