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
#include "render/plot.h"

#define CURVE_PTS 120
#define BAND_PTS 48
#define BAND_DRAWS                                                                                 \
    400 /* draws used for bands: quantiles at 2.5% are                                             \
           stable to a few per cent with 400 */
/* The data-constrained solve costs about 50 times the closed form: bands
 * with unique tokens use fewer draws (2.5% quantiles of 100 draws move by
 * a few per cent more). */
#define BAND_DRAWS_DC 100
/* Unique tokens standing for unlimited data: a law of repeated data then
 * reads U = D (no repetition) and its allocation is Chinchilla's. */
#define UNLIMITED_U 1e300

#define COL_N "#0072B2"
#define COL_D "#D55E00"
#define COL_R "#009E73"

/* Band of N, D and D/N at each C of cg[0..m-1] over the draws (with U
 * unique tokens when U > 0); NaN where fewer than 10 draws give an
 * allocation. */
static int bands(const sf_law *law, const double *draws, size_t n_draws, double U, const double *cg,
                 size_t m, double level, double *lo[3], double *hi[3])
{
    size_t cap_draws = U > 0 ? BAND_DRAWS_DC : BAND_DRAWS;
    size_t stride = (n_draws + cap_draws - 1) / cap_draws;
    size_t cap = n_draws / stride + 1;
    double *v[3];
    for (int k = 0; k < 3; k++) v[k] = malloc(cap * sizeof *v[k]);
    int ok = v[0] && v[1] && v[2];
    for (size_t j = 0; ok && j < m; j++) {
        size_t cnt = sf_plot_alloc_draws(law, draws, n_draws, stride, cg[j], U, v);
        for (int k = 0; k < 3; k++) {
            lo[k][j] = cnt >= 10 ? sf_quantile_sorted(v[k], cnt, 0.5 * (1.0 - level)) : NAN;
            hi[k][j] = cnt >= 10 ? sf_quantile_sorted(v[k], cnt, 0.5 * (1.0 + level)) : NAN;
        }
    }
    for (int k = 0; k < 3; k++) free(v[k]);
    return ok ? SF_OK : SF_ENOMEM;
}

/* The compute C at which the optimal D first exceeds U (log-linear
 * interpolation between curve points); 0 when it does from the start,
 * NaN when it never does in the range. */
static double repetition_start(const double *cg, const double *dv, size_t n, double U)
{
    size_t prev = n;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(dv[k])) continue;
        if (dv[k] > U) {
            if (prev == n) return 0;
            double t = (log(U) - log(dv[prev])) / (log(dv[k]) - log(dv[prev]));
            return exp(log(cg[prev]) + t * (log(cg[k]) - log(cg[prev])));
        }
        prev = k;
    }
    return NAN;
}

/* Does any point of the curve (x[k], y[k]) fall in the pixel box? */
static int crosses(const sf_svg_panel *p, const double *x, const double *y, double bx0, double by0,
                   double bx1, double by1)
{
    for (size_t k = 0; k < CURVE_PTS; k++) {
        if (!(x[k] > 0 && y[k] > 0)) continue;
        double px = sf_svg_px(p, x[k]), py = sf_svg_py(p, y[k]);
        if (px >= bx0 && px <= bx1 && py >= by0 && py <= by1) return 1;
    }
    return 0;
}

/* Name the horizontal line at y = v: above or below it, at its left or
 * right end, wherever none of the curves (cg, nv), (cg, dv), (xa, na),
 * (xa, da) passes through the text (left above when all are crossed). */
static void label_rule(sf_svg_doc *s, sf_svg_panel *p, double v, const char *text,
                       const char *color, const double *cg, const double *nv, const double *dv,
                       const double *xa, const double *na, const double *da)
{
    const double fs = SF_SVG_FS_NOTE, w = sf_svg_text_width(text, fs), ly = sf_svg_py(p, v);
    for (int c = 0; c < 5; c++) {
        int right = c & 1, below = (c >> 1) & 1;
        double bx0 = right ? p->x1 - 6.0 - w : p->x0 + 6.0, base = below ? ly + fs + 4.0 : ly - 5.0;
        double by0 = base - fs - 2.0, by1 = base + 3.0;
        if (c < 4 && (by0 < p->y0 || by1 > p->y1 || crosses(p, cg, nv, bx0 - 3, by0, bx0 + w + 3, by1) ||
                      crosses(p, cg, dv, bx0 - 3, by0, bx0 + w + 3, by1) ||
                      crosses(p, xa, na, bx0 - 3, by0, bx0 + w + 3, by1) ||
                      crosses(p, xa, da, bx0 - 3, by0, bx0 + w + 3, by1)))
            continue;
        if (c == 4) {
            bx0 = p->x0 + 6.0;
            base = ly - 5.0;
            if (base - fs < p->y0) return;
        }
        sf_svg_text_halo(s, bx0, base, fs, "start", color, text);
        sf_svg_occupy(p, bx0, base - fs, bx0 + w, base);
        return;
    }
}

int sf_plot_optimal(const sf_fit *fit, const sf_draws *dr, const sf_alloc_row *marks,
                    size_t n_marks, const sf_plot_options *o, char **out, sf_error *err)
{
    const double *draws = sf_draws_params(dr);
    size_t n_draws = sf_draws_count(dr);
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!fit) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_optimal: no fit");
    if (dr && sf_draws_fit(dr) != fit)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_optimal: draws of another fit");
    if (n_marks && !marks)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_optimal: n_marks without marks");
    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);
    const double U = opt.unique_tokens, T = opt.inference_tokens;
    if (!(U >= 0 && isfinite(U)) || !(T >= 0 && isfinite(T)))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "unique_tokens and inference_tokens must be finite and >= 0");
    if (U > 0 && T > 0)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "give unique_tokens or inference_tokens, not both");
    if (U > 0 && !(sf_law_roles(law) & SF_ROLE_BIT(SF_ROLE_U)))
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                       "law '%s' does not read unique tokens (datablations does)",
                       sf_law_name(law));

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

    /* cg: the budgets along the curves; nv, dv, rv: N, D and D/N there;
     * xa, na, da, ra: the second set of curves (unlimited unique tokens at
     * the same C, or the inference-aware model at its own training
     * compute). */
    double *buf = calloc(CURVE_PTS * 8 + BAND_PTS * 7, sizeof *buf);
    if (!buf) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    double *cg = buf, *nv = buf + CURVE_PTS, *dv = nv + CURVE_PTS, *rv = dv + CURVE_PTS;
    double *xa = rv + CURVE_PTS, *na = xa + CURVE_PTS, *da = na + CURVE_PTS, *ra = da + CURVE_PTS;
    double *bc = ra + CURVE_PTS, *blo[3], *bhi[3];
    for (int k = 0; k < 3; k++) {
        blo[k] = bc + BAND_PTS * (1 + 2 * k);
        bhi[k] = blo[k] + BAND_PTS;
    }
    sf_svg_doc s;
    memset(&s, 0, sizeof s);
    sf_svg_panel pn[2];
    sf_svg_panel *top = &pn[0], *bot = &pn[1];
    memset(pn, 0, sizeof pn);
    sf_alloc_row *mi = NULL;

    size_t good = 0, good_alt = 0;
    sf_error aerr, ierr;
    sf_error_clear(&aerr);
    sf_error_clear(&ierr);
    for (size_t k = 0; k < CURVE_PTS; k++) {
        cg[k] = exp(log(lo) + (log(hi) - log(lo)) * (double)k / (CURVE_PTS - 1));
        nv[k] = dv[k] = rv[k] = xa[k] = na[k] = da[k] = ra[k] = NAN;
        sf_alloc_row row, alt;
        if (sf_plot_alloc(law, p, cg[k], U, &row, &aerr) != SF_OK) continue;
        nv[k] = row.params;
        dv[k] = row.tokens;
        rv[k] = row.tokens_per_param;
        good++;
        int arc = SF_EINVAL;
        if (U > 0) {
            arc = sf_plot_alloc(law, p, cg[k], UNLIMITED_U, &alt, &ierr);
        } else if (T > 0) {
            sf_alloc_inference_row inf;
            arc = sf_alloc_inference(law, p, &row, T, &inf, &ierr);
            alt = inf.opt;
        }
        if (arc != SF_OK) continue;
        xa[k] = alt.compute;
        na[k] = alt.params;
        da[k] = alt.tokens;
        ra[k] = alt.tokens_per_param;
        good_alt++;
    }
    if (good < 2) {
        rc = aerr.status != SF_OK ? sf_fail(err, aerr.status, NULL, 0, 0, "%s", aerr.message)
                                  : sf_fail(err, SF_ENODATA, NULL, 0, 0,
                                            "no compute-optimal allocation in this range");
        goto done;
    }
    if (T > 0 && good_alt < 2) {
        rc = sf_fail(err, ierr.status != SF_OK ? ierr.status : SF_ENODATA, NULL, 0, 0,
                     "no inference-aware allocation in this range%s%s",
                     ierr.status != SF_OK ? ": " : "", ierr.message);
        goto done;
    }
    /* The inference-aware model of each budget asked for. */
    if (T > 0 && n_marks) {
        mi = calloc(n_marks, sizeof *mi);
        if (!mi) {
            rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n_marks; i++) {
            sf_alloc_inference_row inf;
            if (sf_alloc_inference(law, p, &marks[i], T, &inf, NULL) == SF_OK) mi[i] = inf.opt;
        }
    }
    int have_band = 0;
    if (draws && n_draws >= 10) {
        for (size_t k = 0; k < BAND_PTS; k++)
            bc[k] = exp(log(lo) + (log(hi) - log(lo)) * (double)k / (BAND_PTS - 1));
        if (bands(law, draws, n_draws, U, bc, BAND_PTS, opt.level, blo, bhi) != SF_OK) {
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
    for (size_t k = 0; k < CURVE_PTS; k++) {
        if (!(xa[k] >= lo && xa[k] <= hi)) continue;
        sf_svg_range_add(&ry, na[k], 1);
        sf_svg_range_add(&ry, da[k], 1);
        sf_svg_range_add(&rr, ra[k], 1);
    }
    if (U > 0) sf_svg_range_add(&ry, U, 1);
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

    char title[256], sub[320], as[32], bs[32];
    if (opt.title) sf_strlcpy(title, opt.title, sizeof title);
    else snprintf(title, sizeof title, "Compute-optimal allocation (%s)", sf_law_name(law));
    char band_txt[96] = "";
    if (have_band) {
        char lv[16], nd[32];
        sf_plot_num(lv, sizeof lv, 100.0 * opt.level);
        snprintf(nd, sizeof nd, "%zu", n_draws);
        snprintf(band_txt, sizeof band_txt, "; bands: %s%% of %s draws", lv, nd);
    }
    if (U > 0) {
        /* Power laws do not describe a data-constrained allocation: where
         * repetition starts does. */
        char us[32], cs[32];
        sf_plot_num(us, sizeof us, U);
        double cr = repetition_start(cg, dv, CURVE_PTS, U);
        sf_plot_num(cs, sizeof cs, cr);
        snprintf(sub, sizeof sub, "6ND = C with U = %s unique tokens; %s%s%s", us,
                 cr == 0 ? "data repeated (D > U) at every budget shown"
                 : isnan(cr) ? "no repetition (D \xE2\x89\xA4 U) in this range"
                             : "data repeated (D > U) beyond C = ",
                 cr > 0 ? cs : "", band_txt);
    } else {
        /* Exponents of the power laws N_opt ∝ C^a, D_opt ∝ C^b over the
         * range (exact for chinchilla, an average slope for other laws). */
        size_t i0 = 0, i1 = CURVE_PTS - 1;
        while (i0 < i1 && !isfinite(nv[i0])) i0++;
        while (i1 > i0 && !isfinite(nv[i1])) i1--;
        double a = (log(nv[i1]) - log(nv[i0])) / (log(cg[i1]) - log(cg[i0]));
        double b = (log(dv[i1]) - log(dv[i0])) / (log(cg[i1]) - log(cg[i0]));
        sf_plot_num(as, sizeof as, a);
        sf_plot_num(bs, sizeof bs, b);
        char ts[96] = "";
        if (T > 0) {
            char tn[32];
            sf_plot_num(tn, sizeof tn, T);
            snprintf(ts, sizeof ts, "; dotted: T = %s inference tokens", tn);
        }
        snprintf(sub, sizeof sub,
                 "6ND = C; N \xE2\x88\x9D C^%s, D \xE2\x88\x9D C^%s over this range%s%s", as, bs,
                 ts, band_txt);
    }

    sf_svg_begin(&s, W, H, opt.id, title);
    sf_svg_title(&s, title, sub);
    sf_svg_panel_init(&s, top, x0, y0, x1, split - 6.0, lo, hi, 1, ylo, yhi, 1);
    sf_svg_panel_init(&s, bot, x0, split + 6.0, x1, ybot, lo, hi, 1, rlo, rhi, rlog);
    sf_svg_panel_axes(&s, top, NULL, "parameters, tokens", 0);
    sf_svg_panel_axes(&s, bot, "training compute C (FLOPs)", "tokens / param", 1);

    /* Second curves: unlimited unique tokens thin and dashed; the
     * inference-aware allocation dotted, at its own training compute. */
    const char *alt_dash = U > 0 ? "3 3" : "1.5 3";
    double alt_w = U > 0 ? 1.3 : 2.0, alt_op = U > 0 ? 0.7 : 1.0;
    sf_svg_clip_begin(&s, top);
    for (size_t i = 0; i < n_marks; i++)
        sf_svg_rule(&s, top, marks[i].compute, 1, "#999999", "2 3");
    if (U > 0) sf_svg_rule(&s, top, U, 0, COL_D, "1 3");
    if (have_band) {
        sf_svg_band(&s, top, bc, blo[0], bhi[0], BAND_PTS, COL_N, 0.2);
        sf_svg_band(&s, top, bc, blo[1], bhi[1], BAND_PTS, COL_D, 0.2);
    }
    if (good_alt) {
        sf_svg_line(&s, top, xa, na, CURVE_PTS, COL_N, alt_w, alt_dash, alt_op);
        sf_svg_line(&s, top, xa, da, CURVE_PTS, COL_D, alt_w, alt_dash, alt_op);
    }
    sf_svg_line(&s, top, cg, nv, CURVE_PTS, COL_N, 2.2, NULL, 1.0);
    sf_svg_line(&s, top, cg, dv, CURVE_PTS, COL_D, 2.2, "8 3", 1.0);
    for (size_t i = 0; i < n_marks; i++) {
        if (mi && mi[i].compute > 0) {
            /* From the compute-optimal model to the inference-aware one
             * of the same loss. */
            double cx[2] = {marks[i].compute, mi[i].compute};
            double ny[2] = {marks[i].params, mi[i].params}, dy[2] = {marks[i].tokens, mi[i].tokens};
            sf_svg_line(&s, top, cx, ny, 2, "#666666", 1.0, NULL, 0.8);
            sf_svg_line(&s, top, cx, dy, 2, "#666666", 1.0, NULL, 0.8);
            sf_svg_marker(&s, top, mi[i].compute, mi[i].params, SF_SVG_CIRCLE, 4.5, "#ffffff",
                          COL_N, 1.6, 1.0);
            sf_svg_marker(&s, top, mi[i].compute, mi[i].tokens, SF_SVG_SQUARE, 4.5, "#ffffff",
                          COL_D, 1.6, 1.0);
        }
        sf_svg_marker(&s, top, marks[i].compute, marks[i].params, SF_SVG_CIRCLE, 4.5, COL_N,
                      "#ffffff", 1.0, 1.0);
        sf_svg_marker(&s, top, marks[i].compute, marks[i].tokens, SF_SVG_SQUARE, 4.5, COL_D,
                      "#ffffff", 1.0, 1.0);
    }
    sf_svg_clip_end(&s);
    if (U > 0) {
        char us[32], ut[64];
        sf_plot_num(us, sizeof us, U);
        snprintf(ut, sizeof ut, "U = %s unique tokens", us);
        label_rule(&s, top, U, ut, COL_D, cg, nv, dv, xa, na, da);
    }

    sf_svg_clip_begin(&s, bot);
    for (size_t i = 0; i < n_marks; i++)
        sf_svg_rule(&s, bot, marks[i].compute, 1, "#999999", "2 3");
    if (have_band) sf_svg_band(&s, bot, bc, blo[2], bhi[2], BAND_PTS, COL_R, 0.2);
    if (good_alt) sf_svg_line(&s, bot, xa, ra, CURVE_PTS, COL_R, alt_w, alt_dash, alt_op);
    sf_svg_line(&s, bot, cg, rv, CURVE_PTS, COL_R, 2.2, NULL, 1.0);
    for (size_t i = 0; i < n_marks; i++) {
        if (mi && mi[i].compute > 0)
            sf_svg_marker(&s, bot, mi[i].compute, mi[i].tokens_per_param, SF_SVG_DIAMOND, 4.5,
                          "#ffffff", COL_R, 1.6, 1.0);
        sf_svg_marker(&s, bot, marks[i].compute, marks[i].tokens_per_param, SF_SVG_DIAMOND, 4.5,
                      COL_R, "#ffffff", 1.0, 1.0);
    }
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
        /* Below the marker when there is no room above it. */
        if (py - SF_SVG_FS_NOTE < bot->y0) py += 18.0 + SF_SVG_FS_NOTE;
        if (px - 0.5 * w < last_end + 4.0 || py - SF_SVG_FS_NOTE < bot->y0 || py + 3.0 > bot->y1)
            continue;
        sf_svg_text_halo(&s, px, py, SF_SVG_FS_NOTE, "middle", COL_R, t);
        sf_svg_occupy(bot, px - 0.5 * w, py - SF_SVG_FS_NOTE, px + 0.5 * w, py);
        last_end = px + 0.5 * w;
    }

    sf_svg_legend_item items[5];
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
    if (good_alt)
        items[ni++] = (sf_svg_legend_item){
            .text = U > 0 ? "with unlimited unique tokens" : "inference-aware: same loss",
            .color = "#555555",
            .line_width = alt_w,
            .dash = alt_dash,
            .shape = mi ? SF_SVG_CIRCLE : SF_SVG_NONE,
            .hollow = mi != NULL};
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
    free(mi);
    free(buf);
    return rc;
}
