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

int sf_plot_fit(const sf_fit *fit, const sf_data *d, const sf_plot_options *o, char **out,
                sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!fit || !d) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_fit: no fit or no data");
    if (d->n == 0 || !d->loss) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no runs to plot");

    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);
    unsigned roles = sf_law_roles(law);
    const unsigned bN = SF_ROLE_BIT(SF_ROLE_N), bD = SF_ROLE_BIT(SF_ROLE_D),
                   bC = SF_ROLE_BIT(SF_ROLE_C);
    unsigned vars = roles & ~(SF_ROLE_BIT(SF_ROLE_LOSS) | SF_ROLE_BIT(SF_ROLE_GROUP) |
                              SF_ROLE_BIT(SF_ROLE_WEIGHT));
    int nd = (vars & (bN | bD)) == (bN | bD) && (vars & ~(bN | bD | bC)) == 0;
    int single_var = -1;
    if (vars == bN) single_var = SF_ROLE_N;
    else if (vars == bD) single_var = SF_ROLE_D;
    else if (vars == bC) single_var = SF_ROLE_C;

    int xr = opt.x;
    if (xr == -1) xr = nd ? SF_ROLE_C : single_var >= 0 ? single_var : d->C ? SF_ROLE_C : SF_ROLE_N;
    if (xr != SF_ROLE_N && xr != SF_ROLE_D && xr != SF_ROLE_C)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the fit plot's x axis must be C, N or D");
    if (single_var >= 0 && xr != single_var)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "law '%s' reads only %s: plot it against %s",
                       sf_law_name(law), sf_role_name((sf_role)single_var),
                       sf_role_name((sf_role)single_var));
    const double *xv = column(d, xr);
    if (!xv)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the data have no %s column to plot against",
                       sf_role_name((sf_role)xr));
    int mode = nd                ? (xr == SF_ROLE_N ? MODE_ISO_C : MODE_ISO_N)
               : single_var >= 0 ? MODE_SINGLE
                                 : MODE_POINTS;
    /* Colour: by N, or by C when N is the x axis; none for one-variable
     * laws, whose runs differ only along x. */
    const double *cv = NULL;
    int crole = -1;
    if (mode == MODE_ISO_N || (mode == MODE_POINTS && xr != SF_ROLE_N && d->N)) {
        cv = d->N;
        crole = SF_ROLE_N;
    } else if (mode == MODE_ISO_C || (mode == MODE_POINTS && d->C)) {
        cv = d->C;
        crole = SF_ROLE_C;
    }

    const size_t n = d->n;
    double *lhat = malloc(n * sizeof *lhat), *res = malloc(n * sizeof *res);
    double *cx = malloc(FRONTIER_PTS * sizeof *cx), *cy = malloc(FRONTIER_PTS * sizeof *cy);
    sf_svg_color *col = malloc(n * sizeof *col);
    sf_svg_doc s;
    sf_svg_panel pn[2];
    sf_svg_panel *top = &pn[0], *bot = &pn[1];
    memset(&s, 0, sizeof s);
    memset(pn, 0, sizeof pn);
    if (!lhat || !res || !cx || !cy || !col) {
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }

    /* Predictions and residuals at the runs. */
    size_t n_res = 0;
    for (size_t i = 0; i < n; i++) {
        double L;
        int ok = predict(law, p, d->N ? d->N[i] : 0, d->D ? d->D[i] : 0, d->C ? d->C[i] : 0,
                         d->U ? d->U[i] : 0, &L) == SF_OK;
        lhat[i] = ok ? L : NAN;
        res[i] = ok ? log(d->loss[i]) - log(L) : NAN;
        n_res += ok ? 1u : 0u;
    }

    /* Ranges. */
    sf_svg_range rx, ry, rc_, rr;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rc_);
    sf_svg_range_init(&rr);
    sf_svg_range_add_all(&rx, xv, n, 1);
    sf_svg_range_add_all(&ry, d->loss, n, 1);
    if (cv) sf_svg_range_add_all(&rc_, cv, n, 1);
    for (size_t i = 0; i < n; i++) sf_svg_range_add(&rr, fabs(res[i]), 0);
    if (rx.n == 0) {
        rc = sf_fail(err, SF_ENODATA, NULL, 0, 0, "no run has a positive %s",
                     sf_role_name((sf_role)xr));
        goto done;
    }
    double xlo, xhi;
    sf_svg_range_get(&rx, 1, 0.04, &xlo, &xhi);
    double clo = rc_.lo, chi = rc_.hi;
    if (cv && !(chi > clo)) {
        clo /= 2.0;
        chi *= 2.0;
    }

    /* The frontier, parametric in C: over the x range itself when x is C,
     * else over a range of C wide enough to cross the plot. */
    size_t nf = 0;
    if (nd) {
        double c0, c1;
        if (xr == SF_ROLE_C) {
            c0 = xlo;
            c1 = xhi;
        } else {
            double cmin = INFINITY, cmax = 0;
            for (size_t i = 0; i < n; i++) {
                double C = d->C ? d->C[i] : 6.0 * d->N[i] * d->D[i];
                if (C > 0 && isfinite(C)) {
                    cmin = fmin(cmin, C);
                    cmax = fmax(cmax, C);
                }
            }
            c0 = cmin / 1e4;
            c1 = cmax * 1e4;
        }
        for (size_t k = 0; k < FRONTIER_PTS && c0 > 0 && isfinite(c1); k++) {
            double C = exp(log(c0) + (log(c1) - log(c0)) * (double)k / (FRONTIER_PTS - 1));
            sf_alloc_row row;
            if (sf_alloc_optimal(law, p, C, &row, NULL) != SF_OK) continue;
            double xval = xr == SF_ROLE_C ? C : xr == SF_ROLE_N ? row.params : row.tokens;
            cx[nf] = xval;
            cy[nf] = row.loss;
            nf++;
            /* Against C the frontier is the lower edge of the data and must
             * show whole; against N or D it runs off to the sides. */
            if (xr == SF_ROLE_C) sf_svg_range_add(&ry, row.loss, 1);
        }
    }
    double ylo, yhi;
    sf_svg_range_get(&ry, 1, 0.06, &ylo, &yhi);
    double rmax = rr.n ? rr.hi * 1.15 : 0.01;
    if (!(rmax > 0)) rmax = 0.01;

    /* Layout: title, main panel, residual panel below sharing x, colour
     * bar on the right of the main panel. */
    const double W = opt.width, H = opt.height;
    double y0 = SF_SVG_TITLE_H + 8.0;
    double ybot = H - sf_svg_x_margin();
    double rh = fmax(60.0, 0.2 * (ybot - y0));
    double ytop_end = ybot - rh - 10.0;
    double cbw = cv ? sf_svg_colorbar_width(clo, chi, 1, y0, ytop_end) : 0.0;
    double x1 = W - 16.0 - (cv ? cbw + 18.0 : 0.0);
    double left = fmax(sf_svg_y_margin(ylo, yhi, 1, y0, ytop_end),
                       sf_svg_y_margin(-rmax, rmax, 0, ytop_end + 10.0, ybot));
    double x0 = 10.0 + left;

    char title[256], sub[512], r2[32], nres[32], formula[160];
    sf_plot_pretty(formula, sizeof formula, sf_law_formula(sf_law_name(law)));
    if (opt.title) sf_strlcpy(title, opt.title, sizeof title);
    else snprintf(title, sizeof title, "%s fit: %s", sf_law_name(law), formula);
    sf_plot_num(r2, sizeof r2, sf_fit_r2(fit));
    snprintf(nres, sizeof nres, "%zu", n);
    snprintf(sub, sizeof sub, "%s%s%s runs%s%s; residual = log L \xE2\x88\x92 log L\xCC\x82",
             d->source ? sf_plot_basename(d->source) : "", d->source ? ": " : "", nres,
             isfinite(sf_fit_r2(fit)) ? ", R\xC2\xB2 = " : "", isfinite(sf_fit_r2(fit)) ? r2 : "");

    sf_svg_begin(&s, W, H, opt.id, title);
    sf_svg_title(&s, title, sub);
    sf_svg_panel_init(&s, top, x0, y0, x1, ytop_end, xlo, xhi, 1, ylo, yhi, 1);
    sf_svg_panel_init(&s, bot, x0, ytop_end + 10.0, x1, ybot, xlo, xhi, 1, -rmax, rmax, 0);
    sf_svg_panel_axes(&s, top, NULL, "loss", 0);
    sf_svg_panel_axes(&s, bot, axis_title(xr), "residual", 1);

    for (size_t i = 0; i < n; i++)
        col[i] = cv ? sf_svg_seq(sf_svg_frac(cv[i], clo, chi, 1)) : (sf_svg_color){"#0072B2"};

    /* Curves of the law. */
    sf_svg_clip_begin(&s, top);
    double lv[MAX_LEVELS];
    size_t nl = 0;
    if (mode == MODE_ISO_N || mode == MODE_ISO_C) {
        nl = pick_levels(mode == MODE_ISO_N ? d->N : d->C, n, mode == MODE_ISO_N, lv);
        if (nl == (size_t)-1) {
            rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
    }
    double grid[CURVE_PTS], gx[CURVE_PTS], gy[CURVE_PTS];
    for (size_t k = 0; k < CURVE_PTS; k++)
        grid[k] = exp(log(xlo) + (log(xhi) - log(xlo)) * (double)k / (CURVE_PTS - 1));
    for (size_t c = 0; c < (mode == MODE_SINGLE ? 1 : nl); c++) {
        for (size_t k = 0; k < CURVE_PTS; k++) {
            double xval = grid[k];
            double N = 0, D = 0, C = 0, L = NAN;
            if (mode == MODE_ISO_N) {
                N = lv[c];
                if (xr == SF_ROLE_C) {
                    C = xval;
                    D = C / (6.0 * N);
                } else {
                    D = xval;
                    C = 6.0 * N * D;
                }
            } else if (mode == MODE_ISO_C) {
                C = lv[c];
                N = xval;
                D = C / (6.0 * N);
            } else {
                N = D = C = xval;
            }
            if (predict(law, p, N, D, C, 0, &L) != SF_OK) L = NAN;
            gx[k] = xval;
            gy[k] = L;
        }
        sf_svg_color cc = mode == MODE_SINGLE ? (sf_svg_color){"#0072B2"}
                                              : sf_svg_seq(sf_svg_frac(lv[c], clo, chi, 1));
        /* Solid where the level has runs, faint where the law extrapolates
         * beyond them (a small model trained far longer than any run). */
        double slo = 0, shi = INFINITY;
        if (mode != MODE_SINGLE &&
            level_span(mode == MODE_ISO_N ? d->N : d->C, xv, n, lv[c], &slo, &shi)) {
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
            sf_svg_line(&s, top, gx, fy, CURVE_PTS, cc.hex, 1.2, NULL, 0.45);
        }
        sf_svg_line(&s, top, gx, gy, CURVE_PTS, cc.hex, 1.7, NULL, 0.9);
    }
    /* Runs, then the frontier on top of them. */
    double r = n <= 300 ? 3.6 : n <= 2000 ? 2.6 : 1.8;
    for (size_t i = 0; i < n; i++)
        sf_svg_marker(&s, top, xv[i], d->loss[i], SF_SVG_CIRCLE, r, col[i].hex, "#ffffff", 0.5,
                      0.92);
    if (mode == MODE_POINTS)
        for (size_t i = 0; i < n; i++)
            sf_svg_marker(&s, top, xv[i], lhat[i], SF_SVG_CIRCLE, r + 1.0, "none", "#000000", 1.0,
                          0.8);
    if (nf >= 2) sf_svg_line(&s, top, cx, cy, nf, "#000000", 2.0, "7 4", 1.0);
    sf_svg_clip_end(&s);

    /* Residuals. */
    sf_svg_clip_begin(&s, bot);
    sf_svg_rule(&s, bot, 0.0, 0, "#000000", NULL);
    for (size_t i = 0; i < n; i++)
        sf_svg_marker(&s, bot, xv[i], res[i], SF_SVG_CIRCLE, r * 0.85, col[i].hex, "#ffffff", 0.4,
                      0.92);
    sf_svg_clip_end(&s);

    /* Legend and colour bar. */
    sf_svg_color mid = cv ? sf_svg_seq(0.5) : (sf_svg_color){"#0072B2"};
    char runs_txt[64], curve_txt[64];
    snprintf(runs_txt, sizeof runs_txt, "runs%s",
             crole == SF_ROLE_N   ? " (colour: N)"
             : crole == SF_ROLE_C ? " (colour: C)"
                                  : "");
    snprintf(curve_txt, sizeof curve_txt, "%s",
             mode == MODE_ISO_N    ? "fitted law at fixed N"
             : mode == MODE_ISO_C  ? "fitted law at fixed C"
             : mode == MODE_SINGLE ? "fitted law"
                                   : "fitted law at each run");
    sf_svg_legend_item items[3];
    size_t ni = 0;
    items[ni++] = (sf_svg_legend_item){.text = runs_txt, .color = mid.hex, .shape = SF_SVG_CIRCLE};
    if (mode == MODE_POINTS)
        items[ni++] = (sf_svg_legend_item){
            .text = curve_txt, .color = "#000000", .shape = SF_SVG_CIRCLE, .hollow = 1};
    else items[ni++] = (sf_svg_legend_item){.text = curve_txt, .color = mid.hex, .line_width = 1.7};
    if (nf >= 2)
        items[ni++] = (sf_svg_legend_item){.text = "compute-optimal frontier",
                                           .color = "#000000",
                                           .line_width = 2.0,
                                           .dash = "7 4"};
    sf_svg_legend(&s, top, items, ni);
    if (cv)
        sf_svg_colorbar(&s, x1 + 18.0, y0, ytop_end, clo, chi, 1,
                        crole == SF_ROLE_N ? "parameters N" : "compute C (FLOPs)");
    if (n_res < n) {
        char note[96];
        snprintf(note, sizeof note,
                 "%zu run%s without a finite prediction left out of the "
                 "residuals",
                 n - n_res, n - n_res == 1 ? "" : "s");
        sf_svg_text(&s, x0 + 6.0, ybot - 6.0, SF_SVG_FS_NOTE, "start", 0.0, NULL, "#555555", note);
    }
done:
    rc = sf_plot_done(&s, pn, 2, rc, out, err);
    free(lhat);
    free(res);
    free(cx);
    free(cy);
    free(col);
    return rc;
}
