/*
 * Extrapolation intervals (issue 23; docs/uncertainty.md, "Extrapolation
 * intervals").  A prediction beyond the data is off for three reasons that
 * add on the log-loss scale: the parameters are uncertain (the spread of
 * log L^ over bootstrap or posterior draws), a run scatters around the law
 * (the residual sd), and the law itself drifts from the truth the further
 * it is carried (misspecification, changes of the data-generating process
 * with scale).  The last part is k(level) x distance, distance in decades
 * beyond the largest fitted N and D, k calibrated on held-out largest
 * models of real families (bench/extrap_calibration.py): for each held-out
 * target the smallest k that covers it with the residual part, and
 * k(level) the conformal quantile of those over all targets.
 *
 * The calibrated term measures the whole error of the point prediction
 * beyond a run's scatter, the parameters' share included, so the
 * parameter part is not added on top of it: the half-width is
 * z sqrt(resid^2 + max(param, k d)^2).  The parameter part shows where it
 * is the larger (a fit on few runs, a bootstrap wider than the families
 * it was calibrated on) and, inside the data (d = 0), the interval is the
 * usual one, z sqrt(resid^2 + param^2).
 */
#include <math.h>
#include <string.h>

#include "validate/calibration.h"
#include "base/base.h"

/* Standard normal quantile: Acklam's rational approximation (relative
 * error 1.15e-9) and one Halley step on erfc, which brings it to about
 * machine precision. */
static double normal_quantile(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
        double q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - 0.02425) {
        double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        double q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
    double u = e * 2.5066282746310002 * exp(x * x / 2); /* sqrt(2 pi) */
    return x - u / (1 + x * u / 2);
}

double sf_extrap_distance(double N, double D, double N_max, double D_max)
{
    double d = 0;
    if (N > 0 && N_max > 0 && isfinite(N) && isfinite(N_max) && N > N_max) d += log10(N / N_max);
    if (D > 0 && D_max > 0 && isfinite(D) && isfinite(D_max) && D > D_max) d += log10(D / D_max);
    return d;
}

double sf_extrap_scale(double level)
{
    if (!(level > 0 && level < 1)) return NAN;
    const size_t n = sf_extrap_cal_n;
    const double *lv = sf_extrap_cal_level, *k = sf_extrap_cal_k;
    if (level <= lv[0]) return k[0];
    for (size_t j = 1; j < n; j++)
        if (level <= lv[j]) return k[j - 1] + (k[j] - k[j - 1]) * (level - lv[j - 1]) /
                                   (lv[j] - lv[j - 1]);
    return k[n - 1];
}

size_t sf_extrap_calibration(const double **levels, const double **scale)
{
    if (levels) *levels = sf_extrap_cal_level;
    if (scale) *scale = sf_extrap_cal_k;
    return sf_extrap_cal_n;
}

const char *sf_extrap_part_name(int part)
{
    switch (part) {
    case SF_EXTRAP_PARAMS: return "parameters";
    case SF_EXTRAP_RESIDUAL: return "residual";
    case SF_EXTRAP_EXTRAPOLATION: return "extrapolation";
    default: return "unknown";
    }
}

int sf_extrap_interval(double loss, double distance, double param_sd, double resid_sd,
                       const double *levels, size_t n_levels, sf_extrap *out)
{
    static const double def[] = {0.8, 0.9, 0.95};
    memset(out, 0, sizeof *out);
    if (!levels || n_levels == 0) {
        levels = def;
        n_levels = 3;
    }
    if (!(loss > 0) || !isfinite(loss) || !(distance >= 0) || !isfinite(distance) ||
        n_levels > SF_MAX_LEVELS)
        return SF_EINVAL;
    for (size_t j = 0; j < n_levels; j++)
        if (!(levels[j] > 0 && levels[j] < 1)) return SF_EINVAL;
    double ps = param_sd >= 0 && isfinite(param_sd) ? param_sd : 0;
    double rs = resid_sd >= 0 && isfinite(resid_sd) ? resid_sd : 0;
    out->loss = loss;
    out->distance = distance;
    out->param_sd = ps;
    out->resid_sd = rs;
    out->extrap_sd = sf_extrap_scale(0.9) * distance;
    out->dominant = SF_EXTRAP_PARAMS;
    if (rs > ps) out->dominant = SF_EXTRAP_RESIDUAL;
    if (out->extrap_sd > (rs > ps ? rs : ps)) out->dominant = SF_EXTRAP_EXTRAPOLATION;
    out->n_levels = n_levels;
    for (size_t j = 0; j < n_levels; j++) {
        double z = normal_quantile(0.5 + levels[j] / 2);
        double e = sf_extrap_scale(levels[j]) * distance, m = e > ps ? e : ps;
        double h = z * sqrt(rs * rs + m * m);
        out->level[j] = levels[j];
        out->lo[j] = loss * exp(-h);
        out->hi[j] = loss * exp(h);
    }
    return SF_OK;
}
