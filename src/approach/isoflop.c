/*
 * Chinchilla Approach 2 (Hoffmann et al. 2022, section 3.2): IsoFLOP
 * profiles.  Rows are grouped into compute budgets; within each budget the
 * loss is profiled against log N (profile.c) and its minimum gives
 * N*(C), D*(C) = C / (6 N*) and L*(C).  The minima are regressed on C,
 * log N* = log k + a log C, by weighted least squares with weights
 * 1 / Var(log N*) (delta method, profile.c), so a budget whose points pin
 * its minimum down poorly counts for less (or unweighted on request).  Intervals: percentile
 * bootstrap, resampling rows within each budget (stream = resample index,
 * so the result does not depend on threads).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approach/approach_impl.h"
#include "base/base.h"
#include "base/team.h"

/* Above this many resamples x used budgets, per-budget intervals of N* are
 * not kept (80 MB); the exponents' intervals always are. */
#define PER_BUDGET_MAX 10000000u

void sf_isoflop_options_init(sf_isoflop_options *o)
{
    memset(o, 0, sizeof *o);
    o->profile = SF_PROFILE_PARABOLA;
    o->budget_tol = 0.1;
    o->bootstrap = 1000;
    o->level = 0.95;
}

void sf_isoflop_free(sf_isoflop *r)
{
    if (!r) return;
    free(r->b);
    free(r->prof);
    free(r->akima);
    free(r->pts);
    free(r->rows);
    sf_notes_free(&r->notes);
    free(r);
}

const sf_isoflop_options *sf_isoflop_get_options(const sf_isoflop *r) { return &r->opt; }
size_t sf_isoflop_n_budgets(const sf_isoflop *r) { return r->nb; }
size_t sf_isoflop_replicates(const sf_isoflop *r) { return r->replicates; }
size_t sf_isoflop_n_warnings(const sf_isoflop *r) { return r->notes.n; }

const sf_isoflop_budget *sf_isoflop_budget_at(const sf_isoflop *r, size_t b)
{
    return b < r->nb ? &r->b[b] : NULL;
}

const char *sf_isoflop_warning(const sf_isoflop *r, size_t k)
{
    return k < r->notes.n ? r->notes.text[k] : NULL;
}

const sf_powerlaw *sf_isoflop_powerlaw(const sf_isoflop *r, sf_optimum which)
{
    return (unsigned)which < 3 ? &r->pl[which] : NULL;
}

double sf_isoflop_profile_eval(const sf_isoflop *r, size_t b, double N)
{
    if (b >= r->nb || !(N > 0)) return NAN;
    return sf_prof_eval(&r->prof[b], log(N));
}

/* Weight of a budget's minimum: 1 / Var(log N*), Var = sigma^2 L*^2 var
 * (profile.c); sigma is common to all budgets and cancels. */
static double weight(const sf_isoflop_options *o, const sf_prof *p)
{
    if (o->weights == SF_WEIGHTS_EQUAL) return 1.0;
    return 1.0 / (p->lmin * p->lmin * p->var);
}

typedef struct key {
    double C, N;
    size_t i;
} key;

static int cmp_by_C(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    if (a->C != b->C) return a->C < b->C ? -1 : 1;
    if (a->N != b->N) return a->N < b->N ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static int cmp_by_N(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    if (a->N != b->N) return a->N < b->N ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* "budget C = 1e+19 (9 rows, lines 2-10)" */
static void budget_label(const sf_isoflop *r, size_t b, const sf_data *d, char *buf, size_t size)
{
    const sf_isoflop_budget *B = &r->b[b];
    long lo = 0, hi = 0;
    for (size_t j = 0; j < B->n_points; j++) {
        long l = d->line[B->point_row[j]];
        if (l <= 0) continue;
        if (!lo || l < lo) lo = l;
        if (l > hi) hi = l;
    }
    if (lo && lo == hi)
        snprintf(buf, size, "budget C = %.4g (%zu row, line %ld)", B->compute, B->n_points, lo);
    else if (lo)
        snprintf(buf, size, "budget C = %.4g (%zu rows, lines %ld-%ld)", B->compute, B->n_points,
                 lo, hi);
    else
        snprintf(buf, size, "budget C = %.4g (%zu rows)", B->compute, B->n_points);
}

/* Why budget b cannot give a minimum, in words; edge < 0 for a minimum
 * at the smallest size, > 0 at the largest. */
static void reason(const sf_isoflop_budget *B, int edge, char *buf, size_t size)
{
    if (B->flags & SF_APPROACH_FEW_SIZES) {
        if (B->n_sizes <= 1)
            snprintf(buf, size, "all its rows have the same model size N = %.4g, so there is no "
                     "profile over N", B->N_min);
        else
            snprintf(buf, size, "only %zu model sizes (N = %.4g and %.4g); at least 3 are "
                     "needed to locate a minimum", B->n_sizes, B->N_min, B->N_max);
    } else if (B->flags & SF_APPROACH_NO_MINIMUM) {
        snprintf(buf, size, "its loss has no minimum over N = %.4g .. %.4g (the least-squares "
                 "parabola opens downward)", B->N_min, B->N_max);
    } else {
        int low = edge < 0;
        snprintf(buf, size, "its minimum is at the %s size sampled (N = %.4g): the optimum may "
                 "lie beyond it; sample %s models", low ? "smallest" : "largest",
                 low ? B->N_min : B->N_max, low ? "smaller" : "larger");
    }
}

/* Resample rows within each used budget; a[rep] is the exponent of N*
 * (NaN when fewer than two budgets keep a minimum), bx[rep * nu + u] the
 * log N* of the u-th used budget (when bx is not NULL). */
static int bootstrap(const sf_isoflop *r, const double *lx, const double *wt, size_t nmax,
                     size_t nu, double *a, double *bx)
{
    const sf_isoflop_options *o = &r->opt;
    const size_t K = (size_t)o->bootstrap;
    int status = SF_OK;
    /* A resample refits a parabola to each budget's points: a few passes
     * over the points. */
    int nt = sf_threads_for_rows(o->threads, K, 8.0 * (double)nmax * (double)nu);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        sf_prof_work work;
        int ok = sf_prof_work_init(&work, nmax) == SF_OK;
        double *wrep = ok ? malloc((nmax + 3 * nu) * sizeof *wrep) : NULL;
        ok = ok && wrep;
        double *lc = wrep ? wrep + nmax : NULL, *ln = lc ? lc + nu : NULL;
        double *wl = ln ? ln + nu : NULL;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
        for (size_t rep = 0; rep < K; rep++) {
            a[rep] = NAN;
            if (!ok || (o->cancel && *o->cancel)) continue;
            sf_rng g;
            sf_rng_seed(&g, o->seed, (uint64_t)rep);
            size_t k = 0, u = 0, off = 0;
            for (size_t b = 0; b < r->nb; off += r->b[b].n_points, b++) {
                const sf_isoflop_budget *B = &r->b[b];
                if (!B->used) continue;
                size_t n = B->n_points;
                memset(wrep, 0, n * sizeof *wrep);
                for (size_t j = 0; j < n; j++) wrep[sf_rng_below(&g, n)] += 1.0;
                for (size_t j = 0; j < n; j++) wrep[j] *= wt[off + j];
                sf_prof p;
                sf_prof_fit(o->profile, lx + off, B->point_loss, wrep, n, &work, &p);
                int keep = p.flags == 0 || (p.flags == SF_APPROACH_EDGE && o->keep_edge);
                double wgt = keep ? weight(o, &p) : 0.0;
                if (keep && isfinite(wgt) && wgt > 0) {
                    lc[k] = log(B->compute);
                    ln[k] = p.xmin;
                    wl[k] = wgt;
                    k++;
                } else {
                    keep = 0;
                }
                if (bx) bx[rep * nu + u] = keep ? p.xmin : NAN;
                u++;
            }
            double c0, c1;
            if (k >= 2 && sf_line_fit(lc, ln, wl, k, &c0, &c1) == 0) a[rep] = c1;
        }
        if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = SF_ENOMEM;
        }
        free(wrep);
        sf_prof_work_free(&work);
    }
    if (status == SF_OK && o->cancel && *o->cancel) status = SF_ECANCELED;
    return status;
}

/* Group rows, fit every budget's profile.  Fills r->b, r->prof and the
 * point arrays; lx and wt (n each) receive log N and weights in budget
 * order.  Returns the largest budget's row count, 0 on out-of-memory. */
static size_t profiles(sf_isoflop *r, const sf_data *d, key *keys, double *lx, double *wt)
{
    const size_t n = d->n;
    const double tol = r->opt.budget_tol;
    for (size_t i = 0; i < n; i++) keys[i] = (key){d->C[i], d->N[i], i};
    qsort(keys, n, sizeof *keys, cmp_by_C);
    /* A budget starts at the smallest C not yet grouped and takes every
     * row with C <= that * (1 + tol): no budget spans more than 1 + tol,
     * however densely the rows cover the range. */
    size_t nb = 1, nmax = 0;
    for (size_t i = 1, s = 0; i < n; i++)
        if (keys[i].C > keys[s].C * (1.0 + tol)) {
            nb++;
            s = i;
        }
    r->nb = nb;
    r->b = calloc(nb, sizeof *r->b);
    r->prof = calloc(nb, sizeof *r->prof);
    r->pts = malloc(2 * n * sizeof *r->pts);
    r->rows = malloc(n * sizeof *r->rows);
    r->akima = malloc(5 * n * sizeof *r->akima);
    if (!r->b || !r->prof || !r->pts || !r->rows || !r->akima) return 0;
    for (size_t s = 0, b = 0; s < n; b++) {
        size_t e = s + 1;
        while (e < n && !(keys[e].C > keys[s].C * (1.0 + tol))) e++;
        if (e - s > nmax) nmax = e - s;
        sf_isoflop_budget *B = &r->b[b];
        qsort(keys + s, e - s, sizeof *keys, cmp_by_N);
        double slc = 0;
        B->C_min = INFINITY;
        B->C_max = 0;
        for (size_t j = s; j < e; j++) {
            size_t i = keys[j].i;
            r->pts[j] = d->N[i];
            r->pts[n + j] = d->loss[i];
            r->rows[j] = i;
            lx[j] = log(d->N[i]);
            wt[j] = d->weight ? d->weight[i] : 1.0;
            slc += log(d->C[i]);
            if (d->C[i] < B->C_min) B->C_min = d->C[i];
            if (d->C[i] > B->C_max) B->C_max = d->C[i];
            if (j == s || d->N[i] != d->N[keys[j - 1].i]) B->n_sizes++;
        }
        /* Geometric mean; exact when the rows share one C. */
        B->compute = B->C_min == B->C_max ? B->C_min : exp(slc / (double)(e - s));
        B->n_points = e - s;
        B->point_N = r->pts + s;
        B->point_loss = r->pts + n + s;
        B->point_row = r->rows + s;
        B->N_min = B->point_N[0];
        B->N_max = B->point_N[e - s - 1];
        s = e;
    }
    sf_prof_work work;
    if (sf_prof_work_init(&work, nmax) != SF_OK) return 0;
    for (size_t b = 0, off = 0; b < nb; off += r->b[b].n_points, b++) {
        sf_isoflop_budget *B = &r->b[b];
        sf_prof *p = &r->prof[b];
        sf_prof_fit(r->opt.profile, lx + off, B->point_loss, wt + off, B->n_points, &work, p);
        if (p->kx) {
            /* Keep the spline with the result (for sf_isoflop_profile_eval). */
            double *dst = r->akima + 5 * off;
            const double *src[5] = {p->kx, p->ky, p->kt, p->kc, p->kd};
            const double **dstp[5] = {&p->kx, &p->ky, &p->kt, &p->kc, &p->kd};
            for (int q = 0; q < 5; q++) {
                memcpy(dst + (size_t)q * p->m, src[q], p->m * sizeof *dst);
                *dstp[q] = dst + (size_t)q * p->m;
            }
        }
        B->flags = p->flags;
        B->N_lo = B->N_hi = NAN;
        if (p->flags & (SF_APPROACH_FEW_SIZES | SF_APPROACH_NO_MINIMUM)) {
            B->N_opt = B->D_opt = B->tokens_per_param = B->loss = NAN;
        } else {
            B->N_opt = exp(p->xmin);
            B->D_opt = B->compute / (6.0 * B->N_opt);
            B->tokens_per_param = B->D_opt / B->N_opt;
            B->loss = p->lmin;
        }
        B->used = p->flags == 0 || (p->flags == SF_APPROACH_EDGE && r->opt.keep_edge);
    }
    sf_prof_work_free(&work);
    return nmax;
}

/* SF_OK when the options are valid and d has sizes, compute and loss. */
static int check_inputs(const sf_data *d, const sf_isoflop_options *o, sf_error *err)
{
    int rc = sf_approach_check_common(o->bootstrap, o->level, err);
    if (rc != SF_OK) return rc;
    if (!(o->budget_tol >= 0) || !isfinite(o->budget_tol))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "budget tolerance must be finite and >= 0");
    if (o->profile != SF_PROFILE_PARABOLA && o->profile != SF_PROFILE_AKIMA)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "unknown profile %d", (int)o->profile);
    if (o->weights != SF_WEIGHTS_VARIANCE && o->weights != SF_WEIGHTS_EQUAL)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "unknown weights %d", (int)o->weights);
    const char *src = d && d->source ? d->source : NULL;
    if (!d || !d->N || !d->C || !d->loss)
        return sf_fail(err, SF_ENOCOLUMN, src, 0, 0,
                       "isoflop needs model sizes N, compute C (or tokens D, with C = 6ND) "
                       "and loss");
    if (d->n == 0) return sf_fail(err, SF_ENODATA, src, 0, 0, "no rows");
    return SF_OK;
}

/* The used budgets' (log C, log N_opt, weight) into lc, ln, wl; returns
 * their count.  A budget whose weight is not positive is left out; the
 * weights kept in r are normalised to sum to 1. */
static size_t regression_points(sf_isoflop *r, double *lc, double *ln, double *wl)
{
    size_t nu = 0;
    double wsum = 0;
    for (size_t b = 0; b < r->nb; b++) {
        sf_isoflop_budget *B = &r->b[b];
        double w = B->used ? weight(&r->opt, &r->prof[b]) : 0.0;
        if (B->used && !(isfinite(w) && w > 0)) {
            B->used = 0;
            B->flags |= SF_APPROACH_NO_MINIMUM;
        }
        if (!B->used) continue;
        lc[nu] = log(B->compute);
        ln[nu] = log(B->N_opt);
        wl[nu] = w;
        B->weight = w;
        wsum += w;
        nu++;
    }
    for (size_t b = 0; b < r->nb; b++) r->b[b].weight /= wsum > 0 ? wsum : 1.0;
    return nu;
}

/* A note saying why each budget is left out (or kept at an edge). */
static int explain_budgets(sf_isoflop *r, const sf_data *d)
{
    char label[128], why[256];
    for (size_t b = 0; b < r->nb; b++) {
        const sf_isoflop_budget *B = &r->b[b];
        if (!B->flags) continue;
        budget_label(r, b, d, label, sizeof label);
        reason(B, r->prof[b].edge, why, sizeof why);
        if (sf_notes_add(&r->notes, "%s: %s; %s", label, why,
                         B->used ? "kept (--keep-edge)"
                         : (B->flags & SF_APPROACH_EDGE) ? "left out (--keep-edge keeps it)"
                                                          : "left out") != SF_OK)
            return SF_ENOMEM;
    }
    return SF_OK;
}

/* The error for too few budgets with a minimum (nu of them), with the
 * reasons of the first four left out. */
static int too_few_budgets(const sf_isoflop *r, size_t nu, const char *src, sf_error *err)
{
    const size_t nb = r->nb;
    char why[256];
    sf_buf msg = {0};
    sf_buf_printf(&msg, "%zu of %zu budget%s locate%s a minimum; at least 2 are needed to "
                  "fit N* = k C^a", nu, nb, nb == 1 ? "" : "s", nu == 1 ? "s" : "");
    for (size_t b = 0, shown = 0; b < nb && shown < 4; b++) {
        if (r->b[b].used) continue;
        reason(&r->b[b], r->prof[b].edge, why, sizeof why);
        sf_buf_printf(&msg, "%s C = %.4g: %s", shown ? ";" : " (", r->b[b].compute, why);
        shown++;
    }
    if (nu < nb) sf_buf_printf(&msg, ")");
    int rc = sf_fail(err, SF_EUNIDENTIFIABLE, src, 0, 0, "%s",
                     msg.data ? msg.data : "too few budgets");
    sf_buf_free(&msg);
    return rc;
}

int sf_isoflop_run(const sf_data *d, const sf_isoflop_options *o, sf_isoflop **out,
                   sf_error *err)
{
    *out = NULL;
    sf_isoflop_options defaults;
    if (!o) {
        sf_isoflop_options_init(&defaults);
        o = &defaults;
    }
    int rc = check_inputs(d, o, err);
    if (rc != SF_OK) return rc;
    const char *src = d->source;
    const size_t n = d->n;
    sf_isoflop *r = calloc(1, sizeof *r);
    key *keys = malloc(n * sizeof *keys);
    double *lx = malloc(2 * n * sizeof *lx);
    double *lc = NULL, *a = NULL, *bx = NULL;
    size_t nmax = 0;
    if (r && keys && lx) {
        r->opt = *o;
        nmax = profiles(r, d, keys, lx, lx + n);
    }
    if (!nmax) {
        rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
        goto done;
    }
    const size_t nb = r->nb;
    double *wt = lx + n;
    char label[128];
    lc = malloc(3 * nb * sizeof *lc);
    if (!lc) {
        rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
        goto done;
    }
    double *ln = lc + nb, *wl = ln + nb;
    size_t nu = regression_points(r, lc, ln, wl);
    if (explain_budgets(r, d) != SF_OK) {
        rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
        goto done;
    }
    if (nu < 2 || sf_powerlaws_fit(lc, ln, wl, nu, r->pl) != 0) {
        rc = too_few_budgets(r, nu, src, err);
        goto done;
    }
    if (nu == 2)
        sf_notes_add(&r->notes, "only 2 budgets locate a minimum: the power law passes through "
                     "both, with no residual to check it against");

    if (o->bootstrap > 0) {
        const size_t K = (size_t)o->bootstrap;
        a = malloc(K * sizeof *a);
        if (K * nu <= PER_BUDGET_MAX) bx = malloc(K * nu * sizeof *bx);
        int brc = !a || (K * nu <= PER_BUDGET_MAX && !bx)
                      ? SF_ENOMEM
                      : bootstrap(r, lx, wt, nmax, nu, a, bx);
        if (brc != SF_OK) {
            rc = sf_fail(err, brc, src, 0, 0,
                         brc == SF_ECANCELED ? "interrupted" : "out of memory");
            goto done;
        }
        double lo, hi;
        r->replicates = sf_percentile_interval(a, K, o->level, &lo, &hi);
        sf_powerlaws_interval(r->pl, lo, hi);
        if (r->replicates < K)
            sf_notes_add(&r->notes, "%zu of %zu resamples had fewer than 2 budgets with a "
                         "minimum and were dropped; the intervals use the other %zu",
                         K - r->replicates, K, r->replicates);
        for (size_t b = 0, u = 0; bx && b < nb; b++) {
            sf_isoflop_budget *B = &r->b[b];
            if (!B->used) continue;
            for (size_t rep = 0; rep < K; rep++) a[rep] = bx[rep * nu + u];
            size_t got = sf_percentile_interval(a, K, o->level, &lo, &hi);
            B->N_lo = exp(lo);
            B->N_hi = exp(hi);
            if ((double)got < 0.9 * (double)K) {
                budget_label(r, b, d, label, sizeof label);
                sf_notes_add(&r->notes, "%s: in %.0f%% of resamples its profile had no "
                             "interior minimum; its optimum is poorly determined",
                             label, 100.0 * (double)(K - got) / (double)K);
            }
            u++;
        }
    }
    *out = r;
    r = NULL;
done:
    free(a);
    free(bx);
    free(lc);
    free(lx);
    free(keys);
    sf_isoflop_free(r);
    return rc;
}
