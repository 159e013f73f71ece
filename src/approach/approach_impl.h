/*
 * Internals of Chinchilla Approaches 1 and 2 (isoflop.c, envelope.c) and
 * the pieces they share: the profile of one IsoFLOP budget (profile.c),
 * weighted line fits, percentiles and warnings (powerlaw.c).  src/io
 * reads the result structs to write JSON.
 */
#ifndef SF_APPROACH_IMPL_H
#define SF_APPROACH_IMPL_H

#include <stddef.h>

#include "scalefit.h"

/* ---- profiles (profile.c) --------------------------------------------------- */

/* A profile of loss against x = log N at one budget.  The points are
 * merged first: equal x become one point with the weighted mean loss and
 * the summed weight, which leaves the least-squares parabola unchanged and
 * gives the Akima spline distinct knots. */
typedef struct sf_prof {
    sf_profile kind;
    unsigned flags;     /* SF_APPROACH_* */
    int edge;           /* with SF_APPROACH_EDGE: -1 smallest size, +1 largest */
    size_t m;           /* distinct sizes with weight > 0 */
    double xmin, lmin;  /* log N at the minimum and the profile's value there */
    double var;         /* delta-method variance of xmin per unit noise
                           variance of the loss, relative (see profile.c) */
    /* Parabola: L = c[0] + c[1] (x - xc) + c[2] (x - xc)^2. */
    double xc, c[3];
    /* Akima: knots kx[0..m-1] and per interval k the cubic
     * ky[k] + kt[k] s + kc[k] s^2 + kd[k] s^3, s = x - kx[k].  Borrowed
     * from the workspace passed to sf_prof_fit. */
    const double *kx, *ky, *kt, *kc, *kd;
} sf_prof;

/* Scratch for sf_prof_fit: 6 arrays of n doubles (n = points). */
typedef struct sf_prof_work {
    double *mem;
    size_t cap;
} sf_prof_work;

int sf_prof_work_init(sf_prof_work *w, size_t n);
void sf_prof_work_free(sf_prof_work *w);

/* Fit a profile to n points with x ascending (ties allowed), losses y and
 * weights w (NULL = 1; points of weight 0 are ignored).  Always fills
 * *out; its flags say whether a minimum was found (0 = interior minimum).
 * The Akima coefficients live in `work` until its next use. */
void sf_prof_fit(sf_profile kind, const double *x, const double *y, const double *w, size_t n,
                 sf_prof_work *work, sf_prof *out);

/* Profile value at x (NaN for Akima outside the knots). */
double sf_prof_eval(const sf_prof *p, double x);

/* Akima (1970) interpolant through m >= 3 points with x strictly
 * ascending: fills t (slopes at the knots), c and d (m-1 quadratic and
 * cubic coefficients per interval). */
void sf_akima(const double *x, const double *y, size_t m, double *t, double *c, double *d);

/* ---- power laws, percentiles, warnings (powerlaw.c) --------------------------- */

/* Weighted least squares y = c0 + c1 x.  Returns 0, or -1 when fewer than
 * two distinct x carry weight. */
int sf_line_fit(const double *x, const double *y, const double *w, size_t n, double *c0,
                double *c1);

/* The three power laws from log compute lc[], log N* ln[] and weights:
 * log N* = log k + a log C, log D* = log(C/6) - log N*, and the ratio.
 * Intervals are left NaN.  Returns 0 or -1 as sf_line_fit. */
int sf_powerlaws_fit(const double *lc, const double *ln, const double *w, size_t n,
                     sf_powerlaw pl[3]);
/* Set the three intervals from the interval of a. */
void sf_powerlaws_interval(sf_powerlaw pl[3], double a_lo, double a_hi);

/* Percentile interval [lo, hi] at `level` of the finite values among
 * v[0..n-1] (sorted in place: finite first), linear interpolation between
 * order statistics (Hyndman and Fan type 7).  Returns how many were finite;
 * lo = hi = NaN when none. */
size_t sf_percentile_interval(double *v, size_t n, double level, double *lo, double *hi);

/* SF_EINVAL unless 0 <= bootstrap <= 1e6 and 0 < level < 1. */
int sf_approach_check_common(int bootstrap, double level, sf_error *err);

/* A growing list of English sentences. */
typedef struct sf_notes {
    char **text;
    size_t n, cap;
} sf_notes;

int sf_notes_add(sf_notes *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sf_notes_free(sf_notes *s);

/* ---- results -------------------------------------------------------------- */

struct sf_isoflop {
    sf_isoflop_options opt;
    size_t nb;
    sf_isoflop_budget *b;
    sf_prof *prof;          /* nb profiles; Akima knots in akima[] */
    double *akima;          /* 5 * n doubles: knots and coefficients */
    double *pts;            /* point_N and point_loss storage */
    size_t *rows;           /* point_row storage */
    sf_powerlaw pl[3];
    size_t replicates;
    sf_notes notes;
};

struct sf_envelope {
    sf_envelope_options opt;
    size_t nr;              /* curves */
    sf_envelope_curve *curve;
    double *store;          /* curve arrays */
    size_t np;              /* grid points */
    sf_envelope_point *pt;
    sf_powerlaw pl[3];
    size_t replicates;
    sf_notes notes;
};

#endif /* SF_APPROACH_IMPL_H */
