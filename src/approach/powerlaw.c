/*
 * Pieces shared by Approaches 1 and 2: the log-log regression of the
 * optima on compute, percentile intervals, and the list of warnings.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "approach/approach_impl.h"
#include "base/base.h"

#define BOOTSTRAP_MAX 1000000

int sf_approach_check_common(int bootstrap, double level, sf_error *err)
{
    if (bootstrap < 0 || bootstrap > BOOTSTRAP_MAX)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "bootstrap resamples must be in 0..%d, got %d",
                       BOOTSTRAP_MAX, bootstrap);
    if (!(level > 0 && level < 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "interval level must be in (0, 1), got %g",
                       level);
    return SF_OK;
}

int sf_line_fit(const double *x, const double *y, const double *w, size_t n, double *c0,
                double *c1)
{
    /* Centred sums in index order (reproducible, no cancellation from
     * large log C). */
    double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sw += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    if (!(sw > 0)) return -1;
    double xm = sx / sw, ym = sy / sw, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sxx += wi * (x[i] - xm) * (x[i] - xm);
        sxy += wi * (x[i] - xm) * (y[i] - ym);
    }
    if (!(sxx > 0)) return -1;
    *c1 = sxy / sxx;
    *c0 = ym - *c1 * xm;
    return 0;
}

int sf_powerlaws_fit(const double *lc, const double *ln, const double *w, size_t n,
                     sf_powerlaw pl[3])
{
    double c0, a;
    for (int q = 0; q < 3; q++) {
        pl[q].k = pl[q].exponent = pl[q].lo = pl[q].hi = NAN;
        pl[q].n = n;
    }
    if (sf_line_fit(lc, ln, w, n, &c0, &a) != 0) return -1;
    /* D* = C/(6 N*) row by row, so the same weighted regression of log D*
     * on log C has slope 1 - a and intercept -log 6 - log k exactly, and
     * that of log(D* / N*) slope 1 - 2a, intercept -log 6 - 2 log k. */
    pl[SF_OPTIMUM_N].k = exp(c0);
    pl[SF_OPTIMUM_N].exponent = a;
    pl[SF_OPTIMUM_D].k = exp(-log(6.0) - c0);
    pl[SF_OPTIMUM_D].exponent = 1.0 - a;
    pl[SF_OPTIMUM_RATIO].k = exp(-log(6.0) - 2.0 * c0);
    pl[SF_OPTIMUM_RATIO].exponent = 1.0 - 2.0 * a;
    return 0;
}

size_t sf_percentile_interval(double *v, size_t n, double level, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            double t = v[m];
            v[m++] = v[i];
            v[i] = t;
        }
    *lo = *hi = NAN;
    if (m == 0) return 0;
    sf_sort_doubles(v, m);
    *lo = sf_quantile_sorted(v, m, 0.5 * (1.0 - level));
    *hi = sf_quantile_sorted(v, m, 0.5 * (1.0 + level));
    return m;
}

/* Intervals of b and the ratio follow from a's: b = 1 - a and the ratio
 * exponent 1 - 2a are decreasing linear maps, which commute with the
 * type-7 percentiles. */
void sf_powerlaws_interval(sf_powerlaw pl[3], double a_lo, double a_hi)
{
    pl[SF_OPTIMUM_N].lo = a_lo;
    pl[SF_OPTIMUM_N].hi = a_hi;
    pl[SF_OPTIMUM_D].lo = 1.0 - a_hi;
    pl[SF_OPTIMUM_D].hi = 1.0 - a_lo;
    pl[SF_OPTIMUM_RATIO].lo = 1.0 - 2.0 * a_hi;
    pl[SF_OPTIMUM_RATIO].hi = 1.0 - 2.0 * a_lo;
}

int sf_notes_add(sf_notes *s, const char *fmt, ...)
{
    if (s->n == s->cap) {
        size_t c = s->cap ? 2 * s->cap : 8;
        char **t = realloc(s->text, c * sizeof *t);
        if (!t) return SF_ENOMEM;
        s->text = t;
        s->cap = c;
    }
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) return SF_ENOMEM;
    char *buf = malloc((size_t)len + 1);
    if (!buf) return SF_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)len + 1, fmt, ap);
    va_end(ap);
    s->text[s->n++] = buf;
    return SF_OK;
}

void sf_notes_free(sf_notes *s)
{
    for (size_t k = 0; k < s->n; k++) free(s->text[k]);
    free(s->text);
    s->text = NULL;
    s->n = s->cap = 0;
}
