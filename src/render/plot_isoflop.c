/*
 * The plot of Chinchilla's Approach 2 (Hoffmann et al. 2022, fig. 3) over
 * plain inputs: IsoFLOP profiles (loss against N at fixed budgets, with
 * fitted profiles and their minima), and the N_opt(C) panel it shares
 * with the envelope plot of Approach 1 (plot_envelope.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/chart.h"
#include "render/plot.h"


int sf_plot_check_series(const sf_plot_series *s, const char *what, size_t k, sf_error *err)
{
    if (s->n && (!s->x || !s->y))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "%s %zu: %zu points but no x or y array", what,
                       k + 1, s->n);
    return SF_OK;
}

/* The fitted N_opt = k C^a can be drawn. */
static int has_fit(const sf_plot_optimum *opt)
{
    return opt && opt->fit.k > 0 && isfinite(opt->fit.k) && isfinite(opt->fit.exponent);
}

int sf_plot_left_out(const sf_plot_series *s, size_t i)
{
    return s->left_out && s->left_out[i];
}

/* The C range of the points in the fit: *lo = INFINITY when none. */
static void fit_range(const sf_plot_series *q, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = 0;
    for (size_t i = 0; i < q->n; i++)
        if (!sf_plot_left_out(q, i) && q->x[i] > 0 && isfinite(q->x[i]) && isfinite(q->y[i])) {
            *lo = fmin(*lo, q->x[i]);
            *hi = fmax(*hi, q->x[i]);
        }
}

/* Ranges of the N_opt(C) panel: the points and the fitted line over the
 * points in the fit.  Not the intervals, nor the line's extrapolation: a
 * budget whose resampled minima wander off (an edge kept with
 * --keep-edge), or a steep line over a wide range, would squash the points
 * into a corner; clipped, they still show where they go.  r[4] = xlo,
 * xhi, ylo, yhi. */
int sf_plot_optimum_range(const sf_plot_optimum *opt, double r[4])
{
    const sf_plot_series *q = &opt->N;
    sf_svg_range rx, ry;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    for (size_t i = 0; i < q->n; i++) {
        if (!(q->x[i] > 0 && q->y[i] > 0 && isfinite(q->x[i]) && isfinite(q->y[i]))) continue;
        sf_svg_range_add(&rx, q->x[i], 1);
        sf_svg_range_add(&ry, q->y[i], 1);
    }
    if (rx.n == 0) return 0;
    sf_svg_range_get(&rx, 1, 0.08, &r[0], &r[1]);
    double lo, hi;
    fit_range(q, &lo, &hi);
    if (has_fit(opt) && hi > 0) {
        sf_svg_range_add(&ry, opt->fit.k * pow(lo, opt->fit.exponent), 1);
        sf_svg_range_add(&ry, opt->fit.k * pow(hi, opt->fit.exponent), 1);
    }
    sf_svg_range_get(&ry, 1, 0.06, &r[2], &r[3]);
    return 1;
}

/* "N_opt ∝ C^0.452" and its interval, boxed in the corner of the panel
 * with the fewest marks. */
static void optimum_box(sf_chart_panel *p, const sf_plot_optimum *opt, const char *color)
{
    sf_svg_label l;
    sf_strlcpy(l.text, "N_opt \xE2\x88\x9D C", sizeof l.text);
    sf_svg_fixed(l.sup, sizeof l.sup, opt->fit.exponent, 3, "\xE2\x88\x92");
    char ci[96] = "", lo[24], hi[24], lv[16];
    if (isfinite(opt->fit.lo) && isfinite(opt->fit.hi)) {
        sf_svg_fixed(lo, sizeof lo, opt->fit.lo, 3, "\xE2\x88\x92");
        sf_svg_fixed(hi, sizeof hi, opt->fit.hi, 3, "\xE2\x88\x92");
        if (opt->level > 0 && opt->level < 1) {
            sf_plot_g(lv, sizeof lv, 100.0 * opt->level, 3);
            snprintf(ci, sizeof ci, "%s%%: [%s, %s]", lv, lo, hi);
        } else {
            snprintf(ci, sizeof ci, "interval [%s, %s]", lo, hi);
        }
    }
    sf_chart_box(p, &l, ci, color);
}

/* The N_opt(C) panel, right of the main one (about a quarter of the
 * width: room for the decades of C): the fitted power law (dashed across
 * the panel, solid over the C range of the points in the fit), intervals,
 * the points (diamonds coloured on [clo, chi] when `diamonds`, else black
 * circles; hollow when left out), and the fit written in a box. */
void sf_plot_optimum_panel(sf_chart *c, const sf_plot_optimum *opt, const double r[4],
                          int diamonds, double clo, double chi)
{
    const sf_plot_series *q = &opt->N;
    const char *fit_col = "#D55E00";
    sf_chart_panel *p = sf_chart_panel_add(c, r[0], r[1], 1, "compute C (FLOPs)", r[2], r[3], 1,
                                           "optimal N (parameters)");
    if (!p) return;
    p->share = 0.27;
    p->min_px = 150.0;
    if (has_fit(opt)) {
        double ulo, uhi;
        fit_range(q, &ulo, &uhi);
        double fx[2] = {r[0], r[1]}, fy[2];
        for (int k = 0; k < 2; k++) fy[k] = opt->fit.k * pow(fx[k], opt->fit.exponent);
        sf_chart_line(c, p, fx, fy, 2, fit_col, 1.3, "5 4", 0.9);
        if (uhi > 0) {
            fx[0] = ulo;
            fx[1] = uhi;
            for (int k = 0; k < 2; k++) fy[k] = opt->fit.k * pow(fx[k], opt->fit.exponent);
            sf_chart_line(c, p, fx, fy, 2, fit_col, 2.2, NULL, 1.0);
        }
    }
    for (size_t i = 0; i < q->n; i++)
        if (q->y_lo && q->y_hi && isfinite(q->y_lo[i]) && isfinite(q->y_hi[i]))
            sf_chart_errbars(c, p, &q->x[i], &q->y[i], &q->y_lo[i], &q->y_hi[i], 1, 0, "#555555");
    for (size_t i = 0; i < q->n; i++) {
        int out = sf_plot_left_out(q, i);
        if (diamonds) {
            sf_svg_color col = sf_svg_seq(sf_svg_frac(q->x[i], clo, chi, 1));
            sf_chart_marker(c, p, q->x[i], q->y[i], SF_SVG_DIAMOND, 5.5, out ? "#ffffff" : col.hex,
                            "#000000", out ? 1.6 : 1.0, 1.0);
        } else {
            sf_chart_marker(c, p, q->x[i], q->y[i], SF_SVG_CIRCLE, 2.6,
                            out ? "#ffffff" : "#000000", out ? "#000000" : NULL, 0.8, 1.0);
        }
    }
    if (has_fit(opt)) optimum_box(p, opt, fit_col);
}

void sf_plot_widen(double *lo, double *hi)
{
    if (!(*hi > *lo)) {
        *lo /= 2.0;
        *hi *= 2.0;
    }
}

int sf_plot_check_optimum(const sf_plot_optimum *opt, sf_error *err)
{
    if (!opt) return SF_OK;
    return sf_plot_check_series(&opt->N, "optimum", 0, err);
}

/* "; 2 budgets left out of the fit (hollow): 1 edge minimum, 1 with too
 * few sizes" from the profiles' left_out bits, or "" when none. */
static void left_out_note(const sf_plot_profile *pr, size_t n, char *buf, size_t size)
{
    size_t out = 0, few = 0, nomin = 0, edge = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned f = pr[k].left_out;
        if (!f) continue;
        out++;
        if (f & SF_APPROACH_FEW_SIZES) few++;
        else if (f & SF_APPROACH_NO_MINIMUM) nomin++;
        else if (f & SF_APPROACH_EDGE) edge++;
    }
    buf[0] = '\0';
    if (!out) return;
    sf_buf b = {0};
    sf_buf_printf(&b, "; %zu left out of the fit (hollow)", out);
    const char *sep = ": ";
    if (edge) {
        sf_buf_printf(&b, "%s%zu edge minim%s", sep, edge, edge == 1 ? "um" : "a");
        sep = ", ";
    }
    if (few) {
        sf_buf_printf(&b, "%s%zu with too few sizes", sep, few);
        sep = ", ";
    }
    if (nomin) sf_buf_printf(&b, "%s%zu without a minimum", sep, nomin);
    sf_strlcpy(buf, b.data ? b.data : "", size);
    sf_buf_free(&b);
}

/* What the IsoFLOP plot shows, worked out before anything is drawn. */
typedef struct iso_view {
    const sf_plot_profile *pr;
    size_t n, runs, edges, kept_edges, minima, left, nm;
    double r[4], ropt[4], clo, chi;
    int two;
    int *edge;        /* per profile: its minimum is at the sweep's edge */
    double *mx, *my;  /* minima in order of compute (without the N_opt panel) */
    size_t *ord;
} iso_view;

/* Ranges of the profiles.  Profiles rise steeply away from their minima:
 * the y range follows the runs and minima, the curves are clipped.  Only
 * without runs do the curves set it.  The colour bar covers the N_opt
 * panel's points too. */
static int iso_ranges(iso_view *v, const sf_plot_optimum *popt, int width, sf_error *err)
{
    const sf_plot_profile *pr = v->pr;
    sf_svg_range rx, ry, rc, ryc;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rc);
    sf_svg_range_init(&ryc);
    int rc_ = SF_OK;
    for (size_t k = 0; k < v->n; k++) {
        if (!(pr[k].compute > 0) || !isfinite(pr[k].compute))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "profile %zu: compute must be > 0", k + 1);
        if ((rc_ = sf_plot_check_series(&pr[k].runs, "profile", k, err)) != SF_OK ||
            (rc_ = sf_plot_check_series(&pr[k].curve, "profile", k, err)) != SF_OK)
            return rc_;
        sf_svg_range_add(&rc, pr[k].compute, 1);
        sf_svg_range_add_all(&rx, pr[k].runs.x, pr[k].runs.n, 1);
        sf_svg_range_add_all(&ry, pr[k].runs.y, pr[k].runs.n, 1);
        sf_svg_range_add_all(&rx, pr[k].curve.x, pr[k].curve.n, 1);
        sf_svg_range_add_all(&ryc, pr[k].curve.y, pr[k].curve.n, 1);
        v->runs += pr[k].runs.n;
        v->left += pr[k].left_out != 0;
        if (pr[k].min_N > 0 && isfinite(pr[k].min_N) && isfinite(pr[k].min_loss)) {
            sf_svg_range_add(&rx, pr[k].min_N, 1);
            sf_svg_range_add(&ry, pr[k].min_loss, 1);
            v->minima++;
        }
    }
    if (ry.n == 0) ry = ryc;
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "the profiles have no positive points");
    sf_svg_range_get(&rx, 1, 0.05, &v->r[0], &v->r[1]);
    sf_svg_range_get(&ry, 1, 0.08, &v->r[2], &v->r[3]);
    v->two = popt && width >= SF_PLOT_MIN_TWO_PANELS && sf_plot_optimum_range(popt, v->ropt);
    if (v->two)
        for (size_t i = 0; i < popt->N.n; i++)
            if (isfinite(popt->N.y[i])) sf_svg_range_add(&rc, popt->N.x[i], 1);
    v->clo = rc.lo;
    v->chi = rc.hi;
    sf_plot_widen(&v->clo, &v->chi);
    return SF_OK;
}

/* Edge minima: at or beyond the smallest or largest N of their sweep,
 * where the fitted minimum is an extrapolation (a warning sign).  Without
 * the N_opt panel, the minima in order of compute (a line shows N_opt(C)
 * in the main panel). */
static void iso_edges(iso_view *v)
{
    const sf_plot_profile *pr = v->pr;
    for (size_t k = 0; k < v->n; k++) {
        const sf_plot_series *rs = &pr[k].runs;
        if (!(pr[k].min_N > 0) || rs->n == 0) continue;
        double lo = INFINITY, hi = 0;
        for (size_t i = 0; i < rs->n; i++)
            if (rs->x[i] > 0 && isfinite(rs->x[i])) {
                lo = fmin(lo, rs->x[i]);
                hi = fmax(hi, rs->x[i]);
            }
        if (hi > 0 && (pr[k].min_N <= lo * (1 + 1e-9) || pr[k].min_N >= hi * (1 - 1e-9))) {
            v->edge[k] = 1;
            v->edges++;
            v->kept_edges += pr[k].left_out == 0;
        }
    }
    for (size_t k = 0; k < v->n && !v->two; k++) {
        if (!(pr[k].min_N > 0) || !isfinite(pr[k].min_loss) || pr[k].left_out) continue;
        size_t j = v->nm++;
        while (j > 0 && pr[v->ord[j - 1]].compute > pr[k].compute) {
            v->ord[j] = v->ord[j - 1];
            j--;
        }
        v->ord[j] = k;
    }
    for (size_t j = 0; j < v->nm; j++) {
        v->mx[j] = pr[v->ord[j]].min_N;
        v->my[j] = pr[v->ord[j]].min_loss;
    }
}

/* The reasons budgets were left out matter more than the axes'
 * description, which then makes way. */
static void iso_subtitle(const iso_view *v, char *sub, size_t size)
{
    char cnt[200] = "";
    if (v->left) left_out_note(v->pr, v->n, cnt, sizeof cnt);
    else if (v->edges)
        snprintf(cnt, sizeof cnt, "; %zu minim%s at the edge of %s sweep (hollow)", v->edges,
                 v->edges == 1 ? "um" : "a", v->edges == 1 ? "its" : "their");
    snprintf(sub, size, "%zu budget%s, %zu runs%s%s", v->n, v->n == 1 ? "" : "s", v->runs,
             v->left ? "" : "; loss against model size at fixed compute", cnt);
}

static void iso_legend(sf_chart *c, sf_chart_panel *p, const iso_view *v)
{
    sf_svg_color mid = sf_svg_seq(0.5);
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "runs (colour: C)", .color = mid.hex,
                                                    .shape = SF_SVG_CIRCLE});
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "fitted profile", .color = mid.hex,
                                                    .line_width = 1.8});
    if (v->minima)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "minimum", .color = "#000000",
                                                        .shape = SF_SVG_DIAMOND});
    if (v->left)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){
            .text = "budget left out of the fit (hollow)", .color = mid.hex, .line_width = 1.4,
            .dash = "5 4", .shape = SF_SVG_CIRCLE, .hollow = 1});
    if (v->left ? v->kept_edges : v->edges)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "minimum at the sweep's edge",
                                                        .color = "#000000",
                                                        .shape = SF_SVG_DIAMOND, .hollow = 1});
    if (v->nm >= 2)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "minima across budgets",
                                                        .color = "#000000", .line_width = 1.3,
                                                        .dash = "5 4"});
}

/* The main panel: profiles, runs (a left-out budget's runs: rings in its
 * colour), the line through the minima, the minima with intervals. */
static void iso_main(sf_chart *c, sf_chart_panel *p, const iso_view *v)
{
    const sf_plot_profile *pr = v->pr;
    for (size_t k = 0; k < v->n; k++) {
        sf_svg_color col = sf_svg_seq(sf_svg_frac(pr[k].compute, v->clo, v->chi, 1));
        const sf_plot_series *cv = &pr[k].curve;
        if (pr[k].left_out) sf_chart_line(c, p, cv->x, cv->y, cv->n, col.hex, 1.4, "5 4", 0.8);
        else sf_chart_line(c, p, cv->x, cv->y, cv->n, col.hex, 1.8, NULL, 0.9);
    }
    for (size_t k = 0; k < v->n; k++) {
        sf_svg_color col = sf_svg_seq(sf_svg_frac(pr[k].compute, v->clo, v->chi, 1));
        const sf_plot_series *rs = &pr[k].runs;
        if (rs->y_lo && rs->y_hi)
            sf_chart_errbars(c, p, rs->x, rs->y, rs->y_lo, rs->y_hi, rs->n, 0, col.hex);
        if (pr[k].left_out)
            sf_chart_markers(c, p, rs->x, rs->y, rs->n, SF_SVG_CIRCLE, 3.4, "#ffffff", col.hex,
                             1.5, 1.0, NULL);
        else
            sf_chart_markers(c, p, rs->x, rs->y, rs->n, SF_SVG_CIRCLE, 3.6, col.hex, "#ffffff",
                             0.5, 0.95, NULL);
    }
    if (v->nm >= 2) sf_chart_line(c, p, v->mx, v->my, v->nm, "#000000", 1.3, "5 4", 0.9);
    for (size_t k = 0; k < v->n; k++) {
        if (!(pr[k].min_N > 0) || !isfinite(pr[k].min_loss)) continue;
        sf_svg_color col = sf_svg_seq(sf_svg_frac(pr[k].compute, v->clo, v->chi, 1));
        if (isfinite(pr[k].min_N_lo) && isfinite(pr[k].min_N_hi))
            sf_chart_errbars(c, p, &pr[k].min_N, &pr[k].min_loss, &pr[k].min_N_lo,
                             &pr[k].min_N_hi, 1, 1, "#000000");
        int hollow = v->edge[k] || pr[k].left_out;
        sf_chart_marker(c, p, pr[k].min_N, pr[k].min_loss, SF_SVG_DIAMOND, 6.0,
                        hollow ? "#ffffff" : col.hex, "#000000", hollow ? 2.0 : 1.2, 1.0);
    }
}

int sf_plot_isoflop(const sf_plot_profile *pr, size_t n, const sf_plot_optimum *popt,
                    const sf_plot_options *o, char **out, sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (n == 0 || !pr) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no IsoFLOP profiles to plot");
    if ((rc = sf_plot_check_optimum(popt, err)) != SF_OK) return rc;
    iso_view v = {.pr = pr, .n = n};
    if ((rc = iso_ranges(&v, popt, opt.width, err)) != SF_OK) return rc;
    v.edge = calloc(n, sizeof *v.edge);
    v.mx = malloc(n * sizeof *v.mx);
    v.my = malloc(n * sizeof *v.my);
    v.ord = malloc(n * sizeof *v.ord);
    if (!v.edge || !v.mx || !v.my || !v.ord) {
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        iso_edges(&v);
        char sub[400];
        iso_subtitle(&v, sub, sizeof sub);
        sf_chart c;
        sf_chart_init(&c, &opt, SF_CHART_ROW, opt.title ? opt.title : "IsoFLOP profiles", sub);
        c.legend_row = 1;
        sf_chart_panel *p = sf_chart_panel_add(&c, v.r[0], v.r[1], 1, "parameters N", v.r[2],
                                               v.r[3], 1, "loss");
        sf_chart_colorbar(p, v.clo, v.chi, 1, "compute C (FLOPs)");
        iso_main(&c, p, &v);
        iso_legend(&c, p, &v);
        if (v.two) sf_plot_optimum_panel(&c, popt, v.ropt, 1, v.clo, v.chi);
        rc = sf_chart_render(&c, out, err);
        sf_chart_free(&c);
    }
    free(v.edge);
    free(v.ord);
    free(v.mx);
    free(v.my);
    return rc;
}
