/*
 * The bootstrap: refit the law to K resamples of the runs and keep the
 * parameters of each refit (Efron and Tibshirani 1993, ch. 6; Besiroglu
 * et al. 2024 used 4000 resamples of the 240 Chinchilla rows).
 *
 * A resample of rows draws n rows with replacement; a resample of groups
 * draws G groups (run ids) with replacement and takes all their rows, so
 * checkpoints of one run move together (the cluster bootstrap).  Either
 * way a resample is a count c_i per original row, and the summed objective
 * on the resample is sum_i c_i w_i rho(r_i): scalefit fits the distinct
 * rows with weights c_i w_i, the same function on about 63% of the rows
 * (1 - 1/e of them are drawn at least once).
 *
 * Each refit runs the fit's own search on one thread; resamples run in
 * parallel, each in its own slot, and resample k's random numbers come
 * from stream (seed, k) alone, so the draws do not depend on threads.
 * Workspaces (the resample's rows, counts) are allocated once per thread.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/base.h"
#include "base/team.h"
#include "data/data_impl.h"
#include "infer/infer_impl.h"

void sf_bootstrap_options_init(sf_bootstrap_options *o)
{
    memset(o, 0, sizeof *o);
    o->resamples = 1000;
    o->resample = SF_RESAMPLE_ROWS;
    o->warm = 0;
    sf_levels_default(&o->n_levels, o->levels);
}

/* The groups that have rows (a filter may have removed every row of some
 * group the file names); `present` gets their ids, returns their count. */
static size_t present_groups(const sf_data *d, int *present)
{
    size_t G = 0;
    unsigned char *seen = calloc(d->n_groups ? d->n_groups : 1, 1);
    if (!seen) return 0;
    for (size_t i = 0; i < d->n; i++) {
        int g = d->group[i];
        if (g >= 0 && (size_t)g < d->n_groups && !seen[g]) {
            seen[g] = 1;
            present[G++] = g;
        }
    }
    free(seen);
    return G;
}

/* Counts of resample k: count[i] = times row i is drawn.  gcount has
 * n_groups entries of scratch.  Leaves r after the resample's draws. */
static void draw_counts(const sf_data *d, sf_resample how, const int *groups, size_t G,
                        sf_rng *r, unsigned *count, unsigned *gcount)
{
    const size_t n = d->n;
    memset(count, 0, n * sizeof *count);
    if (how == SF_RESAMPLE_ROWS) {
        for (size_t i = 0; i < n; i++) count[sf_rng_below(r, n)]++;
        return;
    }
    memset(gcount, 0, d->n_groups * sizeof *gcount);
    for (size_t g = 0; g < G; g++) gcount[groups[sf_rng_below(r, G)]]++;
    for (size_t i = 0; i < n; i++) count[i] = gcount[d->group[i]];
}

static int check_resample(const sf_data *d, sf_resample how, size_t *G, int **groups,
                          sf_error *err)
{
    *G = 0;
    *groups = NULL;
    if (how != SF_RESAMPLE_ROWS && how != SF_RESAMPLE_GROUP)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "unknown resampling scheme");
    if (d->n == 0) return sf_fail(err, SF_ENODATA, d->source, 0, 0, "no rows to resample");
    if (how == SF_RESAMPLE_ROWS) return SF_OK;
    if (!d->group)
        return sf_fail(err, SF_ENOCOLUMN, d->source, 0, 0,
                       "resampling groups needs a group column (run id): name it with --col "
                       "group=COLUMN");
    *groups = malloc((d->n_groups ? d->n_groups : 1) * sizeof **groups);
    if (!*groups) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    *G = present_groups(d, *groups);
    if (*G < 2) {
        free(*groups);
        *groups = NULL;
        return sf_fail(err, SF_EUNIDENTIFIABLE, d->source, 0, 0,
                       "resampling groups needs two or more groups; the data have %zu", *G);
    }
    return SF_OK;
}

int sf_bootstrap_resample(const sf_data *d, sf_resample how, uint64_t seed, size_t k,
                          sf_data **out, sf_error *err)
{
    *out = NULL;
    size_t G;
    int *groups;
    int rc = check_resample(d, how, &G, &groups, err);
    if (rc != SF_OK) return rc;
    unsigned *count = malloc(d->n * sizeof *count);
    unsigned *gcount = malloc((d->n_groups ? d->n_groups : 1) * sizeof *gcount);
    size_t *idx = NULL;
    if (count && gcount) {
        sf_rng r;
        sf_rng_seed(&r, seed, (uint64_t)k);
        draw_counts(d, how, groups, G, &r, count, gcount);
        size_t m = 0;
        for (size_t i = 0; i < d->n; i++) m += count[i];
        if ((idx = malloc((m ? m : 1) * sizeof *idx))) {
            size_t q = 0;
            for (size_t i = 0; i < d->n; i++)
                for (unsigned c = 0; c < count[i]; c++) idx[q++] = i;
            rc = sf_data_subset(d, idx, m, out);
        } else {
            rc = SF_ENOMEM;
        }
    } else {
        rc = SF_ENOMEM;
    }
    free(idx);
    free(count);
    free(gcount);
    free(groups);
    return rc == SF_OK ? SF_OK : sf_fail(err, rc, NULL, 0, 0, "out of memory");
}

/* A thread's workspace: the resample's distinct rows with their weights. */
typedef struct boot_ws {
    sf_data *rows;
    unsigned *count, *gcount;
} boot_ws;

static int ws_init(boot_ws *w, const sf_data *d)
{
    memset(w, 0, sizeof *w);
    unsigned roles = (d->roles & ~SF_ROLE_BIT(SF_ROLE_GROUP)) | SF_ROLE_BIT(SF_ROLE_WEIGHT);
    if (sf_data_new(d->n, roles, &w->rows) != SF_OK) return SF_ENOMEM;
    w->rows->derived = d->derived;
    if (sf_data_extras_like(w->rows, d, d->n) != SF_OK) return SF_ENOMEM;
    w->count = malloc(d->n * sizeof *w->count);
    w->gcount = malloc((d->n_groups ? d->n_groups : 1) * sizeof *w->gcount);
    return w->count && w->gcount ? SF_OK : SF_ENOMEM;
}

static void ws_free(boot_ws *w)
{
    sf_data_free(w->rows);
    free(w->count);
    free(w->gcount);
}

/* The distinct drawn rows of d with weight count * w into w->rows. */
static void compact(const sf_data *d, boot_ws *w)
{
    sf_data *s = w->rows;
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!w->count[i]) continue;
        if (d->N) s->N[m] = d->N[i];
        if (d->D) s->D[m] = d->D[i];
        if (d->C) s->C[m] = d->C[i];
        if (d->U) s->U[m] = d->U[i];
        s->loss[m] = d->loss[i];
        s->weight[m] = (double)w->count[i] * (d->weight ? d->weight[i] : 1.0);
        for (size_t x = 0; x < d->n_extra; x++) s->extra[x][m] = d->extra[x][i];
        s->line[m] = d->line[i];
        m++;
    }
    s->n = m;
}

/* One residual of the refit, for prediction intervals: a row drawn from
 * the resample (with its multiplicity and weight), its log residual at the
 * refit's parameters. */
static double residual_draw(const sf_law *law, const double *params, const sf_data *d,
                            const unsigned *count, sf_rng *r)
{
    double total = 0;
    for (size_t i = 0; i < d->n; i++) total += count[i] * (d->weight ? d->weight[i] : 1.0);
    double u = sf_rng_uniform(r) * total, acc = 0;
    size_t pick = 0;
    for (size_t i = 0; i < d->n; i++) {
        double wi = count[i] * (d->weight ? d->weight[i] : 1.0);
        if (wi <= 0) continue;
        pick = i;
        acc += wi;
        if (u < acc) break;
    }
    sf_point x = {.N = d->N ? d->N[pick] : 0, .D = d->D ? d->D[pick] : 0,
                  .C = d->C ? d->C[pick] : 0, .U = d->U ? d->U[pick] : 0};
    sf_law_point_extras(law, d, pick, &x);
    double L;
    if (sf_law_predict(law, params, &x, &L) != SF_OK) return NAN;
    return log(d->loss[pick]) - log(L);
}

typedef struct slot {
    int status;             /* SF_OK, or why the refit failed */
    int converged;
    double noise;
} slot;

/* What every resample's refit shares: the data, how to resample, the
 * refit options and warm starts. */
typedef struct boot_job {
    const sf_fit *fit;
    const sf_data *data;
    const sf_bootstrap_options *o;
    const int *groups;
    size_t G;
    sf_fit_options ro;              /* the fit's options, one thread */
    double warm[SF_MAX_BASINS * SF_MAX_PARAMS];
    size_t nwarm;
    /* Out: the message of the lowest failing resample. */
    char first_error[SF_WARN_LEN];
    size_t first_k;
} boot_job;

/* Resample k: draw, compact, refit; its parameters into x (p values). */
static void refit_one(boot_job *j, boot_ws *w, size_t k, double *x, slot *sl)
{
    const sf_law *law = j->fit->law;
    sf_rng r;
    sf_rng_seed(&r, j->fit->opt.seed, (uint64_t)k);
    draw_counts(j->data, j->o->resample, j->groups, j->G, &r, w->count, w->gcount);
    compact(j->data, w);
    sf_fit *f = NULL;
    sf_error e;
    sf_error_clear(&e);
    int frc = j->o->warm ? sf_fit_run_from(law, w->rows, &j->ro, j->warm, j->nwarm, &f, &e)
                         : sf_fit_run(law, w->rows, &j->ro, &f, &e);
    sl->status = frc;
    if (frc == SF_OK) {
        memcpy(x, f->params, law->n_params * sizeof *f->params);
        sl->converged = f->converged;
        sl->noise = residual_draw(law, f->params, j->data, w->count, &r);
    } else if (frc != SF_ENOMEM) {
#ifdef _OPENMP
#pragma omp critical(sf_bootstrap_error)
#endif
        {
            /* Keep the message of the lowest failing k, whatever order
             * the threads finish in. */
            if (k < j->first_k) {
                j->first_k = k;
                sf_error_format(&e, j->first_error, sizeof j->first_error);
            }
        }
    }
    sf_fit_free(f);
}

/* All K refits, in parallel over resamples, into dr->x and slots;
 * SF_ENOMEM when a thread's workspace could not be made. */
static int refit_all(boot_job *j, sf_draws *dr, slot *slots)
{
    const sf_bootstrap_options *o = j->o;
    const size_t K = o->resamples, p = dr->p;
    int status = SF_OK;
    size_t done = 0;
    int nt = sf_threads_for_rows(j->fit->opt.threads, K,
                                 SF_TEAM_EVALS_FIT * (double)j->fit->n_points);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        boot_ws w;
        int ok = ws_init(&w, j->data) == SF_OK;
        if (!ok) SF_SHARED_SET(status, SF_ENOMEM);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t k = 0; k < K; k++) {
            if (!ok) slots[k].status = SF_ENOMEM;
            else if (j->ro.cancel && *j->ro.cancel)
                slots[k].status = SF_ECANCELED;  /* cancelled: the rest are skipped */
            else refit_one(j, &w, k, dr->x + k * p, &slots[k]);
            size_t now;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
            now = ++done;
#ifdef _OPENMP
            if (o->progress && omp_get_thread_num() == 0) o->progress(o->progress_ctx, now, K);
#else
            if (o->progress) o->progress(o->progress_ctx, now, K);
#endif
        }
        ws_free(&w);
    }
    if (o->progress) o->progress(o->progress_ctx, K, K);
    return status;
}

/* Keep the successful refits, in resample order, and say what failed. */
static int collect(boot_job *j, sf_draws *dr, const slot *slots, sf_error *err)
{
    const sf_bootstrap_options *o = j->o;
    const size_t K = o->resamples, p = dr->p;
    size_t kept = 0, failed = 0, unconv = 0;
    if (j->ro.cancel && *j->ro.cancel) return sf_fail(err, SF_ECANCELED, NULL, 0, 0, "interrupted");
    for (size_t k = 0; k < K; k++) {
        if (slots[k].status == SF_ENOMEM) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        if (slots[k].status != SF_OK) {
            failed++;
            continue;
        }
        if (kept != k) memmove(dr->x + kept * p, dr->x + k * p, p * sizeof *dr->x);
        dr->noise[kept] = slots[k].noise;
        unconv += !slots[k].converged;
        kept++;
    }
    if (kept == 0)
        return sf_fail(err, SF_ENOCONV, j->data->source, 0, 0,
                       "no bootstrap resample could be refitted (%s)", j->first_error);
    dr->kind = SF_DRAWS_BOOTSTRAP;
    dr->n = kept;
    dr->resamples = K;
    dr->failed = failed;
    dr->not_converged = unconv;
    dr->resample = o->resample;
    dr->warm = o->warm != 0;
    dr->n_levels = o->n_levels;
    memcpy(dr->levels, o->levels, o->n_levels * sizeof *o->levels);
    if (failed)
        sf_draws_add_warning(dr, "%zu of %zu bootstrap resamples could not be refitted and are "
                             "left out (first: %s); the intervals describe the rest", failed, K,
                             j->first_error);
    if (unconv)
        sf_draws_add_warning(dr, "%zu of %zu bootstrap refits did not meet the convergence "
                             "test; they are kept", unconv, kept);
    if (o->resample == SF_RESAMPLE_GROUP && j->G < 10)
        sf_draws_add_warning(dr, "only %zu groups to resample: with so few, group bootstrap "
                             "intervals are rough", j->G);
    return SF_OK;
}

/* SF_OK when `fit` (made from data) can be bootstrapped on `data` with o. */
static int check_request(const sf_fit *fit, const sf_data *data, const sf_bootstrap_options *o,
                         sf_error *err)
{
    if (!fit->has_data)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "the bootstrap needs a fit made from data (not a fit file)");
    if (data->n != fit->n_points)
        return sf_fail(err, SF_EINVAL, data->source, 0, 0,
                       "the fit has %zu rows, the data %zu: bootstrap the data it was fitted to",
                       fit->n_points, data->n);
    if (o->resamples < 2)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the bootstrap needs 2 or more resamples");
    return sf_levels_check(o->levels, o->n_levels, err);
}

int sf_fit_bootstrap(const sf_fit *fit, const sf_data *data, const sf_bootstrap_options *o,
                     sf_draws **out, sf_error *err)
{
    *out = NULL;
    sf_bootstrap_options defaults;
    if (!o) {
        sf_bootstrap_options_init(&defaults);
        o = &defaults;
    }
    const sf_law *law = fit->law;
    const size_t p = law->n_params, K = o->resamples;
    int rc = check_request(fit, data, o, err);
    if (rc != SF_OK) return rc;
    boot_job j;
    memset(&j, 0, sizeof j);
    int *groups;
    if ((rc = check_resample(data, o->resample, &j.G, &groups, err)) != SF_OK) return rc;
    j.fit = fit;
    j.data = data;
    j.o = o;
    j.groups = groups;
    j.first_k = K;
    /* Refits: the fit's options, one thread each; warm starts from the
     * distinct optima the full search found. */
    j.ro = fit->opt;
    j.ro.threads = 1;
    j.nwarm = fit->n_basins ? fit->n_basins : 1;
    for (size_t b = 0; b < j.nwarm; b++)
        sf_law_to_internal(law, fit->n_basins ? fit->basin_p[b] : fit->params, j.warm + b * p);

    sf_draws *dr = sf_draws_new(fit, K, p, 0);
    slot *slots = calloc(K, sizeof *slots);
    if (!dr || !slots) rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK && refit_all(&j, dr, slots) != SF_OK)
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK) rc = collect(&j, dr, slots, err);
    free(groups);
    free(slots);
    if (rc != SF_OK) {
        sf_draws_free(dr);
        return rc;
    }
    *out = dr;
    return SF_OK;
}
