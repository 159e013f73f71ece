/*
 * The profile of one IsoFLOP budget: loss L against x = log N at fixed
 * compute, and where it is lowest.
 *
 * Parabola (Hoffmann et al. 2022, Approach 2): weighted least squares
 * L = b0 + b1 t + b2 t^2 in the standardised coordinate t = (x - xc)/s
 * (xc the weighted mean of x, s its weighted standard deviation, so the
 * 3 x 3 normal equations are well conditioned); minimum at
 * t* = -b1 / (2 b2) when b2 > 0.
 *
 * Akima spline (Akima 1970, J. ACM 17(4), 589-602; Porian et al. 2024 use
 * it for IsoFLOP minima): a C1 piecewise cubic through the points whose
 * slope at knot i is the weighted mean of the neighbouring chord slopes
 * m_{i-1} and m_i with weights |m_{i+1} - m_i| and |m_{i-1} - m_{i-2}|
 * (Akima's eq. 1), two extra chords at each end extended linearly
 * (m_0 = 2 m_1 - m_2, ...).  Its minimum over the sampled range is at a
 * knot or where the derivative of one cubic piece vanishes.
 *
 * The regression across budgets weights each minimum by the inverse of
 * its expected variance.  For the parabola the delta method gives
 *     Var(t*) = g' Cov(b) g,   g = (0, -1/(2 b2), b1/(2 b2^2)),
 * with Cov(b) = sigma_L^2 S^-1, S = sum_k w_k (1, t_k, t_k^2)(...)', when
 * the losses have variance sigma_L^2 / w_k.  It is evaluated at b1 = 0,
 * i.e. as if the minimum sat at the centre of the sampled sizes:
 *     Var(x*) ~ sigma_L^2 s^2 (S^-1)_11 / (4 b2^2),
 * which depends on the curvature and the design but not on where the
 * minimum landed.  The full expression down-weights budgets whose minimum
 * happens to land off-centre, a selection effect that biased the exponent
 * by +0.012 (three times the bias left with these weights) on sweeps
 * centred on a wrong prior (docs/approaches.md).  `var` below is
 * s^2 (S^-1)_11 / (4 b2^2); the caller multiplies by L*^2 (log-normal
 * noise: sigma_L = sigma L, sigma common to all budgets).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "approach/approach_impl.h"

int sf_prof_work_init(sf_prof_work *w, size_t n)
{
    w->cap = n ? n : 1;
    w->mem = malloc(6 * w->cap * sizeof *w->mem);
    return w->mem ? SF_OK : SF_ENOMEM;
}

void sf_prof_work_free(sf_prof_work *w)
{
    free(w->mem);
    w->mem = NULL;
    w->cap = 0;
}

void sf_akima(const double *x, const double *y, size_t m, double *t, double *c, double *d)
{
    /* e[j + 2] is the slope of interval j (j = 0 .. m-2); e[0], e[1],
     * e[m+1], e[m+2] are Akima's extrapolated chords.  Computed on the fly
     * to need no scratch: slope(j) for j in -2 .. m. */
#define CHORD(j) ((y[(j) + 1] - y[(j)]) / (x[(j) + 1] - x[(j)]))
    for (size_t i = 0; i < m; i++) {
        double e[4]; /* m_{i-2}, m_{i-1}, m_i, m_{i+1} */
        for (int q = 0; q < 4; q++) {
            long j = (long)i - 2 + q;
            long last = (long)m - 2;
            if (j >= 0 && j <= last) {
                e[q] = CHORD(j);
            } else if (j < 0) {
                double m0 = CHORD(0), m1 = CHORD(1);
                double ext1 = 2.0 * m0 - m1;          /* m_{-1} */
                e[q] = j == -1 ? ext1 : 2.0 * ext1 - m0; /* m_{-2} */
            } else {
                double ml = CHORD(last), mp = CHORD(last - 1);
                double ext1 = 2.0 * ml - mp;          /* m_{m-1} */
                e[q] = j == last + 1 ? ext1 : 2.0 * ext1 - ml;
            }
        }
        double w1 = fabs(e[3] - e[2]), w2 = fabs(e[1] - e[0]);
        t[i] = w1 + w2 > 0 ? (w1 * e[1] + w2 * e[2]) / (w1 + w2) : 0.5 * (e[1] + e[2]);
    }
    for (size_t k = 0; k + 1 < m; k++) {
        double h = x[k + 1] - x[k], s = CHORD(k);
        c[k] = (3.0 * s - 2.0 * t[k] - t[k + 1]) / h;
        d[k] = (t[k] + t[k + 1] - 2.0 * s) / (h * h);
    }
#undef CHORD
}

/* Value of the cubic piece at offset s. */
static double cubic(double y, double t, double c, double d, double s)
{
    return y + s * (t + s * (c + s * d));
}

/* Lowest point of the spline over [x0, x_{m-1}]: knots and interior
 * stationary points of each piece (roots of t + 2 c s + 3 d s^2 in (0, h),
 * by the cancellation-free quadratic formula). */
static void akima_min(const double *x, const double *y, const double *t, const double *c,
                      const double *d, size_t m, double *xmin, double *lmin)
{
    size_t kb = 0;
    for (size_t k = 1; k < m; k++)
        if (y[k] < y[kb]) kb = k;
    *xmin = x[kb];
    *lmin = y[kb];
    for (size_t k = 0; k + 1 < m; k++) {
        double h = x[k + 1] - x[k];
        double qa = 3.0 * d[k], qb = 2.0 * c[k], qc = t[k];
        double roots[2];
        int nr = 0;
        if (qa == 0.0) {
            if (qb != 0.0) roots[nr++] = -qc / qb;
        } else {
            double disc = qb * qb - 4.0 * qa * qc;
            if (disc >= 0) {
                double q = -0.5 * (qb + copysign(sqrt(disc), qb));
                if (q != 0.0) {
                    roots[nr++] = q / qa;
                    roots[nr++] = qc / q;
                } else {
                    roots[nr++] = 0.0;
                }
            }
        }
        for (int r = 0; r < nr; r++) {
            double s = roots[r];
            if (!(s > 0 && s < h)) continue;
            double v = cubic(y[k], t[k], c[k], d[k], s);
            if (v < *lmin) {
                *lmin = v;
                *xmin = x[k] + s;
            }
        }
    }
}

/* Weighted least-squares parabola on merged points; fills p->xc, p->c,
 * the vertex and its relative variance.  Returns 1 when convex. */
static int parabola(const double *x, const double *y, const double *w, size_t m, sf_prof *p)
{
    double sw = 0, sx = 0;
    for (size_t k = 0; k < m; k++) {
        sw += w[k];
        sx += w[k] * x[k];
    }
    double xc = sx / sw, ss = 0;
    for (size_t k = 0; k < m; k++) ss += w[k] * (x[k] - xc) * (x[k] - xc);
    double s = sqrt(ss / sw);
    /* Normal equations in t = (x - xc)/s: S b = r. */
    double S[3][3] = {{0}}, r[3] = {0};
    for (size_t k = 0; k < m; k++) {
        double tk = (x[k] - xc) / s, pw[5];
        pw[0] = w[k];
        for (int q = 1; q < 5; q++) pw[q] = pw[q - 1] * tk;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) S[i][j] += pw[i + j];
            r[i] += pw[i] * y[k];
        }
    }
    /* Inverse by cofactors: S is symmetric positive definite with 3
     * distinct abscissae. */
    double C00 = S[1][1] * S[2][2] - S[1][2] * S[2][1];
    double C01 = S[1][2] * S[2][0] - S[1][0] * S[2][2];
    double C02 = S[1][0] * S[2][1] - S[1][1] * S[2][0];
    double det = S[0][0] * C00 + S[0][1] * C01 + S[0][2] * C02;
    double inv[3][3];
    inv[0][0] = C00 / det;
    inv[0][1] = (S[0][2] * S[2][1] - S[0][1] * S[2][2]) / det;
    inv[0][2] = (S[0][1] * S[1][2] - S[0][2] * S[1][1]) / det;
    inv[1][0] = C01 / det;
    inv[1][1] = (S[0][0] * S[2][2] - S[0][2] * S[2][0]) / det;
    inv[1][2] = (S[0][2] * S[1][0] - S[0][0] * S[1][2]) / det;
    inv[2][0] = C02 / det;
    inv[2][1] = (S[0][1] * S[2][0] - S[0][0] * S[2][1]) / det;
    inv[2][2] = (S[0][0] * S[1][1] - S[0][1] * S[1][0]) / det;
    double b[3];
    for (int i = 0; i < 3; i++) b[i] = inv[i][0] * r[0] + inv[i][1] * r[1] + inv[i][2] * r[2];
    p->xc = xc;
    p->c[0] = b[0];
    p->c[1] = b[1] / s;
    p->c[2] = b[2] / (s * s);
    if (!(b[2] > 0) || !isfinite(b[0]) || !isfinite(b[1]) || !isfinite(b[2])) return 0;
    double ts = -b[1] / (2.0 * b[2]);
    p->xmin = xc + s * ts;
    p->lmin = b[0] + ts * (b[1] + ts * b[2]);
    /* g' S^-1 g with g = (0, -1/(2 b2), 0): the delta method at b1 = 0. */
    p->var = s * s * inv[1][1] / (4.0 * b[2] * b[2]);
    return 1;
}

void sf_prof_fit(sf_profile kind, const double *x, const double *y, const double *w, size_t n,
                 sf_prof_work *work, sf_prof *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->xmin = out->lmin = out->var = NAN;
    out->xc = NAN;
    out->c[0] = out->c[1] = out->c[2] = NAN;
    double *mx = work->mem, *my = mx + work->cap, *mw = my + work->cap;
    double *kt = mw + work->cap, *kc = kt + work->cap, *kd = kc + work->cap;
    /* Merge equal sizes: weighted mean loss, summed weight. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        if (!(wi > 0)) continue;
        if (m > 0 && x[i] == mx[m - 1]) {
            my[m - 1] += wi * y[i];
            mw[m - 1] += wi;
        } else {
            mx[m] = x[i];
            my[m] = wi * y[i];
            mw[m] = wi;
            m++;
        }
    }
    for (size_t k = 0; k < m; k++) my[k] /= mw[k];
    out->m = m;
    if (m < 3) {
        out->flags = SF_APPROACH_FEW_SIZES;
        return;
    }
    int convex = parabola(mx, my, mw, m, out);
    if (kind == SF_PROFILE_AKIMA) {
        sf_akima(mx, my, m, kt, kc, kd);
        out->kx = mx;
        out->ky = my;
        out->kt = kt;
        out->kc = kc;
        out->kd = kd;
        double v = out->var;
        akima_min(mx, my, kt, kc, kd, m, &out->xmin, &out->lmin);
        out->var = v;
    }
    if (!convex) {
        /* Both profiles need a convex parabola: it supplies the weight, and
         * data whose best parabola opens downward show no minimum. */
        out->flags = SF_APPROACH_NO_MINIMUM;
        out->xmin = out->lmin = out->var = NAN;
        return;
    }
    /* Edge: the lowest observed loss at the smallest or largest size, or
     * the profile's minimum at or beyond the sampled range. */
    size_t kb = 0;
    for (size_t k = 1; k < m; k++)
        if (my[k] < my[kb]) kb = k;
    if (kb == 0 || !(out->xmin > mx[0])) {
        out->flags = SF_APPROACH_EDGE;
        out->edge = -1;
    } else if (kb == m - 1 || !(out->xmin < mx[m - 1])) {
        out->flags = SF_APPROACH_EDGE;
        out->edge = 1;
    }
}

double sf_prof_eval(const sf_prof *p, double x)
{
    if (p->kind == SF_PROFILE_PARABOLA || !p->kx) {
        if (!isfinite(p->c[2])) return NAN;
        double u = x - p->xc;
        return p->c[0] + u * (p->c[1] + u * p->c[2]);
    }
    size_t m = p->m;
    if (!(x >= p->kx[0] && x <= p->kx[m - 1])) return NAN;
    size_t lo = 0, hi = m - 1; /* kx[lo] <= x <= kx[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->kx[mid] <= x) lo = mid;
        else hi = mid;
    }
    return cubic(p->ky[lo], p->kt[lo], p->kc[lo], p->kd[lo], x - p->kx[lo]);
}
