/*
 * Sweep planning: an IsoFLOP design for Approach 2 before the GPUs are
 * spent.  Per budget C, K model sizes log-spaced around a prior law's
 * compute-optimal N_opt(C) (sf_alloc_optimal), from N_opt/span to
 * N_opt*span, each trained on D = C/(6N) tokens.  With span 4 and K = 9
 * this is the design `scalefit demo` simulates.  Optionally each size gets
 * a transformer shape whose non-embedding parameter count 12 layers
 * d_model^2 (Kaplan et al. 2020, eq. 2.1) is within a tolerance of N.
 */
#include <math.h>
#include <string.h>

#include "base/base.h"

void sf_plan_options_init(sf_plan_options *o)
{
    memset(o, 0, sizeof *o);
    o->models = 9;
    o->span = 4.0;
    o->aspect = 128.0;
    o->shape_tol = 0.05;
}

/* Head size by width: 64 below d_model 2048, 128 from there on, close to
 * GPT-3's choices (64 up to d_model 1024, 128 at 2048 and from 4096 on;
 * Brown et al. 2020, Table 2.1). */
static int head_size(int d) { return d < 2048 ? 64 : 128; }

int sf_plan_shape(double N, double aspect, double tol, sf_shape *out)
{
    memset(out, 0, sizeof *out);
    if (!(N > 0) || !isfinite(N) || !(aspect > 0) || !isfinite(aspect) || !(tol > 0) ||
        !(tol < 1))
        return SF_EINVAL;
    double best = INFINITY, best_err = INFINITY;
    /* Layers from 1 while a 64-wide model can still be within tol of N;
     * for each, the two widths nearest sqrt(N / (12 L)) on the head grid. */
    for (long L = 1; L <= 100000; L++) {
        if (12.0 * (double)L * 64.0 * 64.0 > N * (1 + tol)) break;
        double ideal = sqrt(N / (12.0 * (double)L));
        for (int step = 64; step <= 128; step += 64) {
            double base = floor(ideal / step) * step;
            for (int q = 0; q < 2; q++) {
                double dd = base + q * step;
                if (dd < 64 || dd > 1e6) continue;
                int d = (int)dd;
                if (d % head_size(d) != 0) continue;
                double P = 12.0 * (double)L * dd * dd, e = fabs(P / N - 1.0);
                if (e > tol) continue;
                double score = fabs(log(dd / (double)L / aspect));
                if (score < best || (score == best && e < best_err)) {
                    best = score;
                    best_err = e;
                    out->layers = (int)L;
                    out->d_model = d;
                    out->heads = d / head_size(d);
                    out->params = P;
                }
            }
        }
    }
    return out->layers ? SF_OK : SF_EDOMAIN;
}

int sf_plan_sweep(const sf_law *law, const double *params, const double *budgets,
                  size_t n_budgets, const sf_plan_options *o, sf_plan_row *rows,
                  sf_alloc_row *optimum, sf_error *err)
{
    sf_plan_options defaults;
    if (!o) {
        sf_plan_options_init(&defaults);
        o = &defaults;
    }
    if (o->models < 3 || o->models > 100000)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "a sweep needs at least 3 model sizes per budget to locate a minimum "
                       "(got %d)", o->models);
    if (!(o->span > 1) || !isfinite(o->span))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "span must be finite and > 1, got %g",
                       o->span);
    if (o->shape && (!(o->aspect > 0) || !isfinite(o->aspect) || !(o->shape_tol > 0) ||
                     !(o->shape_tol < 1)))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "shape aspect must be > 0 and its tolerance in (0, 1)");
    const int K = o->models;
    for (size_t b = 0; b < n_budgets; b++) {
        sf_alloc_row opt;
        int rc = sf_alloc_optimal(law, params, budgets[b], &opt, err);
        if (rc != SF_OK) return rc;
        if (optimum) optimum[b] = opt;
        for (int s = 0; s < K; s++) {
            sf_plan_row *r = &rows[b * (size_t)K + (size_t)s];
            memset(r, 0, sizeof *r);
            /* Exponent from -1 to 1: N_opt/span .. N_opt*span. */
            double t = (2.0 * s - (K - 1)) / (double)(K - 1);
            r->compute = budgets[b];
            r->N = opt.params * pow(o->span, t);
            r->D = budgets[b] / (6.0 * r->N);
            r->tokens_per_param = r->D / r->N;
            r->budget = b;
            if (o->shape) sf_plan_shape(r->N, o->aspect, o->shape_tol, &r->shape);
        }
    }
    return SF_OK;
}
