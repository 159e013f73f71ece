/*
 * Step 2 of the two-step task law (Bhagia et al. 2024, eq. 2): accuracy as
 * a falling sigmoid of task loss,
 *
 *     acc(L) = b + a s(L),   s(L) = 1 / (1 + exp(k (L - L0))),   k > 0,
 *
 * (the paper writes a / (1 + exp(-k (L - L0))) + b with k < 0; k > 0 here
 * keeps one sign convention), fitted by least squares on accuracy.  The
 * floor b is chance (fixed) or fitted; a >= 0, b >= 0 and the top a + b <=
 * 1, since an accuracy cannot exceed 1.
 *
 * For fixed (k, L0) the model is linear in (a, b), so the search is a
 * variable projection over (log k, L0): a grid over the loss range, then
 * Nelder-Mead from the best grid points, with (a, b) solved exactly (a
 * small constrained least-squares problem) at every step.  The projected
 * objective is what is minimised; its optimum is the joint optimum.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "task/task_impl.h"

/* Sums of the 2x2 least-squares problem in (a, b). */
typedef struct lsq_sums {
    double n, s, ss, y, sy, yy;
} lsq_sums;

static double lsq_value(const lsq_sums *q, double a, double b)
{
    /* sum (y - b - a s)^2 expanded in the sums. */
    double v = q->yy - 2.0 * a * q->sy - 2.0 * b * q->y + a * a * q->ss +
               2.0 * a * b * q->s + b * b * q->n;
    return v > 0.0 ? v : 0.0;
}

static int feasible(double a, double b, double bmin, double bmax)
{
    const double eps = 1e-12;
    return a >= -eps && b >= bmin - eps && b <= bmax + eps && a + b <= 1.0 + eps;
}

static void consider(const lsq_sums *q, double a, double b, double bmin, double bmax,
                     double *best, double *ba, double *bb)
{
    if (!isfinite(a) || !isfinite(b) || !feasible(a, b, bmin, bmax)) return;
    if (a < 0.0) a = 0.0;
    double v = lsq_value(q, a, b);
    if (v < *best) {
        *best = v;
        *ba = a;
        *bb = b;
    }
}

/* Minimise sum (y - b - a s)^2 over a >= 0, bmin <= b <= bmax, a + b <= 1
 * (a convex quadratic over a polygon): the unconstrained optimum when it
 * is feasible, else the best optimum on an edge or a vertex. */
static double solve_ab(const lsq_sums *q, double bmin, double bmax, double *a, double *b)
{
    double best = INFINITY, ba = 0.0, bb = bmin;
    double det = q->n * q->ss - q->s * q->s;
    if (det > 1e-300 * (q->n * q->ss + 1e-300)) {
        double aa = (q->n * q->sy - q->s * q->y) / det;
        double b0 = (q->ss * q->y - q->s * q->sy) / det;
        consider(q, aa, b0, bmin, bmax, &best, &ba, &bb);
    }
    if (best < INFINITY) goto done;
    /* Edges: b = bmin, b = bmax (a free), a = 0 (b free), a + b = 1. */
    double bs[2] = {bmin, bmax};
    for (int e = 0; e < 2; e++) {
        if (q->ss > 0.0) consider(q, (q->sy - bs[e] * q->s) / q->ss, bs[e], bmin, bmax, &best, &ba, &bb);
        consider(q, 0.0, bs[e], bmin, bmax, &best, &ba, &bb);
        consider(q, 1.0 - bs[e], bs[e], bmin, bmax, &best, &ba, &bb);
    }
    if (q->n > 0.0) consider(q, 0.0, q->y / q->n, bmin, bmax, &best, &ba, &bb);
    /* a + b = 1: y - 1 = a (s - 1); sums of (s - 1)^2 and (s - 1)(y - 1). */
    double t2 = q->ss - 2.0 * q->s + q->n;
    double ty = q->sy - q->s - q->y + q->n;
    if (t2 > 0.0) {
        double aa = ty / t2;
        consider(q, aa, 1.0 - aa, bmin, bmax, &best, &ba, &bb);
    }
done:
    *a = ba;
    *b = bb;
    return best;
}

static double sig(double k, double L0, double L)
{
    double z = k * (L - L0);
    return z > 0.0 ? exp(-z) / (1.0 + exp(-z)) : 1.0 / (1.0 + exp(z));
}

/* The projected objective at (log k, L0): half the residual sum of squares
 * with (a, b) solved; fills a and b. */
static double projected(const sf_sigmoid_data *d, double bmin, double bmax, double logk,
                        double L0, double *a, double *b, double *s_out)
{
    if (!isfinite(logk) || !isfinite(L0)) return INFINITY;
    double k = exp(logk);
    lsq_sums q = {0};
    for (size_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        if (w == 0.0) continue;
        double s = sig(k, L0, d->L[i]);
        double y = d->acc[i];
        if (s_out) s_out[i] = s;
        q.n += w;
        q.s += w * s;
        q.ss += w * s * s;
        q.y += w * y;
        q.sy += w * s * y;
        q.yy += w * y * y;
    }
    return 0.5 * solve_ab(&q, bmin, bmax, a, b);
}

typedef struct nm_ctx {
    const sf_sigmoid_data *d;
    double bmin, bmax;
    double lo[2], hi[2];
} nm_ctx;

static double nm_f(const nm_ctx *c, const double *x)
{
    double a, b;
    for (int j = 0; j < 2; j++)
        if (x[j] < c->lo[j] || x[j] > c->hi[j]) return INFINITY;
    return projected(c->d, c->bmin, c->bmax, x[0], x[1], &a, &b, NULL);
}

/* Nelder-Mead on the two nonlinear coordinates, from x with steps h; stops
 * when the simplex's values agree to ftol (relative) and its size is below
 * xtol, or after max_eval evaluations. */
static double nelder_mead(const nm_ctx *c, double *x, const double *h, int max_eval)
{
    double p[3][2], f[3];
    for (int i = 0; i < 3; i++) {
        p[i][0] = x[0] + (i == 1 ? h[0] : 0.0);
        p[i][1] = x[1] + (i == 2 ? h[1] : 0.0);
        f[i] = nm_f(c, p[i]);
    }
    int evals = 3;
    while (evals < max_eval) {
        /* order: best 0, worst 2 */
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2 - i; j++)
                if (f[j + 1] < f[j]) {
                    double t = f[j]; f[j] = f[j + 1]; f[j + 1] = t;
                    for (int m = 0; m < 2; m++) { t = p[j][m]; p[j][m] = p[j + 1][m]; p[j + 1][m] = t; }
                }
        double size = fabs(p[1][0] - p[0][0]) + fabs(p[2][0] - p[0][0]) +
                      fabs(p[1][1] - p[0][1]) + fabs(p[2][1] - p[0][1]);
        if (fabs(f[2] - f[0]) <= 1e-13 * (fabs(f[0]) + 1e-300) && size < 1e-8) break;
        if (size < 1e-13) break;
        double cen[2] = {(p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2};
        double r[2] = {2 * cen[0] - p[2][0], 2 * cen[1] - p[2][1]};
        double fr = nm_f(c, r);
        evals++;
        if (fr < f[0]) {
            double e[2] = {3 * cen[0] - 2 * p[2][0], 3 * cen[1] - 2 * p[2][1]};
            double fe = nm_f(c, e);
            evals++;
            if (fe < fr) { memcpy(p[2], e, sizeof e); f[2] = fe; }
            else { memcpy(p[2], r, sizeof r); f[2] = fr; }
        } else if (fr < f[1]) {
            memcpy(p[2], r, sizeof r);
            f[2] = fr;
        } else {
            double k2[2] = {(cen[0] + p[2][0]) / 2, (cen[1] + p[2][1]) / 2};
            if (fr < f[2]) { k2[0] = (cen[0] + r[0]) / 2; k2[1] = (cen[1] + r[1]) / 2; }
            double fk = nm_f(c, k2);
            evals++;
            if (fk < fmin(fr, f[2])) {
                memcpy(p[2], k2, sizeof k2);
                f[2] = fk;
            } else {
                for (int i = 1; i < 3; i++) {
                    p[i][0] = (p[i][0] + p[0][0]) / 2;
                    p[i][1] = (p[i][1] + p[0][1]) / 2;
                    f[i] = nm_f(c, p[i]);
                }
                evals += 2;
            }
        }
    }
    int best = 0;
    for (int i = 1; i < 3; i++)
        if (f[i] < f[best]) best = i;
    x[0] = p[best][0];
    x[1] = p[best][1];
    return f[best];
}

static int in_box(const nm_ctx *c, const double *x)
{
    return x[0] >= c->lo[0] && x[0] <= c->hi[0] && x[1] >= c->lo[1] && x[1] <= c->hi[1];
}

/* Gauss-Newton on the projected problem from x, with Kaufman's Jacobian
 * (Golub & Pereyra 2003, sec. 3): the derivative of the model in (log k,
 * L0) at the current (a, b), projected orthogonally to the free linear
 * directions of the active face (a and b free: {s, 1}; b held: {s}; a + b
 * = 1: {s - 1}; both held: none).  A backtracking line search on the true
 * projected objective keeps every step a descent; from a good start a
 * handful of passes over the data converge.  *converged is set when the
 * decrease fell below rtol (relative) with a full or partial step, not
 * when the line search failed. */
static double gauss_newton(const nm_ctx *c, double *x, int max_iter, double rtol,
                           int *converged)
{
    const sf_sigmoid_data *d = c->d;
    const double eps = 1e-12;
    double a, b, an, bn;
    /* s at the current point and at the trial point: the Jacobian pass
     * reuses the accepted trial's values instead of new exponentials */
    double *cur = malloc(2 * (d->n ? d->n : 1) * sizeof *cur);
    *converged = 0;
    if (!cur) return nm_f(c, x);
    double *trial = cur + d->n;
    double f = in_box(c, x) ? projected(d, c->bmin, c->bmax, x[0], x[1], &a, &b, cur) : INFINITY;
    for (int it = 0; it < max_iter && isfinite(f); it++) {
        int b_held = b <= c->bmin + eps || b >= c->bmax - eps;
        int top = a + b >= 1.0 - eps, a_zero = a <= eps;
        /* basis of the free linear directions: u1 = s + o1, u2 = 1 */
        int nb = a_zero ? 0 : (b_held ? 1 : (top ? 1 : 2));
        double o1 = (!b_held && top) ? -1.0 : 0.0;
        double k = exp(x[0]);
        double JJ[2][2] = {{0}}, Jr[2] = {0}, JB[2][2] = {{0}}, BB[2][2] = {{0}};
        for (size_t i = 0; i < d->n; i++) {
            double w = d->w ? d->w[i] : 1.0;
            if (w == 0.0) continue;
            double s = cur[i];
            double r = d->acc[i] - b - a * s;
            double ds = -s * (1.0 - s);
            double j[2] = {-a * ds * k * (d->L[i] - x[1]), a * ds * k};
            double u[2] = {s + o1, 1.0};
            for (int p = 0; p < 2; p++) {
                Jr[p] += w * j[p] * r;
                for (int q = 0; q < 2; q++) {
                    JJ[p][q] += w * j[p] * j[q];
                    JB[p][q] += w * j[p] * u[q];
                    BB[p][q] += w * u[p] * u[q];
                }
            }
        }
        /* H = J'J - J'B (B'B)^-1 B'J over the nb basis columns */
        double H[2][2] = {{JJ[0][0], JJ[0][1]}, {JJ[1][0], JJ[1][1]}};
        if (nb == 1) {
            for (int p = 0; p < 2; p++)
                for (int q = 0; q < 2; q++) H[p][q] -= JB[p][0] * JB[q][0] / BB[0][0];
        } else if (nb == 2) {
            double det = BB[0][0] * BB[1][1] - BB[0][1] * BB[1][0];
            if (!(det > 0.0)) break;
            double Bi[2][2] = {{BB[1][1] / det, -BB[0][1] / det}, {-BB[1][0] / det, BB[0][0] / det}};
            for (int p = 0; p < 2; p++)
                for (int q = 0; q < 2; q++)
                    for (int m = 0; m < 2; m++)
                        for (int l = 0; l < 2; l++) H[p][q] -= JB[p][m] * Bi[m][l] * JB[q][l];
        }
        double det = H[0][0] * H[1][1] - H[0][1] * H[1][0];
        if (!(det > 1e-300)) break;
        double s0 = -(H[1][1] * Jr[0] - H[0][1] * Jr[1]) / det;
        double s1 = -(H[0][0] * Jr[1] - H[1][0] * Jr[0]) / det;
        double t = 1.0, fn = INFINITY, xn[2] = {x[0], x[1]};
        for (int ls = 0; ls < 8; ls++, t *= 0.5) {
            xn[0] = x[0] + t * s0;
            xn[1] = x[1] + t * s1;
            fn = in_box(c, xn) ? projected(d, c->bmin, c->bmax, xn[0], xn[1], &an, &bn, trial)
                               : INFINITY;
            if (fn <= f) break;
        }
        if (!(fn <= f)) break;
        double moved = fabs(t * s0) + fabs(t * s1), before = f;
        x[0] = xn[0];
        x[1] = xn[1];
        f = fn;
        a = an;
        b = bn;
        double *sw = cur;
        cur = trial;
        trial = sw;
        if (before - f <= rtol * before || moved < 1e-12) {
            *converged = 1;
            break;
        }
    }
    free(cur < trial ? cur : trial);
    return f;
}

static void ranges(const sf_sigmoid_data *d, nm_ctx *c)
{
    double lmin = INFINITY, lmax = -INFINITY;
    for (size_t i = 0; i < d->n; i++) {
        if (d->w && d->w[i] == 0.0) continue;
        lmin = fmin(lmin, d->L[i]);
        lmax = fmax(lmax, d->L[i]);
    }
    double span = lmax - lmin;
    /* k from a transition 1000x wider than the data to 1000x narrower;
     * the midpoint up to two spans beyond either end. */
    c->lo[0] = log(0.01 / span);
    c->hi[0] = log(1e4 / span);
    c->lo[1] = lmin - 2.0 * span;
    c->hi[1] = lmax + 2.0 * span;
}

int sf_sigmoid_fit(const sf_sigmoid_data *d, double chance, const double *warm,
                   sf_sigmoid *out)
{
    memset(out, 0, sizeof *out);
    size_t used = 0;
    for (size_t i = 0; i < d->n; i++) used += !d->w || d->w[i] > 0.0;
    if (used < 4) return SF_ENODATA;
    nm_ctx c = {.d = d, .bmin = 0.0, .bmax = 1.0};
    if (isfinite(chance)) c.bmin = c.bmax = chance;
    ranges(d, &c);
    if (!(c.hi[1] > c.lo[1])) return SF_EUNIDENTIFIABLE;
    enum { GK = 24, GL = 24, KEEP = 3 };
    double bx[KEEP][2], bf[KEEP];
    int nkeep = 0;
    if (warm && warm[0] > 0.0 && isfinite(warm[0]) && isfinite(warm[1])) {
        bx[0][0] = log(warm[0]);
        bx[0][1] = warm[1];
        bf[0] = 0.0;  /* Gauss-Newton evaluates it */
        nkeep = 1;
    }
    /* The grid only ranks starting points: on a large table it is
     * evaluated on an evenly strided subsample of at most 256 points. */
    size_t stride = d->n > 256 ? (d->n + 255) / 256 : 1;
    double *subL = NULL, *subA = NULL;
    sf_sigmoid_data sub = *d;
    if (nkeep == 0 && stride > 1) {
        subL = malloc(256 * sizeof *subL);
        subA = malloc(256 * sizeof *subA);
        if (!subL || !subA) {
            free(subL);
            free(subA);
            return SF_ENOMEM;
        }
        sub.n = 0;
        for (size_t i = 0; i < d->n; i += stride) {
            if (d->w && d->w[i] == 0.0) continue;
            subL[sub.n] = d->L[i];
            subA[sub.n++] = d->acc[i];
        }
        sub.L = subL;
        sub.acc = subA;
        sub.w = NULL;
    }
    nm_ctx cg = c;
    cg.d = &sub;
    if (nkeep == 0) {
        for (int i = 0; i < KEEP; i++) bf[i] = INFINITY;
        for (int i = 0; i < GK; i++)
            for (int j = 0; j < GL; j++) {
                double x[2] = {c.lo[0] + (c.hi[0] - c.lo[0]) * (i + 0.5) / GK,
                               c.lo[1] + (c.hi[1] - c.lo[1]) * (j + 0.5) / GL};
                double f = nm_f(&cg, x);
                int at = KEEP;
                while (at > 0 && f < bf[at - 1]) at--;
                if (at >= KEEP) continue;
                for (int m = KEEP - 1; m > at; m--) {
                    bf[m] = bf[m - 1];
                    bx[m][0] = bx[m - 1][0];
                    bx[m][1] = bx[m - 1][1];
                }
                bf[at] = f;
                bx[at][0] = x[0];
                bx[at][1] = x[1];
            }
        nkeep = KEEP;
        for (int i = 0; i < KEEP; i++) bf[i] = nm_f(&c, bx[i]);
    }
    free(subL);
    free(subA);
    double best = INFINITY, xb[2] = {0, 0};
    double h[2] = {(c.hi[0] - c.lo[0]) / GK, (c.hi[1] - c.lo[1]) / GL};
    int best_conv = 0;
    for (int s = 0; s < nkeep; s++) {
        if (!isfinite(bf[s])) continue;
        double x[2] = {bx[s][0], bx[s][1]};
        /* Gauss-Newton converges in a few passes from a nearby point (the
         * whole-table optimum for a bootstrap draw) */
        int converged = 0;
        double f = gauss_newton(&c, x, warm ? 2 : 30, warm ? 1e-8 : 1e-9, &converged);
        if (f < best) {
            best = f;
            best_conv = converged;
            xb[0] = x[0];
            xb[1] = x[1];
        }
    }
    if (!warm && isfinite(best)) {
        /* polish the best start; when Gauss-Newton stops on a kink, where
         * the active constraint on (a, b) changes, a short simplex first */
        int converged = best_conv;
        if (!converged) {
            double h2[2] = {h[0] * 0.01, h[1] * 0.01};
            best = fmin(best, nelder_mead(&c, xb, h2, 100));
        }
        best = fmin(best, gauss_newton(&c, xb, 100, 1e-15, &converged));
    }
    if (!isfinite(best)) return SF_ENOCONV;
    double a, b;
    double *sv = malloc((d->n ? d->n : 1) * sizeof *sv);
    if (!sv) return SF_ENOMEM;
    projected(d, c.bmin, c.bmax, xb[0], xb[1], &a, &b, sv);
    out->k = exp(xb[0]);
    out->L0 = xb[1];
    out->a = a;
    out->b = b;
    /* the sum of squares recomputed by residuals, not from the expanded
     * sums (which lose digits to cancellation) */
    double sse = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        if (w == 0.0) continue;
        double r = d->acc[i] - (b + a * sv[i]);
        sse += w * r * r;
    }
    free(sv);
    out->sse = sse;
    out->n = used;
    out->floor_fixed = isfinite(chance);
    out->k_at_bound = xb[0] <= c.lo[0] + 1e-6 || xb[0] >= c.hi[0] - 1e-6;
    out->L0_at_bound = xb[1] <= c.lo[1] + 1e-9 || xb[1] >= c.hi[1] - 1e-9;
    return SF_OK;
}

double sf_sigmoid_eval(const sf_sigmoid *s, double L)
{
    return s->b + s->a * sig(s->k, s->L0, L);
}
