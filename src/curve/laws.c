/*
 * The curve laws: loss at step t of a run as a function of its schedule.
 * All parameters are positive and fitted as logarithms; eval returns L^
 * and d L^ / d log p_j.
 *
 *   steps       L = E + A t^-alpha                 a plain power law in steps
 *   anneal      L = L0 + A S1^-alpha - C S2        Tissue et al. 2024, eq. 1
 *   multipower  L = L0 + A S1^-alpha - B LD(t)     Luo et al. 2025, eq. 5:
 *     LD(t) = sum_k (eta_{k-1} - eta_k) G(eta_k^-gamma S_k(t)),
 *     G(x) = 1 - (C x + 1)^-beta,  S_k(t) = sum_{tau=k..t} eta_tau;
 *     the sum runs over schedule segments (features.c), S_k(t) taken at
 *     each segment's midpoint; their S1 + S_W (area with warm-up) is our S1.
 *
 * Starts: for fixed exponents every law is linear in its coefficients
 * (E, A), (L0, A, C) or (L0, A, B); a grid over the exponents with those
 * solved by least squares on the loss picks the starts (variable
 * projection, as the point laws' VP search).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

double curve_linear_ls(const double *X, size_t k, const double *y, size_t n, double *c)
{
    double A[16] = {0}, b[4] = {0};
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < k; a++) {
            b[a] += X[a * n + i] * y[i];
            for (size_t q = 0; q < k; q++) A[a * k + q] += X[a * n + i] * X[q * n + i];
        }
    }
    if (!sf_spd_solve(k, A, b, c)) return INFINITY;
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i];
        for (size_t a = 0; a < k; a++) r -= c[a] * X[a * n + i];
        rss += r * r;
    }
    return isfinite(rss) ? rss : INFINITY;
}

/* Keep the `max` best starts by rss (insertion into a sorted list). */
static void keep_start(double rss, const double *th, size_t p, double *theta, double *best,
                       size_t max, size_t *count)
{
    if (!isfinite(rss)) return;
    size_t pos = *count;
    while (pos > 0 && best[pos - 1] > rss) pos--;
    if (pos >= max) return;
    size_t last = *count < max ? *count : max - 1;
    for (size_t j = last; j > pos; j--) {
        best[j] = best[j - 1];
        memcpy(theta + j * p, theta + (j - 1) * p, p * sizeof *theta);
    }
    best[pos] = rss;
    memcpy(theta + pos * p, th, p * sizeof *theta);
    if (*count < max) (*count)++;
}

static double pos_log(double v, double fallback) { return v > 0 ? log(v) : log(fallback); }

/* ---- steps ---- */

static double steps_eval(const double *p, const cfeat *f, size_t i, double *g)
{
    double lt = log(f->t[i]), ta = p[1] * exp(-p[2] * lt);
    if (g) {
        g[0] = p[0];
        g[1] = ta;
        g[2] = -p[2] * lt * ta;
    }
    return p[0] + ta;
}

/* Shared scaffolding of the VP starts: X (n x 3), observed losses. */
typedef struct vp_work {
    double *X, *L;
    size_t n;
    double minL;
} vp_work;

static int vp_init(vp_work *w, const cfeat *f)
{
    w->n = f->n;
    w->X = malloc(3 * (f->n ? f->n : 1) * sizeof *w->X);
    w->L = malloc((f->n ? f->n : 1) * sizeof *w->L);
    if (!w->X || !w->L) {
        free(w->X);
        free(w->L);
        return SF_ENOMEM;
    }
    w->minL = INFINITY;
    for (size_t i = 0; i < f->n; i++) {
        w->L[i] = exp(f->y[i]);
        if (w->L[i] < w->minL) w->minL = w->L[i];
    }
    return SF_OK;
}

static void vp_free(vp_work *w)
{
    free(w->X);
    free(w->L);
}

static int steps_starts(const cfeat *f, double *theta, size_t max, size_t *count)
{
    vp_work w;
    if (vp_init(&w, f) != SF_OK) return SF_ENOMEM;
    double best[64];
    *count = 0;
    for (int k = 1; k <= 40; k++) {
        double al = 0.05 * k, c[3], th[3];
        for (size_t i = 0; i < w.n; i++) {
            w.X[i] = 1.0;
            w.X[w.n + i] = exp(-al * log(f->t[i]));
        }
        double rss = curve_linear_ls(w.X, 2, w.L, w.n, c);
        th[0] = pos_log(c[0], 0.5 * w.minL);
        th[1] = pos_log(c[1], w.minL);
        th[2] = log(al);
        keep_start(rss, th, 3, theta, best, max < 64 ? max : 64, count);
    }
    vp_free(&w);
    return SF_OK;
}

/* ---- anneal ---- */

static double anneal_eval(const double *p, const cfeat *f, size_t i, double *g)
{
    double ls = log(f->S1[i]), ta = p[1] * exp(-p[2] * ls), cs = p[3] * f->S2[i];
    if (g) {
        g[0] = p[0];
        g[1] = ta;
        g[2] = -p[2] * ls * ta;
        g[3] = -cs;
    }
    return p[0] + ta - cs;
}

static int anneal_starts(const cfeat *f, double *theta, size_t max, size_t *count)
{
    vp_work w;
    if (vp_init(&w, f) != SF_OK) return SF_ENOMEM;
    int has_s2 = 0;
    for (size_t i = 0; i < f->n; i++) has_s2 |= f->S2[i] != 0;
    double best[64];
    *count = 0;
    for (int k = 1; k <= 40; k++) {
        double al = 0.05 * k, c[3] = {0, 0, 0}, th[4];
        for (size_t i = 0; i < w.n; i++) {
            w.X[i] = 1.0;
            w.X[w.n + i] = exp(-al * log(f->S1[i]));
            w.X[2 * w.n + i] = -f->S2[i];
        }
        double rss = curve_linear_ls(w.X, has_s2 ? 3 : 2, w.L, w.n, c);
        th[0] = pos_log(c[0], 0.5 * w.minL);
        th[1] = pos_log(c[1], w.minL);
        th[2] = log(al);
        th[3] = pos_log(has_s2 ? c[2] : 0, 1e-3);
        keep_start(rss, th, 4, theta, best, max < 64 ? max : 64, count);
    }
    vp_free(&w);
    return SF_OK;
}

/* ---- multipower ---- */

/* LD(t_i) for (C, beta, gamma), and when d is not NULL its derivatives in
 * log C, log beta, log gamma. */
static double mp_ld(const double *p, const cfeat *f, size_t i, double *d)
{
    const double C = p[4], be = p[5], ga = p[6], S1 = f->S1[i];
    const size_t o = f->seg_off[i];
    double ld = 0, dc = 0, db = 0, dg = 0;
    for (size_t j = 0; j < f->seg_n[i]; j++) {
        double drop = f->sg_drop[o + j];
        if (drop == 0) continue;
        double le = f->sg_leta[o + j], S = S1 - f->sg_S1m[o + j];
        double x = C * exp(-ga * le) * S, lu = log1p(x), ub = exp(-be * lu);
        ld += drop * (1 - ub);
        if (d) {
            double h = be * ub / (1 + x) * x; /* x dG/dx */
            dc += drop * h;
            db += drop * be * ub * lu;
            dg += drop * h * (-ga * le);
        }
    }
    if (d) {
        d[0] = dc;
        d[1] = db;
        d[2] = dg;
    }
    return ld;
}

static double mp_eval(const double *p, const cfeat *f, size_t i, double *g)
{
    double ls = log(f->S1[i]), ta = p[1] * exp(-p[2] * ls), d[3];
    double ld = mp_ld(p, f, i, g ? d : NULL);
    if (g) {
        g[0] = p[0];
        g[1] = ta;
        g[2] = -p[2] * ls * ta;
        g[3] = -p[3] * ld;
        g[4] = -p[3] * d[0];
        g[5] = -p[3] * d[1];
        g[6] = -p[3] * d[2];
    }
    return p[0] + ta - p[3] * ld;
}

static int mp_starts(const cfeat *f, double *theta, size_t max, size_t *count)
{
    vp_work w;
    if (vp_init(&w, f) != SF_OK) return SF_ENOMEM;
    double best[64];
    *count = 0;
    static const double alphas[] = {0.2, 0.35, 0.5, 0.7};
    for (size_t a = 0; a < 4; a++) {
        for (int lc = -2; lc <= 4; lc++) {
            double p[7] = {0, 0, alphas[a], 1, pow(10.0, lc), 0.5, 0.5}, c[3] = {0, 0, 0};
            int has_ld = 0;
            for (size_t i = 0; i < w.n; i++) {
                w.X[i] = 1.0;
                w.X[w.n + i] = exp(-alphas[a] * log(f->S1[i]));
                w.X[2 * w.n + i] = -mp_ld(p, f, i, NULL);
                has_ld |= w.X[2 * w.n + i] != 0;
            }
            double rss = curve_linear_ls(w.X, has_ld ? 3 : 2, w.L, w.n, c), th[7];
            th[0] = pos_log(c[0], 0.5 * w.minL);
            th[1] = pos_log(c[1], w.minL);
            th[2] = log(alphas[a]);
            th[3] = pos_log(has_ld ? c[2] : 0, 1e-3);
            th[4] = log(p[4]);
            th[5] = th[6] = log(0.5);
            keep_start(rss, th, 7, theta, best, max < 64 ? max : 64, count);
        }
    }
    vp_free(&w);
    return SF_OK;
}

const curve_law sf_curve_steps = {
    "steps", "L = E + A t^-alpha  (t = step)", 3, {"E", "A", "alpha"}, 0, steps_eval,
    steps_starts};
const curve_law sf_curve_anneal = {
    "anneal", "L = L0 + A S1^-alpha - C S2  (S1 = LR area, S2 = annealing momentum)", 4,
    {"L0", "A", "alpha", "C"}, 0, anneal_eval, anneal_starts};
const curve_law sf_curve_multipower = {
    "multipower",
    "L = L0 + A S1^-alpha - B sum_k dEta_k (1 - (C eta_k^-gamma S_k(t) + 1)^-beta)", 7,
    {"L0", "A", "alpha", "B", "C", "beta", "gamma"}, 1, mp_eval, mp_starts};

static const curve_law *const table[] = {&sf_curve_steps, &sf_curve_anneal,
                                         &sf_curve_multipower};

const curve_law *curve_law_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i]->name, name)) return table[i];
    return NULL;
}

size_t sf_curve_law_count(void) { return sizeof table / sizeof *table; }

const char *sf_curve_law_name_at(size_t i)
{
    return i < sf_curve_law_count() ? table[i]->name : NULL;
}

const char *sf_curve_law_formula(const char *name)
{
    const curve_law *l = curve_law_find(name);
    return l ? l->formula : NULL;
}

size_t sf_curve_law_n_params(const char *name)
{
    const curve_law *l = curve_law_find(name);
    return l ? l->np : 0;
}

const char *sf_curve_law_param_name(const char *name, size_t i)
{
    const curve_law *l = curve_law_find(name);
    return l && i < l->np ? l->pn[i] : NULL;
}
