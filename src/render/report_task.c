/*
 * The downstream tasks of a task fit in the HTML report (issue 15,
 * docs/tasks.md): a summary table of every task, then per task its
 * diagnosis, the parameters of both methods with percentile intervals over
 * the bootstrap draws, the predictions at the report's points and budgets,
 * and the task plot (sf_plot_task) inline.  The same section is a page of
 * its own (sf_task_report_html) or part of the fit's report
 * (sf_report.tasks).  Everything shown is read from the task fit; nothing
 * is refitted here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/plot.h"
#include "render/report_impl.h"
#include "task/task_impl.h"

#define DASH " \xE2\x80\x93 "

void sf_task_report_init(sf_task_report *r)
{
    memset(r, 0, sizeof *r);
    r->level = 0.9;
}

int sf_task_report_check(const sf_task_report *r, sf_error *err)
{
    if (!r || !r->fit || !r->data)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a task report needs a task fit and its data");
    if (!(r->level > 0 && r->level < 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "task report level %g is not in (0, 1)",
                       r->level);
    if ((r->n_points && !(r->N && r->D)) || (r->n_compute && !r->compute))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a task report count is set without its array");
    return SF_OK;
}

static void put_size(sf_html *h, size_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%zu", v);
    sf_html_raw(h, b);
}

static void cell_num(sf_html *h, double v, int sig)
{
    sf_html_raw(h, "<td>");
    if (isfinite(v)) sf_html_num(h, v, sig);
    sf_html_raw(h, "</td>");
}

/* "v (lo – hi)" in one cell; empty for NaN v, v alone without an interval. */
static void cell_ci(sf_html *h, double v, double lo, double hi, int sig)
{
    sf_html_raw(h, "<td>");
    if (isfinite(v)) {
        sf_html_num(h, v, sig);
        if (isfinite(lo) && isfinite(hi)) {
            sf_html_raw(h, " <span class=\"note\">(");
            sf_html_num(h, lo, sig);
            sf_html_raw(h, DASH);
            sf_html_num(h, hi, sig);
            sf_html_raw(h, ")</span>");
        }
    }
    sf_html_raw(h, "</td>");
}

/* The central `level` interval of column j of a B x p table of draws over
 * its finite entries (NaN with fewer than 10). */
static int draw_interval(const double *dr, size_t B, size_t p, size_t j, double level,
                         double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (!dr || B == 0) return SF_OK;
    double *v = malloc(B * sizeof *v);
    if (!v) return SF_ENOMEM;
    size_t m = 0;
    for (size_t b = 0; b < B; b++)
        if (isfinite(dr[b * p + j])) v[m++] = dr[b * p + j];
    if (m >= 10) {
        sf_sort_doubles(v, m);
        *lo = sf_quantile_sorted(v, m, 0.5 * (1.0 - level));
        *hi = sf_quantile_sorted(v, m, 0.5 * (1.0 + level));
    }
    free(v);
    return SF_OK;
}

/* A table's head whose columns flagged in `left` (bit k: column k) are
 * left-aligned, as their cells are. */
static void head(sf_html *h, const char *const *cols, size_t n, unsigned left)
{
    sf_html_raw(h, "<table><tr>");
    for (size_t k = 0; k < n; k++) {
        sf_html_raw(h, left >> k & 1u ? "<th class=\"l\">" : "<th>");
        sf_html_raw(h, cols[k]);
        sf_html_raw(h, "</th>");
    }
    sf_html_raw(h, "</tr>\n");
}

/* One parameter row: method, name (markup-free, escaped), estimate,
 * interval over the draws (column j of dr, B x p; no cell when level is
 * 0, a fit without draws), note. */
static int param_row(sf_html *h, const char *method, const char *name, double v,
                     const double *dr, size_t B, size_t p, size_t j, double level,
                     const char *note)
{
    double lo, hi;
    if (draw_interval(dr, B, p, j, level, &lo, &hi) != SF_OK) return SF_ENOMEM;
    sf_html_raw(h, "<tr><td class=\"l\">");
    sf_html_raw(h, method);
    sf_html_raw(h, "</td><td class=\"l\">");
    sf_html_esc(h, name);
    sf_html_raw(h, "</td>");
    cell_num(h, v, 5);
    if (level > 0) {
        sf_html_raw(h, "<td>");
        if (isfinite(lo) && isfinite(hi)) {
            sf_html_num(h, lo, 4);
            sf_html_raw(h, DASH);
            sf_html_num(h, hi, 4);
        }
        sf_html_raw(h, "</td>");
    }
    sf_html_raw(h, "<td class=\"l\">");
    if (note) sf_html_raw(h, note);
    sf_html_raw(h, "</td></tr>\n");
    return SF_OK;
}

/* "WHAT, 90%", or WHAT alone when level is 0 (no intervals). */
static void level_head(char *buf, size_t size, const char *what, double level)
{
    char lv[16];
    sf_plot_g(lv, sizeof lv, 100.0 * level, 4);
    if (level > 0) snprintf(buf, size, "%s, %s%%", what, lv);
    else snprintf(buf, size, "%s", what);
}

/* The level of a task's intervals: 0 when its fit has too few draws. */
static double task_level(const sf_task_one *t, double level)
{
    return t->n_draws >= 10 ? level : 0.0;
}

/* The note of a parameter at (within 1e-8 of) a finite bound of its
 * search: the data pushed it there, so its interval says nothing. */
static const char *bound_note(double v, double lo, double hi)
{
    if (isfinite(lo) && fabs(v - lo) <= 1e-8 * fmax(1.0, fabs(lo)))
        return "<b>at its lower bound</b>";
    if (isfinite(hi) && fabs(v - hi) <= 1e-8 * fmax(1.0, fabs(hi)))
        return "<b>at its upper bound</b>";
    return NULL;
}

static const char *direct_note(const sf_task_fit *f, const sf_task_one *t, size_t j)
{
    double lo, hi;
    sf_law_bounds(f->direct_law, j, &lo, &hi);
    return bound_note(t->direct[j], lo, hi);
}

/* Step 1, step 2 and the direct law of one task, with intervals. */
static int param_table(sf_html *h, const sf_task_fit *f, const sf_task_one *t, double level)
{
    char ci[64];
    level = task_level(t, level);
    level_head(ci, sizeof ci, "interval", level);
    const char *cols[] = {"method", "parameter", "estimate", level > 0 ? ci : "note", "note"};
    head(h, cols, level > 0 ? 5 : 4, 1u | 2u | (level > 0 ? 16u : 8u));
    size_t B = t->n_draws;
    int rc = SF_OK;
    if (t->has_two_step && t->step1) {
        const sf_law *law = f->law;
        for (size_t j = 0; j < f->n_step1 && rc == SF_OK; j++) {
            char name[64];
            sf_plot_pretty(name, sizeof name, sf_law_param_name(law, j));
            double lo, hi;
            sf_law_bounds(law, j, &lo, &hi);
            rc = param_row(h, "step 1: task loss", name, t->step1[j], t->d_step1, B, f->n_step1,
                           j, level, bound_note(t->step1[j], lo, hi));
        }
        const sf_sigmoid *s = &t->sig;
        const char *m = "step 2: accuracy";
        if (rc == SF_OK)
            rc = param_row(h, m, "a (rise)", s->a, t->d_sig, B, 4, 0, level, NULL);
        if (rc == SF_OK)
            rc = param_row(h, m, "b (floor)", s->b, t->d_sig, B, 4, 1, level,
                           s->floor_fixed ? "held at chance" : "fitted");
        if (rc == SF_OK)
            rc = param_row(h, m, "k", s->k, t->d_sig, B, 4, 2, level,
                           s->k_at_bound ? "<b>at the search's bound</b>" : NULL);
        if (rc == SF_OK)
            rc = param_row(h, m, "L0", s->L0, t->d_sig, B, 4, 3, level,
                           s->L0_at_bound ? "<b>at the search's bound</b>" : NULL);
        if (rc == SF_OK)
            rc = param_row(h, m, "sd of accuracy residuals", t->resid_sd, NULL, 0, 1, 0, level,
                           NULL);
    }
    static const char *const dn[3] = {"E", "A", "\xCE\xB1"};
    for (size_t j = 0; t->has_direct && j < 3 && rc == SF_OK; j++)
        rc = param_row(h, "direct: \xE2\x88\x92log acc", dn[j], t->direct[j], t->d_direct, B, 3,
                       j, level, direct_note(f, t, j));
    sf_html_raw(h, "</table>\n");
    return rc;
}

/* One prediction row: where, task loss, both methods, how far beyond. */
static void prediction_row(sf_html *h, const char *where, const sf_task_prediction *p)
{
    sf_html_raw(h, "<tr><td class=\"l\">");
    sf_html_raw(h, where);
    sf_html_raw(h, "</td>");
    cell_num(h, p->N, 4);
    cell_num(h, p->D, 4);
    cell_num(h, p->C, 4);
    cell_ci(h, p->loss, p->loss_lo, p->loss_hi, 4);
    cell_ci(h, p->acc, p->acc_lo, p->acc_hi, 3);
    cell_ci(h, p->acc_direct, p->direct_lo, p->direct_hi, 3);
    sf_html_raw(h, "<td class=\"l\">");
    if (p->loss_beyond > 0.0) {
        sf_html_raw(h, "task loss below the fitted range by ");
        sf_html_num(h, p->loss_beyond, 2);
        sf_html_raw(h, " of its span");
    }
    sf_html_raw(h, "</td></tr>\n");
}

/* A row that could not be predicted: where, and why. */
static void failed_row(sf_html *h, const char *where, double C, const char *why)
{
    sf_html_raw(h, "<tr><td class=\"l\">");
    sf_html_raw(h, where);
    sf_html_raw(h, "</td><td></td><td></td>");
    cell_num(h, C, 4);
    sf_html_raw(h, "<td class=\"l\" colspan=\"4\">no prediction: ");
    sf_html_esc(h, why);
    sf_html_raw(h, "</td></tr>\n");
}

/* Predictions of task i at the report's points and budgets. */
static void prediction_table(sf_html *h, const sf_task_report *r, size_t i)
{
    if (r->n_points + r->n_compute == 0) return;
    char c1[64], c2[64], c3[64];
    double level = task_level(&r->fit->tasks[i], r->level);
    level_head(c1, sizeof c1, "task loss", level);
    level_head(c2, sizeof c2, "accuracy, two-step", level);
    level_head(c3, sizeof c3, "accuracy, direct", level);
    const char *cols[] = {"at", "N", "D", "C = 6ND", c1, c2, c3, "note"};
    head(h, cols, 8, 1u | 128u);
    for (size_t k = 0; k < r->n_points + r->n_compute; k++) {
        sf_task_prediction p;
        sf_alloc_row row;
        sf_error perr;
        sf_error_clear(&perr);
        const char *where = k < r->n_points ? "given N, D" : "budget C, best allocation";
        double N = 0, D = 0, C = NAN;
        int rc = SF_OK;
        if (k < r->n_points) {
            N = r->N[k];
            D = r->D[k];
            C = 6.0 * N * D;
        } else {
            C = r->compute[k - r->n_points];
            rc = sf_task_optimal(r->fit, i, C, &row, &perr);
            N = row.params;
            D = row.tokens;
        }
        if (rc == SF_OK) rc = sf_task_predict(r->fit, i, N, D, r->level, &p, &perr);
        if (rc == SF_OK) prediction_row(h, where, &p);
        else failed_row(h, where, C, perr.message);
    }
    sf_html_raw(h, "</table>\n");
}

/* The id of task i's heading and the prefix of its plot's ids: an index,
 * since task names may hold any character, unique on the page. */
static void id_of(char *out, size_t size, const char *prefix, size_t i)
{
    snprintf(out, size, "%s%zu", prefix, i);
}

/* One task: heading, diagnosis or parameters, predictions, plot. */
static int task_part(sf_html *h, const sf_task_report *r, size_t i, sf_error *err)
{
    const sf_task_one *t = &r->fit->tasks[i];
    char id[32];
    id_of(id, sizeof id, "task", i);
    sf_html_raw(h, "<h3 id=\"");
    sf_html_raw(h, id);
    sf_html_raw(h, "\">Task ");
    sf_html_esc(h, t->name);
    sf_html_raw(h, "</h3>\n");
    if (t->diagnosis != SF_TASK_OK) {
        sf_html_raw(h, "<div class=\"warn\"><p><b>Diagnosis</b>: ");
        sf_html_esc(h, t->message ? t->message : "no signal");
        sf_html_raw(h, ".  No sigmoid is fitted through the noise and no accuracy is "
                       "predicted for this task.</p></div>\n");
    } else if (param_table(h, r->fit, t, r->level) != SF_OK) {
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (t->diagnosis == SF_TASK_OK) prediction_table(h, r, i);
    sf_plot_options po;
    sf_plot_options_init(&po);
    po.level = r->level;
    po.id = id;
    char *svg = NULL;
    sf_error perr;
    sf_error_clear(&perr);
    int rc = sf_plot_task(r->fit, r->data, i, &po, &svg, &perr);
    if (rc == SF_ENOMEM) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc != SF_OK) {
        sf_html_raw(h, "<p class=\"note\">Figure left out: ");
        sf_html_esc(h, perr.message);
        sf_html_raw(h, "</p>\n");
        return SF_OK;
    }
    const char *why = t->diagnosis != SF_TASK_OK ? "the task has no signal"
                      : !t->has_two_step          ? "no two-step fit"
                                                  : NULL;
    char cap[400];
    if (why)
        snprintf(cap, sizeof cap, "Left: accuracy against task loss, every checkpoint, coloured "
                                  "by model size; right: each run's last checkpoint's task loss "
                                  "against compute.  No curves: %s.", why);
    sf_html_figure(h, svg, why ? cap
                               : "Left: accuracy against task loss, every checkpoint coloured "
                                 "by model size, the fitted sigmoid (step 2) and its band over "
                                 "the draws; right: each run's last checkpoint's task loss "
                                 "against compute C = 6ND, and the step-1 law at each model "
                                 "size.");
    free(svg);
    return SF_OK;
}

/* One row of the summary: checkpoints, diagnosis, floor, scatter, range. */
static void summary_row(sf_html *h, const sf_task_one *t)
{
    sf_html_raw(h, "<tr><td class=\"l\">");
    sf_html_esc(h, t->name);
    sf_html_raw(h, "</td><td>");
    put_size(h, t->n_rows);
    sf_html_raw(h, "</td><td>");
    sf_html_num(h, t->loss_min, 4);
    sf_html_raw(h, DASH);
    sf_html_num(h, t->loss_max, 4);
    sf_html_raw(h, "</td><td class=\"l\">");
    if (t->diagnosis != SF_TASK_OK) sf_html_raw(h, "<b>no signal</b>");
    else if (t->has_two_step) sf_html_raw(h, t->sig.floor_fixed ? "at chance" : "fitted");
    sf_html_raw(h, "</td>");
    cell_num(h, t->diagnosis == SF_TASK_OK && t->has_two_step ? t->sig.b : NAN, 3);
    cell_num(h, t->diagnosis == SF_TASK_OK && t->has_two_step ? t->resid_sd : NAN, 3);
    sf_html_raw(h, "</tr>\n");
}

/* What was fitted, how, and the summary table. */
static void intro(sf_html *h, const sf_task_report *r)
{
    const sf_task_fit *f = r->fit;
    const sf_task_data *d = r->data;
    sf_html_raw(h, "<h2 id=\"tasks\">Downstream tasks</h2>\n<p>");
    put_size(h, f->n_tasks);
    sf_html_raw(h, f->n_tasks == 1 ? " task" : " tasks");
    if (d->source) {
        sf_html_raw(h, " from <code>");
        sf_html_esc(h, d->source);
        sf_html_raw(h, "</code>");
    }
    sf_html_raw(h, ": ");
    put_size(h, d->n);
    sf_html_raw(h, " rows, ");
    put_size(h, d->n_runs);
    sf_html_raw(h, " runs.  ");
    if (f->opt.method & SF_TASK_TWO_STEP) {
        char formula[200];
        sf_plot_pretty(formula, sizeof formula, sf_law_formula(f->law_name));
        sf_html_raw(h, "Two-step (Bhagia et al. 2024): step 1, task loss by the law <b>");
        sf_html_esc(h, f->law_name);
        sf_html_raw(h, "</b> (");
        sf_html_esc(h, formula);
        sf_html_raw(h, f->opt.step1_all ? ") on every checkpoint" : ") on each run's last "
                                                                     "checkpoint");
        sf_html_raw(h, "; step 2, accuracy = b + a / (1 + exp(k (L \xE2\x88\x92 L0))) on every "
                       "checkpoint with an accuracy.  ");
    }
    if (f->opt.method & SF_TASK_DIRECT)
        sf_html_raw(h, "Direct: \xE2\x88\x92log acc = E + A / C<sup>\xCE\xB1</sup>, C = 6ND, on "
                       "each run's last checkpoint.  ");
    size_t B = f->n_tasks ? f->tasks[0].n_draws : 0;
    if (B >= 10) {
        sf_html_raw(h, "Intervals: percentiles over ");
        put_size(h, B);
        sf_html_raw(h, " resamples of whole runs, both steps refitted; predictions add the "
                       "scatter of a single evaluation (docs/tasks.md).</p>\n");
    } else {
        sf_html_raw(h, "No intervals: the fit has too few resamples of runs (--draws).</p>\n");
    }
    static const char *const cols[] = {"task", "checkpoints", "task loss range", "sigmoid floor",
                                       "b", "sd(acc)"};
    head(h, cols, 6, 1u | 8u);
    for (size_t i = 0; i < f->n_tasks; i++) summary_row(h, &f->tasks[i]);
    sf_html_raw(h, "</table>\n");
}

int sf_task_report_section(sf_html *h, const sf_task_report *r, sf_error *err)
{
    intro(h, r);
    for (size_t i = 0; i < r->fit->n_tasks; i++) {
        int rc = task_part(h, r, i, err);
        if (rc != SF_OK) return rc;
    }
    return SF_OK;
}

int sf_task_report_html(const sf_task_report *r, char **out, sf_error *err)
{
    *out = NULL;
    int rc = sf_task_report_check(r, err);
    if (rc != SF_OK) return rc;
    char title[512];
    if (r->title) sf_strlcpy(title, r->title, sizeof title);
    else
        snprintf(title, sizeof title, "scalefit task report: %s",
                 r->data->source ? sf_plot_basename(r->data->source) : "data");
    sf_html h;
    memset(&h, 0, sizeof h);
    sf_html_raw(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"generator\" content=\"scalefit " SF_VERSION "\">\n<title>");
    sf_html_esc(&h, title);
    sf_html_raw(&h, "</title>\n<style>");
    sf_html_raw(&h, sf_report_css);
    sf_html_raw(&h, "</style>\n</head>\n<body>\n<h1>");
    sf_html_esc(&h, title);
    sf_html_raw(&h, "</h1>\n<p class=\"meta\">scalefit " SF_VERSION "; seed ");
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->fit->opt.seed);
    sf_html_raw(&h, seed);
    if (r->command) {
        sf_html_raw(&h, "; made by <code>");
        sf_html_esc(&h, r->command);
        sf_html_raw(&h, "</code>");
    }
    sf_html_raw(&h, "</p>\n");
    rc = sf_task_report_section(&h, r, err);
    sf_html_raw(&h, "</body>\n</html>\n");
    if (rc == SF_OK && h.bad) rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc != SF_OK) {
        sf_buf_free(&h.b);
        return rc;
    }
    *out = h.b.data;
    return SF_OK;
}
