/* The CSV reader and the run table: any bytes, as a file's contents. */
#include "fuzz.h"
#include "scalefit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sf_table *t = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (sf_table_read_buffer((const char *)data, size, "fuzz.csv", &t, &err) != SF_OK) return 0;
    for (int pass = 0; pass < 2; pass++) {
        sf_data_options o;
        sf_data_options_init(&o);
        /* Plain, then the roles chinchilla needs with what a user adds. */
        if (pass) {
            o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
            o.drop_missing = 1;
            o.skip_zero = SF_ROLE_BIT(SF_ROLE_D);
        }
        sf_data *d = NULL;
        if (sf_data_from_table(t, &o, &d, &err) == SF_OK) sf_data_free(d);
    }
    sf_table_free(t);
    return 0;
}
