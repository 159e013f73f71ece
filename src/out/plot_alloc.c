/*
 * The allocation plot: compute-optimal N_opt(C) and D_opt(C) (6ND = C) on
 * log-log axes, tokens per parameter D/N below, markers at the budgets
 * asked for, and, given parameter draws (bootstrap or posterior), the
 * central band of each curve across the draws: at every C the quantiles of
 * N_opt(C; theta_b) over draws b, so the band is the uncertainty of the
 * allocation itself, not of the parameters one at a time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "out/plot.h"

#define CURVE_PTS 120
#define BAND_PTS 48
#define BAND_DRAWS                                                                                 \
    400 /* draws used for bands: quantiles at 2.5% are                                             \
           stable to a few per cent with 400 */

#define COL_N "#0072B2"
#define COL_D "#D55E00"
#define COL_R "#009E73"

/* Band of N, D and D/N at each C of cg[0..m-1] over the draws; NaN where
 * fewer than 10 draws give an allocation. */
static int bands(const sf_law *law, const double *draws, size_t n_draws, const double *cg, size_t m,
                 double level, double *lo[3], double *hi[3])
{
    size_t stride = (n_draws + BAND_DRAWS - 1) / BAND_DRAWS;
    size_t cap = n_draws / stride + 1;
    double *v[3];
    for (int k = 0; k < 3; k++) v[k] = malloc(cap * sizeof *v[k]);
    int ok = v[0] && v[1] && v[2];
    for (size_t j = 0; ok && j < m; j++) {
        size_t cnt = sf_plot_alloc_draws(law, draws, n_draws, stride, cg[j], v);
        for (int k = 0; k < 3; k++) {
            lo[k][j] = cnt >= 10 ? sf_plot_quantile(v[k], cnt, 0.5 * (1.0 - level)) : NAN;
            hi[k][j] = cnt >= 10 ? sf_plot_quantile(v[k], cnt, 0.5 * (1.0 + level)) : NAN;
        }
    }
    for (int k = 0; k < 3; k++) free(v[k]);
    return ok ? SF_OK : SF_ENOMEM;
}

int sf_plot_optimal(const sf_fit *fit, const double *draws, size_t n_draws,
                    const sf_alloc_row *marks, size_t n_marks, const sf_plot_options *o, char **out,
                    sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!fit) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_optimal: no fit");
    if (n_marks && !marks)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_optimal: n_marks without marks");
    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);

    /* The C range: as asked, else a decade beyond the budgets each way and
     * at least three decades. */
    double lo = opt.x_min, hi = opt.x_max;
    if (!(lo > 0 && hi > lo && isfinite(hi))) {
        sf_svg_range r;
        sf_svg_range_init(&r);
        for (size_t i = 0; i < n_marks; i++) sf_svg_range_add(&r, marks[i].compute, 1);
        if (r.n == 0)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "the allocation plot needs budgets or a compute range");
        double l0 = log10(r.lo) - 1.0, l1 = log10(r.hi) + 1.0;
        if (l1 - l0 < 3.0) {
            double c = 0.5 * (l0 + l1);
            l0 = c - 1.5;
            l1 = c + 1.5;
        }
        lo = pow(10.0, l0);
        hi = pow(10.0, l1);
    }

    double *buf = calloc(CURVE_PTS * 4 + BAND_PTS * 7, sizeof *buf);
    if (!buf) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    double *cg = buf, *nv = buf + CURVE_PTS, *dv = nv + CURVE_PTS, *rv = dv + CURVE_PTS;
    double *bc = rv + CURVE_PTS, *blo[3], *bhi[3];
    for (int k = 0; k < 3; k++) {
        blo[k] = bc + BAND_PTS * (1 + 2 * k);
        bhi[k] = blo[k] + BAND_PTS;
    }
    sf_svg_doc s;
    memset(&s, 0, sizeof s);
    sf_svg_panel pn[2];
    sf_svg_panel *top = &pn[0], *bot = &pn[1];
    memset(pn, 0, sizeof pn);

    size_t good = 0;
    sf_error aerr;
    sf_error_clear(&aerr);
    for (size_t k = 0; k < CURVE_PTS; k++) {
        cg[k] = exp(log(lo) + (log(hi) - log(lo)) * (double)k / (CURVE_PTS - 1));
        sf_alloc_row row;
        if (sf_alloc_optimal(law, p, cg[k], &row, &aerr) == SF_OK) {
            nv[k] = row.params;
            dv[k] = row.tokens;
            rv[k] = row.tokens_per_param;
            good++;
        } else {
            nv[k] = dv[k] = rv[k] = NAN;
        }
    }
    if (good < 2) {
        rc = aerr.status != SF_OK ? sf_fail(err, aerr.status, NULL, 0, 0, "%s", aerr.message)
                                  : sf_fail(err, SF_ENODATA, NULL, 0, 0,
                                            "no compute-optimal allocation in this range");
        goto done;
    }
    int have_band = 0;
    if (draws && n_draws >= 10) {
        for (size_t k = 0; k < BAND_PTS; k++)
            bc[k] = exp(log(lo) + (log(hi) - log(lo)) * (double)k / (BAND_PTS - 1));
        if (bands(law, draws, n_draws, bc, BAND_PTS, opt.level, blo, bhi) != SF_OK) {
            rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < BAND_PTS; k++) have_band |= isfinite(blo[0][k]);
    }

    sf_svg_range ry, rr;
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rr);
    sf_svg_range_add_all(&ry, nv, CURVE_PTS, 1);
    sf_svg_range_add_all(&ry, dv, CURVE_PTS, 1);
    sf_svg_range_add_all(&rr, rv, CURVE_PTS, 1);
    if (have_band) {
        for (int k = 0; k < 2; k++) {
            sf_svg_range_add_all(&ry, blo[k], BAND_PTS, 1);
            sf_svg_range_add_all(&ry, bhi[k], BAND_PTS, 1);
        }
        sf_svg_range_add_all(&rr, blo[2], BAND_PTS, 1);
        sf_svg_range_add_all(&rr, bhi[2], BAND_PTS, 1);
    }
    for (size_t i = 0; i < n_marks; i++) {
        if (!(marks[i].compute >= lo && marks[i].compute <= hi)) continue;
        sf_svg_range_add(&ry, marks[i].params, 1);
        sf_svg_range_add(&ry, marks[i].tokens, 1);
        sf_svg_range_add(&rr, marks[i].tokens_per_param, 1);
    }
    /* Tokens per parameter on a linear scale unless it spans a factor 10. */
    int rlog = rr.n && rr.hi / rr.lo >= 10.0;
    double ylo, yhi, rlo, rhi;
    sf_svg_range_get(&ry, 1, 0.05, &ylo, &yhi);
    sf_svg_range_get(&rr, rlog, 0.12, &rlo, &rhi);
    if (!rlog && rlo < 0 && rr.lo >= 0) rlo = 0;

    const double W = opt.width, H = opt.height;
    double y0 = SF_SVG_TITLE_H + 8.0, ybot = H - sf_svg_x_margin();
    double split = y0 + 0.64 * (ybot - y0);
    double left = fmax(sf_svg_y_margin(ylo, yhi, 1, y0, split - 6.0),
                       sf_svg_y_margin(rlo, rhi, rlog, split + 6.0, ybot));
    double x0 = 10.0 + left, x1 = W - 22.0;

    /* Exponents of the power laws N_opt ∝ C^a, D_opt ∝ C^b over the range
     * (exact for chinchilla, an average slope for other laws). */
    size_t i0 = 0, i1 = CURVE_PTS - 1;
    while (i0 < i1 && !isfinite(nv[i0])) i0++;
    while (i1 > i0 && !isfinite(nv[i1])) i1--;
    double a = (log(nv[i1]) - log(nv[i0])) / (log(cg[i1]) - log(cg[i0]));
    double b = (log(dv[i1]) - log(dv[i0])) / (log(cg[i1]) - log(cg[i0]));
    char title[256], sub[256], as[32], bs[32];
    if (opt.title) sf_strlcpy(title, opt.title, sizeof title);
    else snprintf(title, sizeof title, "Compute-optimal allocation (%s)", sf_law_name(law));
    sf_plot_num(as, sizeof as, a);
    sf_plot_num(bs, sizeof bs, b);
    char band_txt[96] = "";
    if (have_band) {
        char lv[16], nd[32];
        sf_plot_num(lv, sizeof lv, 100.0 * opt.level);
        snprintf(nd, sizeof nd, "%zu", n_draws);
        snprintf(band_txt, sizeof band_txt, "; bands: central %s%% over %s draws", lv, nd);
    }
    snprintf(sub, sizeof sub, "6ND = C; N \xE2\x88\x9D C^%s, D \xE2\x88\x9D C^%s over this range%s",
             as, bs, band_txt);

    sf_svg_begin(&s, W, H, opt.id, title);
    sf_svg_title(&s, title, sub);
    sf_svg_panel_init(&s, top, x0, y0, x1, split - 6.0, lo, hi, 1, ylo, yhi, 1);
    sf_svg_panel_init(&s, bot, x0, split + 6.0, x1, ybot, lo, hi, 1, rlo, rhi, rlog);
    sf_svg_panel_axes(&s, top, NULL, "parameters, tokens", 0);
    sf_svg_panel_axes(&s, bot, "training compute C (FLOPs)", "tokens / param", 1);

    sf_svg_clip_begin(&s, top);
    for (size_t i = 0; i < n_marks; i++)
        sf_svg_rule(&s, top, marks[i].compute, 1, "#999999", "2 3");
    if (have_band) {
        sf_svg_band(&s, top, bc, blo[0], bhi[0], BAND_PTS, COL_N, 0.2);
        sf_svg_band(&s, top, bc, blo[1], bhi[1], BAND_PTS, COL_D, 0.2);
    }
    sf_svg_line(&s, top, cg, nv, CURVE_PTS, COL_N, 2.2, NULL, 1.0);
    sf_svg_line(&s, top, cg, dv, CURVE_PTS, COL_D, 2.2, "8 3", 1.0);
    for (size_t i = 0; i < n_marks; i++) {
        sf_svg_marker(&s, top, marks[i].compute, marks[i].params, SF_SVG_CIRCLE, 4.5, COL_N,
                      "#ffffff", 1.0, 1.0);
        sf_svg_marker(&s, top, marks[i].compute, marks[i].tokens, SF_SVG_SQUARE, 4.5, COL_D,
                      "#ffffff", 1.0, 1.0);
    }
    sf_svg_clip_end(&s);

    sf_svg_clip_begin(&s, bot);
    for (size_t i = 0; i < n_marks; i++)
        sf_svg_rule(&s, bot, marks[i].compute, 1, "#999999", "2 3");
    if (have_band) sf_svg_band(&s, bot, bc, blo[2], bhi[2], BAND_PTS, COL_R, 0.2);
    sf_svg_line(&s, bot, cg, rv, CURVE_PTS, COL_R, 2.2, NULL, 1.0);
    for (size_t i = 0; i < n_marks; i++)
        sf_svg_marker(&s, bot, marks[i].compute, marks[i].tokens_per_param, SF_SVG_DIAMOND, 4.5,
                      COL_R, "#ffffff", 1.0, 1.0);
    sf_svg_clip_end(&s);

    /* The ratio at each budget, written above its marker when the labels
     * have room (they are the numbers people quote: "20 tokens per
     * parameter"). */
    double last_end = -INFINITY;
    for (size_t i = 0; i < n_marks && n_marks <= 8; i++) {
        double c = marks[i].compute, r = marks[i].tokens_per_param;
        if (!(c >= lo && c <= hi) || !(r > 0)) continue;
        char t[32];
        sf_plot_num(t, sizeof t, r);
        double px = sf_svg_px(bot, c), py = sf_svg_py(bot, r) - 9.0;
        double w = sf_svg_text_width(t, SF_SVG_FS_NOTE);
        if (px - 0.5 * w < last_end + 4.0 || py - SF_SVG_FS_NOTE < bot->y0) continue;
        sf_svg_text_halo(&s, px, py, SF_SVG_FS_NOTE, "middle", COL_R, t);
        sf_svg_occupy(bot, px - 0.5 * w, py - SF_SVG_FS_NOTE, px + 0.5 * w, py);
        last_end = px + 0.5 * w;
    }

    sf_svg_legend_item items[4];
    size_t ni = 0;
    items[ni++] = (sf_svg_legend_item){.text = "optimal N (parameters)",
                                       .color = COL_N,
                                       .line_width = 2.2,
                                       .shape = n_marks ? SF_SVG_CIRCLE : SF_SVG_NONE};
    items[ni++] = (sf_svg_legend_item){.text = "optimal D (tokens)",
                                       .color = COL_D,
                                       .line_width = 2.2,
                                       .dash = "8 3",
                                       .shape = n_marks ? SF_SVG_SQUARE : SF_SVG_NONE};
    char band_leg[64];
    if (have_band) {
        char lv[16];
        sf_plot_num(lv, sizeof lv, 100.0 * opt.level);
        snprintf(band_leg, sizeof band_leg, "%s%% band over the draws", lv);
        items[ni++] =
            (sf_svg_legend_item){.text = band_leg, .color = "#666666", .band_opacity = 0.3};
    }
    if (n_marks)
        items[ni++] = (sf_svg_legend_item){
            .text = "budgets asked for", .color = "#999999", .line_width = 1.0, .dash = "2 3"};
    sf_svg_legend(&s, top, items, ni);
done:
    rc = sf_plot_done(&s, pn, 2, rc, out, err);
    free(buf);
    return rc;
}
