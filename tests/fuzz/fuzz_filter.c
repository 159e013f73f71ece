/* --filter expressions (up to four, one a line) over a small run table. */
#include "fuzz.h"
#include "scalefit.h"

static const char table[] = "N,D,loss,family\n1e7,2e8,5.3,gpt\n3e7,6e8,4.2,gpt\n"
                            "1e8,2e9,3.4,opt\n3e8,6e9,2.9,opt\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    if (!s) return 0;
    sf_table *t = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (sf_table_read_buffer(table, sizeof table - 1, "runs.csv", &t, &err) != SF_OK) abort();
    sf_data_options o;
    sf_data_options_init(&o);
    char *lines[4];
    o.n_filters = fuzz_lines(s, lines, 4);
    for (size_t k = 0; k < o.n_filters; k++) o.filters[k] = lines[k];
    sf_data *d = NULL;
    if (sf_data_from_table(t, &o, &d, &err) == SF_OK) sf_data_free(d);
    sf_table_free(t);
    free(s);
    return 0;
}
