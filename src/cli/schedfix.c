/* fit and validate on checkpoints of LR-scheduled runs: each checkpoint
 * corrected to the loss its run would have reached annealed there (the
 * library's sf_curve_correct_table, docs/curves.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/curves.h"

/* Whether the header record of path (up to the first line feed outside
 * quotes) could name an lr column: it contains "lr" or "learning_rate".
 * When it cannot, the whole file need not be read again as text cells
 * (at 1e7 rows that table held 2.4 times the parsed arrays, and the
 * fit's peak memory with it).  1 when unsure: unreadable, or a header
 * record longer than the buffer. */
static int header_may_name_lr(const char *path)
{
    static const size_t cap = 65536;
    FILE *f = fopen(path, "rb");
    if (!f) return 1;
    char *h = malloc(cap + 1);
    size_t len = 0;
    int c, quoted = 0, complete = 0;
    while (h && len < cap && (c = getc(f)) != EOF) {
        if (c == '"') quoted = !quoted;
        if (c == '\n' && !quoted) {
            complete = 1;
            break;
        }
        h[len++] = (char)c;
    }
    if (h && !complete && len < cap && !ferror(f)) complete = 1;  /* a header and no rows */
    fclose(f);
    int may = 1;
    if (h && complete) {
        h[len] = 0;
        /* A NUL byte would hide the rest: then read the table. */
        may = strlen(h) != len || strstr(h, "lr") || strstr(h, "learning_rate");
    }
    free(h);
    return may;
}

int cli_schedule_correct(const char *path, sf_data *d, size_t *n_corrected, const char **lr_col)
{
    *n_corrected = 0;
    *lr_col = NULL;
    if (!strcmp(path, "-") || !d->loss || !d->line) return CLI_OK; /* stdin: read once */
    if (!header_may_name_lr(path)) return CLI_OK;
    sf_table *t = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (sf_table_read(path, &t, &err) != SF_OK) return cli_lib_error(&err);
    const char *lr = NULL, *step = NULL;
    int rc = sf_curve_correct_table(t, d, &lr, &step, n_corrected, &err);
    sf_table_free(t);
    if (rc != SF_OK) return cli_lib_error(&err);
    if (lr && !step)
        cli_warning("%s: an lr column but no step column: checkpoints are not corrected for "
                    "the schedule", path);
    else
        *lr_col = lr;
    return CLI_OK;
}
