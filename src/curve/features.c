/*
 * Per-checkpoint features of the curve laws, from each run's schedule.
 *
 * Tissue et al. (2024, "Scaling Law with Learning Rate Annealing", eq. 1):
 *   S1(t) = sum_{i=1..t} eta_i                       forward area
 *   m_i   = lambda m_{i-1} + (eta_{i-1} - eta_i)     annealing momentum
 *   S2(t) = sum_{i=1..t} m_i                         annealing area
 * with lambda = 0.999 (their default).  The warm-up does not count as
 * annealing: m_i = 0 up to the schedule's peak step.  One pass over the
 * steps of each run, then a look-up per checkpoint.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

void cfeat_free(cfeat *f)
{
    if (!f) return;
    free(f->t);
    free(f->S1);
    free(f->S2);
    free(f->y);
    free(f->run);
    free(f->seg_off);
    free(f->seg_n);
    free(f->sg_drop);
    free(f->sg_leta);
    free(f->sg_S1m);
    memset(f, 0, sizeof *f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* S1 at a fractional step, interpolated. */
static double s1_at(const double *S1, size_t T, double x)
{
    if (x <= 0) return 0;
    size_t i = (size_t)x;
    if (i >= T) return S1[T];
    double fr = x - (double)i;
    return S1[i] + fr * (S1[i + 1] - S1[i]);
}

/* Segments of one run: knots at a 64-point grid and at its rows' steps. */
static int run_segments(cfeat *f, const sf_schedule *s, const double *S1, size_t first,
                        size_t last, size_t peak)
{
    const size_t G = 64, T = s->steps;
    size_t nk = G + 1 + (last - first);
    double *k = malloc(nk * sizeof *k);
    if (!k) return SF_ENOMEM;
    for (size_t j = 0; j <= G; j++) k[j] = floor((double)T * (double)j / (double)G);
    for (size_t i = first; i < last; i++) k[G + 1 + i - first] = f->t[i];
    qsort(k, nk, sizeof *k, cmp_double);
    size_t m = 0;
    for (size_t j = 0; j < nk; j++)
        if (m == 0 || k[j] > k[m - 1]) k[m++] = k[j];
    size_t base = f->n_seg, need = base + m;
    double *d = realloc(f->sg_drop, need * sizeof *d);
    if (d) f->sg_drop = d;
    double *l = d ? realloc(f->sg_leta, need * sizeof *l) : NULL;
    if (l) f->sg_leta = l;
    double *q = l ? realloc(f->sg_S1m, need * sizeof *q) : NULL;
    if (q) f->sg_S1m = q;
    if (!q) {
        free(k);
        return SF_ENOMEM;
    }
    for (size_t j = 1; j < m; j++) {
        double a = k[j - 1], b = k[j], mid = 0.5 * (a + b);
        double em = sf_schedule_lr(s, mid);
        double drop = sf_schedule_lr(s, a) - sf_schedule_lr(s, b);
        f->sg_drop[base + j - 1] = (a >= (double)peak && em > 0) ? drop : 0.0;
        f->sg_leta[base + j - 1] = em > 0 ? log(em) : 0.0;
        f->sg_S1m[base + j - 1] = s1_at(S1, T, mid);
    }
    f->n_seg = base + (m ? m - 1 : 0);
    /* Row i sums over the segments ending at or before its step. */
    for (size_t i = first; i < last; i++) {
        size_t c = 0;
        while (c + 1 < m && k[c + 1] <= f->t[i]) c++;
        f->seg_off[i] = base;
        f->seg_n[i] = c;
    }
    free(k);
    return SF_OK;
}

static int alloc_rows(cfeat *f, size_t n, int need_seg)
{
    f->t = malloc((n ? n : 1) * sizeof *f->t);
    f->S1 = malloc((n ? n : 1) * sizeof *f->S1);
    f->S2 = malloc((n ? n : 1) * sizeof *f->S2);
    f->y = malloc((n ? n : 1) * sizeof *f->y);
    f->run = malloc((n ? n : 1) * sizeof *f->run);
    if (need_seg) {
        f->seg_off = calloc(n ? n : 1, sizeof *f->seg_off);
        f->seg_n = calloc(n ? n : 1, sizeof *f->seg_n);
    }
    return f->t && f->S1 && f->S2 && f->y && f->run &&
           (!need_seg || (f->seg_off && f->seg_n));
}

/* S1 and S2 for every step of one schedule (arrays of steps + 1). */
static void run_sums(const sf_schedule *s, double lambda, size_t peak, double *S1, double *S2)
{
    double a = 0, b = 0, m = 0;
    S1[0] = S2[0] = 0;
    for (size_t t = 1; t <= s->steps; t++) {
        a += s->eta[t];
        m = t > peak ? lambda * m + (s->eta[t - 1] - s->eta[t]) : 0.0;
        b += m;
        S1[t] = a;
        S2[t] = b;
    }
}

static int check_run(const sf_curve_run *r, size_t k, sf_error *err)
{
    if (!r->schedule) return sf_fail(err, SF_EINVAL, "", 0, 0, "run %zu has no schedule", k + 1);
    for (size_t i = 0; i < r->n; i++) {
        double t = r->step[i];
        if (!isfinite(t) || t <= 0 || t > (double)r->schedule->steps)
            return sf_fail(err, SF_EINVAL, "", 0, 0,
                           "run %zu: step %g is outside the schedule (1..%zu)", k + 1, t,
                           r->schedule->steps);
        if (r->loss && !(isfinite(r->loss[i]) && r->loss[i] > 0))
            return sf_fail(err, SF_EINVAL, "", 0, 0,
                           "run %zu: loss %g at step %g is not finite and > 0", k + 1,
                           r->loss[i], t);
    }
    return SF_OK;
}

int cfeat_build(cfeat *f, const sf_curve_run *runs, size_t nr, const sf_curve_options *o,
                int drop_early, int need_seg, sf_error *err)
{
    memset(f, 0, sizeof *f);
    size_t n = 0, maxT = 0;
    for (size_t k = 0; k < nr; k++) {
        int rc = check_run(&runs[k], k, err);
        if (rc != SF_OK) return rc;
        n += runs[k].n;
        if (runs[k].schedule->steps > maxT) maxT = runs[k].schedule->steps;
    }
    double *S1 = malloc((maxT + 1) * sizeof *S1), *S2 = malloc((maxT + 1) * sizeof *S2);
    if (!S1 || !S2 || !alloc_rows(f, n, need_seg)) {
        free(S1);
        free(S2);
        cfeat_free(f);
        return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    f->n_runs = nr;
    int rc = SF_OK;
    for (size_t k = 0; k < nr && rc == SF_OK; k++) {
        const sf_curve_run *r = &runs[k];
        size_t peak = sf_schedule_peak_step(r->schedule), first = f->n;
        double lo = !drop_early ? 0 : o->min_step >= 0 ? o->min_step : 5.0 * (double)peak;
        run_sums(r->schedule, o->lambda, peak, S1, S2);
        for (size_t i = 0; i < r->n; i++) {
            if (r->step[i] < lo) continue;
            size_t t = (size_t)llround(r->step[i]);
            f->t[f->n] = (double)t;
            f->S1[f->n] = S1[t];
            f->S2[f->n] = S2[t];
            f->y[f->n] = r->loss ? log(r->loss[i]) : NAN;
            f->run[f->n] = k;
            f->n++;
        }
        if (need_seg && run_segments(f, r->schedule, S1, first, f->n, peak) != SF_OK)
            rc = sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    free(S1);
    free(S2);
    if (rc != SF_OK) cfeat_free(f);
    return rc;
}
