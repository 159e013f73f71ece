/*
 * Plots of Chinchilla's Approaches 1 and 2 (Hoffmann et al. 2022, figs. 2
 * and 3) over plain inputs: IsoFLOP profiles (loss against N at fixed
 * budgets, with fitted profiles and their minima) and training curves
 * with their lower envelope (loss against compute).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/plot.h"

/* Narrower plots leave out the N_opt(C) panel: the profiles would get
 * less than half the width. */
#define MIN_TWO_PANELS 760

static int check_series(const sf_plot_series *s, const char *what, size_t k, sf_error *err)
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

static int left_out_at(const sf_plot_series *s, size_t i)
{
    return s->left_out && s->left_out[i];
}

/* The C range of the points in the fit: *lo = INFINITY when none. */
static void fit_range(const sf_plot_series *q, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = 0;
    for (size_t i = 0; i < q->n; i++)
        if (!left_out_at(q, i) && q->x[i] > 0 && isfinite(q->x[i]) && isfinite(q->y[i])) {
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
static int optimum_range(const sf_plot_optimum *opt, double r[4])
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

/* What the frame of both plots holds. */
typedef struct frame_spec {
    const char *title, *sub, *xtitle, *cbar_title;
    double r[4];        /* main panel: x lo, x hi, y lo, y hi (log axes) */
    const double *ropt; /* the N_opt(C) panel's ranges (optimum_range), or
                           NULL for none */
    int cbar;           /* a colour bar over [clo, chi] */
    double clo, chi;
    const sf_svg_legend_item *items;
    size_t n_items;
} frame_spec;

/* Common frame of both plots: title, the main panel with log axes, a
 * colour bar right of it (it explains the main panel's colours) and the
 * N_opt(C) panel at the right.  With both panels the legend goes in one
 * or two rows above them, where it hides no data, when it fits: returns 1
 * then, else 0 (the caller places it in the main panel). */
static int frame(sf_svg_doc *s, sf_svg_panel p[2], const sf_plot_options *o, const frame_spec *f)
{
    const double W = o->width, H = o->height;
    double y0 = SF_SVG_TITLE_H + 8.0, y1 = H - sf_svg_x_margin();
    double x1 = W - 16.0;
    memset(p, 0, 2 * sizeof *p); /* a panel not drawn is freed as empty */
    /* The legend's entries in at most two rows, each as wide as fits. */
    size_t split = f->n_items;
    while (split > 0 && sf_svg_legend_row_width(f->items, split) > W - 24.0) split--;
    int row = f->ropt && split > 0 &&
              sf_svg_legend_row_width(f->items + split, f->n_items - split) <= W - 24.0;
    sf_svg_begin(s, W, H, o->id, f->title);
    sf_svg_title(s, f->title, f->sub);
    if (row) {
        sf_svg_legend_row(s, 12.0, y0 + 4.0, f->items, split);
        y0 += 22.0;
        if (split < f->n_items) {
            sf_svg_legend_row(s, 12.0, y0 + 2.0, f->items + split, f->n_items - split);
            y0 += 20.0;
        }
    }
    if (f->ropt) {
        /* About a quarter of the width: room for the decades of C. */
        const double *q = f->ropt;
        double w = fmax(150.0, 0.27 * W), x0 = x1 - w;
        sf_svg_panel_init(s, &p[1], x0, y0, x1, y1, q[0], q[1], 1, q[2], q[3], 1);
        sf_svg_panel_axes(s, &p[1], "compute C (FLOPs)", "optimal N (parameters)", 1);
        x1 = x0 - sf_svg_y_margin(q[2], q[3], 1, y0, y1) - 8.0;
    }
    if (f->cbar) {
        x1 -= sf_svg_colorbar_width(f->clo, f->chi, 1, y0, y1);
        sf_svg_colorbar(s, x1, y0, y1, f->clo, f->chi, 1, f->cbar_title);
        x1 -= 18.0;
    }
    const double *r = f->r;
    double x0 = 10.0 + sf_svg_y_margin(r[2], r[3], 1, y0, y1);
    sf_svg_panel_init(s, &p[0], x0, y0, x1, y1, r[0], r[1], 1, r[2], r[3], 1);
    sf_svg_panel_axes(s, &p[0], f->xtitle, "loss", 1);
    return row;
}

/* The N_opt(C) panel's marks: the fitted power law (dashed across the
 * panel, solid over the C range of the points in the fit), intervals,
 * the points (diamonds coloured on [clo, chi] when `diamonds`, else black
 * circles; hollow when left out), and the fit written in the emptiest
 * corner. */
static void optimum_draw(sf_svg_doc *s, sf_svg_panel *p, const sf_plot_optimum *opt, int diamonds,
                         double clo, double chi)
{
    const sf_plot_series *q = &opt->N;
    const char *fit_col = "#D55E00";
    sf_svg_clip_begin(s, p);
    if (has_fit(opt)) {
        double ulo, uhi;
        fit_range(q, &ulo, &uhi);
        double fx[2] = {p->x.lo, p->x.hi}, fy[2];
        for (int k = 0; k < 2; k++) fy[k] = opt->fit.k * pow(fx[k], opt->fit.exponent);
        sf_svg_line(s, p, fx, fy, 2, fit_col, 1.3, "5 4", 0.9);
        if (uhi > 0) {
            fx[0] = ulo;
            fx[1] = uhi;
            for (int k = 0; k < 2; k++) fy[k] = opt->fit.k * pow(fx[k], opt->fit.exponent);
            sf_svg_line(s, p, fx, fy, 2, fit_col, 2.2, NULL, 1.0);
        }
    }
    for (size_t i = 0; i < q->n; i++)
        if (q->y_lo && q->y_hi && isfinite(q->y_lo[i]) && isfinite(q->y_hi[i]))
            sf_svg_errbar(s, p, q->x[i], q->y[i], q->y_lo[i], q->y_hi[i], 0, "#555555");
    for (size_t i = 0; i < q->n; i++) {
        int out = left_out_at(q, i);
        if (diamonds) {
            sf_svg_color c = sf_svg_seq(sf_svg_frac(q->x[i], clo, chi, 1));
            sf_svg_marker(s, p, q->x[i], q->y[i], SF_SVG_DIAMOND, 5.5, out ? "#ffffff" : c.hex,
                          "#000000", out ? 1.6 : 1.0, 1.0);
        } else {
            sf_svg_marker(s, p, q->x[i], q->y[i], SF_SVG_CIRCLE, 2.6, out ? "#ffffff" : "#000000",
                          out ? "#000000" : NULL, 0.8, 1.0);
        }
    }
    sf_svg_clip_end(s);
    if (!has_fit(opt)) return;
    /* "N_opt ∝ C^0.452" and its interval, on white, in the corner with
     * the fewest marks. */
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
    double fs = SF_SVG_FS_NOTE, w = sf_svg_label_width(&l, fs) + 12.0, h = 1.05 * fs + 10.0;
    if (ci[0]) {
        w = fmax(w, sf_svg_text_width(ci, fs) + 12.0);
        h += 1.3 * fs;
    }
    double bx, by;
    sf_svg_corner(p, w, h, &bx, &by);
    double x = bx + 6.0, y = by + 4.0 + 1.05 * fs;
    sf_svg_printf(s, "<rect x=\"");
    sf_svg_num(s, bx);
    sf_svg_printf(s, "\" y=\"");
    sf_svg_num(s, by);
    sf_svg_printf(s, "\" width=\"");
    sf_svg_num(s, w);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, h);
    sf_svg_printf(s, "\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"%s\"/>\n",
                  fit_col);
    sf_svg_label_draw(s, x, y, fs, "start", &l);
    if (ci[0]) sf_svg_text(s, x, y + 1.3 * fs, fs, "start", 0.0, NULL, NULL, ci);
}

static void widen(double *lo, double *hi)
{
    if (!(*hi > *lo)) {
        *lo /= 2.0;
        *hi *= 2.0;
    }
}

static int check_optimum(const sf_plot_optimum *opt, sf_error *err)
{
    if (!opt) return SF_OK;
    return check_series(&opt->N, "optimum", 0, err);
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

int sf_plot_isoflop(const sf_plot_profile *pr, size_t n, const sf_plot_optimum *popt,
                    const sf_plot_options *o, char **out, sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (n == 0 || !pr) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no IsoFLOP profiles to plot");
    if ((rc = check_optimum(popt, err)) != SF_OK) return rc;
    sf_svg_range rx, ry, rc_, ryc;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rc_);
    sf_svg_range_init(&ryc);
    size_t runs = 0, edges = 0, minima = 0, left = 0;
    for (size_t k = 0; k < n; k++) {
        if (!(pr[k].compute > 0) || !isfinite(pr[k].compute))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "profile %zu: compute must be > 0", k + 1);
        if ((rc = check_series(&pr[k].runs, "profile", k, err)) != SF_OK ||
            (rc = check_series(&pr[k].curve, "profile", k, err)) != SF_OK)
            return rc;
        sf_svg_range_add(&rc_, pr[k].compute, 1);
        sf_svg_range_add_all(&rx, pr[k].runs.x, pr[k].runs.n, 1);
        sf_svg_range_add_all(&ry, pr[k].runs.y, pr[k].runs.n, 1);
        sf_svg_range_add_all(&rx, pr[k].curve.x, pr[k].curve.n, 1);
        sf_svg_range_add_all(&ryc, pr[k].curve.y, pr[k].curve.n, 1);
        runs += pr[k].runs.n;
        left += pr[k].left_out != 0;
        if (pr[k].min_N > 0 && isfinite(pr[k].min_N) && isfinite(pr[k].min_loss)) {
            sf_svg_range_add(&rx, pr[k].min_N, 1);
            sf_svg_range_add(&ry, pr[k].min_loss, 1);
            minima++;
        }
    }
    /* Profiles rise steeply away from their minima: the y range follows
     * the runs and minima, the curves are clipped.  Only without runs do
     * the curves set it. */
    if (ry.n == 0) ry = ryc;
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "the profiles have no positive points");
    double r[4], ropt[4], clo = rc_.lo, chi = rc_.hi;
    sf_svg_range_get(&rx, 1, 0.05, &r[0], &r[1]);
    sf_svg_range_get(&ry, 1, 0.08, &r[2], &r[3]);
    int two = popt && opt.width >= MIN_TWO_PANELS && optimum_range(popt, ropt);
    /* The colour bar covers the N_opt panel's points too. */
    if (two)
        for (size_t i = 0; i < popt->N.n; i++)
            if (isfinite(popt->N.y[i])) sf_svg_range_add(&rc_, popt->N.x[i], 1);
    clo = rc_.lo;
    chi = rc_.hi;
    widen(&clo, &chi);

    /* Edge minima: at or beyond the smallest or largest N of their sweep,
     * where the fitted minimum is an extrapolation (a warning sign). */
    int *edge = calloc(n, sizeof *edge);
    double *mx = malloc(n * sizeof *mx), *my = malloc(n * sizeof *my);
    size_t *ord = malloc(n * sizeof *ord);
    if (!edge || !mx || !my || !ord) {
        free(edge);
        free(ord);
        free(mx);
        free(my);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t kept_edges = 0;
    for (size_t k = 0; k < n; k++) {
        const sf_plot_series *rs = &pr[k].runs;
        if (!(pr[k].min_N > 0) || rs->n == 0) continue;
        double lo = INFINITY, hi = 0;
        for (size_t i = 0; i < rs->n; i++)
            if (rs->x[i] > 0 && isfinite(rs->x[i])) {
                lo = fmin(lo, rs->x[i]);
                hi = fmax(hi, rs->x[i]);
            }
        if (hi > 0 && (pr[k].min_N <= lo * (1 + 1e-9) || pr[k].min_N >= hi * (1 - 1e-9))) {
            edge[k] = 1;
            edges++;
            kept_edges += pr[k].left_out == 0;
        }
    }

    char title[256], sub[400], cnt[200] = "";
    sf_strlcpy(title, opt.title ? opt.title : "IsoFLOP profiles", sizeof title);
    if (left) left_out_note(pr, n, cnt, sizeof cnt);
    else if (edges)
        snprintf(cnt, sizeof cnt, "; %zu minim%s at the edge of %s sweep (hollow)", edges,
                 edges == 1 ? "um" : "a", edges == 1 ? "its" : "their");
    /* The reasons budgets were left out matter more than the axes'
     * description, which then makes way. */
    snprintf(sub, sizeof sub, "%zu budget%s, %zu runs%s%s", n, n == 1 ? "" : "s", runs,
             left ? "" : "; loss against model size at fixed compute", cnt);
    /* Without the N_opt panel, the line through the minima in order of
     * compute shows N_opt(C) here. */
    size_t nm = 0;
    for (size_t k = 0; k < n && !two; k++) {
        if (!(pr[k].min_N > 0) || !isfinite(pr[k].min_loss) || pr[k].left_out) continue;
        size_t j = nm++;
        while (j > 0 && pr[ord[j - 1]].compute > pr[k].compute) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = k;
    }
    for (size_t j = 0; j < nm; j++) {
        mx[j] = pr[ord[j]].min_N;
        my[j] = pr[ord[j]].min_loss;
    }
    sf_svg_color mid = sf_svg_seq(0.5);
    sf_svg_legend_item items[6];
    size_t ni = 0;
    items[ni++] =
        (sf_svg_legend_item){.text = "runs (colour: C)", .color = mid.hex, .shape = SF_SVG_CIRCLE};
    items[ni++] =
        (sf_svg_legend_item){.text = "fitted profile", .color = mid.hex, .line_width = 1.8};
    if (minima)
        items[ni++] =
            (sf_svg_legend_item){.text = "minimum", .color = "#000000", .shape = SF_SVG_DIAMOND};
    if (left)
        items[ni++] = (sf_svg_legend_item){.text = "budget left out of the fit (hollow)",
                                           .color = mid.hex,
                                           .line_width = 1.4,
                                           .dash = "5 4",
                                           .shape = SF_SVG_CIRCLE,
                                           .hollow = 1};
    if (left ? kept_edges : edges)
        items[ni++] = (sf_svg_legend_item){.text = "minimum at the sweep's edge",
                                           .color = "#000000",
                                           .shape = SF_SVG_DIAMOND,
                                           .hollow = 1};
    if (nm >= 2)
        items[ni++] = (sf_svg_legend_item){.text = "minima across budgets",
                                           .color = "#000000",
                                           .line_width = 1.3,
                                           .dash = "5 4"};
    frame_spec fs = {.title = title,
                     .sub = sub,
                     .xtitle = "parameters N",
                     .cbar_title = "compute C (FLOPs)",
                     .r = {r[0], r[1], r[2], r[3]},
                     .ropt = two ? ropt : NULL,
                     .cbar = 1,
                     .clo = clo,
                     .chi = chi,
                     .items = items,
                     .n_items = ni};
    sf_svg_doc s;
    sf_svg_panel p[2];
    int row = frame(&s, p, &opt, &fs);

    sf_svg_clip_begin(&s, &p[0]);
    for (size_t k = 0; k < n; k++) {
        sf_svg_color c = sf_svg_seq(sf_svg_frac(pr[k].compute, clo, chi, 1));
        if (pr[k].left_out)
            sf_svg_line(&s, &p[0], pr[k].curve.x, pr[k].curve.y, pr[k].curve.n, c.hex, 1.4,
                        "5 4", 0.8);
        else
            sf_svg_line(&s, &p[0], pr[k].curve.x, pr[k].curve.y, pr[k].curve.n, c.hex, 1.8, NULL,
                        0.9);
    }
    for (size_t k = 0; k < n; k++) {
        sf_svg_color c = sf_svg_seq(sf_svg_frac(pr[k].compute, clo, chi, 1));
        const sf_plot_series *rs = &pr[k].runs;
        for (size_t i = 0; i < rs->n; i++) {
            if (rs->y_lo && rs->y_hi)
                sf_svg_errbar(&s, &p[0], rs->x[i], rs->y[i], rs->y_lo[i], rs->y_hi[i], 0, c.hex);
            /* A left-out budget's runs: rings in its colour. */
            if (pr[k].left_out)
                sf_svg_marker(&s, &p[0], rs->x[i], rs->y[i], SF_SVG_CIRCLE, 3.4, "#ffffff", c.hex,
                              1.5, 1.0);
            else
                sf_svg_marker(&s, &p[0], rs->x[i], rs->y[i], SF_SVG_CIRCLE, 3.6, c.hex, "#ffffff",
                              0.5, 0.95);
        }
    }
    if (nm >= 2) sf_svg_line(&s, &p[0], mx, my, nm, "#000000", 1.3, "5 4", 0.9);
    for (size_t k = 0; k < n; k++) {
        if (!(pr[k].min_N > 0) || !isfinite(pr[k].min_loss)) continue;
        sf_svg_color c = sf_svg_seq(sf_svg_frac(pr[k].compute, clo, chi, 1));
        if (isfinite(pr[k].min_N_lo) && isfinite(pr[k].min_N_hi))
            sf_svg_errbar(&s, &p[0], pr[k].min_N, pr[k].min_loss, pr[k].min_N_lo, pr[k].min_N_hi,
                          1, "#000000");
        int hollow = edge[k] || pr[k].left_out;
        sf_svg_marker(&s, &p[0], pr[k].min_N, pr[k].min_loss, SF_SVG_DIAMOND, 6.0,
                      hollow ? "#ffffff" : c.hex, "#000000", hollow ? 2.0 : 1.2, 1.0);
    }
    sf_svg_clip_end(&s);
    if (two) optimum_draw(&s, &p[1], popt, 1, clo, chi);

    if (!row) sf_svg_legend(&s, &p[0], items, ni);
    free(edge);
    free(ord);
    free(mx);
    free(my);
    return sf_plot_done(&s, p, 2, SF_OK, out, err);
}

/* The envelope: a black line with its points.  With points left out of
 * the fit (left > 0) the line is thin, and thick over the stretches in the
 * fit.  Points are marked (filled in the fit, hollow left out) when they
 * lie at least 5 px apart on average; denser, the line's width alone tells
 * the two apart.  SF_ENOMEM or SF_OK. */
static int envelope_draw(sf_svg_doc *s, sf_svg_panel *p, const sf_plot_series *env, size_t left)
{
    if (!left) {
        sf_svg_line(s, p, env->x, env->y, env->n, "#000000", 2.6, NULL, 1.0);
        for (size_t i = 0; i < env->n; i++)
            sf_svg_marker(s, p, env->x[i], env->y[i], SF_SVG_CIRCLE, 2.6, "#000000", "#ffffff",
                          0.6, 1.0);
        return SF_OK;
    }
    sf_svg_line(s, p, env->x, env->y, env->n, "#000000", 1.2, NULL, 1.0);
    double *y = malloc((env->n ? env->n : 1) * sizeof *y);
    if (!y) return SF_ENOMEM;
    for (size_t i = 0; i < env->n; i++) y[i] = left_out_at(env, i) ? NAN : env->y[i];
    sf_svg_line(s, p, env->x, y, env->n, "#000000", 3.0, NULL, 1.0);
    int marks = 5.0 * (double)env->n <= p->x1 - p->x0;
    for (size_t i = 0; i < env->n; i++) {
        int in = isfinite(y[i]);
        /* A lone point in the fit has no thick stretch: mark it. */
        int lone = in && (i == 0 || !isfinite(y[i - 1])) && (i + 1 == env->n || !isfinite(y[i + 1]));
        if (marks || lone)
            sf_svg_marker(s, p, env->x[i], env->y[i], SF_SVG_CIRCLE, 2.6,
                          in ? "#000000" : "#ffffff", in ? "#ffffff" : "#000000", in ? 0.6 : 1.0,
                          1.0);
    }
    free(y);
    return SF_OK;
}

int sf_plot_envelope(const sf_plot_series *curves, size_t n, const sf_plot_series *env,
                     const sf_plot_optimum *popt, const sf_plot_options *o, char **out,
                     sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if ((n == 0 || !curves) && !env)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no training curves to plot");
    if ((rc = check_optimum(popt, err)) != SF_OK) return rc;
    sf_svg_range rx, ry, rv;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rv);
    int by_value = n > 0;
    for (size_t k = 0; k < n; k++) {
        if ((rc = check_series(&curves[k], "curve", k, err)) != SF_OK) return rc;
        sf_svg_range_add_all(&rx, curves[k].x, curves[k].n, 1);
        sf_svg_range_add_all(&ry, curves[k].y, curves[k].n, 1);
        if (curves[k].value > 0 && isfinite(curves[k].value))
            sf_svg_range_add(&rv, curves[k].value, 1);
        else by_value = 0;
    }
    size_t left = 0;
    if (env) {
        if ((rc = check_series(env, "envelope", 0, err)) != SF_OK) return rc;
        sf_svg_range_add_all(&rx, env->x, env->n, 1);
        sf_svg_range_add_all(&ry, env->y, env->n, 1);
        for (size_t i = 0; i < env->n; i++) left += left_out_at(env, i) != 0;
    }
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "the curves have no positive points");
    double r[4], ropt[4], vlo = rv.lo, vhi = rv.hi;
    sf_svg_range_get(&rx, 1, 0.03, &r[0], &r[1]);
    sf_svg_range_get(&ry, 1, 0.05, &r[2], &r[3]);
    int two = popt && opt.width >= MIN_TWO_PANELS && optimum_range(popt, ropt);
    if (by_value) widen(&vlo, &vhi);
    /* Without values, names in a legend when few, else one grey. */
    int named = !by_value && n <= 6;
    for (size_t k = 0; named && k < n; k++) named = curves[k].name != NULL;

    char title[256], sub[320], cnt[96] = "";
    sf_strlcpy(title, opt.title ? opt.title : "Training curves and their envelope", sizeof title);
    if (left)
        snprintf(cnt, sizeof cnt, "; %zu of its %zu points left out of the fit (hollow)", left,
                 env->n);
    snprintf(sub, sizeof sub, "%zu curve%s; the envelope is the lowest loss reached at each compute%s",
             n, n == 1 ? "" : "s", cnt);
    sf_svg_legend_item items[9];
    size_t ni = 0;
    sf_svg_color mid = sf_svg_seq(0.5);
    if (by_value)
        items[ni++] = (sf_svg_legend_item){
            .text = "training curves (colour: N)", .color = mid.hex, .line_width = 1.4};
    else if (named)
        for (size_t k = 0; k < n; k++)
            items[ni++] = (sf_svg_legend_item){
                .text = curves[k].name, .color = sf_svg_okabe(k), .line_width = 1.4};
    else if (n)
        items[ni++] =
            (sf_svg_legend_item){.text = "training curves", .color = "#888888", .line_width = 1.4};
    if (env && !left)
        items[ni++] = (sf_svg_legend_item){.text = env->name ? env->name : "envelope",
                                           .color = "#000000",
                                           .line_width = 2.6,
                                           .shape = SF_SVG_CIRCLE};
    if (env && left) {
        items[ni++] = (sf_svg_legend_item){
            .text = env->name ? env->name : "envelope", .color = "#000000", .line_width = 1.2};
        items[ni++] = (sf_svg_legend_item){.text = "in the fit of N_opt(C)",
                                           .color = "#000000",
                                           .line_width = 3.0,
                                           .shape = SF_SVG_CIRCLE};
        /* Hollow markers show in the N_opt panel, or on the envelope when
         * its points are far enough apart (envelope_draw). */
        if (two || 10.0 * (double)env->n <= opt.width)
            items[ni++] = (sf_svg_legend_item){.text = "left out of the fit",
                                               .color = "#000000",
                                               .shape = SF_SVG_CIRCLE,
                                               .hollow = 1};
    }
    frame_spec fs = {.title = title,
                     .sub = sub,
                     .xtitle = "training compute C (FLOPs)",
                     .cbar_title = "parameters N",
                     .r = {r[0], r[1], r[2], r[3]},
                     .ropt = two ? ropt : NULL,
                     .cbar = by_value,
                     .clo = vlo,
                     .chi = vhi,
                     .items = items,
                     .n_items = ni};
    sf_svg_doc s;
    sf_svg_panel p[2];
    int row = frame(&s, p, &opt, &fs);
    sf_svg_clip_begin(&s, &p[0]);
    for (size_t k = 0; k < n; k++) {
        sf_svg_color c =
            by_value ? sf_svg_seq(sf_svg_frac(curves[k].value, vlo, vhi, 1)) : (sf_svg_color){""};
        const char *col = by_value ? c.hex : named ? sf_svg_okabe(k) : "#888888";
        if (curves[k].n == 1)
            sf_svg_marker(&s, &p[0], curves[k].x[0], curves[k].y[0], SF_SVG_CIRCLE, 3.0, col,
                          NULL, 0, 0.9);
        else sf_svg_line(&s, &p[0], curves[k].x, curves[k].y, curves[k].n, col, 1.4, NULL, 0.85);
    }
    if (env && envelope_draw(&s, &p[0], env, left) != SF_OK)
        return sf_plot_done(&s, p, 2, sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory"), out,
                            err);
    sf_svg_clip_end(&s);
    if (two) optimum_draw(&s, &p[1], popt, 0, 0, 0);

    if (!row) sf_svg_legend(&s, &p[0], items, ni);
    return sf_plot_done(&s, p, 2, SF_OK, out, err);
}
