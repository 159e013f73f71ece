/*
 * Fitting a curve law: least squares on log losses,
 *     f(theta) = 1/2 sum_i (log L^(t_i; exp theta) - log L_i)^2,
 * by Levenberg-Marquardt (Marquardt's diagonal scaling) from each of the
 * law's starts, the best kept.  With <= 7 parameters and a few hundred
 * rows a step costs O(rows p^2); a fit of "anneal" to one run is well
 * under a millisecond (bench/README.md).
 *
 * Uncertainty: the Gauss-Newton covariance H^-1 s^2 (H = J'J at the
 * optimum, s^2 = RSS / (n - p)), widened by (1 + rho) / (1 - rho) with rho
 * the lag-1 autocorrelation of the residuals along each run (neighbouring
 * checkpoints share their errors, an AR(1) effective sample size), then
 * propagated to a forecast by the delta method, plus s^2 for the scatter
 * of one checkpoint.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

struct sf_curve_fit {
    const curve_law *law;
    sf_curve_options opt;
    double p[CURVE_MAX_P], theta[CURVE_MAX_P];
    double obj, s2, rho;
    double cov[CURVE_MAX_P * CURVE_MAX_P]; /* internal coordinates */
    size_t n;
};

void sf_curve_options_init(sf_curve_options *o)
{
    o->lambda = 0.999;
    o->min_step = -1;
    o->level = 0.95;
    o->max_iter = 500;
}

/* Cost at theta; r (n) and J (n x p, d r / d theta) when not NULL.
 * INFINITY when a prediction is not finite and > 0. */
static double cost(const curve_law *law, const cfeat *f, const double *theta, double *r,
                   double *J)
{
    double p[CURVE_MAX_P], g[CURVE_MAX_P], s = 0;
    for (size_t j = 0; j < law->np; j++) p[j] = exp(theta[j]);
    for (size_t i = 0; i < f->n; i++) {
        double L = law->eval(p, f, i, J ? g : NULL);
        if (!(L > 0) || !isfinite(L)) return INFINITY;
        double ri = log(L) - f->y[i];
        if (r) r[i] = ri;
        if (J)
            for (size_t j = 0; j < law->np; j++) J[i * law->np + j] = g[j] / L;
        s += 0.5 * ri * ri;
    }
    return isfinite(s) ? s : INFINITY;
}

static void normal_eq(const double *J, const double *r, size_t n, size_t p, double *H,
                      double *g)
{
    memset(H, 0, p * p * sizeof *H);
    memset(g, 0, p * sizeof *g);
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < p; a++) {
            g[a] += J[i * p + a] * r[i];
            for (size_t b = 0; b < p; b++) H[a * p + b] += J[i * p + a] * J[i * p + b];
        }
}

/* Levenberg-Marquardt from theta (updated in place); returns the cost. */
static double lm(const curve_law *law, const cfeat *f, double *theta, int max_iter,
                 double *r, double *J)
{
    const size_t p = law->np;
    double H[CURVE_MAX_P * CURVE_MAX_P], A[CURVE_MAX_P * CURVE_MAX_P], g[CURVE_MAX_P];
    double step[CURVE_MAX_P], trial[CURVE_MAX_P], mu = 1e-3;
    double c = cost(law, f, theta, r, J);
    if (!isfinite(c)) return c;
    normal_eq(J, r, f->n, p, H, g);
    for (int it = 0; it < max_iter && mu < 1e16; it++) {
        double gmax = 0;
        for (size_t j = 0; j < p; j++) gmax = fmax(gmax, fabs(g[j]));
        if (gmax <= 1e-14) break;
        memcpy(A, H, sizeof H);
        for (size_t j = 0; j < p; j++) A[j * p + j] += mu * (H[j * p + j] + 1e-30);
        for (size_t j = 0; j < p; j++) g[j] = -g[j];
        int ok = sf_spd_solve(p, A, g, step);
        for (size_t j = 0; j < p; j++) g[j] = -g[j];
        if (!ok) {
            mu *= 10;
            continue;
        }
        for (size_t j = 0; j < p; j++) trial[j] = fmin(60.0, fmax(-60.0, theta[j] + step[j]));
        double ct = cost(law, f, trial, NULL, NULL);
        if (ct < c) {
            int small = c - ct <= 1e-12 * c;
            memcpy(theta, trial, p * sizeof *theta);
            c = cost(law, f, theta, r, J);
            normal_eq(J, r, f->n, p, H, g);
            mu = fmax(mu / 3, 1e-12);
            if (small) break;
        } else {
            mu *= 4;
        }
    }
    return c;
}

/* Covariance of theta: (J'J)^-1 s^2 (1+rho)/(1-rho); a tiny ridge when
 * J'J is singular (a coefficient the data do not determine). */
static void covariance(sf_curve_fit *fit, const double *J, const double *r, const cfeat *f)
{
    const size_t p = fit->law->np, n = f->n;
    double H[CURVE_MAX_P * CURVE_MAX_P], g[CURVE_MAX_P], e[CURVE_MAX_P], x[CURVE_MAX_P];
    normal_eq(J, r, n, p, H, g);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        den += r[i] * r[i];
        if (i && f->run[i] == f->run[i - 1]) num += r[i] * r[i - 1];
    }
    fit->rho = den > 0 ? fmin(0.95, fmax(0.0, num / den)) : 0.0;
    fit->s2 = n > p ? den / (double)(n - p) : 0.0;
    double infl = (1 + fit->rho) / (1 - fit->rho), tr = 0;
    for (size_t j = 0; j < p; j++) tr += H[j * p + j];
    for (int attempt = 0; attempt < 8; attempt++) {
        int ok = 1;
        for (size_t k = 0; k < p && ok; k++) {
            for (size_t j = 0; j < p; j++) e[j] = j == k;
            ok = sf_spd_solve(p, H, e, x);
            for (size_t j = 0; j < p; j++) fit->cov[j * p + k] = x[j] * fit->s2 * infl;
        }
        if (ok) return;
        for (size_t j = 0; j < p; j++) H[j * p + j] += 1e-12 * pow(100.0, attempt) * (tr + 1e-300);
    }
    memset(fit->cov, 0, sizeof fit->cov);
}

static int fit_rows(const curve_law *law, const cfeat *f, sf_curve_fit *fit, sf_error *err)
{
    const size_t p = law->np, maxs = law->need_seg ? 3 : 8;
    double *r = malloc((f->n ? f->n : 1) * sizeof *r);
    double *J = malloc((f->n ? f->n : 1) * p * sizeof *J);
    double starts[8 * CURVE_MAX_P], th[CURVE_MAX_P];
    size_t ns = 0;
    int rc = r && J ? law->starts(f, starts, maxs, &ns) : SF_ENOMEM;
    fit->obj = INFINITY;
    for (size_t s = 0; rc == SF_OK && s < ns; s++) {
        memcpy(th, starts + s * p, p * sizeof *th);
        double c = lm(law, f, th, fit->opt.max_iter, r, J);
        if (c < fit->obj) {
            fit->obj = c;
            memcpy(fit->theta, th, p * sizeof *th);
        }
    }
    if (rc == SF_OK && !isfinite(fit->obj))
        rc = sf_fail(err, SF_ENOCONV, "", 0, 0, "%s: no start gave a finite objective",
                     law->name);
    else if (rc == SF_OK) {
        fit->obj = cost(law, f, fit->theta, r, J);
        for (size_t j = 0; j < p; j++) fit->p[j] = exp(fit->theta[j]);
        covariance(fit, J, r, f);
    } else if (rc == SF_ENOMEM) {
        sf_fail(err, rc, "", 0, 0, "out of memory");
    }
    free(r);
    free(J);
    return rc;
}

int sf_curve_fit_run(const char *name, const sf_curve_run *runs, size_t n_runs,
                     const sf_curve_options *o, sf_curve_fit **out, sf_error *err)
{
    *out = NULL;
    const curve_law *law = curve_law_find(name);
    if (!law) return sf_fail(err, SF_EINVAL, "", 0, 0, "unknown curve law '%s'", name);
    sf_curve_fit *fit = calloc(1, sizeof *fit);
    if (!fit) return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    fit->law = law;
    if (o) fit->opt = *o;
    else sf_curve_options_init(&fit->opt);
    for (size_t k = 0; k < n_runs; k++)
        if (!runs[k].loss) {
            free(fit);
            return sf_fail(err, SF_EINVAL, "", 0, 0, "run %zu has no losses", k + 1);
        }
    cfeat f;
    int rc = cfeat_build(&f, runs, n_runs, &fit->opt, 1, law->need_seg, err);
    if (rc == SF_OK && f.n <= law->np)
        rc = sf_fail(err, SF_ENODATA, "", 0, 0,
                     "%s: %zu checkpoints after the warm-up cut, need more than %zu", name,
                     f.n, law->np);
    if (rc == SF_OK) {
        fit->n = f.n;
        rc = fit_rows(law, &f, fit, err);
    }
    if (f.t) cfeat_free(&f);
    if (rc != SF_OK) {
        free(fit);
        return rc;
    }
    *out = fit;
    return SF_OK;
}

double sf_curve_objective(const char *name, const double *params, const sf_curve_run *runs,
                          size_t n_runs, const sf_curve_options *o)
{
    const curve_law *law = curve_law_find(name);
    sf_curve_options d;
    if (!o) {
        sf_curve_options_init(&d);
        o = &d;
    }
    cfeat f;
    if (!law || cfeat_build(&f, runs, n_runs, o, 1, law->need_seg, NULL) != SF_OK) return NAN;
    double th[CURVE_MAX_P];
    for (size_t j = 0; j < law->np; j++) th[j] = log(params[j]);
    double c = cost(law, &f, th, NULL, NULL);
    cfeat_free(&f);
    return isfinite(c) ? c : NAN;
}

void sf_curve_fit_free(sf_curve_fit *f) { free(f); }
const char *sf_curve_fit_law(const sf_curve_fit *f) { return f->law->name; }
size_t sf_curve_fit_n_params(const sf_curve_fit *f) { return f->law->np; }
const double *sf_curve_fit_params(const sf_curve_fit *f) { return f->p; }
double sf_curve_fit_objective(const sf_curve_fit *f) { return f->obj; }
size_t sf_curve_fit_n_points(const sf_curve_fit *f) { return f->n; }
double sf_curve_fit_sigma(const sf_curve_fit *f) { return sqrt(f->s2); }
double sf_curve_fit_rho(const sf_curve_fit *f) { return f->rho; }

/* Standard normal quantile by bisection on erfc (50 halvings of [-10, 10]
 * reach 2e-14: enough for an interval's level). */
static double probit(double q)
{
    double lo = -10, hi = 10;
    for (int k = 0; k < 60; k++) {
        double m = 0.5 * (lo + hi);
        if (0.5 * erfc(-m / sqrt(2.0)) < q) lo = m;
        else hi = m;
    }
    return 0.5 * (lo + hi);
}

int sf_curve_predict(const sf_curve_fit *fit, const sf_schedule *schedule, const double *step,
                     size_t m, double *loss, double *lo, double *hi, sf_error *err)
{
    sf_curve_run run = {schedule, m, step, NULL};
    cfeat f;
    int rc = cfeat_build(&f, &run, 1, &fit->opt, 0, fit->law->need_seg, err);
    if (rc != SF_OK) return rc;
    const size_t p = fit->law->np;
    double z = probit(0.5 + 0.5 * fit->opt.level), g[CURVE_MAX_P];
    for (size_t i = 0; i < m; i++) {
        double L = fit->law->eval(fit->p, &f, i, g);
        if (!(L > 0) || !isfinite(L)) {
            cfeat_free(&f);
            return sf_fail(err, SF_EDOMAIN, "", 0, 0,
                           "%s: predicted loss at step %g is not finite and > 0",
                           fit->law->name, step[i]);
        }
        loss[i] = L;
        if (!lo || !hi) continue;
        double v = fit->s2;
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) v += g[a] / L * fit->cov[a * p + b] * g[b] / L;
        double sd = sqrt(fmax(v, 0.0));
        lo[i] = L * exp(-z * sd);
        hi[i] = L * exp(z * sd);
    }
    cfeat_free(&f);
    return SF_OK;
}
