/*
 * Intervals over draws: every quantity a user acts on (parameters, derived
 * quantities, allocations, predictions) is evaluated at each draw of the
 * parameters and summarised by its mean, standard deviation and percentile
 * intervals (Efron and Tibshirani 1993, ch. 13: the bootstrap percentile
 * interval; for posterior draws the equal-tailed credible interval).
 *
 * Quantiles use linear interpolation between order statistics
 * (Hyndman and Fan 1996, definition 7, numpy's default): with m sorted
 * finite values x_(0..m-1), q(p) = x_(j) + g (x_(j+1) - x_(j)),
 * h = (m - 1) p, j = floor(h), g = h - j.  Sums run in draw order, so a
 * summary never depends on threads.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "infer/infer_impl.h"

sf_draws *sf_draws_new(const sf_fit *fit, size_t n, size_t p, int with_sigma)
{
    sf_draws *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->fit = fit;
    d->n = n;
    d->p = p;
    size_t m = n ? n : 1;
    d->x = malloc(m * (p ? p : 1) * sizeof *d->x);
    d->noise = malloc(m * sizeof *d->noise);
    if (with_sigma) d->sigma = malloc(m * sizeof *d->sigma);
    if (!d->x || !d->noise || (with_sigma && !d->sigma)) {
        sf_draws_free(d);
        return NULL;
    }
    sf_levels_default(&d->n_levels, d->levels);
    for (size_t j = 0; j <= SF_MAX_PARAMS; j++) d->rhat[j] = d->ess[j] = NAN;
    for (size_t j = 0; j < SF_MAX_PARAMS; j++) d->ml[j] = NAN;
    d->ml_sigma = NAN;
    d->acceptance = NAN;
    return d;
}

void sf_draws_free(sf_draws *d)
{
    if (!d) return;
    free(d->x);
    free(d->noise);
    free(d->sigma);
    free(d);
}

int sf_draws_from_params(const sf_fit *fit, const double *params, size_t n, sf_draws **out,
                         sf_error *err)
{
    *out = NULL;
    const size_t p = fit->law->n_params;
    if (n == 0 || !params) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no draws given");
    for (size_t k = 0; k < n * p; k++)
        if (!isfinite(params[k]))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "draw %zu: %s is not finite", k / p,
                           fit->law->param[k % p].name);
    sf_draws *d = sf_draws_new(fit, n, p, 0);
    if (!d) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    d->kind = SF_DRAWS_GIVEN;
    memcpy(d->x, params, n * p * sizeof *d->x);
    for (size_t k = 0; k < n; k++) d->noise[k] = NAN;
    *out = d;
    return SF_OK;
}

void sf_draws_add_warning(sf_draws *d, const char *fmt, ...)
{
    if (d->n_warn >= SF_MAX_WARN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->warn[d->n_warn++], SF_WARN_LEN, fmt, ap);
    va_end(ap);
}

void sf_levels_default(size_t *n, double *v)
{
    *n = 2;
    v[0] = 0.8;
    v[1] = 0.95;
}

int sf_levels_check(const double *v, size_t n, sf_error *err)
{
    if (n == 0 || n > SF_MAX_LEVELS)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "give 1 to %d interval levels, not %zu",
                       SF_MAX_LEVELS, n);
    for (size_t k = 0; k < n; k++)
        if (!(v[k] > 0 && v[k] < 1))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "interval level %g is not between 0 and 1 (0.95 is a 95%% "
                           "interval)", v[k]);
    return SF_OK;
}

/* As sf_summarize, with a caller's scratch buffer of n doubles. */
static void summarize_into(const double *x, size_t n, const double *levels, size_t nl,
                           double *s, sf_summary *out)
{
    memset(out, 0, sizeof *out);
    out->value = NAN;
    out->n_levels = nl > SF_MAX_LEVELS ? SF_MAX_LEVELS : nl;
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (isfinite(x[k])) s[m++] = x[k];
    out->n = m;
    for (size_t l = 0; l < out->n_levels; l++) {
        out->level[l] = levels[l];
        out->lo[l] = out->hi[l] = NAN;
    }
    if (m == 0) {
        out->mean = out->sd = out->median = NAN;
        return;
    }
    /* Shifted by the first value: a quantity that never varies gets its
     * value back exactly and a standard deviation of exactly 0. */
    double shift = s[0], sum = 0;
    for (size_t k = 0; k < m; k++) sum += s[k] - shift;
    double mean = shift + sum / (double)m, ss = 0;
    for (size_t k = 0; k < m; k++) ss += (s[k] - mean) * (s[k] - mean);
    out->mean = mean;
    out->sd = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
    sf_sort_doubles(s, m);
    out->median = sf_quantile_sorted(s, m, 0.5);
    for (size_t l = 0; l < out->n_levels; l++) {
        out->lo[l] = sf_quantile_sorted(s, m, 0.5 * (1.0 - levels[l]));
        out->hi[l] = sf_quantile_sorted(s, m, 0.5 * (1.0 + levels[l]));
    }
}

void sf_summarize(const double *x, size_t n, const double *levels, size_t n_levels,
                  sf_summary *out)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) {
        /* Out of memory: an empty summary says "no information". */
        summarize_into(x, 0, levels, n_levels, NULL, out);
        return;
    }
    summarize_into(x, n, levels, n_levels, s, out);
    free(s);
}

int sf_summary_constant(const sf_summary *s)
{
    if (s->n == 0) return 0;
    double lo = s->lo[0], hi = s->hi[0];
    for (size_t l = 1; l < s->n_levels; l++) {
        if (s->lo[l] < lo) lo = s->lo[l];
        if (s->hi[l] > hi) hi = s->hi[l];
    }
    return s->sd == 0 || hi - lo <= 1e-12 * fabs(s->median);
}

/* The levels a request uses: its own, else the draws', else the defaults. */
static void pick_levels(const sf_draws *dr, const double *levels, size_t n_levels, double *v,
                        size_t *n)
{
    if (levels && n_levels) {
        *n = n_levels > SF_MAX_LEVELS ? SF_MAX_LEVELS : n_levels;
        memcpy(v, levels, *n * sizeof *v);
    } else if (dr && dr->n_levels) {
        *n = dr->n_levels;
        memcpy(v, dr->levels, *n * sizeof *v);
    } else {
        sf_levels_default(n, v);
    }
}

/* ---- accessors ------------------------------------------------------------- */

const sf_fit *sf_draws_fit(const sf_draws *d) { return d ? d->fit : NULL; }
int sf_draws_get_kind(const sf_draws *d) { return d ? d->kind : SF_DRAWS_NONE; }
size_t sf_draws_count(const sf_draws *d) { return d ? d->n : 0; }
const double *sf_draws_params(const sf_draws *d) { return d && d->n ? d->x : NULL; }

const double *sf_draws_at(const sf_draws *d, size_t k)
{
    if (!d || k >= d->n) return NULL;
    return d->x + k * d->p;
}

size_t sf_draws_resamples(const sf_draws *d) { return d ? d->resamples : 0; }
size_t sf_draws_resamples_failed(const sf_draws *d) { return d ? d->failed : 0; }
size_t sf_draws_n_warnings(const sf_draws *d) { return d ? d->n_warn : 0; }

const char *sf_draws_warning(const sf_draws *d, size_t k)
{
    return d && k < d->n_warn ? d->warn[k] : NULL;
}

size_t sf_draws_levels(const sf_draws *d, double *v, size_t max)
{
    double lv[SF_MAX_LEVELS];
    size_t n;
    pick_levels(d, NULL, 0, lv, &n);
    for (size_t k = 0; k < n && k < max; k++) v[k] = lv[k];
    return n;
}

static int posterior(const sf_draws *d) { return d && d->kind == SF_DRAWS_POSTERIOR; }

double sf_draws_rhat(const sf_draws *d, size_t j)
{
    return posterior(d) && j <= d->p ? d->rhat[j] : NAN;
}

double sf_draws_ess(const sf_draws *d, size_t j)
{
    return posterior(d) && j <= d->p ? d->ess[j] : NAN;
}

int sf_draws_sampler(const sf_draws *d, sf_sampler_info *out)
{
    memset(out, 0, sizeof *out);
    if (!posterior(d)) return SF_EINVAL;
    out->walkers = d->walkers;
    out->burn = d->burn;
    out->steps = d->steps;
    out->thin = d->thin;
    out->acceptance = d->acceptance;
    out->n_priors = d->n_priors;
    memcpy(out->prior, d->prior, d->n_priors * sizeof *d->prior);
    return SF_OK;
}

double sf_draws_ml(const sf_draws *d, double *params)
{
    if (!posterior(d)) return NAN;
    if (params) memcpy(params, d->ml, d->p * sizeof *params);
    return d->ml_sigma;
}

/* SF_EINVAL unless dr is NULL or draws of fit. */
static int check_pair(const sf_fit *fit, const sf_draws *dr, sf_error *err)
{
    if (!dr || dr->fit == fit) return SF_OK;
    return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the draws are of another fit");
}

/* ---- summaries of a fit's draws -------------------------------------------- */

#define MAX_DERIVED 16

size_t sf_draws_summarize(const sf_draws *dr, const double *levels, size_t n_levels,
                          const char **names, sf_summary *out, size_t max)
{
    if (!dr || dr->n == 0) return 0;
    const sf_fit *fit = dr->fit;
    const sf_law *law = fit->law;
    const size_t p = law->n_params, n = dr->n;
    double lv[SF_MAX_LEVELS];
    size_t nl;
    pick_levels(dr, levels, n_levels, lv, &nl);
    const char *dn[MAX_DERIVED];
    double dv[MAX_DERIVED];
    size_t nd = sf_law_derived(law, fit->params, dn, dv, MAX_DERIVED);
    if (nd > MAX_DERIVED) nd = MAX_DERIVED;
    size_t total = p + nd + (dr->sigma ? 1 : 0);
    /* Column-major copies: one quantity's n values side by side. */
    double *col = malloc(n * (nd ? nd : 1) * sizeof *col);
    double *val = malloc(n * sizeof *val), *scratch = malloc(n * sizeof *scratch);
    if (!col || !val || !scratch) {
        free(col);
        free(val);
        free(scratch);
        return 0;
    }
    for (size_t k = 0; k < n && nd; k++) {
        const char *kn[MAX_DERIVED];
        double kv[MAX_DERIVED];
        sf_law_derived(law, dr->x + k * p, kn, kv, MAX_DERIVED);
        for (size_t q = 0; q < nd; q++) col[q * n + k] = kv[q];
    }
    for (size_t i = 0; i < total && i < max; i++) {
        const double *x;
        double point;
        if (i < p) {
            for (size_t k = 0; k < n; k++) val[k] = dr->x[k * p + i];
            x = val;
            point = fit->params[i];
            names[i] = law->param[i].name;
        } else if (i < p + nd) {
            x = col + (i - p) * n;
            point = dv[i - p];
            names[i] = dn[i - p];
        } else {
            x = dr->sigma;
            point = dr->ml_sigma;
            names[i] = "sigma";
        }
        summarize_into(x, n, lv, nl, scratch, &out[i]);
        out[i].value = point;
    }
    free(col);
    free(val);
    free(scratch);
    return total;
}

/* k columns of n values, and n of scratch for the sorts. */
static int buffers(size_t k, size_t n, double **v, double **scratch)
{
    *v = malloc(k * (n ? n : 1) * sizeof **v);
    *scratch = malloc((n ? n : 1) * sizeof **scratch);
    if (*v && *scratch) return SF_OK;
    free(*v);
    free(*scratch);
    return SF_ENOMEM;
}

typedef int (*alloc_fn)(const sf_law *, const double *, double, sf_alloc_row *, sf_error *);

static int alloc_summary(const sf_fit *fit, const sf_draws *dr, double arg, alloc_fn fn,
                         const double *levels, size_t n_levels, sf_alloc_row *row,
                         sf_summary out[5], sf_error *err)
{
    const sf_law *law = fit->law;
    int rc = check_pair(fit, dr, err);
    if (rc != SF_OK) return rc;
    if ((rc = fn(law, fit->params, arg, row, err)) != SF_OK) return rc;
    double lv[SF_MAX_LEVELS];
    size_t nl;
    pick_levels(dr, levels, n_levels, lv, &nl);
    size_t n = dr ? dr->n : 0;
    double *v, *scratch;
    if (buffers(5, n, &v, &scratch) != SF_OK) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < n; k++) {
        sf_alloc_row r;
        if (fn(law, dr->x + k * dr->p, arg, &r, NULL) != SF_OK)
            r.compute = r.params = r.tokens = r.tokens_per_param = r.loss = NAN;
        v[0 * n + k] = r.compute;
        v[1 * n + k] = r.params;
        v[2 * n + k] = r.tokens;
        v[3 * n + k] = r.tokens_per_param;
        v[4 * n + k] = r.loss;
    }
    const double point[5] = {row->compute, row->params, row->tokens, row->tokens_per_param,
                             row->loss};
    for (int q = 0; q < 5; q++) {
        summarize_into(v + (size_t)q * n, n, lv, nl, scratch, &out[q]);
        out[q].value = point[q];
    }
    free(v);
    free(scratch);
    return SF_OK;
}

int sf_fit_alloc_summary(const sf_fit *fit, const sf_draws *dr, double C, const double *levels,
                         size_t n_levels, sf_alloc_row *row, sf_summary out[5], sf_error *err)
{
    return alloc_summary(fit, dr, C, sf_alloc_optimal, levels, n_levels, row, out, err);
}

int sf_fit_target_summary(const sf_fit *fit, const sf_draws *dr, double L, const double *levels,
                          size_t n_levels, sf_alloc_row *row, sf_summary out[5], sf_error *err)
{
    return alloc_summary(fit, dr, L, sf_alloc_target_loss, levels, n_levels, row, out, err);
}

int sf_fit_predict_summary(const sf_fit *fit, const sf_draws *dr, const sf_point *x,
                           const double *levels, size_t n_levels, sf_summary *loss,
                           sf_summary *pred, sf_error *err)
{
    const sf_law *law = fit->law;
    int rc = check_pair(fit, dr, err);
    if (rc != SF_OK) return rc;
    double point;
    if (sf_law_predict(law, fit->params, x, &point) != SF_OK)
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                       "no finite prediction at N=%g, D=%g: inputs must be finite and > 0",
                       x->N, x->D);
    if (pred && !dr)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "a prediction interval needs draws: fit with --bootstrap K (or use "
                       "scalefit bayes) and -o FIT.json");
    double lv[SF_MAX_LEVELS];
    size_t nl;
    pick_levels(dr, levels, n_levels, lv, &nl);
    size_t n = dr ? dr->n : 0;
    double *v, *scratch;
    if (buffers(2, n, &v, &scratch) != SF_OK) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < n; k++) {
        double L;
        if (sf_law_predict(law, dr->x + k * dr->p, x, &L) != SF_OK) L = NAN;
        v[k] = L;
        /* A new run's loss: the law at this draw times the draw's residual
         * noise, log L = log L^ + r. */
        v[n + k] = L * exp(dr->noise[k]);
    }
    summarize_into(v, n, lv, nl, scratch, loss);
    loss->value = point;
    if (pred) {
        summarize_into(v + n, n, lv, nl, scratch, pred);
        pred->value = point;
    }
    free(v);
    free(scratch);
    return SF_OK;
}
