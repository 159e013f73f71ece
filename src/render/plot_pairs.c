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
#include "render/chart.h"
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

/* The pairs to draw into pr: as given (checked), else the defaults.
 * Returns their count, or 0 after setting err. */
static size_t pairs_select(size_t p, const char *const *names, const size_t *pairs,
                           size_t n_pairs, const int *shown, size_t *pr, sf_error *err)
{
    if (!pairs) {
        n_pairs = default_pairs(names, p, shown, pr);
        if (n_pairs == 0) sf_fail(err, SF_EINVAL, NULL, 0, 0, "a pairwise plot needs 2 free parameters");
        return n_pairs;
    }
    if (n_pairs == 0 || n_pairs > MAX_PAIRS) {
        sf_fail(err, SF_EINVAL, NULL, 0, 0, "give 1 to %d pairs", MAX_PAIRS);
        return 0;
    }
    for (size_t k = 0; k < 2 * n_pairs; k++) {
        if (pairs[k] >= p) {
            sf_fail(err, SF_EINVAL, NULL, 0, 0, "pair %zu: parameter index %zu >= %zu", k / 2 + 1,
                    pairs[k], p);
            return 0;
        }
        pr[k] = pairs[k];
    }
    return n_pairs;
}

/* Per parameter drawn: range and scale over the finite draws. */
typedef struct pair_axes {
    size_t used[2 * MAX_PAIRS], nu;
    double lo[2 * MAX_PAIRS], hi[2 * MAX_PAIRS];
    int lg[2 * MAX_PAIRS];
} pair_axes;

static size_t slot(const pair_axes *ax, size_t j)
{
    size_t u = 0;
    while (ax->used[u] != j) u++;
    return u;
}

/* The scale asked for (a log scale needs positive draws), else log when
 * the draws span a factor of 2. */
static int pairs_axes(const double *draws, size_t n_draws, size_t p, const char *const *names,
                      const size_t *pr, size_t n_pairs, const int *log_scale, pair_axes *ax,
                      sf_error *err)
{
    ax->nu = 0;
    for (size_t k = 0; k < 2 * n_pairs; k++) {
        size_t j = 0;
        while (j < ax->nu && ax->used[j] != pr[k]) j++;
        if (j == ax->nu) ax->used[ax->nu++] = pr[k];
    }
    for (size_t u = 0; u < ax->nu; u++) {
        sf_svg_range r;
        sf_svg_range_init(&r);
        int positive = 1;
        for (size_t b = 0; b < n_draws; b++) {
            double v = draws[b * p + ax->used[u]];
            if (!isfinite(v)) continue;
            positive &= v > 0;
            sf_svg_range_add(&r, v, 0);
        }
        if (r.n == 0)
            return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no finite draws of %s",
                           names && names[ax->used[u]] ? names[ax->used[u]] : "a parameter");
        ax->lg[u] = positive && (log_scale ? log_scale[ax->used[u]] != 0 : r.hi >= 2.0 * r.lo);
        if (ax->lg[u]) {
            sf_svg_range_init(&r);
            for (size_t b = 0; b < n_draws; b++) sf_svg_range_add(&r, draws[b * p + ax->used[u]], 1);
        }
        sf_svg_range_get(&r, ax->lg[u], 0.05, &ax->lo[u], &ax->hi[u]);
    }
    return SF_OK;
}

/* Correlation of parameters a and b on the axes' scales, over every draw,
 * written with three decimals, more when those round to 1: r = 0.9995
 * and r = 0.99999 are different ridges, and neither is exact. */
static int pairs_corr(const double *draws, size_t n_draws, size_t p, size_t a, int la, size_t b,
                      int lb, char *rs, size_t size)
{
    double *xs = malloc(n_draws * sizeof *xs), *ys = malloc(n_draws * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        return SF_ENOMEM;
    }
    for (size_t i = 0; i < n_draws; i++) {
        double va = draws[i * p + a], vb = draws[i * p + b];
        xs[i] = la ? (va > 0 ? log(va) : NAN) : va;
        ys[i] = lb ? (vb > 0 ? log(vb) : NAN) : vb;
    }
    double corr = sf_plot_corr(xs, ys, n_draws);
    int dec = 3;
    while (isfinite(corr) && dec < 6 && fabs(corr) < 1.0 &&
           round(fabs(corr) * pow(10.0, dec)) >= pow(10.0, dec))
        dec++;
    if (isfinite(corr)) sf_svg_fixed(rs, size, corr, dec, "\xE2\x88\x92");
    else sf_strlcpy(rs, "n/a", size);
    free(xs);
    free(ys);
    return SF_OK;
}

/* One panel: b against a, every stride-th draw as a translucent dot, the
 * estimate as a cross.  Points and their opacity shrink with their
 * number, so that a dense core stays graded instead of turning solid:
 * about 0.35 for 1000 points, 0.18 for 4000. */
static int pairs_panel(sf_chart *c, const double *draws, size_t n_draws, size_t p,
                       const char *const *names, const double *estimate, const pair_axes *ax,
                       size_t a, size_t b)
{
    size_t ua = slot(ax, a), ub = slot(ax, b);
    size_t stride = (n_draws + MAX_SHOWN - 1) / MAX_SHOWN, shown_n = (n_draws + stride - 1) / stride;
    char na[64], nb[64], rs[32];
    sf_plot_pretty(na, sizeof na, names && names[a] ? names[a] : "x");
    sf_plot_pretty(nb, sizeof nb, names && names[b] ? names[b] : "y");
    if (pairs_corr(draws, n_draws, p, a, ax->lg[ua], b, ax->lg[ub], rs, sizeof rs) != SF_OK)
        return SF_ENOMEM;
    sf_chart_panel *pn = sf_chart_panel_add(c, ax->lo[ua], ax->hi[ua], ax->lg[ua], na, ax->lo[ub],
                                            ax->hi[ub], ax->lg[ub], nb);
    if (!pn) return SF_ENOMEM;
    snprintf(pn->title, sizeof pn->title, "%s against %s:  r = %s", nb, na, rs);
    double *xs = malloc(shown_n * sizeof *xs), *ys = malloc(shown_n * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        return SF_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n_draws; i += stride, m++) {
        xs[m] = draws[i * p + a];
        ys[m] = draws[i * p + b];
    }
    sf_chart_cloud(c, pn, xs, ys, m, shown_n <= 1000 ? 2.4 : 1.8, "#0072B2",
                   fmin(0.35, 11.0 / sqrt((double)shown_n)));
    free(xs);
    free(ys);
    if (estimate)
        sf_chart_marker(c, pn, estimate[a], estimate[b], SF_SVG_CROSS, 6.0, "#D55E00", NULL, 2.6,
                        1.0);
    return SF_OK;
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
    n_pairs = pairs_select(p, names, pairs, n_pairs, shown, pr, err);
    if (n_pairs == 0) return err ? err->status : SF_EINVAL;
    pair_axes ax;
    rc = pairs_axes(draws, n_draws, p, names, pr, n_pairs, log_scale, &ax, err);
    if (rc != SF_OK) return rc;

    size_t stride = (n_draws + MAX_SHOWN - 1) / MAX_SHOWN;
    char title[256], sub[256], cnt[32], st[48] = "";
    sf_strlcpy(title, opt.title ? opt.title : "Parameter draws, pairwise", sizeof title);
    snprintf(cnt, sizeof cnt, "%zu", n_draws);
    if (stride > 1)
        snprintf(st, sizeof st, " (every %zu%s shown)", stride,
                 stride == 2 ? "nd" : stride == 3 ? "rd" : "th");
    snprintf(sub, sizeof sub, "%s draws%s%s; r: correlation on the axes' scales", cnt, st,
             estimate ? "; \xC3\x97 the estimate" : "");
    sf_chart c;
    sf_chart_init(&c, &opt, SF_CHART_GRID, title, sub);
    c.cols = n_pairs <= 3 ? (int)n_pairs : (int)ceil(sqrt((double)n_pairs));
    for (size_t k = 0; k < n_pairs && rc == SF_OK; k++)
        rc = pairs_panel(&c, draws, n_draws, p, names, estimate, &ax, pr[2 * k], pr[2 * k + 1]);
    if (rc == SF_OK) rc = sf_chart_render(&c, out, err);
    else rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    sf_chart_free(&c);
    return rc;
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
