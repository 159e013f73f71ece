/* fit and validate on checkpoints of LR-scheduled runs: each checkpoint
 * corrected to the loss its run would have reached annealed there
 * (sf_curve_correct, docs/curves.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli/curves.h"

static const char *const lr_names[] = {"lr", "learning_rate", "optim/learning_rate_group0",
                                       NULL};
static const char *const step_names[] = {"step", "_step", NULL};

static long find_any(const sf_table *t, const char *const *names, const char **found)
{
    for (size_t k = 0; names[k]; k++) {
        long c = sf_table_find(t, names[k]);
        if (c >= 0) {
            *found = names[k];
            return c;
        }
    }
    return -1;
}

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

/* Run ids: d's group, else one run per distinct N, else one run. */
static int *run_ids(const sf_data *d)
{
    int *id = malloc((d->n ? d->n : 1) * sizeof *id);
    if (!id) return NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (d->group) {
            id[i] = d->group[i];
        } else if (d->N) {
            size_t j = 0;
            while (j < i && d->N[j] != d->N[i]) j++;
            id[i] = j < i ? id[j] : (int)i;
        } else {
            id[i] = 0;
        }
    }
    return id;
}

/* step and lr of each row of d, matched to the table by source line. */
static int row_values(const sf_table *t, long cs, long cl, const sf_data *d, double *step,
                      double *lr, sf_error *err)
{
    size_t r = 0, nt = sf_table_rows(t);
    for (size_t i = 0; i < d->n; i++) {
        while (r < nt && sf_table_line(t, r) < d->line[i]) r++;
        if (r == nt || sf_table_line(t, r) != d->line[i])
            return sf_fail(err, SF_EINVAL, sf_table_name(t), d->line[i], 0,
                           "schedule correction: row not found");
        const long col[2] = {cs, cl};
        double *dst[2] = {&step[i], &lr[i]};
        for (int k = 0; k < 2; k++) {
            const char *cell = sf_table_cell(t, r, (size_t)col[k]);
            if (!cell || sf_parse_double(cell, dst[k]) != SF_OK || !(*dst[k] >= 0))
                return sf_fail(err, SF_EPARSE, sf_table_name(t), d->line[i], col[k] + 1,
                               "%s: '%s' is not a finite number >= 0",
                               sf_table_header(t, (size_t)col[k]), cell ? cell : "");
        }
    }
    return SF_OK;
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
    const char *lr_name = NULL, *step_name = NULL;
    long cl = find_any(t, lr_names, &lr_name), cs = find_any(t, step_names, &step_name);
    if (cl < 0) {
        sf_table_free(t);
        return CLI_OK;
    }
    if (cs < 0) {
        sf_table_free(t);
        cli_warning("%s: an lr column but no step column: checkpoints are not corrected for "
                    "the schedule", path);
        return CLI_OK;
    }
    double *step = malloc((d->n ? d->n : 1) * sizeof *step);
    double *lr = malloc((d->n ? d->n : 1) * sizeof *lr);
    int *id = run_ids(d);
    int rc = step && lr && id ? row_values(t, cs, cl, d, step, lr, &err)
                              : sf_fail(&err, SF_ENOMEM, "", 0, 0, "out of memory");
    if (rc == SF_OK)
        rc = sf_curve_correct(d->n, id, d->N, step, lr, d->loss, NULL, n_corrected, &err);
    if (rc == SF_OK) *lr_col = lr_name;
    else if (!err.file[0]) sf_strlcpy(err.file, path, sizeof err.file);
    free(step);
    free(lr);
    free(id);
    sf_table_free(t);
    return rc == SF_OK ? CLI_OK : cli_lib_error(&err);
}
