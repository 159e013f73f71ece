/* Reading learning curves for `forecast` and `watch` (src/cli/curves.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli/curves.h"

static const char *const step_alias[] = {"step", "_step", "steps", "Step", NULL};
static const char *const lr_alias[] = {"lr", "learning_rate", "optim/learning_rate_group0",
                                       "LR", NULL};
static const char *const loss_alias[] = {"loss", "Loss", "val_loss", "eval_loss", NULL};
static const char *const run_alias[] = {"run", "Run", "run_id", NULL};

static long find_col(const sf_table *t, const char *given, const char *const *alias)
{
    if (given) return sf_table_find(t, given);
    for (size_t k = 0; alias[k]; k++) {
        long c = sf_table_find(t, alias[k]);
        if (c >= 0) return c;
    }
    return -1;
}

void cli_curves_free(cli_curves *c)
{
    for (size_t k = 0; k < c->n_runs; k++) {
        cli_crun *r = &c->run[k];
        free(r->name);
        free(r->step);
        free(r->lr);
        free(r->loss);
        free(r->obs_step);
        free(r->obs_loss);
        free(r->fut_step);
        sf_schedule_free(r->sched);
    }
    free(c->run);
    memset(c, 0, sizeof *c);
}

static cli_crun *run_get(cli_curves *c, const char *name)
{
    for (size_t k = 0; k < c->n_runs; k++)
        if (!strcmp(c->run[k].name, name)) return &c->run[k];
    cli_crun *nr = realloc(c->run, (c->n_runs + 1) * sizeof *nr);
    if (!nr) return NULL;
    c->run = nr;
    cli_crun *r = &c->run[c->n_runs];
    memset(r, 0, sizeof *r);
    r->name = sf_strdup(name);
    if (!r->name) return NULL;
    c->n_runs++;
    return r;
}

static int run_push(cli_crun *r, double s, double lr, double loss)
{
    double *a = realloc(r->step, (r->n + 1) * sizeof *a);
    if (a) r->step = a;
    double *b = a ? realloc(r->lr, (r->n + 1) * sizeof *b) : NULL;
    if (b) r->lr = b;
    double *d = b ? realloc(r->loss, (r->n + 1) * sizeof *d) : NULL;
    if (d) r->loss = d;
    if (!d) return SF_ENOMEM;
    r->step[r->n] = s;
    r->lr[r->n] = lr;
    r->loss[r->n] = loss;
    r->n++;
    return SF_OK;
}

/* A number cell; empty allowed when `empty_ok` (NaN). */
static int cell_num(const sf_table *t, size_t row, long col, int empty_ok, double lo,
                    double *out, sf_error *err)
{
    const char *s = sf_table_cell(t, row, (size_t)col);
    const char *h = sf_table_header(t, (size_t)col);
    if (!s || !*s) {
        *out = NAN;
        if (empty_ok) return SF_OK;
        return sf_fail(err, SF_EPARSE, sf_table_name(t), sf_table_line(t, row), col + 1,
                       "%s is empty", h);
    }
    if (sf_parse_double(s, out) != SF_OK || !(*out >= lo) || (lo > 0 && *out == 0))
        return sf_fail(err, SF_EPARSE, sf_table_name(t), sf_table_line(t, row), col + 1,
                       "%s: '%s' is not a finite number %s", h, s,
                       lo > 0 ? "> 0" : ">= 0");
    return SF_OK;
}

int cli_curves_read(const char *path, const cli_curve_cols *cols, cli_curves *c,
                    sf_error *err)
{
    sf_table *t = NULL;
    int rc = sf_table_read(path, &t, err);
    if (rc != SF_OK) return rc;
    long cs = find_col(t, cols->step, step_alias), cl = find_col(t, cols->lr, lr_alias);
    long cy = find_col(t, cols->loss, loss_alias), cr = find_col(t, cols->run, run_alias);
    if (cs < 0 || cy < 0 || (cols->lr && cl < 0) || (cols->run && cr < 0)) {
        const char *what = cs < 0 ? "step" : cy < 0 ? "loss" : cl < 0 ? "lr" : "run";
        const char *given = cs < 0 ? cols->step : cy < 0 ? cols->loss : cl < 0 ? cols->lr
                                                                              : cols->run;
        rc = sf_fail(err, SF_ENOCOLUMN, sf_table_name(t), 1, 0,
                     "no %s column%s%s%s (see scalefit forecast --help)", what,
                     given ? " '" : "", given ? given : "", given ? "'" : "");
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; rc == SF_OK && i < sf_table_rows(t); i++) {
        double s, lr = NAN, y;
        rc = cell_num(t, i, cs, 0, 0.0, &s, err);
        if (rc == SF_OK && cl >= 0) rc = cell_num(t, i, cl, 0, 0.0, &lr, err);
        if (rc == SF_OK) rc = cell_num(t, i, cy, 1, 1e-300, &y, err);
        if (rc != SF_OK) break;
        if (cl >= 0) c->has_lr = 1;
        const char *rn = cr >= 0 ? sf_table_cell(t, i, (size_t)cr) : base;
        cli_crun *r = run_get(c, rn ? rn : "");
        if (!r || run_push(r, s, lr, y) != SF_OK)
            rc = sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    sf_table_free(t);
    return rc;
}

/* Sort a run's rows by step (insertion sort: logs come nearly sorted). */
static void run_sort(cli_crun *r)
{
    for (size_t i = 1; i < r->n; i++) {
        double s = r->step[i], l = r->lr[i], y = r->loss[i];
        size_t j = i;
        while (j > 0 && r->step[j - 1] > s) {
            r->step[j] = r->step[j - 1];
            r->lr[j] = r->lr[j - 1];
            r->loss[j] = r->loss[j - 1];
            j--;
        }
        r->step[j] = s;
        r->lr[j] = l;
        r->loss[j] = y;
    }
}

static int run_finish(cli_crun *r, const char *source, sf_error *err)
{
    run_sort(r);
    size_t one = 1;
    r->obs_step = malloc((r->n ? r->n : one) * sizeof(double));
    r->obs_loss = malloc((r->n ? r->n : one) * sizeof(double));
    r->fut_step = malloc((r->n ? r->n : one) * sizeof(double));
    if (!r->obs_step || !r->obs_loss || !r->fut_step)
        return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        if (i && r->step[i] == r->step[i - 1])
            return sf_fail(err, SF_EPARSE, source, 0, 0, "run '%s': step %g appears twice",
                           r->name, r->step[i]);
        if (isnan(r->loss[i])) {
            r->fut_step[r->n_fut++] = r->step[i];
        } else {
            r->obs_step[r->n_obs] = r->step[i];
            r->obs_loss[r->n_obs++] = r->loss[i];
        }
    }
    if (isnan(r->lr[0])) /* no lr column: a constant LR of 1, S1 = t */
        for (size_t i = 0; i < r->n; i++) r->lr[i] = 1.0;
    return sf_schedule_from_points(r->step, r->lr, r->n, 0, &r->sched, err);
}

int cli_curves_finish(cli_curves *c, const char *source, sf_error *err)
{
    c->target = -1;
    for (size_t k = 0; k < c->n_runs; k++) {
        int rc = run_finish(&c->run[k], source, err);
        if (rc != SF_OK) {
            if (!err->file[0]) sf_strlcpy(err->file, source, sizeof err->file);
            return rc;
        }
        if (c->run[k].n_fut) {
            if (c->target >= 0)
                return sf_fail(err, SF_EINVAL, source, 0, 0,
                               "runs '%s' and '%s' both have steps to forecast (empty loss); "
                               "only one run may",
                               c->run[c->target].name, c->run[k].name);
            c->target = (long)k;
        }
    }
    return SF_OK;
}
