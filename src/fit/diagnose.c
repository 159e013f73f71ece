/*
 * Diagnoses of a fit: the conditions under which a converged fit's
 * numbers do not mean what they seem (docs/reliability.md).
 *
 * A fit can converge (small gradient, tiny objective) and still leave a
 * parameter undetermined: an exponent the data push onto its bound 0 turns
 * its term into a constant merged with the floor E; a term whose share of
 * the loss variation over the data is negligible leaves its coefficient and
 * exponent free to trade off against each other.  Predictions inside the
 * data's range are then fine, but everything that extrapolates along that
 * term (G, the compute-optimal allocation) rests on an unidentified value.
 * The diagnoses say which parameter and why; the CLI prints them, the JSON
 * carries them, and optimal and predict repeat them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fit/fit_impl.h"

int sf_fit_add_diagnosis(sf_fit *fit, const char *code, const char *param, const char *fmt, ...)
{
    if (fit->n_diag >= SF_MAX_WARN) return SF_EINVAL;
    struct sf_fit_diag *g = &fit->diag[fit->n_diag++];
    sf_strlcpy(g->code, code, sizeof g->code);
    sf_strlcpy(g->param, param ? param : "", sizeof g->param);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
    return SF_OK;
}

size_t sf_fit_n_diagnoses(const sf_fit *fit) { return fit->n_diag; }

int sf_fit_diagnosis(const sf_fit *fit, size_t k, sf_diagnosis *out)
{
    if (k >= fit->n_diag) return SF_EINVAL;
    const struct sf_fit_diag *g = &fit->diag[k];
    out->code = g->code;
    out->param = g->param[0] ? g->param : NULL;
    out->message = g->msg;
    return SF_OK;
}

int sf_fit_check_variation(const sf_law *law, const sf_data *d, const sf_pmap *base,
                           sf_error *err)
{
    if (base->nz == 0 || d->n < 2 || !d->loss) return SF_OK;
    double lo = d->loss[0], hi = d->loss[0];
    for (size_t i = 1; i < d->n; i++) {
        if (d->loss[i] < lo) lo = d->loss[i];
        if (d->loss[i] > hi) hi = d->loss[i];
    }
    /* Equal to the last few bits: the rounding of one printed value. */
    if (!(hi - lo <= 1e-13 * fabs(hi))) return SF_OK;
    return sf_fail(err, SF_EUNIDENTIFIABLE, d->source, 0, 0,
                   "every row has loss %.6g: with no loss variation only a constant is "
                   "determined, not how loss scales; law '%s' cannot be fitted "
                   "(check the loss column and --filter)", lo, law->cls->name);
}

/* Least-squares slope of log loss against the log of each role the law
 * reads, as "N +0.05, D +0.03" into buf: the data's own trend, which says
 * why an exponent went to 0. */
static void trends(const sf_problem *pb, char *buf, size_t size)
{
    const size_t n = pb->n;
    size_t k = 0;
    buf[0] = '\0';
    for (int r = 0; r < SF_ROLE_COUNT && k < size; r++) {
        const double *x = pb->obs.log[r];
        if (!x || r == SF_ROLE_LOSS) continue;
        double mx = 0, my = 0;
        for (size_t i = 0; i < n; i++) {
            mx += x[i];
            my += pb->obs.logy[i];
        }
        mx /= (double)n;
        my /= (double)n;
        double sxy = 0, sxx = 0;
        for (size_t i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (pb->obs.logy[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        if (!(sxx > 0)) continue;
        int w = snprintf(buf + k, size - k, "%s%s %+.3g", k ? ", " : "",
                         sf_role_name((sf_role)r), sxy / sxx);
        if (w < 0) break;
        k += (size_t)w;
    }
}

/* Parameters held or stopped on a bound of their range. */
static void bounds(sf_fit *fit, const sf_problem *pb)
{
    const sf_law *law = fit->law;
    char why[160];
    trends(pb, why, sizeof why);
    for (size_t j = 0; j < law->n_params; j++) {
        const sf_param_spec *ps = &law->param[j];
        if (fit->map.rep[j] != (int)j) continue;
        double v = fit->params[j];
        /* Exponents live on the linear scale; a coefficient held at 0
         * (power's --fix E=0, a pure power law) is a model, not a
         * degeneracy. */
        int on = ps->scale == SF_SCALE_LINEAR && (v == ps->lo || v == ps->hi);
        if (fit->map.fixed[j] && on)
            sf_fit_add_diagnosis(fit, "fixed_at_bound", ps->name,
                                 "%s is held at %g, a bound of its range: the term it scales "
                                 "does not change with scale, so derived quantities that divide "
                                 "by it (a, b, G) and the compute-optimal allocation are "
                                 "degenerate", ps->name, v);
        else if (fit->map.bound[j])
            sf_fit_add_diagnosis(fit, "at_bound", ps->name,
                                 "%s stopped on the bound %g of its range: the data push it "
                                 "there (log-log slope of loss against %s over the data), so "
                                 "%s and the term it scales are not estimated, and the "
                                 "allocation rests on it", ps->name, v, why[0] ? why : "-",
                                 ps->name);
    }
}

/* The range [lo, hi] over the rows of exp(law(theta) - top) -
 * exp(law(th2) - top) (non-finite differences count as 0), in chunks of
 * SF_ROW_CHUNK rows so that a large table needs no table-sized scratch.
 * buf: 2 * SF_ROW_CHUNK. */
static void term_range(const sf_law *law, const sf_obs *obs, const double *theta,
                       const double *th2, double top, double *buf, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t c = 0; c < obs->n; c += SF_ROW_CHUNK) {
        size_t m = obs->n - c < SF_ROW_CHUNK ? obs->n - c : SF_ROW_CHUNK;
        sf_obs v = sf_obs_view(obs, c, m);
        law->cls->eval(law, theta, &v, buf, NULL);
        law->cls->eval(law, th2, &v, buf + SF_ROW_CHUNK, NULL);
        for (size_t i = 0; i < m; i++) {
            double t = exp(buf[i] - top) - exp(buf[SF_ROW_CHUNK + i] - top);
            if (!isfinite(t)) t = 0;
            if (t < *lo) *lo = t;
            if (t > *hi) *hi = t;
        }
    }
}

/* Terms c_k * basis_k(theta_dep) of a law with linear structure whose
 * range over the data is below SF_WEAK_TERM_SHARE of the loss's range. */
static void weak_terms(sf_fit *fit, const sf_problem *pb, const double *theta)
{
    const sf_law *law = fit->law;
    const size_t n = pb->n;
    if (law->n_lin == 0 || n < 2) return;
    double *buf = malloc(2 * SF_ROW_CHUNK * sizeof *buf);
    if (!buf) return;
    /* Work in units of the largest loss so 1e300 does not overflow. */
    double top = pb->obs.logy[0];
    for (size_t i = 1; i < n; i++)
        if (pb->obs.logy[i] > top) top = pb->obs.logy[i];
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double y = exp(pb->obs.logy[i] - top);
        if (y < ylo) ylo = y;
        if (y > yhi) yhi = y;
    }
    const double spread = yhi - ylo;
    for (size_t k = 0; k < law->n_lin && spread > 0; k++) {
        int c = law->lin[k], e = law->lin_dep[k];
        if (e < 0 || fit->map.rep[c] != c) continue;
        if (fit->map.bound[e] || (fit->map.fixed[e] && (fit->params[e] == law->param[e].lo ||
                                                         fit->params[e] == law->param[e].hi)))
            continue;  /* a constant term: bounds() says so */
        double th[SF_MAX_PARAMS];
        memcpy(th, theta, law->n_params * sizeof *th);
        th[c] = -INFINITY;  /* coefficient 0: the term removed */
        double tlo, thi;
        term_range(law, &pb->obs, theta, th, top, buf, &tlo, &thi);
        double share = (thi - tlo) / spread;
        if (share < SF_WEAK_TERM_SHARE)
            sf_fit_add_diagnosis(fit, "weak_term", law->param[e].name,
                                 "the term of %s and %s changes the loss by %.2g%% of its "
                                 "variation over the data's range (under %g%%): %s and %s are "
                                 "not identified, and extrapolation and the allocation rest "
                                 "on them", law->param[c].name, law->param[e].name,
                                 100.0 * share, 100.0 * SF_WEAK_TERM_SHARE,
                                 law->param[c].name, law->param[e].name);
    }
    free(buf);
}

void sf_fit_diagnose(sf_fit *fit, const sf_problem *pb, const double *theta)
{
    bounds(fit, pb);
    weak_terms(fit, pb, theta);
    if (!isfinite(fit->r2))
        sf_fit_add_diagnosis(fit, "r2_undefined", NULL,
                             "R^2 is undefined on these data (no finite value): judge the "
                             "fit by its objective and residuals");
}
