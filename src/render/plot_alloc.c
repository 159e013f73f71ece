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
#include "alloc/alloc_grid.h"
#include "render/chart.h"
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

/* What the allocation plot shows, worked out before anything is drawn. */
typedef struct opt_view {
    const sf_law *law;
    const double *p;
    double U, T, lo, hi, level;
    const sf_alloc_row *marks;
    size_t n_marks, n_draws;
    /* cg: the budgets along the curves; nv, dv, rv: N, D and D/N there;
     * xa, na, da, ra: the second set of curves (unlimited unique tokens at
     * the same C, or the inference-aware model at its own training
     * compute); bc, blo, bhi: the bands. */
    double *buf, *cg, *nv, *dv, *rv, *xa, *na, *da, *ra, *bc, *blo[3], *bhi[3];
    size_t good, good_alt;
    int have_band;
    sf_alloc_row *mi; /* inference-aware model of each mark, or NULL */
    double ylo, yhi, rlo, rhi;
    int rlog;
} opt_view;

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

/* The options and the C range: as asked, else a decade beyond the budgets
 * each way and at least three decades. */
static int opt_setup(opt_view *v, const sf_plot_options *opt, sf_error *err)
{
    const double U = v->U, T = v->T;
    if (!(U >= 0 && isfinite(U)) || !(T >= 0 && isfinite(T)))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "unique_tokens and inference_tokens must be finite and >= 0");
    if (U > 0 && T > 0)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "give unique_tokens or inference_tokens, not both");
    if (U > 0 && !(sf_law_roles(v->law) & SF_ROLE_BIT(SF_ROLE_U)))
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                       "law '%s' does not read unique tokens (datablations does)",
                       sf_law_name(v->law));
    v->lo = opt->x_min;
    v->hi = opt->x_max;
    if (v->lo > 0 && v->hi > v->lo && isfinite(v->hi)) return SF_OK;
    sf_svg_range r;
    sf_svg_range_init(&r);
    for (size_t i = 0; i < v->n_marks; i++) sf_svg_range_add(&r, v->marks[i].compute, 1);
    if (r.n == 0)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "the allocation plot needs budgets or a compute range");
    double l0 = log10(r.lo) - 1.0, l1 = log10(r.hi) + 1.0;
    if (l1 - l0 < 3.0) {
        double c = 0.5 * (l0 + l1);
        l0 = c - 1.5;
        l1 = c + 1.5;
    }
    v->lo = pow(10.0, l0);
    v->hi = pow(10.0, l1);
    return SF_OK;
}

/* The second allocation at the k-th budget (row: the first). */
static void opt_alt(opt_view *v, size_t k, const sf_alloc_row *row, sf_error *ierr)
{
    sf_alloc_row alt;
    int arc = SF_EINVAL;
    if (v->U > 0) {
        arc = sf_alloc_at(v->law, v->p, v->cg[k], UNLIMITED_U, &alt, ierr);
    } else if (v->T > 0) {
        sf_alloc_inference_row inf;
        arc = sf_alloc_inference(v->law, v->p, row, v->T, &inf, ierr);
        alt = inf.opt;
    }
    if (arc != SF_OK) return;
    v->xa[k] = alt.compute;
    v->na[k] = alt.params;
    v->da[k] = alt.tokens;
    v->ra[k] = alt.tokens_per_param;
    v->good_alt++;
}

/* The curves over the budget grid (sf_alloc_grid), the second curves and
 * the inference-aware model of each budget asked for. */
static int opt_curves(opt_view *v, sf_error *err)
{
    sf_alloc_row rows[CURVE_PTS];
    int ok[CURVE_PTS];
    sf_error aerr, ierr;
    sf_error_clear(&aerr);
    sf_error_clear(&ierr);
    v->good = sf_alloc_grid(v->law, v->p, v->lo, v->hi, CURVE_PTS, v->U, rows, ok);
    for (size_t k = 0; k < CURVE_PTS; k++) {
        v->cg[k] = rows[k].compute;
        v->nv[k] = v->dv[k] = v->rv[k] = v->xa[k] = v->na[k] = v->da[k] = v->ra[k] = NAN;
        if (!ok[k]) continue;
        v->nv[k] = rows[k].params;
        v->dv[k] = rows[k].tokens;
        v->rv[k] = rows[k].tokens_per_param;
        opt_alt(v, k, &rows[k], &ierr);
    }
    if (v->good < 2) {
        /* The last failure, for its message. */
        for (size_t k = CURVE_PTS; k-- > 0 && aerr.status == SF_OK;) {
            sf_alloc_row row;
            if (!ok[k]) (void)sf_alloc_at(v->law, v->p, v->cg[k], v->U, &row, &aerr);
        }
        return aerr.status != SF_OK ? sf_fail(err, aerr.status, NULL, 0, 0, "%s", aerr.message)
                                    : sf_fail(err, SF_ENODATA, NULL, 0, 0,
                                              "no compute-optimal allocation in this range");
    }
    if (v->T > 0 && v->good_alt < 2)
        return sf_fail(err, ierr.status != SF_OK ? ierr.status : SF_ENODATA, NULL, 0, 0,
                       "no inference-aware allocation in this range%s%s",
                       ierr.status != SF_OK ? ": " : "", ierr.message);
    if (v->T > 0 && v->n_marks) {
        v->mi = calloc(v->n_marks, sizeof *v->mi);
        if (!v->mi) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t i = 0; i < v->n_marks; i++) {
            sf_alloc_inference_row inf;
            if (sf_alloc_inference(v->law, v->p, &v->marks[i], v->T, &inf, NULL) == SF_OK)
                v->mi[i] = inf.opt;
        }
    }
    return SF_OK;
}

/* Bands across the draws (sf_alloc_bands): the data-constrained solve
 * costs about 50 times the closed form, so with unique tokens fewer draws. */
static int opt_bands(opt_view *v, const double *draws, sf_error *err)
{
    if (!draws || v->n_draws < 10) return SF_OK;
    for (size_t k = 0; k < BAND_PTS; k++)
        v->bc[k] = exp(log(v->lo) + (log(v->hi) - log(v->lo)) * (double)k / (BAND_PTS - 1));
    if (sf_alloc_bands(v->law, draws, v->n_draws, v->U > 0 ? BAND_DRAWS_DC : BAND_DRAWS, v->U,
                       v->bc, BAND_PTS, v->level, v->blo, v->bhi) != SF_OK)
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < BAND_PTS; k++) v->have_band |= isfinite(v->blo[0][k]);
    return SF_OK;
}

/* Ranges of the two panels.  Tokens per parameter on a linear scale
 * unless it spans a factor 10. */
static void opt_ranges(opt_view *v)
{
    sf_svg_range ry, rr;
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rr);
    sf_svg_range_add_all(&ry, v->nv, CURVE_PTS, 1);
    sf_svg_range_add_all(&ry, v->dv, CURVE_PTS, 1);
    sf_svg_range_add_all(&rr, v->rv, CURVE_PTS, 1);
    for (size_t k = 0; k < CURVE_PTS; k++) {
        if (!(v->xa[k] >= v->lo && v->xa[k] <= v->hi)) continue;
        sf_svg_range_add(&ry, v->na[k], 1);
        sf_svg_range_add(&ry, v->da[k], 1);
        sf_svg_range_add(&rr, v->ra[k], 1);
    }
    if (v->U > 0) sf_svg_range_add(&ry, v->U, 1);
    if (v->have_band) {
        for (int k = 0; k < 2; k++) {
            sf_svg_range_add_all(&ry, v->blo[k], BAND_PTS, 1);
            sf_svg_range_add_all(&ry, v->bhi[k], BAND_PTS, 1);
        }
        sf_svg_range_add_all(&rr, v->blo[2], BAND_PTS, 1);
        sf_svg_range_add_all(&rr, v->bhi[2], BAND_PTS, 1);
    }
    for (size_t i = 0; i < v->n_marks; i++) {
        const sf_alloc_row *m = &v->marks[i];
        if (!(m->compute >= v->lo && m->compute <= v->hi)) continue;
        sf_svg_range_add(&ry, m->params, 1);
        sf_svg_range_add(&ry, m->tokens, 1);
        sf_svg_range_add(&rr, m->tokens_per_param, 1);
    }
    v->rlog = rr.n && rr.hi / rr.lo >= 10.0;
    sf_svg_range_get(&ry, 1, 0.05, &v->ylo, &v->yhi);
    sf_svg_range_get(&rr, v->rlog, 0.12, &v->rlo, &v->rhi);
    if (!v->rlog && v->rlo < 0 && rr.lo >= 0) v->rlo = 0;
}

/* The subtitle: where repetition starts (power laws do not describe a
 * data-constrained allocation), else the exponents of N_opt ∝ C^a,
 * D_opt ∝ C^b over the range (exact for chinchilla, an average slope for
 * other laws); and the bands. */
static void opt_subtitle(const opt_view *v, char *sub, size_t size)
{
    char band_txt[96] = "", as[32], bs[32];
    if (v->have_band) {
        char lv[16], nd[32];
        sf_plot_num(lv, sizeof lv, 100.0 * v->level);
        snprintf(nd, sizeof nd, "%zu", v->n_draws);
        snprintf(band_txt, sizeof band_txt, "; bands: %s%% of %s draws", lv, nd);
    }
    if (v->U > 0) {
        char us[32], cs[32];
        sf_plot_num(us, sizeof us, v->U);
        double cr = repetition_start(v->cg, v->dv, CURVE_PTS, v->U);
        sf_plot_num(cs, sizeof cs, cr);
        snprintf(sub, size, "6ND = C with U = %s unique tokens; %s%s%s", us,
                 cr == 0 ? "data repeated (D > U) at every budget shown"
                 : isnan(cr) ? "no repetition (D \xE2\x89\xA4 U) in this range"
                             : "data repeated (D > U) beyond C = ",
                 cr > 0 ? cs : "", band_txt);
        return;
    }
    size_t i0 = 0, i1 = CURVE_PTS - 1;
    while (i0 < i1 && !isfinite(v->nv[i0])) i0++;
    while (i1 > i0 && !isfinite(v->nv[i1])) i1--;
    const double *cg = v->cg;
    double a = (log(v->nv[i1]) - log(v->nv[i0])) / (log(cg[i1]) - log(cg[i0]));
    double b = (log(v->dv[i1]) - log(v->dv[i0])) / (log(cg[i1]) - log(cg[i0]));
    sf_plot_num(as, sizeof as, a);
    sf_plot_num(bs, sizeof bs, b);
    char ts[96] = "";
    if (v->T > 0) {
        char tn[32];
        sf_plot_num(tn, sizeof tn, v->T);
        snprintf(ts, sizeof ts, "; dotted: T = %s inference tokens", tn);
    }
    snprintf(sub, size, "6ND = C; N \xE2\x88\x9D C^%s, D \xE2\x88\x9D C^%s over this range%s%s", as,
             bs, ts, band_txt);
}

/* Second curves: unlimited unique tokens thin and dashed; the
 * inference-aware allocation dotted, at its own training compute. */
#define ALT_DASH(v) ((v)->U > 0 ? "3 3" : "1.5 3")
#define ALT_W(v) ((v)->U > 0 ? 1.3 : 2.0)
#define ALT_OP(v) ((v)->U > 0 ? 0.7 : 1.0)

/* The marks of the budgets asked for in the top panel: from the
 * compute-optimal model to the inference-aware one of the same loss. */
static void opt_top_marks(sf_chart *c, sf_chart_panel *top, const opt_view *v)
{
    for (size_t i = 0; i < v->n_marks; i++) {
        const sf_alloc_row *m = &v->marks[i];
        if (v->mi && v->mi[i].compute > 0) {
            const sf_alloc_row *q = &v->mi[i];
            double cx[2] = {m->compute, q->compute};
            double ny[2] = {m->params, q->params}, dy[2] = {m->tokens, q->tokens};
            sf_chart_line(c, top, cx, ny, 2, "#666666", 1.0, NULL, 0.8);
            sf_chart_line(c, top, cx, dy, 2, "#666666", 1.0, NULL, 0.8);
            sf_chart_marker(c, top, q->compute, q->params, SF_SVG_CIRCLE, 4.5, "#ffffff", COL_N,
                            1.6, 1.0);
            sf_chart_marker(c, top, q->compute, q->tokens, SF_SVG_SQUARE, 4.5, "#ffffff", COL_D,
                            1.6, 1.0);
        }
        sf_chart_marker(c, top, m->compute, m->params, SF_SVG_CIRCLE, 4.5, COL_N, "#ffffff", 1.0,
                        1.0);
        sf_chart_marker(c, top, m->compute, m->tokens, SF_SVG_SQUARE, 4.5, COL_D, "#ffffff", 1.0,
                        1.0);
    }
}

static void opt_top(sf_chart *c, sf_chart_panel *top, const opt_view *v)
{
    for (size_t i = 0; i < v->n_marks; i++)
        sf_chart_rule(c, top, v->marks[i].compute, 1, "#999999", "2 3");
    if (v->U > 0) sf_chart_rule(c, top, v->U, 0, COL_D, "1 3");
    if (v->have_band) {
        sf_chart_band(c, top, v->bc, v->blo[0], v->bhi[0], BAND_PTS, COL_N, 0.2);
        sf_chart_band(c, top, v->bc, v->blo[1], v->bhi[1], BAND_PTS, COL_D, 0.2);
    }
    if (v->good_alt) {
        sf_chart_line(c, top, v->xa, v->na, CURVE_PTS, COL_N, ALT_W(v), ALT_DASH(v), ALT_OP(v));
        sf_chart_line(c, top, v->xa, v->da, CURVE_PTS, COL_D, ALT_W(v), ALT_DASH(v), ALT_OP(v));
    }
    sf_chart_line(c, top, v->cg, v->nv, CURVE_PTS, COL_N, 2.2, NULL, 1.0);
    sf_chart_line(c, top, v->cg, v->dv, CURVE_PTS, COL_D, 2.2, "8 3", 1.0);
    opt_top_marks(c, top, v);
    if (v->U > 0) {
        char us[32], ut[64];
        sf_plot_num(us, sizeof us, v->U);
        snprintf(ut, sizeof ut, "U = %s unique tokens", us);
        sf_chart_rule_label(c, top, v->U, ut, COL_D);
    }
}

/* Tokens per parameter, with the ratio at each budget written by its
 * marker (the numbers people quote: "20 tokens per parameter"). */
static void opt_bottom(sf_chart *c, sf_chart_panel *bot, const opt_view *v)
{
    for (size_t i = 0; i < v->n_marks; i++)
        sf_chart_rule(c, bot, v->marks[i].compute, 1, "#999999", "2 3");
    if (v->have_band) sf_chart_band(c, bot, v->bc, v->blo[2], v->bhi[2], BAND_PTS, COL_R, 0.2);
    if (v->good_alt)
        sf_chart_line(c, bot, v->xa, v->ra, CURVE_PTS, COL_R, ALT_W(v), ALT_DASH(v), ALT_OP(v));
    sf_chart_line(c, bot, v->cg, v->rv, CURVE_PTS, COL_R, 2.2, NULL, 1.0);
    for (size_t i = 0; i < v->n_marks; i++) {
        const sf_alloc_row *m = &v->marks[i];
        if (v->mi && v->mi[i].compute > 0)
            sf_chart_marker(c, bot, v->mi[i].compute, v->mi[i].tokens_per_param, SF_SVG_DIAMOND,
                            4.5, "#ffffff", COL_R, 1.6, 1.0);
        sf_chart_marker(c, bot, m->compute, m->tokens_per_param, SF_SVG_DIAMOND, 4.5, COL_R,
                        "#ffffff", 1.0, 1.0);
    }
    if (v->n_marks == 0 || v->n_marks > 8) return;
    double x[8], y[8];
    char t[8][32];
    const char *tp[8];
    for (size_t i = 0; i < v->n_marks; i++) {
        x[i] = v->marks[i].compute;
        y[i] = v->marks[i].tokens_per_param;
        sf_plot_num(t[i], sizeof t[i], y[i]);
        tp[i] = t[i];
    }
    sf_chart_point_labels(c, bot, x, y, tp, v->n_marks, COL_R);
}

static void opt_legend(sf_chart *c, sf_chart_panel *top, const opt_view *v)
{
    sf_svg_shape none = SF_SVG_NONE;
    sf_chart_legend_add(c, top, &(sf_svg_legend_item){
        .text = "optimal N (parameters)", .color = COL_N, .line_width = 2.2,
        .shape = v->n_marks ? SF_SVG_CIRCLE : none});
    sf_chart_legend_add(c, top, &(sf_svg_legend_item){
        .text = "optimal D (tokens)", .color = COL_D, .line_width = 2.2, .dash = "8 3",
        .shape = v->n_marks ? SF_SVG_SQUARE : none});
    if (v->good_alt)
        sf_chart_legend_add(c, top, &(sf_svg_legend_item){
            .text = v->U > 0 ? "with unlimited unique tokens" : "inference-aware: same loss",
            .color = "#555555", .line_width = ALT_W(v), .dash = ALT_DASH(v),
            .shape = v->mi ? SF_SVG_CIRCLE : none, .hollow = v->mi != NULL});
    if (v->have_band) {
        char lv[16], band_leg[64];
        sf_plot_num(lv, sizeof lv, 100.0 * v->level);
        snprintf(band_leg, sizeof band_leg, "%s%% band over the draws", lv);
        sf_chart_legend_add(c, top, &(sf_svg_legend_item){.text = band_leg, .color = "#666666",
                                                          .band_opacity = 0.3});
    }
    if (v->n_marks)
        sf_chart_legend_add(c, top, &(sf_svg_legend_item){.text = "budgets asked for",
                                                          .color = "#999999", .line_width = 1.0,
                                                          .dash = "2 3"});
}

/* Carve the work buffer into the arrays of v; SF_ENOMEM or SF_OK. */
static int opt_alloc(opt_view *v)
{
    v->buf = calloc(CURVE_PTS * 8 + BAND_PTS * 7, sizeof *v->buf);
    if (!v->buf) return SF_ENOMEM;
    v->cg = v->buf;
    v->nv = v->cg + CURVE_PTS;
    v->dv = v->nv + CURVE_PTS;
    v->rv = v->dv + CURVE_PTS;
    v->xa = v->rv + CURVE_PTS;
    v->na = v->xa + CURVE_PTS;
    v->da = v->na + CURVE_PTS;
    v->ra = v->da + CURVE_PTS;
    v->bc = v->ra + CURVE_PTS;
    for (int k = 0; k < 3; k++) {
        v->blo[k] = v->bc + BAND_PTS * (1 + 2 * k);
        v->bhi[k] = v->blo[k] + BAND_PTS;
    }
    return SF_OK;
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
    opt_view v = {.law = sf_fit_law(fit), .p = sf_fit_params(fit), .U = opt.unique_tokens,
                  .T = opt.inference_tokens, .level = opt.level, .marks = marks,
                  .n_marks = n_marks, .n_draws = n_draws};
    rc = opt_setup(&v, &opt, err);
    if (rc != SF_OK) return rc;
    if (opt_alloc(&v) != SF_OK) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    sf_chart c;
    memset(&c, 0, sizeof c);
    rc = opt_curves(&v, err);
    if (rc == SF_OK) rc = opt_bands(&v, draws, err);
    if (rc == SF_OK) {
        opt_ranges(&v);
        char title[256], sub[320];
        if (opt.title) sf_strlcpy(title, opt.title, sizeof title);
        else snprintf(title, sizeof title, "Compute-optimal allocation (%s)", sf_law_name(v.law));
        opt_subtitle(&v, sub, sizeof sub);
        sf_chart_init(&c, &opt, SF_CHART_STACK, title, sub);
        sf_chart_panel *top = sf_chart_panel_add(&c, v.lo, v.hi, 1, NULL, v.ylo, v.yhi, 1,
                                                 "parameters, tokens");
        sf_chart_panel *bot = sf_chart_panel_add(&c, v.lo, v.hi, 1, "training compute C (FLOPs)",
                                                 v.rlo, v.rhi, v.rlog, "tokens / param");
        if (top) top->share = 0.64;
        if (bot) bot->share = 0.36;
        opt_top(&c, top, &v);
        opt_bottom(&c, bot, &v);
        opt_legend(&c, top, &v);
        rc = sf_chart_render(&c, out, err);
    }
    sf_chart_free(&c);
    free(v.mi);
    free(v.buf);
    return rc;
}
