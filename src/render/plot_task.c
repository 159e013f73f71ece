/*
 * One task of a task fit (issue 15, docs/tasks.md): accuracy against task
 * loss with the step-2 sigmoid and its band, and task loss against compute
 * with the step-1 law at each model size.  What is drawn comes from the
 * task module (sf_task_fit accessors, sf_task_sigmoid_band); this file
 * only describes the chart.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/chart.h"
#include "render/plot.h"

#define GRID 101
#define LAW_PTS 40
#define MAX_LEGEND 8

/* The rows of one task and its model sizes. */
typedef struct task_rows {
    size_t *idx, n;   /* rows of the task in d */
    double *Ns;       /* distinct model sizes, sorted */
    size_t n_N;
    double *x, *y;    /* scratch, n each */
} task_rows;

static void rows_free(task_rows *r)
{
    free(r->idx);
    free(r->Ns);
    free(r->x);
    free(r->y);
}

static int rows_make(const sf_task_data *d, const char *name, task_rows *r, sf_error *err)
{
    memset(r, 0, sizeof *r);
    int ti = -1;
    for (size_t k = 0; k < d->n_tasks; k++)
        if (strcmp(d->task_names[k], name) == 0) ti = (int)k;
    if (ti < 0) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "task '%s' is not in the data", name);
    size_t m = d->n ? d->n : 1;
    r->idx = malloc(m * sizeof *r->idx);
    r->x = malloc(m * sizeof *r->x);
    r->y = malloc(m * sizeof *r->y);
    if (!r->idx || !r->x || !r->y) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < d->n; i++)
        if (d->task[i] == ti) r->idx[r->n++] = i;
    if (r->n == 0) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "task '%s' has no rows", name);
    for (size_t j = 0; j < r->n; j++) r->x[j] = d->N[r->idx[j]];
    r->n_N = sf_plot_distinct(r->x, r->n, &r->Ns);
    if (r->n_N == (size_t)-1) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    return SF_OK;
}

/* The index of N among the distinct sizes (within 1e-4, as sf_plot_distinct). */
static size_t size_index(const task_rows *r, double N)
{
    for (size_t k = 0; k < r->n_N; k++)
        if (fabs(N - r->Ns[k]) <= 1e-4 * fabs(r->Ns[k])) return k;
    return 0;
}

/* Row j of the task is its run's last checkpoint (largest D). */
static int is_last(const sf_task_data *d, const task_rows *r, size_t j)
{
    size_t i = r->idx[j];
    for (size_t q = 0; q < r->n; q++) {
        size_t h = r->idx[q];
        if (d->run[h] == d->run[i] && (d->D[h] > d->D[i] || (d->D[h] == d->D[i] && h > i)))
            return 0;
    }
    return 1;
}

/* Markers of size k's rows: (loss, acc) when acc_panel, else (C, loss) of
 * each run's last checkpoint. */
static void size_markers(sf_chart *c, sf_chart_panel *p, const sf_task_data *d, task_rows *r,
                         size_t k, int acc_panel)
{
    size_t m = 0;
    for (size_t j = 0; j < r->n; j++) {
        size_t i = r->idx[j];
        if (size_index(r, d->N[i]) != k) continue;
        if (acc_panel && !isfinite(d->acc[i])) continue;
        if (!acc_panel && !is_last(d, r, j)) continue;
        r->x[m] = acc_panel ? d->loss[i] : 6.0 * d->N[i] * d->D[i];
        r->y[m++] = acc_panel ? d->acc[i] : d->loss[i];
    }
    int dense = m > 60;
    sf_chart_markers(c, p, r->x, r->y, m, SF_SVG_CIRCLE, dense ? 3.0 : 4.0, sf_svg_okabe(k),
                     dense ? NULL : "#ffffff", 0.6, dense ? 0.6 : 0.9, NULL);
}

/* The sigmoid over the task-loss range [lo, hi] and its band. */
static void sigmoid_curve(sf_chart *c, sf_chart_panel *p, const sf_task_fit *f, size_t task,
                          const sf_sigmoid *s, double lo, double hi, double level)
{
    double L[GRID], a[GRID], blo[GRID], bhi[GRID];
    for (size_t i = 0; i < GRID; i++) {
        L[i] = lo + (hi - lo) * (double)i / (GRID - 1);
        a[i] = sf_sigmoid_eval(s, L[i]);
    }
    sf_error e;
    char t[64];
    if (sf_task_sigmoid_band(f, task, L, GRID, level, blo, bhi, &e) == SF_OK) {
        sf_chart_band(c, p, L, blo, bhi, GRID, "#000000", 0.15);
        snprintf(t, sizeof t, "%g%% band (bootstrap)", 100.0 * level);
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = t, .color = "#000000",
                                                        .band_opacity = 0.15});
    }
    sf_chart_line(c, p, L, a, GRID, "#000000", 1.8, NULL, 1.0);
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "sigmoid fit", .color = "#000000",
                                                    .line_width = 1.8});
}

/* Panel (a): accuracy against task loss. */
static void acc_panel(sf_chart *c, const sf_task_fit *f, const sf_task_data *d, size_t task,
                      task_rows *r, double level)
{
    sf_svg_range rx, ry;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    for (size_t j = 0; j < r->n; j++)
        if (isfinite(d->acc[r->idx[j]])) {
            sf_svg_range_add(&rx, d->loss[r->idx[j]], 0);
            sf_svg_range_add(&ry, d->acc[r->idx[j]], 0);
        }
    double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (rx.n) sf_svg_range_get(&rx, 0, 0.05, &xlo, &xhi);
    double sd;
    const sf_sigmoid *s = sf_task_fit_sigmoid(f, task, &sd);
    if (s) {
        sf_svg_range_add(&ry, s->b, 0);
        sf_svg_range_add(&ry, fmin(1.0, s->a + s->b), 0);
    }
    if (ry.n) sf_svg_range_get(&ry, 0, 0.06, &ylo, &yhi);
    sf_chart_panel *p = sf_chart_panel_add(c, xlo, xhi, 0, "task loss", ylo, yhi, 0, "accuracy");
    if (p) sf_strlcpy(p->title, "accuracy against task loss (step 2)", sizeof p->title);
    if (s) sigmoid_curve(c, p, f, task, s, xlo, xhi, level);
    for (size_t k = 0; k < r->n_N; k++) {
        size_markers(c, p, d, r, k, 1);
        if (k >= MAX_LEGEND) continue;
        char t[64], g[32];
        sf_plot_g(g, sizeof g, r->Ns[k], 3);
        snprintf(t, sizeof t, "N = %s", g);
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = t, .color = sf_svg_okabe(k),
                                                        .shape = SF_SVG_CIRCLE});
    }
}

/* The step-1 law at size N over [Dlo, Dhi] as a line in C = 6ND. */
static void law_line(sf_chart *c, sf_chart_panel *p, const sf_task_fit *f, size_t task,
                     double N, double Dlo, double Dhi, const char *color)
{
    const double *par = sf_task_fit_step1(f, task);
    double C[LAW_PTS], L[LAW_PTS];
    for (size_t i = 0; i < LAW_PTS; i++) {
        double D = Dlo * pow(Dhi / Dlo, (double)i / (LAW_PTS - 1));
        sf_point x = {.N = N, .D = D, .C = 6.0 * N * D};
        C[i] = x.C;
        if (sf_law_predict(sf_task_fit_law(f), par, &x, &L[i]) != SF_OK) L[i] = NAN;
    }
    sf_chart_line(c, p, C, L, LAW_PTS, color, 1.5, NULL, 0.9);
}

/* Panel (b): task loss against compute: each run's last checkpoint, and
 * the law at each size over the token range of those checkpoints. */
static void loss_panel(sf_chart *c, const sf_task_fit *f, const sf_task_data *d, size_t task,
                       task_rows *r)
{
    sf_svg_range rx, ry;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    for (size_t j = 0; j < r->n; j++) {
        size_t i = r->idx[j];
        if (!is_last(d, r, j)) continue;
        sf_svg_range_add(&rx, 6.0 * d->N[i] * d->D[i], 1);
        sf_svg_range_add(&ry, d->loss[i], 0);
    }
    double xlo, xhi, ylo, yhi;
    sf_svg_range_get(&rx, 1, 0.05, &xlo, &xhi);
    sf_svg_range_get(&ry, 0, 0.08, &ylo, &yhi);
    sf_chart_panel *p = sf_chart_panel_add(c, xlo, xhi, 1, "compute C = 6ND (FLOPs)", ylo, yhi, 0,
                                           "task loss");
    if (p) sf_strlcpy(p->title, "task loss against compute (step 1)", sizeof p->title);
    int law = sf_task_fit_step1(f, task) != NULL;
    for (size_t k = 0; k < r->n_N; k++) {
        double Dlo = INFINITY, Dhi = 0;
        for (size_t j = 0; j < r->n; j++)
            if (size_index(r, d->N[r->idx[j]]) == k && is_last(d, r, j)) {
                Dlo = fmin(Dlo, d->D[r->idx[j]]);
                Dhi = fmax(Dhi, d->D[r->idx[j]]);
            }
        if (law && Dhi > 0) law_line(c, p, f, task, r->Ns[k], Dlo, Dhi, sf_svg_okabe(k));
        size_markers(c, p, d, r, k, 0);
    }
    if (law)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "step-1 law at each N",
                                                        .color = "#555555", .line_width = 1.5});
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "each run's last checkpoint",
                                                    .color = "#555555",
                                                    .shape = SF_SVG_CIRCLE});
}

int sf_plot_task(const sf_task_fit *f, const sf_task_data *d, size_t task,
                 const sf_plot_options *o, char **out, sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!f || !d || task >= sf_task_fit_n_tasks(f))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "task plot: no fit, data or task %zu", task);
    const char *name = sf_task_fit_task(f, task);
    task_rows r;
    rc = rows_make(d, name, &r, err);
    if (rc != SF_OK) {
        rows_free(&r);
        return rc;
    }
    char title[256], sub[512];
    if (opt.title) sf_strlcpy(title, opt.title, sizeof title);
    else snprintf(title, sizeof title, "Task %s: accuracy from task loss", name);
    const char *msg = NULL;
    int none = sf_task_fit_diagnosis(f, task, &msg) != SF_TASK_OK;
    snprintf(sub, sizeof sub, "%s%s; %zu checkpoints, %zu model sizes; step-1 law %s",
             none ? "no signal (accuracy within its scatter): no sigmoid, no law; " : "",
             d->source ? sf_plot_basename(d->source) : "data", r.n, r.n_N,
             sf_law_name(sf_task_fit_law(f)));
    sf_chart c;
    sf_chart_init(&c, &opt, SF_CHART_GRID, title, sub);
    c.cols = 2;
    acc_panel(&c, f, d, task, &r, opt.level);
    loss_panel(&c, f, d, task, &r);
    rc = sf_chart_render(&c, out, err);
    sf_chart_free(&c);
    rows_free(&r);
    return rc;
}
