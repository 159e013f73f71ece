/*
 * The Bayesian fit: a posterior over a law's free parameters and the scale
 * sigma of the residual density, sampled with an affine-invariant ensemble
 * sampler.
 *
 * Likelihood (Besiroglu et al. 2024, their replication's MLE): the log
 * residuals r_i = log L_i - log L^(x_i; theta) are independent with the
 * normalised Huber density
 *
 *     p(r | sigma) = exp(-rho_delta(r / sigma)) / (sigma Z(delta)),
 *     Z(delta) = sqrt(2 pi) erf(delta / sqrt 2) + 2 exp(-delta^2/2) / delta
 *
 * (src/infer/diag.c derives Z), so with weights w_i
 *
 *     log p(data | theta, sigma) = -sum_i w_i [rho_delta(r_i/sigma) + log sigma + log Z].
 *
 * For small delta (1e-3) this is nearly a Laplace density of scale
 * sigma/delta.  --loss ls gives the Gaussian density instead.
 *
 * Sampler (Goodman and Weare 2010, "Ensemble samplers with affine
 * invariance"; the parallel "red-blue" form of Foreman-Mackey et al. 2013,
 * emcee, Algorithm 3): W walkers in two halves; each walker X_k of one half
 * moves given the other half.  One step in DE_CYCLE is the stretch move:
 * Y = X_j + z (X_k - X_j), X_j a random walker of the other half, z drawn
 * from g(z) ~ 1/sqrt(z) on [1/a, a], a = 2, accepted with probability
 * min(1, z^(d-1) p(Y)/p(X_k)).  The other steps are differential-evolution
 * moves (ter Braak 2006; Nelson et al. 2014): Y = X_k + g (X_j1 - X_j2),
 * X_j1 != X_j2 of the other half, g = 2.38/sqrt(2d) (times 1 + 1e-5 N(0,1)),
 * accepted with probability min(1, p(Y)/p(X_k)).  Both keep the posterior
 * invariant and are affine invariant; on Epoch's rows the mix has a third of
 * the stretch move's autocorrelation time, and the stretch steps let the
 * ensemble change its scale, which differential evolution alone cannot.
 * A half's walkers move independently given the other half, so they can
 * run in parallel; walker k at step t draws from random stream
 * (seed, W + t W + k), so the chain does not depend on the thread count.
 *
 * The sampler moves z: the optimiser's free coordinates (log A, log B,
 * log E, alpha, beta for chinchilla; --fix and --tie respected) and
 * s = log sigma.  Walkers start around the posterior mode, spread by the
 * inverse of the expected Fisher information there.
 */
#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/base.h"
#include "base/team.h"
#include "infer/infer_impl.h"

#define STRETCH 2.0               /* Goodman and Weare's a */
#define MAX_DIM (SF_MAX_PARAMS + 1)
#define DE_GAMMA 2.38             /* ter Braak's 2.38/sqrt(2d), the
                                     optimal random-walk scale */
#define DE_CYCLE 5                /* one stretch step in five */
#define MAX_DRAWS 8000            /* default thinning keeps at most this many */
#define RHAT_MAX 1.01             /* Vehtari et al. 2021 recommend < 1.01 */
#define ESS_MIN 400               /* ... and a bulk ESS above 400 */
#define PARALLEL_MIN_WORK 40000   /* rows x walkers per thread and half-step */

void sf_bayes_options_init(sf_bayes_options *o)
{
    memset(o, 0, sizeof *o);
    o->walkers = 0;
    o->burn = 1000;
    o->steps = 6000;
    o->thin = 0;
    sf_levels_default(&o->n_levels, o->levels);
}

/* The posterior: data, map from the sampler's coordinates to the law's
 * parameters, priors. */
typedef struct post {
    const sf_law *law;
    const sf_problem *pb;
    sf_pmap map;                  /* the user's fixes and ties */
    size_t nz, dim;               /* free law coordinates; dim = nz + 1 */
    int param[MAX_DIM];           /* parameter behind coordinate c; -1: sigma */
    int logscale[MAX_DIM];
    double lo[MAX_DIM], hi[MAX_DIM]; /* natural bounds */
    sf_prior prior[MAX_DIM];
    int huber;
    double delta, lognorm, wsum;
    const volatile sig_atomic_t *cancel;   /* sf_fit_options.cancel */
} post;

/* Log posterior (or, without priors, log likelihood) at z; its gradient
 * in z into g when g is not NULL.  logy (n) and jac (n p) are scratch. */
static double log_density(const post *P, const double *z, int with_prior, double *logy,
                          double *jac, double *g)
{
    const sf_law *law = P->law;
    const sf_problem *pb = P->pb;
    const size_t p = law->n_params, n = pb->n;
    double theta[SF_MAX_PARAMS], lp = 0;
    sf_pmap_theta(&P->map, z, theta);
    if (g)
        for (size_t c = 0; c < P->dim; c++) g[c] = 0;
    for (size_t c = 0; c < P->dim; c++) {
        double x = P->logscale[c] ? exp(z[c]) : z[c];
        if (!(x >= P->lo[c] && x <= P->hi[c])) return -INFINITY;
        if (!with_prior) continue;
        double d;
        double v = sf_prior_logpdf(&P->prior[c], P->logscale[c], z[c], g ? &d : NULL);
        if (!(v > -INFINITY)) return -INFINITY;
        lp += v;
        if (g) g[c] += d;
    }
    const double s = z[P->nz], sigma = exp(s), delta = P->delta;
    law->cls->eval(law, theta, &pb->obs, logy, g ? jac : NULL);
    double sum = 0, gs = 0, gth[SF_MAX_PARAMS] = {0};
    for (size_t i = 0; i < n; i++) {
        double r = pb->obs.logy[i] - logy[i], x = r / sigma;
        double wi = pb->obs.w ? pb->obs.w[i] : 1.0, psi;
        sum += wi * sf_huber_rho(P->huber, x, delta, &psi);
        if (g) {
            /* d(-rho(r/sigma))/dtheta = psi J / sigma (r = y - yhat);
             * d(-rho)/ds = psi x. */
            gs += wi * psi * x;
            double cth = wi * psi / sigma;
            for (size_t j = 0; j < p; j++) gth[j] += cth * jac[i * p + j];
        }
    }
    double ll = -sum - P->wsum * (s + P->lognorm);
    if (!isfinite(ll)) return -INFINITY;
    if (g) {
        double gz[SF_MAX_PARAMS];
        sf_pmap_grad(&P->map, gth, gz);
        for (size_t c = 0; c < P->nz; c++) g[c] += gz[c];
        g[P->nz] += gs - P->wsum;
    }
    return lp + ll;
}

/* ---- the mode ------------------------------------------------------------------ */

typedef struct opt_ctx {
    const post *P;
    int with_prior;
    double *logy, *jac;
} opt_ctx;

static lbfgsfloatval_t opt_eval(void *inst, const lbfgsfloatval_t *z, lbfgsfloatval_t *g,
                                const int nz, const lbfgsfloatval_t step)
{
    (void)step;
    opt_ctx *c = inst;
    double gg[MAX_DIM];
    double v = log_density(c->P, z, c->with_prior, c->logy, c->jac, gg);
    if (!isfinite(v)) {
        /* Outside the support: a huge value sends the line search back. */
        for (int k = 0; k < nz; k++) g[k] = 0;
        return 1e300;
    }
    for (int k = 0; k < nz; k++) g[k] = -gg[k] / c->P->wsum;
    return -v / c->P->wsum;
}

/* Maximise the log likelihood (with_prior 0) or posterior from z, in
 * place.  The density is nearly piecewise linear in theta (a Laplace
 * likelihood), where L-BFGS stalls on kinks; restarts with fresh memory
 * continue while they gain.  Returns the density at z. */
static double maximise(const post *P, int with_prior, double *z, double *logy, double *jac)
{
    opt_ctx c = {.P = P, .with_prior = with_prior, .logy = logy, .jac = jac};
    lbfgs_parameter_t lp;
    lbfgs_parameter_init(&lp);
    lp.epsilon = 1e-10;
    lp.max_iterations = 5000;
    lp.max_linesearch = 60;
    lbfgsfloatval_t *x = lbfgs_malloc((int)P->dim);
    double best = log_density(P, z, with_prior, logy, jac, NULL);
    if (!x || !isfinite(best)) {
        lbfgs_free(x);
        return best;
    }
    for (int attempt = 0; attempt < 20; attempt++) {
        for (size_t k = 0; k < P->dim; k++) x[k] = z[k];
        lbfgsfloatval_t fx = 0;
        lbfgs((int)P->dim, x, &fx, opt_eval, NULL, &c, &lp);
        double v = log_density(P, x, with_prior, logy, jac, NULL);
        if (!(v > best + 1e-12 * fabs(best))) break;
        best = v;
        for (size_t k = 0; k < P->dim; k++) z[k] = x[k];
    }
    lbfgs_free(x);
    return best;
}

/* sigma maximising the likelihood for fixed residuals: the root of
 * sum_i w_i psi(r_i/sigma) r_i/sigma = sum_i w_i, decreasing in sigma
 * (bisection on log sigma). */
static double profile_sigma(const post *P, const double *z, double *logy)
{
    const sf_problem *pb = P->pb;
    double theta[SF_MAX_PARAMS];
    sf_pmap_theta(&P->map, z, theta);
    P->law->cls->eval(P->law, theta, &pb->obs, logy, NULL);
    double lo = -60, hi = 20;
    for (int it = 0; it < 200; it++) {
        double s = 0.5 * (lo + hi), sigma = exp(s), g = 0;
        for (size_t i = 0; i < pb->n; i++) {
            double x = (pb->obs.logy[i] - logy[i]) / sigma, psi;
            double wi = pb->obs.w ? pb->obs.w[i] : 1.0;
            sf_huber_rho(P->huber, x, P->delta, &psi);
            g += wi * psi * x;
        }
        if (g > P->wsum) lo = s;
        else hi = s;
    }
    return 0.5 * (lo + hi);
}

/* Lower-triangular Cholesky factor of the k x k SPD matrix A (in place
 * into L); 0 when A is not numerically positive definite. */
static int cholesky(size_t k, const double *A, double *L)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = A[i * k + j];
            for (size_t q = 0; q < j; q++) v -= L[i * k + q] * L[j * k + q];
            if (i == j) {
                if (!(v > 0)) return 0;
                L[i * k + i] = sqrt(v);
            } else {
                L[i * k + j] = v / L[j * k + j];
            }
        }
    return 1;
}

/* Expected Fisher information of the likelihood at z (dim x dim): for the
 * law's coordinates sum_i w_i J_i J_i^T E[psi(x)^2] / sigma^2 with J the
 * gradient of log L^ in z, E[psi^2] under the Huber density
 *   (int_{|x|<delta} x^2 e^{-x^2/2} dx + delta^2 Z_tail) / Z
 *   = (sqrt(2 pi) erf(delta/sqrt 2) - 2 delta e^{-delta^2/2}
 *      + 2 delta e^{-delta^2/2}) / Z = sqrt(2 pi) erf(delta/sqrt 2) / Z
 * (1 for the Gaussian); for s = log sigma about sum_i w_i.  Its inverse
 * spreads the walkers at the start. */
static void fisher(const post *P, const double *z, double *logy, double *jac, double *F)
{
    const size_t p = P->law->n_params, n = P->pb->n, d = P->dim;
    const double pi = 3.14159265358979323846;
    double theta[SF_MAX_PARAMS];
    sf_pmap_theta(&P->map, z, theta);
    P->law->cls->eval(P->law, theta, &P->pb->obs, logy, jac);
    double sigma = exp(z[P->nz]);
    double epsi2 = P->huber ? sqrt(2.0 * pi) * erf(P->delta / sqrt(2.0)) / exp(P->lognorm) : 1.0;
    for (size_t a = 0; a < d * d; a++) F[a] = 0;
    for (size_t i = 0; i < n; i++) {
        double gz[SF_MAX_PARAMS], wi = P->pb->obs.w ? P->pb->obs.w[i] : 1.0;
        sf_pmap_grad(&P->map, jac + i * p, gz);
        for (size_t a = 0; a < P->nz; a++)
            for (size_t b = 0; b < P->nz; b++) F[a * d + b] += wi * gz[a] * gz[b];
    }
    for (size_t a = 0; a < P->nz; a++)
        for (size_t b = 0; b < P->nz; b++) F[a * d + b] *= epsi2 / (sigma * sigma);
    F[P->nz * d + P->nz] = P->wsum;
}

/* One draw from the standardised Huber density exp(-rho_delta(x))/Z
 * (Gaussian when !huber): the core |x| <= delta with probability
 * sqrt(2 pi) erf(delta/sqrt 2) / Z, a Gaussian restricted to the core
 * (rejection from a uniform, or from a normal when delta is large);
 * otherwise a tail |x| = delta + Exp(1)/delta, either sign. */
static double huber_draw(int huber, double delta, double lognorm, sf_rng *r)
{
    const double pi = 3.14159265358979323846;
    if (!huber) return sf_rng_normal(r);
    double pcore = sqrt(2.0 * pi) * erf(delta / sqrt(2.0)) / exp(lognorm);
    if (sf_rng_uniform(r) < pcore) {
        for (;;) {
            double x;
            if (delta < 2.0) {
                x = delta * (2.0 * sf_rng_uniform(r) - 1.0);
                if (sf_rng_uniform(r) < exp(-0.5 * x * x)) return x;
            } else {
                x = sf_rng_normal(r);
                if (fabs(x) <= delta) return x;
            }
        }
    }
    double e = -log(1.0 - sf_rng_uniform(r));
    double x = delta + e / delta;
    return sf_rng_uniform(r) < 0.5 ? -x : x;
}

/* ---- setup ------------------------------------------------------------------------- */

/* The weak default prior of parameter j (docs/uncertainty.md): flat on the
 * optimiser's scale (log x for positive scale parameters) over the law's
 * start grid widened by its span (at least 1) on each side, within the
 * parameter's bounds. */
static void default_prior(const sf_law *law, size_t j, sf_prior *pr)
{
    const sf_param_spec *ps = &law->param[j];
    const double *v = law->grid_n[j] ? law->grid_v[j] : law->vp_v[j];
    size_t nv = law->grid_n[j] ? law->grid_n[j] : law->vp_n[j];
    double glo = -10, ghi = 10;
    if (nv) {
        glo = ghi = v[0];
        for (size_t q = 1; q < nv; q++) {
            if (v[q] < glo) glo = v[q];
            if (v[q] > ghi) ghi = v[q];
        }
    }
    double span = ghi - glo > 1 ? ghi - glo : 1.0;
    double lo = glo - span, hi = ghi + span;
    int logscale = ps->scale == SF_SCALE_LOG;
    double blo = logscale ? (ps->lo > 0 ? log(ps->lo) : -INFINITY) : ps->lo;
    double bhi = logscale ? log(ps->hi) : ps->hi;
    if (lo < blo) lo = blo;
    if (hi > bhi) hi = bhi;
    sf_strlcpy(pr->name, ps->name, sizeof pr->name);
    pr->kind = logscale ? SF_PRIOR_LOGUNIFORM : SF_PRIOR_UNIFORM;
    pr->a = logscale ? exp(lo) : lo;
    pr->b = logscale ? exp(hi) : hi;
}

static int setup(post *P, const sf_law *law, const sf_problem *pb, const sf_fit *fit,
                 const sf_fit_options *fo, const sf_bayes_options *bo, sf_error *err)
{
    memset(P, 0, sizeof *P);
    P->law = law;
    P->pb = pb;
    P->map = fit->map;
    const size_t p = law->n_params;
    for (size_t j = 0; j < p; j++) P->map.bound[j] = 0;
    sf_pmap_rebuild(&P->map);
    P->nz = P->map.nz;
    P->dim = P->nz + 1;
    P->huber = fo->loss == SF_LOSS_HUBER;
    P->delta = fo->delta;
    P->cancel = fo->cancel;
    const double pi = 3.14159265358979323846;
    P->lognorm = P->huber ? sf_huber_log_norm(fo->delta) : 0.5 * log(2.0 * pi);
    P->wsum = 0;
    for (size_t i = 0; i < pb->n; i++) P->wsum += pb->obs.w ? pb->obs.w[i] : 1.0;
    for (size_t j = 0; j < p; j++) {
        int c = P->map.map[j];
        if (c < 0 || P->map.rep[j] != (int)j) continue;
        P->param[c] = (int)j;
        P->logscale[c] = law->param[j].scale == SF_SCALE_LOG;
        P->lo[c] = law->param[j].lo;
        P->hi[c] = law->param[j].hi;
        default_prior(law, j, &P->prior[c]);
    }
    /* sigma: flat in log sigma over residual scales 1e-8 to 100, the
     * residual scale being sigma/delta for small delta (a Laplace
     * density) and sigma for the Gaussian core. */
    size_t cs = P->nz;
    double m = P->huber && fo->delta < 1 ? fo->delta : 1.0;
    P->param[cs] = -1;
    P->logscale[cs] = 1;
    P->lo[cs] = 0;
    P->hi[cs] = INFINITY;
    sf_strlcpy(P->prior[cs].name, "sigma", SF_NAME_MAX);
    P->prior[cs].kind = SF_PRIOR_LOGUNIFORM;
    P->prior[cs].a = 1e-8 * m;
    P->prior[cs].b = 1e2 * m;
    /* The user's priors. */
    for (size_t k = 0; k < bo->n_priors; k++) {
        const sf_prior *u = &bo->prior[k];
        for (size_t q = 0; q < k; q++)
            if (strcmp(bo->prior[q].name, u->name) == 0)
                return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--prior %s given twice", u->name);
        int c = -1;
        if (strcmp(u->name, "sigma") == 0) {
            c = (int)cs;
        } else {
            int j = sf_law_param_index(law, u->name);
            if (j < 0)
                return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                               "--prior %s: law '%s' has no parameter '%s' (priors go on its "
                               "parameters and on sigma)", u->name, law->cls->name, u->name);
            if (P->map.fixed[j])
                return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                               "--prior %s: %s is held by --fix, so it has no posterior",
                               u->name, u->name);
            if (P->map.rep[j] != j)
                return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                               "--prior %s: %s is tied to %s; give the prior to %s", u->name,
                               u->name, law->param[P->map.rep[j]].name,
                               law->param[P->map.rep[j]].name);
            c = P->map.map[j];
        }
        if (u->kind < SF_PRIOR_UNIFORM || u->kind > SF_PRIOR_LOGUNIFORM)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--prior %s: no distribution given",
                           u->name);
        if ((u->kind == SF_PRIOR_LOGNORMAL || u->kind == SF_PRIOR_LOGUNIFORM) && P->lo[c] < 0)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "--prior %s: a log-scale prior needs a positive parameter", u->name);
        P->prior[c] = *u;
    }
    return SF_OK;
}

/* Pull a point into the prior's support (uniform and log-uniform bounds,
 * 1e-6 of the width inside, on the sampler's scale) so a mode search can
 * start there. */
static void into_support(const post *P, double *z)
{
    for (size_t c = 0; c < P->dim; c++) {
        const sf_prior *pr = &P->prior[c];
        if (pr->kind != SF_PRIOR_UNIFORM && pr->kind != SF_PRIOR_LOGUNIFORM) continue;
        double lo = pr->a > P->lo[c] ? pr->a : P->lo[c];
        double hi = pr->b < P->hi[c] ? pr->b : P->hi[c];
        if (P->logscale[c]) {
            lo = lo > 0 ? log(lo) : -INFINITY;
            hi = log(hi);
        }
        if (!(hi > lo) || !isfinite(lo) || !isfinite(hi)) continue;
        double in = 1e-6 * (hi - lo);
        if (z[c] < lo + in) z[c] = lo + in;
        if (z[c] > hi - in) z[c] = hi - in;
    }
}

/* The likelihood's maximum.  For fixed sigma, maximising over theta is
 * the Huber fit with threshold delta sigma on the raw log residuals
 * (rho_delta(r/sigma) = rho_{delta sigma}(r) / sigma^2), and for fixed
 * theta sigma solves a 1-D equation (profile_sigma).  With delta = 1e-3
 * the threshold is about 1e-8: the problem is least absolute deviations,
 * whose kinks stall a quasi-Newton method.  So the threshold comes down
 * by factors of 10 from the fit's delta, each Huber fit started from the
 * last (a continuation, as in smoothing methods for L1 regression), then
 * sigma is updated; three rounds settle both to far below the posterior's
 * width.  Least squares needs no continuation. */
static int max_likelihood(const post *P, const sf_data *data, const sf_fit_options *fo,
                          const sf_fit *fit, double *zml, double *logy, sf_error *err)
{
    const sf_law *law = P->law;
    const size_t p = law->n_params;
    double theta[SF_MAX_PARAMS];
    sf_law_to_internal(law, fit->params, theta);
    for (size_t c = 0; c < P->dim; c++) zml[c] = 0;
    sf_pmap_z(&P->map, theta, zml);
    zml[P->nz] = profile_sigma(P, zml, logy);
    if (!P->huber) return SF_OK;
    sf_fit_options o = *fo;
    o.threads = 1;
    double tau = fo->delta;
    for (int round = 0; round < 3; round++) {
        double target = P->delta * exp(zml[P->nz]);
        for (;;) {
            tau = tau / 10 > target ? tau / 10 : target;
            o.delta = tau;
            sf_fit *f = NULL;
            int rc = sf_fit_run_from(law, data, &o, theta, 1, &f, err);
            if (rc != SF_OK) return rc;
            sf_law_to_internal(law, f->params, theta);
            for (size_t j = 0; j < p; j++)
                if (P->map.fixed[j]) theta[j] = P->map.held[j];
            sf_fit_free(f);
            if (tau <= target) break;
        }
        sf_pmap_z(&P->map, theta, zml);
        zml[P->nz] = profile_sigma(P, zml, logy);
    }
    return SF_OK;
}

/* ---- the sampler --------------------------------------------------------------------- */

typedef struct chain {
    size_t W, T, dim;
    double *z;      /* T * W * dim, step-major */
    double *lp;     /* T * W */
    size_t accepted;
} chain;

/* Threads for the sampler: at most one per PARALLEL_MIN_WORK rows x
 * walkers of a half-step and one per walker of a half, and no more than
 * the largest share of walkers needs (16 walkers on 7 threads leave 3 on
 * some thread, as 6 threads do: 6 it is). */
static int sampler_threads(int threads, size_t n, size_t half)
{
    size_t by_work = n * half / PARALLEL_MIN_WORK;
    int t = sf_threads_for(threads, by_work < half ? by_work : half);
    size_t per = (half + (size_t)t - 1) / (size_t)t;
    return (int)((half + per - 1) / per);
}

/* The W walkers' starting points into pos (W x d) and their log
 * densities into lp: centre + L^-T u, u standard normal, L L^T the Fisher
 * information; a start outside the support is redrawn, closer.  logy (n)
 * and jac (n p) are scratch. */
static int start_walkers(const post *P, const double *center, size_t W, uint64_t seed,
                         double *pos, double *lp, double *logy, double *jac, sf_error *err)
{
    const size_t d = P->dim;
    double F[MAX_DIM * MAX_DIM], L[MAX_DIM * MAX_DIM];
    fisher(P, center, logy, jac, F);
    int have_l = cholesky(d, F, L);
    int status = SF_OK;
    for (size_t k = 0; k < W && status == SF_OK; k++) {
        sf_rng r;
        sf_rng_seed(&r, seed, (uint64_t)k);
        double scale = 1.0, *x = pos + k * d;
        int ok = 0;
        for (int tries = 0; tries < 200 && !ok; tries++) {
            double u[MAX_DIM], y[MAX_DIM];
            for (size_t c = 0; c < d; c++) u[c] = sf_rng_normal(&r);
            if (have_l) {
                for (size_t c = d; c-- > 0;) {
                    double v = u[c];
                    for (size_t q = c + 1; q < d; q++) v -= L[q * d + c] * y[q];
                    y[c] = v / L[c * d + c];
                }
            } else {
                for (size_t c = 0; c < d; c++) y[c] = 1e-4 * (fabs(center[c]) + 1e-3) * u[c];
            }
            for (size_t c = 0; c < d; c++) x[c] = center[c] + scale * y[c];
            lp[k] = log_density(P, x, 1, logy, jac, NULL);
            ok = isfinite(lp[k]);
            if (tries % 10 == 9) scale *= 0.5;
        }
        /* The usual cause is not a prior: a law that fits the rows exactly
         * (6 rows on a 2 x 3 grid of N and D for chinchilla's 5
         * parameters) leaves a residual scale sigma of 0 and a likelihood
         * with no width. */
        double sig = exp(center[P->nz]);
        if (!ok && !(sig > 1e-300))
            status = sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                             "cannot start the sampler: law '%s' fits the %zu rows exactly "
                             "(residual scale sigma = %g), so the likelihood has no width; use "
                             "more rows than the law's %zu parameters can interpolate, or give "
                             "sigma a prior (--prior 'sigma=loguniform(1e-4,1)')",
                             P->law->cls->name, P->pb->n, sig, P->nz);
        else if (!ok)
            status = sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                             "cannot start the sampler: no point near the posterior mode "
                             "(sigma = %g) has a finite posterior: a parameter sits where its "
                             "prior is zero (check the priors)", sig);
    }
    return status;
}

/* Walker k = h half + q at step t: a stretch or differential-evolution
 * move given the other half, accepted by Metropolis; pos and lp updated,
 * *accepted set when it moved.  ly (n) is scratch. */
static void move_walker(const post *P, double *pos, double *lp, size_t W, size_t t, size_t h,
                        size_t q, uint64_t seed, double *ly, int *accepted)
{
    const size_t d = P->dim, half = W / 2, k = h * half + q;
    sf_rng r;
    sf_rng_seed(&r, seed, (uint64_t)(W + t * W + k));
    double y[MAX_DIM], logr = 0;
    if (t % DE_CYCLE == 0) {
        /* Stretch move. */
        size_t j = (1 - h) * half + (size_t)sf_rng_below(&r, half);
        double u = sf_rng_uniform(&r);
        double zs = ((STRETCH - 1.0) * u + 1.0) * ((STRETCH - 1.0) * u + 1.0) / STRETCH;
        for (size_t c = 0; c < d; c++)
            y[c] = pos[j * d + c] + zs * (pos[k * d + c] - pos[j * d + c]);
        logr = (double)(d - 1) * log(zs);
    } else {
        /* Differential-evolution move. */
        size_t j1 = (size_t)sf_rng_below(&r, half);
        size_t j2 = (size_t)sf_rng_below(&r, half - 1);
        if (j2 >= j1) j2++;
        j1 += (1 - h) * half;
        j2 += (1 - h) * half;
        double g = DE_GAMMA / sqrt(2.0 * (double)d) * (1.0 + 1e-5 * sf_rng_normal(&r));
        for (size_t c = 0; c < d; c++)
            y[c] = pos[k * d + c] + g * (pos[j1 * d + c] - pos[j2 * d + c]);
    }
    double lpy = log_density(P, y, 1, ly, NULL, NULL);
    logr += lpy - lp[k];
    *accepted = 0;
    if (isfinite(lpy) && log(sf_rng_uniform(&r)) < logr) {
        memcpy(pos + k * d, y, d * sizeof *y);
        lp[k] = lpy;
        *accepted = 1;
    }
}

/* The shared state of one sampling run.  The walkers of the moving half
 * are claimed one at a time from `next`, so a thread the system
 * deschedules holds up only the walker it is on; t, h and status change
 * only in `advance`, run by the last thread at the barrier, so every
 * thread reads the same values between two barriers. */
typedef struct sweep {
    const post *P;
    const sf_bayes_options *bo;
    chain *ch;
    double *pos, *lp;      /* W x d, W */
    size_t *acc;           /* W: moves accepted after burn-in */
    size_t W, T, burn, half, t, h;
    uint64_t seed;
    atomic_size_t next;
    int status;
    sf_barrier bar;
} sweep;

/* After a half-step (the last thread, before any leaves the barrier):
 * the next half, and after both the step is stored, reported and the
 * cancel flag read. */
static void advance(void *ctx)
{
    sweep *s = ctx;
    const size_t W = s->W, d = s->P->dim;
    if (s->h == 0) {
        s->h = 1;
    } else {
        if (s->t >= s->burn) {
            memcpy(s->ch->z + (s->t - s->burn) * W * d, s->pos, W * d * sizeof *s->pos);
            memcpy(s->ch->lp + (s->t - s->burn) * W, s->lp, W * sizeof *s->lp);
        }
        if (s->bo->progress) s->bo->progress(s->bo->progress_ctx, s->t + 1, s->T);
        if (s->P->cancel && *s->P->cancel) s->status = SF_ECANCELED;
        s->h = 0;
        s->t++;
    }
    atomic_store_explicit(&s->next, 0, memory_order_relaxed);
}

/* One thread's part of the run: claim walkers of the moving half until
 * none is left, meet the others, repeat.  ly (n) is scratch. */
static void sweep_run(sweep *s, double *ly)
{
    while (s->t < s->T && s->status == SF_OK) {
        size_t t = s->t, h = s->h, q;
        while ((q = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed)) < s->half) {
            int moved;
            move_walker(s->P, s->pos, s->lp, s->W, t, h, q, s->seed, ly, &moved);
            if (moved && t >= s->burn) s->acc[h * s->half + q]++;
        }
        sf_barrier_wait(&s->bar, advance, s);
    }
}

static int sample(const post *P, const double *center, const sf_bayes_options *bo, size_t W,
                  uint64_t seed, int threads, chain *ch, sf_error *err)
{
    const size_t d = P->dim, n = P->pb->n, p = P->law->n_params, half = W / 2;
    /* A team only when each thread gets about a millisecond of likelihood
     * per half-step (the sampler meets twice a step). */
#ifdef _OPENMP
    const int nt = sampler_threads(threads, n, half);
#else
    const int nt = 1;
    (void)threads;
#endif
    sweep s = {.P = P, .bo = bo, .ch = ch, .W = W, .T = bo->burn + bo->steps,
               .burn = bo->burn, .half = half, .seed = seed, .status = SF_OK};
    atomic_init(&s.next, 0);
    ch->W = W;
    ch->T = bo->steps;
    ch->dim = d;
    ch->z = malloc((bo->steps ? bo->steps : 1) * W * d * sizeof *ch->z);
    ch->lp = malloc((bo->steps ? bo->steps : 1) * W * sizeof *ch->lp);
    s.pos = malloc(W * d * sizeof *s.pos);
    s.lp = malloc(W * sizeof *s.lp);
    s.acc = calloc(W, sizeof *s.acc);
    double *logy = malloc((n ? n : 1) * (size_t)nt * sizeof *logy);
    double *jac = malloc((n ? n : 1) * p * sizeof *jac);
    int status = ch->z && ch->lp && s.pos && s.lp && s.acc && logy && jac ? SF_OK : SF_ENOMEM;
    if (status == SF_OK)
        status = start_walkers(P, center, W, seed, s.pos, s.lp, logy, jac, err);
    free(jac);
    int have_bar = 0;
    if (status == SF_OK && nt == 1 && (status = sf_barrier_init(&s.bar, 1)) == SF_OK) {
        have_bar = 1;
        sweep_run(&s, logy);
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
    if (status == SF_OK && nt > 1) {
#pragma omp single
        if ((status = sf_barrier_init(&s.bar, (unsigned)omp_get_num_threads())) == SF_OK)
            have_bar = 1;
        /* The single's barrier: every thread sees status and the barrier. */
        if (status == SF_OK) sweep_run(&s, logy + (size_t)omp_get_thread_num() * (n ? n : 1));
    }
#endif
    if (have_bar) sf_barrier_destroy(&s.bar);
    if (status == SF_OK) status = s.status;
    size_t nacc = 0;
    for (size_t k = 0; s.acc && k < W; k++) nacc += s.acc[k];
    ch->accepted = nacc;
    free(logy);
    free(s.pos);
    free(s.lp);
    free(s.acc);
    if (status == SF_ENOMEM) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (status == SF_ECANCELED) return sf_fail(err, SF_ECANCELED, NULL, 0, 0, "interrupted");
    return status;
}

/* ---- the whole run --------------------------------------------------------------------- */

static void warn_diagnostics(sf_draws *dr, const post *P, const double *rhat, const double *ess,
                             const int *window_ok)
{
    sf_buf br = {0}, be = {0}, bw = {0};
    for (size_t c = 0; c < P->dim; c++) {
        const char *nm = P->param[c] >= 0 ? P->law->param[P->param[c]].name : "sigma";
        if (!(rhat[c] < RHAT_MAX)) sf_buf_printf(&br, "%s%s %.3g", br.len ? ", " : "", nm, rhat[c]);
        if (!(ess[c] >= ESS_MIN)) sf_buf_printf(&be, "%s%s %.0f", be.len ? ", " : "", nm, ess[c]);
        if (!window_ok[c]) sf_buf_printf(&bw, "%s%s", bw.len ? ", " : "", nm);
    }
    if (br.len)
        sf_draws_add_warning(dr, "R-hat >= %.2f (%s): the walkers have not mixed; run longer "
                             "(--burn, --steps)", RHAT_MAX, br.data);
    if (be.len)
        sf_draws_add_warning(dr, "effective sample size below %d (%s): the intervals are rough; "
                             "run longer (--steps)", ESS_MIN, be.data);
    if (bw.len)
        sf_draws_add_warning(dr, "the autocorrelation time of %s could not be estimated (the "
                             "chains are shorter than 10 autocorrelation times): run longer",
                             bw.data);
    sf_buf_free(&br);
    sf_buf_free(&be);
    sf_buf_free(&bw);
}

/* SF_OK when `fit` can be sampled on `data` with bo. */
static int check_request(const sf_fit *fit, const sf_data *data, const sf_bayes_options *bo,
                         sf_error *err)
{
    int rc = sf_levels_check(bo->levels, bo->n_levels, err);
    if (rc != SF_OK) return rc;
    if (bo->steps < 4)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the sampler needs 4 or more steps");
    if (bo->n_priors > SF_MAX_PARAMS + 1)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "too many priors");
    if (!fit->has_data)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "the posterior needs a fit made from data (not a fit file)");
    if (data->n != fit->n_points)
        return sf_fail(err, SF_EINVAL, data->source, 0, 0,
                       "the fit has %zu rows, the data %zu: sample on the data it was fitted to",
                       fit->n_points, data->n);
    return SF_OK;
}

/* The likelihood's maximum from the fit into zml, then the posterior's
 * mode into zmap (the same point under flat priors that contain it). */
static int find_mode(const post *P, const sf_data *data, const sf_fit *fit, double *zml,
                     double *zmap, sf_error *err)
{
    const size_t n = P->pb->n, p = P->law->n_params;
    double *logy = malloc((n ? n : 1) * sizeof *logy), *jac = malloc((n ? n : 1) * p * sizeof *jac);
    int rc = logy && jac ? SF_OK : sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK) rc = max_likelihood(P, data, &fit->opt, fit, zml, logy, err);
    if (rc == SF_OK) {
        memcpy(zmap, zml, P->dim * sizeof *zmap);
        into_support(P, zmap);
        if (!isfinite(maximise(P, 1, zmap, logy, jac)))
            rc = sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                         "the posterior is zero near the best fit: the priors exclude the data's "
                         "parameters");
    }
    free(logy);
    free(jac);
    return rc;
}

/* R-hat and ESS per coordinate of the chain, reported per parameter
 * (held ones stay NaN; index p is sigma); warnings for poor mixing. */
static void diagnose(sf_draws *dr, const post *P, const chain *ch)
{
    const size_t d = P->dim, p = P->law->n_params;
    double rhat[MAX_DIM] = {0}, ess[MAX_DIM] = {0};
    int wok[MAX_DIM] = {0};
    for (size_t c = 0; c < d; c++) {
        rhat[c] = sf_split_rhat(ch->z + c, ch->W, ch->T, d);
        double tau = sf_autocorr_time(ch->z + c, ch->W, ch->T, d, &wok[c]);
        ess[c] = (double)(ch->W * ch->T) / tau;
    }
    for (size_t j = 0; j < p; j++) {
        int c = P->map.map[j];
        if (c < 0) continue;
        dr->rhat[j] = rhat[c];
        dr->ess[j] = ess[c];
    }
    dr->rhat[p] = rhat[P->nz];
    dr->ess[p] = ess[P->nz];
    warn_diagnostics(dr, P, rhat, ess, wok);
}

/* The kept, thinned steps of the chain as draws of `fit`, with the
 * maximum-likelihood point zml and the diagnostics.  NULL on ENOMEM. */
static sf_draws *make_draws(const post *P, const sf_fit *fit, const sf_bayes_options *bo,
                            const chain *ch, const double *zml)
{
    const sf_law *law = P->law;
    const sf_fit_options *fo = &fit->opt;
    const size_t d = P->dim, p = law->n_params, W = ch->W;
    size_t thin = bo->thin;
    if (thin == 0) thin = (bo->steps * W + MAX_DRAWS - 1) / MAX_DRAWS;
    if (thin < 1) thin = 1;
    size_t kept_steps = (bo->steps + thin - 1) / thin;
    sf_draws *dr = sf_draws_new(fit, kept_steps * W, p, 1);
    if (!dr) return NULL;
    dr->kind = SF_DRAWS_POSTERIOR;
    dr->walkers = W;
    dr->burn = bo->burn;
    dr->steps = bo->steps;
    dr->thin = thin;
    dr->acceptance = (double)ch->accepted / (double)(W * bo->steps);
    dr->n_levels = bo->n_levels;
    memcpy(dr->levels, bo->levels, bo->n_levels * sizeof *bo->levels);
    size_t k = 0;
    for (size_t t = 0; t < bo->steps; t += thin)
        for (size_t w = 0; w < W; w++, k++) {
            const double *z = ch->z + (t * W + w) * d;
            double theta[SF_MAX_PARAMS];
            sf_pmap_theta(&P->map, z, theta);
            sf_law_to_natural(law, theta, dr->x + k * p);
            /* Held parameters exactly as given (exp(log x) may differ
             * from x in the last bit). */
            for (size_t j = 0; j < p; j++)
                if (P->map.fixed[j]) dr->x[k * p + j] = fit->params[j];
            dr->sigma[k] = exp(z[P->nz]);
            sf_rng r;
            sf_rng_seed(&r, fo->seed, (uint64_t)(W + (bo->burn + bo->steps) * W + k));
            dr->noise[k] = dr->sigma[k] * huber_draw(P->huber, P->delta, P->lognorm, &r);
        }
    double theta[SF_MAX_PARAMS];
    sf_pmap_theta(&P->map, zml, theta);
    sf_law_to_natural(law, theta, dr->ml);
    for (size_t j = 0; j < p; j++)
        if (P->map.fixed[j]) dr->ml[j] = fit->params[j];
    dr->ml_sigma = exp(zml[P->nz]);
    for (size_t c = 0; c < d; c++) dr->prior[dr->n_priors++] = P->prior[c];
    diagnose(dr, P, ch);
    return dr;
}

int sf_bayes_run(const sf_fit *fit, const sf_data *data, const sf_bayes_options *bo,
                 sf_draws **out, sf_error *err)
{
    *out = NULL;
    sf_bayes_options bdef;
    if (!bo) {
        sf_bayes_options_init(&bdef);
        bo = &bdef;
    }
    int rc = check_request(fit, data, bo, err);
    if (rc != SF_OK) return rc;
    const sf_law *law = fit->law;
    const sf_fit_options *fo = &fit->opt;
    sf_problem pb;
    if ((rc = sf_problem_init(&pb, law, data, fo, err)) != SF_OK) {
        sf_problem_free(&pb);
        return rc;
    }
    post P;
    rc = setup(&P, law, &pb, fit, fo, bo, err);
    const size_t d = P.dim;
    size_t W = bo->walkers ? bo->walkers : (4 * d > 32 ? 4 * d : 32);
    W += W % 2;
    if (rc == SF_OK && W < 2 * d)
        rc = sf_fail(err, SF_EINVAL, NULL, 0, 0,
                     "%zu walkers are too few for %zu sampled coordinates: use at least %zu",
                     W, d, 2 * d);
    double zml[MAX_DIM], zmap[MAX_DIM];
    if (rc == SF_OK) rc = find_mode(&P, data, fit, zml, zmap, err);
    chain ch = {0};
    if (rc == SF_OK) rc = sample(&P, zmap, bo, W, fo->seed, fo->threads, &ch, err);
    sf_draws *dr = NULL;
    if (rc == SF_OK && !(dr = make_draws(&P, fit, bo, &ch, zml)))
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    free(ch.z);
    free(ch.lp);
    sf_problem_free(&pb);
    if (rc != SF_OK) return rc;
    *out = dr;
    return SF_OK;
}
