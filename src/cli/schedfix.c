/* fit and validate on checkpoints of LR-scheduled runs: each checkpoint
 * corrected to the loss its run would have reached annealed there (the
 * library's sf_curve_correct_table, docs/curves.md). */
#include <stdlib.h>
#include <string.h>

#include "cli/curves.h"

int cli_schedule_correct(const char *path, sf_data *d, size_t *n_corrected, const char **lr_col)
{
    *n_corrected = 0;
    *lr_col = NULL;
    if (!strcmp(path, "-") || !d->loss || !d->line) return CLI_OK; /* stdin: read once */
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
