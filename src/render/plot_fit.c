/*
 * The fit plot: loss against compute (or N, or D) on log-log axes with the
 * runs coloured by model size, the fitted law drawn as curves at fixed N,
 * the compute-optimal frontier, and the residuals log L - log L^ (the
 * quantity the objective is built on) in a panel below.
 *
 * Which curves: a law of N and D predicts L(N, D); along the x axis C (or
 * D) a curve at fixed N is L(N, C/(6N)), the model trained for longer, and
 * it matches the colour of that model's runs.  Against N itself a fixed-N
 * curve is a vertical line, so there the curves are at fixed C instead:
 * L(N, C/(6N)) over N, the IsoFLOP profiles of Hoffmann et al. (2022,
 * fig. 3), and the runs are coloured by C.  The frontier is L at
 * (N_opt(C), D_opt(C)) (sf_alloc_optimal), drawn parametrically in C so it
 * is the same curve whatever the x axis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "alloc/alloc_grid.h"
#include "render/chart.h"
#include "render/plot.h"

#define CURVE_PTS 160
#define FRONTIER_PTS 240
#define MAX_LEVELS 9 /* curves at most; fixed-N curves take 7 */
#define N_LEVELS 7

enum { MODE_ISO_N, MODE_ISO_C, MODE_SINGLE, MODE_POINTS };

static const double *column(const sf_data *d, int role)
{
    switch (role) {
    case SF_ROLE_N: return d->N;
    case SF_ROLE_D: return d->D;
    case SF_ROLE_C: return d->C;
    default: return NULL;
    }
}

static const char *axis_title(int role)
{
    switch (role) {
    case SF_ROLE_N: return "parameters N";
    case SF_ROLE_D: return "training tokens D";
    default: return "training compute C (FLOPs)";
    }
}

/* Up to MAX_LEVELS values to draw curves at: every distinct value when
 * there are few (a sweep's model sizes or budgets).  Else, with `snap`,
 * values evenly spaced in log between the extremes, each moved to the
 * nearest value in the data so a curve belongs to runs that exist (model
 * sizes); without, round values 10^k (and 3 10^k when that gives too few)
 * inside the range (budgets, which vary continuously).  Returns the count,
 * (size_t)-1 on out of memory. */
static size_t pick_levels(const double *v, size_t n, int snap, double *out)
{
    double *u;
    size_t m = sf_plot_distinct(v, n, &u);
    if (m == (size_t)-1) return m;
    size_t k = 0;
    int all = m <= (snap ? N_LEVELS : MAX_LEVELS);
    if (all) {
        for (size_t i = 0; i < m; i++) out[k++] = u[i];
    } else if (!snap) {
        int k0 = (int)floor(log10(u[0])), k1 = (int)ceil(log10(u[m - 1]));
        for (int thirds = 1; thirds >= 0 && k == 0; thirds--) {
            size_t count = 0;
            for (int e = k0; e <= k1; e++)
                for (int t = 0; t <= thirds; t++) {
                    double val = pow(10.0, e) * (t ? 3.0 : 1.0);
                    if (val >= u[0] && val <= u[m - 1]) count++;
                }
            if (count > MAX_LEVELS && thirds) continue;
            for (int e = k0; e <= k1; e++)
                for (int t = 0; t <= thirds; t++) {
                    double val = pow(10.0, e) * (t ? 3.0 : 1.0);
                    if (val >= u[0] && val <= u[m - 1] && k < MAX_LEVELS) out[k++] = val;
                }
        }
    }
    if (!all && k < 3) {
        k = 0;
        double l0 = log(u[0]), l1 = log(u[m - 1]);
        for (size_t j = 0; j < N_LEVELS; j++) {
            double target = l0 + (l1 - l0) * (double)j / (N_LEVELS - 1);
            size_t best = 0;
            for (size_t i = 1; i < m; i++)
                if (fabs(log(u[i]) - target) < fabs(log(u[best]) - target)) best = i;
            if (snap ? (k == 0 || out[k - 1] != u[best]) : 1)
                out[k++] = snap ? u[best] : exp(target);
        }
    }
    free(u);
    return k;
}

/* The x span of the runs at level value lv (N or C within 1e-4, as
 * sf_plot_distinct), widened by a factor 1.5 each way; 0 when no run has it. */
static int level_span(const double *lev, const double *xv, size_t n, double lv, double *lo,
                      double *hi)
{
    *lo = INFINITY;
    *hi = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(lev[i] - lv) <= 1e-4 * lv && xv[i] > 0) {
            *lo = fmin(*lo, xv[i]);
            *hi = fmax(*hi, xv[i]);
        }
    *lo /= 1.5;
    *hi *= 1.5;
    return *hi > 0;
}

static int predict(const sf_law *law, const double *p, double N, double D, double C, double U,
                   double *L)
{
    sf_point x = {.N = N, .D = D, .C = C, .U = U};
    return sf_law_predict(law, p, &x, L);
}

/* What the fit plot shows, worked out before anything is drawn. */
typedef struct fit_view {
    const sf_law *law;
    const double *p;
    int nd, mode, xr, crole;
    const double *xv, *cv; /* x values and colour values of the runs */
    double *lhat, *res;    /* prediction and log residual per run */
    size_t n_res;
    double xlo, xhi, ylo, yhi, clo, chi, rmax;
    double *cx, *cy; /* the frontier */
    size_t nf;
} fit_view;

/* The x axis, the kind of curves and the colouring for this law and data;
 * SF_EINVAL when the data cannot be plotted as asked. */
static int fit_mode(fit_view *v, const sf_data *d, int x, sf_error *err)
{
    unsigned roles = sf_law_roles(v->law);
    const unsigned bN = SF_ROLE_BIT(SF_ROLE_N), bD = SF_ROLE_BIT(SF_ROLE_D),
                   bC = SF_ROLE_BIT(SF_ROLE_C);
    unsigned vars = roles & ~(SF_ROLE_BIT(SF_ROLE_LOSS) | SF_ROLE_BIT(SF_ROLE_GROUP) |
                              SF_ROLE_BIT(SF_ROLE_WEIGHT));
    int nd = (vars & (bN | bD)) == (bN | bD) && (vars & ~(bN | bD | bC)) == 0;
    int single_var = -1;
    if (vars == bN) single_var = SF_ROLE_N;
    else if (vars == bD) single_var = SF_ROLE_D;
    else if (vars == bC) single_var = SF_ROLE_C;

    int xr = x;
    if (xr == -1) xr = nd ? SF_ROLE_C : single_var >= 0 ? single_var : d->C ? SF_ROLE_C : SF_ROLE_N;
    if (xr != SF_ROLE_N && xr != SF_ROLE_D && xr != SF_ROLE_C)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the fit plot's x axis must be C, N or D");
    if (single_var >= 0 && xr != single_var)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "law '%s' reads only %s: plot it against %s",
                       sf_law_name(v->law), sf_role_name((sf_role)single_var),
                       sf_role_name((sf_role)single_var));
    v->xv = column(d, xr);
    if (!v->xv)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the data have no %s column to plot against",
                       sf_role_name((sf_role)xr));
    v->nd = nd;
    v->xr = xr;
    v->mode = nd                ? (xr == SF_ROLE_N ? MODE_ISO_C : MODE_ISO_N)
              : single_var >= 0 ? MODE_SINGLE
                                : MODE_POINTS;
    /* Colour: by N, or by C when N is the x axis; none for one-variable
     * laws, whose runs differ only along x. */
    v->crole = -1;
    if (v->mode == MODE_ISO_N || (v->mode == MODE_POINTS && xr != SF_ROLE_N && d->N)) {
        v->cv = d->N;
        v->crole = SF_ROLE_N;
    } else if (v->mode == MODE_ISO_C || (v->mode == MODE_POINTS && d->C)) {
        v->cv = d->C;
        v->crole = SF_ROLE_C;
    }
    return SF_OK;
}

/* Predictions and residuals at the runs. */
static void fit_residuals(fit_view *v, const sf_data *d)
{
    v->n_res = 0;
    for (size_t i = 0; i < d->n; i++) {
        double L;
        int ok = predict(v->law, v->p, d->N ? d->N[i] : 0, d->D ? d->D[i] : 0, d->C ? d->C[i] : 0,
                         d->U ? d->U[i] : 0, &L) == SF_OK;
        v->lhat[i] = ok ? L : NAN;
        v->res[i] = ok ? log(d->loss[i]) - log(L) : NAN;
        v->n_res += ok ? 1u : 0u;
    }
}

/* The frontier, parametric in C (sf_alloc_grid): over the x range itself
 * when x is C, else over a range of C wide enough to cross the plot.
 * Against C it is the lower edge of the data and must show whole, so its
 * losses join the y range ry. */
static void fit_frontier(fit_view *v, const sf_data *d, sf_svg_range *ry)
{
    v->nf = 0;
    if (!v->nd) return;
    double c0 = v->xlo, c1 = v->xhi;
    if (v->xr != SF_ROLE_C) {
        double cmin = INFINITY, cmax = 0;
        for (size_t i = 0; i < d->n; i++) {
            double C = d->C ? d->C[i] : 6.0 * d->N[i] * d->D[i];
            if (C > 0 && isfinite(C)) {
                cmin = fmin(cmin, C);
                cmax = fmax(cmax, C);
            }
        }
        c0 = cmin / 1e4;
        c1 = cmax * 1e4;
    }
    if (!(c0 > 0 && isfinite(c1))) return;
    sf_alloc_row rows[FRONTIER_PTS];
    int ok[FRONTIER_PTS];
    sf_alloc_grid(v->law, v->p, c0, c1, FRONTIER_PTS, 0.0, rows, ok);
    for (size_t k = 0; k < FRONTIER_PTS; k++) {
        if (!ok[k]) continue;
        const sf_alloc_row *row = &rows[k];
        v->cx[v->nf] = v->xr == SF_ROLE_C ? row->compute
                       : v->xr == SF_ROLE_N ? row->params
                                            : row->tokens;
        v->cy[v->nf] = row->loss;
        v->nf++;
        if (v->xr == SF_ROLE_C) sf_svg_range_add(ry, row->loss, 1);
    }
}

/* Ranges of the axes and the colour scale; SF_ENODATA without a positive
 * x value. */
static int fit_ranges(fit_view *v, const sf_data *d, sf_error *err)
{
    const size_t n = d->n;
    sf_svg_range rx, ry, rc, rr;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rc);
    sf_svg_range_init(&rr);
    sf_svg_range_add_all(&rx, v->xv, n, 1);
    sf_svg_range_add_all(&ry, d->loss, n, 1);
    if (v->cv) sf_svg_range_add_all(&rc, v->cv, n, 1);
    for (size_t i = 0; i < n; i++) sf_svg_range_add(&rr, fabs(v->res[i]), 0);
    if (rx.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no run has a positive %s",
                       sf_role_name((sf_role)v->xr));
    sf_svg_range_get(&rx, 1, 0.04, &v->xlo, &v->xhi);
    v->clo = rc.lo;
    v->chi = rc.hi;
    if (v->cv && !(v->chi > v->clo)) {
        v->clo /= 2.0;
        v->chi *= 2.0;
    }
    fit_frontier(v, d, &ry);
    sf_svg_range_get(&ry, 1, 0.06, &v->ylo, &v->yhi);
    v->rmax = rr.n ? rr.hi * 1.15 : 0.01;
    if (!(v->rmax > 0)) v->rmax = 0.01;
    return SF_OK;
}

/* One curve of the law at level value lv (or the single curve): solid
 * where the level has runs, faint where the law extrapolates beyond them
 * (a small model trained far longer than any run). */
static void fit_curve(sf_chart *c, sf_chart_panel *top, const fit_view *v, const sf_data *d,
                      double lv)
{
    double gx[CURVE_PTS], gy[CURVE_PTS];
    for (size_t k = 0; k < CURVE_PTS; k++) {
        double xval = exp(log(v->xlo) + (log(v->xhi) - log(v->xlo)) * (double)k / (CURVE_PTS - 1));
        double N = 0, D = 0, C = 0, L = NAN;
        if (v->mode == MODE_ISO_N) {
            N = lv;
            C = v->xr == SF_ROLE_C ? xval : 6.0 * N * xval;
            D = v->xr == SF_ROLE_C ? C / (6.0 * N) : xval;
        } else if (v->mode == MODE_ISO_C) {
            C = lv;
            N = xval;
            D = C / (6.0 * N);
        } else {
            N = D = C = xval;
        }
        if (predict(v->law, v->p, N, D, C, 0, &L) != SF_OK) L = NAN;
        gx[k] = xval;
        gy[k] = L;
    }
    sf_svg_color cc = v->mode == MODE_SINGLE ? (sf_svg_color){"#0072B2"}
                                             : sf_svg_seq(sf_svg_frac(lv, v->clo, v->chi, 1));
    double slo = 0, shi = INFINITY;
    if (v->mode != MODE_SINGLE &&
        level_span(v->mode == MODE_ISO_N ? d->N : d->C, v->xv, d->n, lv, &slo, &shi)) {
        int in[CURVE_PTS];
        double fy[CURVE_PTS];
        for (size_t k = 0; k < CURVE_PTS; k++) in[k] = gx[k] >= slo && gx[k] <= shi;
        for (size_t k = 0; k < CURVE_PTS; k++) {
            /* The faint line also takes the solid end points next to it,
             * so the two pieces join. */
            int next_out = (k > 0 && !in[k - 1]) || (k + 1 < CURVE_PTS && !in[k + 1]);
            fy[k] = !in[k] || next_out ? gy[k] : NAN;
        }
        for (size_t k = 0; k < CURVE_PTS; k++)
            if (!in[k]) gy[k] = NAN;
        sf_chart_line(c, top, gx, fy, CURVE_PTS, cc.hex, 1.2, NULL, 0.45);
    }
    sf_chart_line(c, top, gx, gy, CURVE_PTS, cc.hex, 1.7, NULL, 0.9);
}

/* Titles of the plot. */
static void fit_titles(const fit_view *v, const sf_fit *fit, const sf_data *d,
                       const sf_plot_options *opt, char *title, size_t tsize, char *sub,
                       size_t ssize)
{
    char r2[32], nres[32], formula[160];
    sf_plot_pretty(formula, sizeof formula, sf_law_formula(sf_law_name(v->law)));
    if (opt->title) sf_strlcpy(title, opt->title, tsize);
    else snprintf(title, tsize, "%s fit: %s", sf_law_name(v->law), formula);
    sf_plot_num(r2, sizeof r2, sf_fit_r2(fit));
    snprintf(nres, sizeof nres, "%zu", d->n);
    snprintf(sub, ssize, "%s%s%s runs%s%s; residual = log L \xE2\x88\x92 log L\xCC\x82",
             d->source ? sf_plot_basename(d->source) : "", d->source ? ": " : "", nres,
             isfinite(sf_fit_r2(fit)) ? ", R\xC2\xB2 = " : "", isfinite(sf_fit_r2(fit)) ? r2 : "");
}

/* The legend, the colour bar and the residual note. */
static void fit_legend(sf_chart *c, sf_chart_panel *top, sf_chart_panel *bot, const fit_view *v,
                       size_t n)
{
    sf_svg_color mid = v->cv ? sf_svg_seq(0.5) : (sf_svg_color){"#0072B2"};
    const char *runs_txt = v->crole == SF_ROLE_N   ? "runs (colour: N)"
                           : v->crole == SF_ROLE_C ? "runs (colour: C)"
                                                   : "runs";
    const char *curve_txt = v->mode == MODE_ISO_N    ? "fitted law at fixed N"
                            : v->mode == MODE_ISO_C  ? "fitted law at fixed C"
                            : v->mode == MODE_SINGLE ? "fitted law"
                                                     : "fitted law at each run";
    sf_chart_legend_add(c, top, &(sf_svg_legend_item){.text = runs_txt, .color = mid.hex,
                                                      .shape = SF_SVG_CIRCLE});
    if (v->mode == MODE_POINTS)
        sf_chart_legend_add(c, top, &(sf_svg_legend_item){.text = curve_txt, .color = "#000000",
                                                          .shape = SF_SVG_CIRCLE, .hollow = 1});
    else
        sf_chart_legend_add(c, top, &(sf_svg_legend_item){.text = curve_txt, .color = mid.hex,
                                                          .line_width = 1.7});
    if (v->nf >= 2)
        sf_chart_legend_add(c, top, &(sf_svg_legend_item){.text = "compute-optimal frontier",
                                                          .color = "#000000", .line_width = 2.0,
                                                          .dash = "7 4"});
    if (v->cv)
        sf_chart_colorbar(top, v->clo, v->chi, 1,
                          v->crole == SF_ROLE_N ? "parameters N" : "compute C (FLOPs)");
    if (v->n_res < n) {
        char note[96];
        snprintf(note, sizeof note, "%zu run%s without a finite prediction left out of the residuals",
                 n - v->n_res, n - v->n_res == 1 ? "" : "s");
        sf_chart_note(bot, note);
    }
}

/* The description: the main panel (curves, runs, frontier) and the
 * residuals below. */
static int fit_chart(sf_chart *c, const fit_view *v, const sf_data *d, sf_svg_color *col,
                     sf_error *err)
{
    const size_t n = d->n;
    sf_chart_panel *top = sf_chart_panel_add(c, v->xlo, v->xhi, 1, NULL, v->ylo, v->yhi, 1, "loss");
    sf_chart_panel *bot = sf_chart_panel_add(c, v->xlo, v->xhi, 1, axis_title(v->xr), -v->rmax,
                                             v->rmax, 0, "residual");
    if (top) top->share = 0.8;
    if (bot) {
        bot->share = 0.2;
        bot->min_px = 60.0;
    }
    for (size_t i = 0; i < n; i++)
        col[i] = v->cv ? sf_svg_seq(sf_svg_frac(v->cv[i], v->clo, v->chi, 1))
                       : (sf_svg_color){"#0072B2"};
    double lv[MAX_LEVELS];
    size_t nl = 0;
    if (v->mode == MODE_ISO_N || v->mode == MODE_ISO_C) {
        nl = pick_levels(v->mode == MODE_ISO_N ? d->N : d->C, n, v->mode == MODE_ISO_N, lv);
        if (nl == (size_t)-1) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < (v->mode == MODE_SINGLE ? 1 : nl); k++)
        fit_curve(c, top, v, d, v->mode == MODE_SINGLE ? 0.0 : lv[k]);
    /* Runs, then the frontier on top of them. */
    double r = n <= 300 ? 3.6 : n <= 2000 ? 2.6 : 1.8;
    sf_chart_markers(c, top, v->xv, d->loss, n, SF_SVG_CIRCLE, r, "#0072B2", "#ffffff", 0.5, 0.92,
                     col);
    if (v->mode == MODE_POINTS)
        sf_chart_markers(c, top, v->xv, v->lhat, n, SF_SVG_CIRCLE, r + 1.0, "none", "#000000", 1.0,
                         0.8, NULL);
    if (v->nf >= 2) sf_chart_line(c, top, v->cx, v->cy, v->nf, "#000000", 2.0, "7 4", 1.0);
    sf_chart_rule(c, bot, 0.0, 0, "#000000", NULL);
    sf_chart_markers(c, bot, v->xv, v->res, n, SF_SVG_CIRCLE, r * 0.85, "#0072B2", "#ffffff", 0.4,
                     0.92, col);
    fit_legend(c, top, bot, v, n);
    return SF_OK;
}

int sf_plot_fit(const sf_fit *fit, const sf_data *d, const sf_plot_options *o, char **out,
                sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!fit || !d) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_fit: no fit or no data");
    if (d->n == 0 || !d->loss) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no runs to plot");
    fit_view v;
    memset(&v, 0, sizeof v);
    v.law = sf_fit_law(fit);
    v.p = sf_fit_params(fit);
    rc = fit_mode(&v, d, opt.x, err);
    if (rc != SF_OK) return rc;
    const size_t n = d->n;
    v.lhat = malloc(n * sizeof *v.lhat);
    v.res = malloc(n * sizeof *v.res);
    v.cx = malloc(FRONTIER_PTS * sizeof *v.cx);
    v.cy = malloc(FRONTIER_PTS * sizeof *v.cy);
    sf_svg_color *col = malloc(n * sizeof *col);
    sf_chart c;
    char title[256], sub[512];
    memset(&c, 0, sizeof c);
    if (!v.lhat || !v.res || !v.cx || !v.cy || !col) {
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    fit_residuals(&v, d);
    rc = fit_ranges(&v, d, err);
    if (rc != SF_OK) goto done;
    fit_titles(&v, fit, d, &opt, title, sizeof title, sub, sizeof sub);
    sf_chart_init(&c, &opt, SF_CHART_STACK, title, sub);
    rc = fit_chart(&c, &v, d, col, err);
    if (rc == SF_OK) rc = sf_chart_render(&c, out, err);
done:
    sf_chart_free(&c);
    free(v.lhat);
    free(v.res);
    free(v.cx);
    free(v.cy);
    free(col);
    return rc;
}
