/*
 * Reading a long table of task evaluations (sf_task_data_from_table): the
 * numeric roles go through sf_data_from_table (aliases, filters, checks
 * and messages stay those of every other command); the task name and the
 * accuracy, which are not roles, are read from the same rows by line.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/strmap.h"

void sf_task_data_free(sf_task_data *d)
{
    if (!d) return;
    free(d->N);
    free(d->D);
    free(d->loss);
    free(d->acc);
    free(d->run);
    free(d->task);
    free(d->line);
    for (size_t i = 0; i < d->n_runs; i++) free(d->run_names[i]);
    for (size_t i = 0; i < d->n_tasks; i++) free(d->task_names[i]);
    free(d->run_names);
    free(d->task_names);
    free(d->source);
    free(d);
}

/* Table row of each data row, by source line (both ascending). */
static int rows_by_line(const sf_table *t, const sf_data *d, size_t *row)
{
    size_t r = 0, nt = sf_table_rows(t);
    for (size_t i = 0; i < d->n; i++) {
        while (r < nt && sf_table_line(t, r) < d->line[i]) r++;
        if (r >= nt || sf_table_line(t, r) != d->line[i]) return -1;
        row[i] = r;
    }
    return 0;
}

/* Index of name in names[0..n), appending a copy when new (map: name ->
 * index over the copies); -1 on ENOMEM. */
static int intern(char ***names, size_t *n, size_t *cap, sf_strmap *map, const char *name)
{
    size_t k = sf_strmap_get(map, name);
    if (k != SF_STRMAP_NONE) return (int)k;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        char **p = realloc(*names, c * sizeof *p);
        if (!p) return -1;
        *names = p;
        *cap = c;
    }
    char *copy = sf_strdup(name);
    if (!copy) return -1;
    if (sf_strmap_put(map, copy, *n) != SF_OK) {
        free(copy);
        return -1;
    }
    (*names)[*n] = copy;
    return (int)(*n)++;
}

static int read_acc(const sf_table *t, size_t row, long col, double *acc, sf_error *err)
{
    const char *cell = sf_table_cell(t, row, (size_t)col);
    const char *p = cell;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0') {
        *acc = NAN;
        return SF_OK;
    }
    int rc = sf_parse_double(cell, acc);
    if (rc == SF_OK && *acc >= 0.0 && *acc <= 1.0) return SF_OK;
    return sf_fail(err, rc == SF_EPARSE ? SF_EPARSE : SF_EDOMAIN, sf_table_name(t),
                   sf_table_line(t, row), col + 1,
                   "accuracy '%s' in column '%s' is not a number in [0, 1]", cell,
                   sf_table_header(t, (size_t)col));
}

static int copy_numbers(sf_task_data *td, const sf_data *d)
{
    size_t n = d->n ? d->n : 1;
    td->N = malloc(n * sizeof *td->N);
    td->D = malloc(n * sizeof *td->D);
    td->loss = malloc(n * sizeof *td->loss);
    td->acc = malloc(n * sizeof *td->acc);
    td->run = malloc(n * sizeof *td->run);
    td->task = malloc(n * sizeof *td->task);
    td->line = malloc(n * sizeof *td->line);
    if (!td->N || !td->D || !td->loss || !td->acc || !td->run || !td->task || !td->line)
        return SF_ENOMEM;
    td->n = d->n;
    memcpy(td->N, d->N, d->n * sizeof *td->N);
    memcpy(td->D, d->D, d->n * sizeof *td->D);
    memcpy(td->loss, d->loss, d->n * sizeof *td->loss);
    memcpy(td->line, d->line, d->n * sizeof *td->line);
    if (d->source) td->source = sf_strdup(d->source);
    return SF_OK;
}

/* Runs: the data's run ids as read (already one index per distinct id),
 * or every row its own run ("line N") without a run column. */
static int fill_runs(sf_task_data *td, const sf_data *d)
{
    size_t n = d->group ? d->n_groups : d->n;
    td->run_names = calloc(n ? n : 1, sizeof *td->run_names);
    if (!td->run_names) return SF_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        char buf[32];
        if (!d->group) snprintf(buf, sizeof buf, "line %ld", d->line[k]);
        if (!(td->run_names[k] = sf_strdup(d->group ? d->group_names[k] : buf))) return SF_ENOMEM;
        td->n_runs = k + 1;
    }
    for (size_t i = 0; i < d->n; i++) td->run[i] = d->group ? d->group[i] : (int)i;
    return SF_OK;
}

static int fill_text(sf_task_data *td, const sf_table *t, const size_t *row, long tcol,
                     long acol, sf_error *err)
{
    size_t cap = 0;
    sf_strmap map = {0};
    int rc = SF_OK;
    for (size_t i = 0; i < td->n && rc == SF_OK; i++) {
        const char *name = sf_table_cell(t, row[i], (size_t)tcol);
        if (!name[0]) {
            rc = sf_fail(err, SF_EPARSE, sf_table_name(t), sf_table_line(t, row[i]), tcol + 1,
                         "empty task name in column '%s'", sf_table_header(t, (size_t)tcol));
            break;
        }
        int k = intern(&td->task_names, &td->n_tasks, &cap, &map, name);
        if (k < 0) rc = SF_ENOMEM;
        else td->task[i] = k;
        if (rc == SF_OK) rc = read_acc(t, row[i], acol, &td->acc[i], err);
    }
    sf_strmap_free(&map);
    return rc;
}

int sf_task_data_from_table(const sf_table *t, const sf_data_options *o, const char *task_col,
                            const char *acc_col, sf_task_data **out, sf_error *err)
{
    *out = NULL;
    if (!task_col) task_col = "task";
    if (!acc_col) acc_col = "acc";
    long tcol = sf_table_find(t, task_col), acol = sf_table_find(t, acc_col);
    if (tcol < 0 || acol < 0)
        return sf_fail(err, SF_ENOCOLUMN, sf_table_name(t), 0, 0,
                       "no column '%s' (the %s column; --col %s=NAME names another)",
                       tcol < 0 ? task_col : acc_col, tcol < 0 ? "task" : "accuracy",
                       tcol < 0 ? "task" : "acc");
    sf_data_options opt;
    if (o) opt = *o;
    else sf_data_options_init(&opt);
    opt.required |= SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_data *d = NULL;
    int rc = sf_data_from_table(t, &opt, &d, err);
    if (rc != SF_OK) return rc;
    sf_task_data *td = calloc(1, sizeof *td);
    size_t *row = malloc((d->n ? d->n : 1) * sizeof *row);
    if (!td || !row) {
        rc = SF_ENOMEM;
    } else if ((rc = copy_numbers(td, d)) == SF_OK && (rc = fill_runs(td, d)) == SF_OK) {
        if (rows_by_line(t, d, row) != 0)
            rc = sf_fail(err, SF_EINVAL, sf_table_name(t), 0, 0, "rows out of order");
        else
            rc = fill_text(td, t, row, tcol, acol, err);
    }
    free(row);
    sf_data_free(d);
    if (rc == SF_ENOMEM) sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc != SF_OK) {
        sf_task_data_free(td);
        return rc;
    }
    *out = td;
    return SF_OK;
}
