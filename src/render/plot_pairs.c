/*
 * Pairwise scatter of parameter draws (bootstrap resamples or posterior
 * draws).  A long thin cloud shows a ridge of the objective: the data pin
 * down a combination of two parameters (A and alpha trade off along
 * A/N^alpha at the sizes observed) much better than either one, which is
 * why their marginal intervals are wide (Besiroglu et al. 2024, sec. 3).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/plot.h"

#define MAX_PAIRS 12
#define MAX_SHOWN 4000

static int find(const char *const *names, size_t p, const char *name)
{
    for (size_t j = 0; names && j < p; j++)
        if (names[j] && strcmp(names[j], name) == 0) return (int)j;
    return -1;
}

/* Default pairs among the parameters shown (shown[j] != 0, or all when
 * shown is NULL): beta-alpha, alpha-A, beta-B when those names exist (the
 * ridges of the Chinchilla law), else up to three pairs of neighbours
 * among the shown parameters. */
static size_t default_pairs(const char *const *names, size_t p, const int *shown, size_t *pr)
{
    static const char *const want[3][2] = {{"beta", "alpha"}, {"alpha", "A"}, {"beta", "B"}};
    size_t n = 0;
    for (size_t k = 0; k < 3; k++) {
        int a = find(names, p, want[k][0]), b = find(names, p, want[k][1]);
        if (a >= 0 && b >= 0 && (!shown || (shown[a] && shown[b]))) {
            pr[2 * n] = (size_t)a;
            pr[2 * n + 1] = (size_t)b;
            n++;
        }
    }
    size_t prev = p;
    for (size_t j = 0; n == 0 && j < p; j++) {
        if (shown && !shown[j]) continue;
        if (prev < p) {
            pr[0] = prev;
            pr[1] = j;
            n = 1;
        }
        prev = j;
    }
    for (size_t j = pr[1] + 1; n > 0 && n < 3 && j < p; j++) {
        if (shown && !shown[j]) continue;
        pr[2 * n] = pr[2 * n - 1];
        pr[2 * n + 1] = j;
        n++;
    }
    return n;
}

int sf_plot_pairs(const double *draws, size_t n_draws, size_t p, const char *const *names,
                  const double *estimate, const size_t *pairs, size_t n_pairs,
                  const sf_plot_options *o, char **out, sf_error *err)
{
    return sf_plot_pairs_on(draws, n_draws, p, names, estimate, pairs, n_pairs, NULL, NULL, o,
                            out, err);
}

int sf_plot_pairs_on(const double *draws, size_t n_draws, size_t p, const char *const *names,
                     const double *estimate, const size_t *pairs, size_t n_pairs, const int *log_scale,
                     const int *shown, const sf_plot_options *o, char **out, sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!draws || n_draws < 2)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "a pairwise plot needs at least 2 draws");
    if (p < 2) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a pairwise plot needs 2 parameters");
    size_t pr[2 * MAX_PAIRS];
    if (pairs) {
        if (n_pairs == 0 || n_pairs > MAX_PAIRS)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "give 1 to %d pairs", MAX_PAIRS);
        for (size_t k = 0; k < 2 * n_pairs; k++) {
            if (pairs[k] >= p)
                return sf_fail(err, SF_EINVAL, NULL, 0, 0, "pair %zu: parameter index %zu >= %zu",
                               k / 2 + 1, pairs[k], p);
            pr[k] = pairs[k];
        }
    } else {
        n_pairs = default_pairs(names, p, shown, pr);
        if (n_pairs == 0)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a pairwise plot needs 2 free parameters");
    }

    /* Per parameter: range and scale over the finite draws. */
    size_t used[2 * MAX_PAIRS];
    size_t nu = 0;
    for (size_t k = 0; k < 2 * n_pairs; k++) {
        size_t j = 0;
        while (j < nu && used[j] != pr[k]) j++;
        if (j == nu) used[nu++] = pr[k];
    }
    double lo[2 * MAX_PAIRS], hi[2 * MAX_PAIRS];
    int lg[2 * MAX_PAIRS];
    for (size_t u = 0; u < nu; u++) {
        sf_svg_range r;
        sf_svg_range_init(&r);
        int positive = 1;
        for (size_t b = 0; b < n_draws; b++) {
            double v = draws[b * p + used[u]];
            if (!isfinite(v)) continue;
            positive &= v > 0;
            sf_svg_range_add(&r, v, 0);
        }
        if (r.n == 0)
            return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no finite draws of %s",
                           names && names[used[u]] ? names[used[u]] : "a parameter");
        /* The scale asked for (a log scale needs positive draws), else log
         * when the draws span a factor of 2. */
        lg[u] = positive && (log_scale ? log_scale[used[u]] != 0 : r.hi >= 2.0 * r.lo);
        if (lg[u]) {
            sf_svg_range_init(&r);
            for (size_t b = 0; b < n_draws; b++) sf_svg_range_add(&r, draws[b * p + used[u]], 1);
        }
        sf_svg_range_get(&r, lg[u], 0.05, &lo[u], &hi[u]);
    }

    size_t stride = (n_draws + MAX_SHOWN - 1) / MAX_SHOWN;
    size_t cols = n_pairs <= 3 ? n_pairs : (size_t)ceil(sqrt((double)n_pairs));
    size_t rows = (n_pairs + cols - 1) / cols;
    const double W = opt.width, H = opt.height;
    double top = SF_SVG_TITLE_H + 4.0;
    double cw = (W - 8.0) / (double)cols, ch = (H - top) / (double)rows;

    char title[256], sub[256], cnt[32], st[48] = "";
    sf_strlcpy(title, opt.title ? opt.title : "Parameter draws, pairwise", sizeof title);
    snprintf(cnt, sizeof cnt, "%zu", n_draws);
    if (stride > 1)
        snprintf(st, sizeof st, " (every %zu%s shown)", stride,
                 stride == 2   ? "nd"
                 : stride == 3 ? "rd"
                               : "th");
    snprintf(sub, sizeof sub, "%s draws%s%s; r: correlation on the axes' scales", cnt, st,
             estimate ? "; \xC3\x97 the estimate" : "");
    sf_svg_doc s;
    sf_svg_begin(&s, W, H, opt.id, title);
    sf_svg_title(&s, title, sub);
    /* Points and their opacity shrink with their number, so that a dense
     * core stays graded instead of turning solid: about 0.35 for 1000
     * points, 0.18 for 4000. */
    size_t shown_n = (n_draws + stride - 1) / stride;
    double r_pt = shown_n <= 1000 ? 2.4 : 1.8;
    double alpha = fmin(0.35, 11.0 / sqrt((double)shown_n));
    char fill_op[16];
    sf_svg_fixed(fill_op, sizeof fill_op, alpha, 2, "-");
    for (size_t k = 0; k < n_pairs; k++) {
        size_t a = pr[2 * k], b = pr[2 * k + 1], ua = 0, ub = 0;
        while (used[ua] != a) ua++;
        while (used[ub] != b) ub++;
        double cx = 4.0 + cw * (double)(k % cols), cy = top + ch * (double)(k / cols);
        double y0 = cy + 22.0, y1 = cy + ch - sf_svg_x_margin();
        double x0 = cx + 6.0 + sf_svg_y_margin(lo[ub], hi[ub], lg[ub], y0, y1), x1 = cx + cw - 14.0;
        char na[64], nb[64], label[192], rs[32];
        sf_plot_pretty(na, sizeof na, names && names[a] ? names[a] : "x");
        sf_plot_pretty(nb, sizeof nb, names && names[b] ? names[b] : "y");
        /* Correlation on the axes' scales, over every draw. */
        double *xs = malloc(n_draws * sizeof *xs), *ys = malloc(n_draws * sizeof *ys);
        if (!xs || !ys) {
            free(xs);
            free(ys);
            sf_buf_free(&s.b);
            return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t i = 0; i < n_draws; i++) {
            double va = draws[i * p + a], vb = draws[i * p + b];
            xs[i] = lg[ua] ? (va > 0 ? log(va) : NAN) : va;
            ys[i] = lg[ub] ? (vb > 0 ? log(vb) : NAN) : vb;
        }
        double corr = sf_plot_corr(xs, ys, n_draws);
        /* Three decimals, more when those round to 1: r = 0.9995 and
         * r = 0.99999 are different ridges, and neither is exact. */
        int dec = 3;
        while (isfinite(corr) && dec < 6 && fabs(corr) < 1.0 &&
               round(fabs(corr) * pow(10.0, dec)) >= pow(10.0, dec))
            dec++;
        if (isfinite(corr)) sf_svg_fixed(rs, sizeof rs, corr, dec, "\xE2\x88\x92");
        else sf_strlcpy(rs, "n/a", sizeof rs);
        free(xs);
        free(ys);
        snprintf(label, sizeof label, "%s against %s:  r = %s", nb, na, rs);
        sf_svg_text(&s, x0, cy + 14.0, SF_SVG_FS_NOTE, "start", 0.0, "bold", NULL, label);
        sf_svg_panel pn;
        sf_svg_panel_init(&s, &pn, x0, y0, x1, y1, lo[ua], hi[ua], lg[ua], lo[ub], hi[ub], lg[ub]);
        sf_svg_panel_axes(&s, &pn, na, nb, 1);
        sf_svg_clip_begin(&s, &pn);
        sf_svg_printf(&s, "<g fill=\"#0072B2\" fill-opacity=\"%s\">\n", fill_op);
        for (size_t i = 0; i < n_draws; i += stride) {
            double va = draws[i * p + a], vb = draws[i * p + b];
            if (!isfinite(va) || !isfinite(vb) || (lg[ua] && !(va > 0)) || (lg[ub] && !(vb > 0)))
                continue;
            /* Plain circles in one group: thousands of points stay small. */
            sf_svg_printf(&s, "<circle cx=\"");
            sf_svg_num(&s, sf_svg_px(&pn, va));
            sf_svg_printf(&s, "\" cy=\"");
            sf_svg_num(&s, sf_svg_py(&pn, vb));
            sf_svg_printf(&s, "\" r=\"");
            sf_svg_num(&s, r_pt);
            sf_svg_printf(&s, "\"/>\n");
        }
        sf_svg_printf(&s, "</g>\n");
        if (estimate)
            sf_svg_marker(&s, &pn, estimate[a], estimate[b], SF_SVG_CROSS, 6.0, "#D55E00", NULL,
                          2.6, 1.0);
        sf_svg_clip_end(&s);
        sf_svg_panel_free(&pn);
    }
    return sf_plot_done(&s, NULL, 0, SF_OK, out, err);
}

int sf_fit_draws_svg(const sf_draws *draws, const sf_data *d, const sf_plot_options *o,
                     char **svg, sf_error *err)
{
    *svg = NULL;
    size_t nd = sf_draws_count(draws);
    if (nd < 2)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0,
                       "the fit has no parameter draws to plot (a bootstrap or a posterior)");
    const sf_fit *fit = sf_draws_fit(draws);
    const sf_law *law = sf_fit_law(fit);
    int post = sf_draws_get_kind(draws) == SF_DRAWS_POSTERIOR;
    char name[96], title[512];
    snprintf(name, sizeof name, "%s draws of %s", post ? "Posterior" : "Bootstrap",
             sf_law_name(law));
    sf_plot_options copy;
    o = sf_plot_titled(o, d, name, post ? "Posterior" : "Bootstrap", &copy, title, sizeof title);
    if (!copy.title) {
        snprintf(title, sizeof title, "%s, pairwise", name);
        copy.title = title;
    }
    return sf_plot_fit_pairs(fit, sf_draws_params(draws), nd, o, svg, err);
}

int sf_plot_fit_pairs(const sf_fit *fit, const double *draws, size_t n_draws,
                      const sf_plot_options *o, char **svg, sf_error *err)
{
    const sf_law *law = sf_fit_law(fit);
    size_t np = sf_law_n_params(law);
    const char *names[SF_MAX_PARAMS];
    int lg[SF_MAX_PARAMS], shown[SF_MAX_PARAMS];
    for (size_t j = 0; j < np; j++) names[j] = sf_law_param_name(law, j);
    sf_plot_law_scales(law, lg);
    sf_plot_free_params(fit, shown);
    return sf_plot_pairs_on(draws, n_draws, np, names, sf_fit_params(fit), NULL, 0, lg, shown, o,
                            svg, err);
}
