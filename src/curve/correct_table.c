/*
 * Schedule correction of a table's checkpoints (issue 21): the lr and step
 * columns of the table a data set was read from, matched to its rows by
 * source line, and sf_curve_correct over them.  `scalefit fit` and
 * `validate` and the Python package's sf.fit and sf.validate call this,
 * so that all correct the same rows the same way (docs/curves.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

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

int sf_curve_correct_table(const sf_table *t, sf_data *d, const char **lr_col,
                           const char **step_col, size_t *n_corrected, sf_error *err)
{
    const char *lr_name = NULL, *step_name = NULL;
    if (lr_col) *lr_col = NULL;
    if (step_col) *step_col = NULL;
    if (n_corrected) *n_corrected = 0;
    if (!t || !d) return sf_fail(err, SF_EINVAL, "", 0, 0, "schedule correction: NULL argument");
    if (!d->loss || !d->line) return SF_OK;
    long cl = find_any(t, lr_names, &lr_name), cs = find_any(t, step_names, &step_name);
    if (cl >= 0 && lr_col) *lr_col = lr_name;
    if (cs >= 0 && step_col) *step_col = step_name;
    if (cl < 0 || cs < 0) return SF_OK;
    double *step = malloc((d->n ? d->n : 1) * sizeof *step);
    double *lr = malloc((d->n ? d->n : 1) * sizeof *lr);
    int *id = run_ids(d);
    int rc = step && lr && id ? row_values(t, cs, cl, d, step, lr, err)
                              : sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    if (rc == SF_OK)
        rc = sf_curve_correct(d->n, id, d->N, step, lr, d->loss, NULL, n_corrected, err);
    if (rc != SF_OK && err && !err->file[0])
        sf_strlcpy(err->file, sf_table_name(t), sizeof err->file);
    free(step);
    free(lr);
    free(id);
    return rc;
}
