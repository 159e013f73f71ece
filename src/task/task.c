/*
 * Task laws (docs/tasks.md).  Two-step (Bhagia et al. 2024): step 1 fits a
 * law of the catalogue to the task loss (bits per byte of the correct
 * answer) on each run's last checkpoint; step 2 fits accuracy as a sigmoid
 * of task loss on every checkpoint (sigmoid.c).  Direct: -log acc = E +
 * A / C^alpha, the law `power` in C = 6ND, on each run's last checkpoint
 * (log accuracy as a power law of compute, one step).  Intervals: whole
 * runs resampled with replacement, every step refitted on the resample,
 * plus one residual of a single evaluation per draw.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/team.h"
#include "fit/fit_impl.h"
#include "task/task_impl.h"

void sf_task_options_init(sf_task_options *o)
{
    memset(o, 0, sizeof *o);
    o->law = "chinchilla";
    o->method = SF_TASK_BOTH;
    o->chance = NAN;
    o->draws = 200;
    sf_fit_options_init(&o->fit);
}

static void task_one_free(sf_task_one *t)
{
    sf_fit_free(t->fit_step1);
    sf_fit_free(t->fit_direct);
    free(t->name);
    free(t->message);
    free(t->step1);
    free(t->d_step1);
    free(t->d_sig);
    free(t->d_direct);
    free(t->d_resid);
    free(t->d_resid_direct);
}

void sf_task_fit_free(sf_task_fit *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n_tasks; i++) task_one_free(&f->tasks[i]);
    free(f->tasks);
    sf_law_free(f->law);
    sf_law_free(f->direct_law);
    free(f);
}

size_t sf_task_fit_n_tasks(const sf_task_fit *f) { return f->n_tasks; }
const char *sf_task_fit_task(const sf_task_fit *f, size_t i)
{
    return i < f->n_tasks ? f->tasks[i].name : NULL;
}
int sf_task_fit_diagnosis(const sf_task_fit *f, size_t i, const char **message)
{
    if (i >= f->n_tasks) return -1;
    if (message) *message = f->tasks[i].message;
    return f->tasks[i].diagnosis;
}

const sf_law *sf_task_fit_law(const sf_task_fit *f) { return f->law; }

const double *sf_task_fit_step1(const sf_task_fit *f, size_t i)
{
    return i < f->n_tasks && f->tasks[i].has_two_step ? f->tasks[i].step1 : NULL;
}

const sf_sigmoid *sf_task_fit_sigmoid(const sf_task_fit *f, size_t i, double *resid_sd)
{
    if (i >= f->n_tasks || f->tasks[i].diagnosis != SF_TASK_OK) return NULL;
    if (resid_sd) *resid_sd = f->tasks[i].resid_sd;
    return &f->tasks[i].sig;
}

const double *sf_task_fit_direct(const sf_task_fit *f, size_t i)
{
    return i < f->n_tasks && f->tasks[i].has_direct ? f->tasks[i].direct : NULL;
}

/* Rows of one task: all (those with an accuracy) and each run's last. */
typedef struct rowsel {
    size_t *all, n_all;       /* rows with a finite accuracy */
    size_t *last, n_last;     /* each run's row of largest D */
    size_t *by_run;           /* for resampling: rows grouped by run */
    size_t *run_start;        /* n_runs + 1 offsets into by_run */
    size_t *run_last;         /* the last row of each run */
    size_t *all_run;          /* compact run index of each row of all */
    double *L, *acc;          /* task loss and accuracy of the rows of all */
    size_t n_runs;
} rowsel;

static void rowsel_free(rowsel *s)
{
    free(s->all);
    free(s->last);
    free(s->by_run);
    free(s->run_start);
    free(s->run_last);
    free(s->all_run);
    free(s->L);
    free(s->acc);
}

static int rowsel_make(const sf_task_data *d, int task, rowsel *s)
{
    memset(s, 0, sizeof *s);
    size_t R = d->n_runs;
    long *last = malloc((R ? R : 1) * sizeof *last);
    size_t *count = calloc(R + 1, sizeof *count);
    s->all = malloc((d->n ? d->n : 1) * sizeof *s->all);
    s->by_run = malloc((d->n ? d->n : 1) * sizeof *s->by_run);
    s->last = malloc((R ? R : 1) * sizeof *s->last);
    s->run_last = malloc((R ? R : 1) * sizeof *s->run_last);
    s->run_start = calloc(R + 1, sizeof *s->run_start);
    if (!last || !count || !s->all || !s->by_run || !s->last || !s->run_last || !s->run_start) {
        free(last);
        free(count);
        return SF_ENOMEM;
    }
    for (size_t r = 0; r < R; r++) last[r] = -1;
    for (size_t i = 0; i < d->n; i++) {
        if (d->task[i] != task) continue;
        size_t r = (size_t)d->run[i];
        if (last[r] < 0 || d->D[i] >= d->D[last[r]]) last[r] = (long)i;
        if (isfinite(d->acc[i])) {
            s->all[s->n_all++] = i;
            count[r]++;
        }
    }
    /* runs of this task, compacted; rows with accuracy grouped by run */
    size_t *pos = calloc(R + 1, sizeof *pos);
    if (!pos) {
        free(last);
        free(count);
        return SF_ENOMEM;
    }
    size_t k = 0, off = 0;
    for (size_t r = 0; r < R; r++) {
        if (last[r] < 0) continue;
        s->last[s->n_last++] = (size_t)last[r];
        s->run_last[k] = (size_t)last[r];
        s->run_start[k] = off;
        pos[r] = off;
        off += count[r];
        k++;
    }
    s->n_runs = k;
    s->run_start[k] = off;
    for (size_t j = 0; j < s->n_all; j++) {
        size_t i = s->all[j];
        s->by_run[pos[d->run[i]]++] = i;
    }
    /* compact index of each original run, reusing `count` */
    for (size_t r = 0, c = 0; r < R; r++) count[r] = last[r] < 0 ? 0 : c++;
    size_t na = s->n_all ? s->n_all : 1;
    s->all_run = malloc(na * sizeof *s->all_run);
    s->L = malloc(na * sizeof *s->L);
    s->acc = malloc(na * sizeof *s->acc);
    if (!s->all_run || !s->L || !s->acc) {
        free(pos);
        free(last);
        free(count);
        return SF_ENOMEM;
    }
    for (size_t j = 0; j < s->n_all; j++) {
        size_t i = s->all[j];
        s->all_run[j] = count[d->run[i]];
        s->L[j] = d->loss[i];
        s->acc[j] = d->acc[i];
    }
    free(pos);
    free(last);
    free(count);
    return SF_OK;
}

/* A data set of rows idx (N, D, C, loss = task loss or -log acc). */
static int make_data(const sf_task_data *d, const size_t *idx, size_t m, int neglog_acc,
                     sf_data **out)
{
    unsigned roles = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_C) |
                     SF_ROLE_BIT(SF_ROLE_LOSS);
    int rc = sf_data_new(m, roles, out);
    if (rc != SF_OK) return rc;
    sf_data *x = *out;
    size_t k = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx[j];
        double y = neglog_acc ? -log(d->acc[i]) : d->loss[i];
        if (!(y > 0.0) || !isfinite(y)) continue;
        x->N[k] = d->N[i];
        x->D[k] = d->D[i];
        x->C[k] = 6.0 * d->N[i] * d->D[i];
        x->loss[k] = y;
        x->line[k] = d->line[i];
        k++;
    }
    x->n = k;
    return SF_OK;
}

/* Fit `law` to rows idx; params (n_params) and objective out.  With
 * `warm` (the whole-table fit), L-BFGS starts only from its optimum, as
 * the bootstrap's warm path does from each of its basins
 * (docs/uncertainty.md); else the law's global search.  *keep (may be NULL) receives the fit. */
static int fit_rows(const sf_law *law, const sf_task_data *d, const size_t *idx, size_t m,
                    int neglog_acc, const sf_fit_options *fo, const sf_fit *warm,
                    double *params, double *obj, sf_fit **keep, sf_error *err)
{
    sf_data *x = NULL;
    int rc = make_data(d, idx, m, neglog_acc, &x);
    if (rc != SF_OK) return rc;
    sf_fit *fit = NULL;
    if (warm) {
        /* the best basin: a resample moves the optimum a little, and every
         * further start costs a full L-BFGS run */
        size_t P = sf_law_n_params(law), nb = sf_fit_n_basins(warm);
        double theta[SF_MAX_BASINS * SF_MAX_PARAMS], nat[SF_MAX_PARAMS];
        if (nb == 0 || nb > SF_MAX_BASINS) nb = 1;
        nb = 1;
        for (size_t b = 0; b < nb; b++) {
            if (sf_fit_n_basins(warm) == 0) memcpy(nat, sf_fit_params(warm), P * sizeof *nat);
            else sf_fit_basin(warm, b, nat);
            sf_law_to_internal(law, nat, theta + b * P);
        }
        rc = sf_fit_run_from(law, x, fo, theta, nb, &fit, err);
    } else {
        rc = sf_fit_run(law, x, fo, &fit, err);
    }
    if (rc == SF_OK) {
        memcpy(params, sf_fit_params(fit), sf_law_n_params(law) * sizeof *params);
        if (obj) *obj = sf_fit_objective(fit);
    }
    if (keep && rc == SF_OK) *keep = fit;
    else sf_fit_free(fit);
    sf_data_free(x);
    return rc;
}

double sf_task_direct_eval(const double *p, double C)
{
    /* power law in C: E + A / C^alpha, written exp(log A - alpha log C) */
    return p[0] + exp(log(p[1]) - p[2] * log(C));
}

static double chance_of(const sf_task_options *o, const char *task)
{
    for (size_t i = 0; i < o->n_chance; i++)
        if (strcmp(o->chance_task[i], task) == 0) return o->chance_value[i];
    return o->chance;
}

/* Whole-table fits of one task, and its no-signal diagnosis. */
static int fit_task_full(const sf_task_fit *f, const sf_task_data *d, const rowsel *s,
                         sf_task_one *t, sf_error *err)
{
    sf_fit_options fo = f->opt.fit;
    fo.threads = 1;
    t->loss_min = INFINITY;
    t->loss_max = -INFINITY;
    for (size_t j = 0; j < s->n_all; j++) {
        size_t i = s->all[j];
        t->loss_min = fmin(t->loss_min, d->loss[i]);
        t->loss_max = fmax(t->loss_max, d->loss[i]);
        t->N_max = fmax(t->N_max, d->N[i]);
        t->D_max = fmax(t->D_max, d->D[i]);
        t->C_max = fmax(t->C_max, 6.0 * d->N[i] * d->D[i]);
    }
    t->n_rows = s->n_all;
    sf_sigmoid_data sd = {s->n_all, s->L, s->acc, NULL};
    int rc = sf_sigmoid_fit(&sd, t->chance, NULL, &t->sig);
    if (rc != SF_OK)
        return sf_fail(err, rc, d->source, 0, 0, "task '%s': cannot fit accuracy against task "
                       "loss (%zu checkpoints with an accuracy)", t->name, s->n_all);
    double dof = (double)s->n_all - (t->sig.floor_fixed ? 3.0 : 4.0);
    t->resid_sd = sqrt(t->sig.sse / (dof > 1.0 ? dof : 1.0));
    double rise = sf_sigmoid_eval(&t->sig, t->loss_min) - sf_sigmoid_eval(&t->sig, t->loss_max);
    if (!(rise >= 3.0 * t->resid_sd)) {
        t->diagnosis = SF_TASK_NO_SIGNAL;
        char msg[256];
        snprintf(msg, sizeof msg, "no signal: accuracy rises by %.3g over the task-loss range, "
                 "less than 3 times its scatter (%.3g); a sigmoid would be fitted to noise",
                 rise, t->resid_sd);
        t->message = sf_strdup(msg);
        return t->message ? SF_OK : SF_ENOMEM;
    }
    if (f->opt.method & SF_TASK_TWO_STEP) {
        const size_t *rows = f->opt.step1_all ? s->all : s->last;
        size_t m = f->opt.step1_all ? s->n_all : s->n_last;
        rc = fit_rows(f->law, d, rows, m, 0, &fo, NULL, t->step1, &t->step1_objective,
                      &t->fit_step1, err);
        if (rc != SF_OK) return rc;
        t->has_two_step = 1;
        t->n_final = m;
    }
    if (f->opt.method & SF_TASK_DIRECT) {
        rc = fit_rows(f->direct_law, d, s->last, s->n_last, 1, &fo, NULL, t->direct,
                      &t->direct_objective, &t->fit_direct, err);
        if (rc != SF_OK) return rc;
        t->has_direct = 1;
        double ss = 0.0;
        for (size_t j = 0; j < s->n_last; j++) {
            size_t i = s->last[j];
            double r = -log(d->acc[s->last[j]]) -
                       sf_task_direct_eval(t->direct, 6.0 * d->N[i] * d->D[i]);
            ss += isfinite(r) ? r * r : 0.0;
        }
        double dd = (double)s->n_last - 3.0;
        t->direct_resid_sd = sqrt(ss / (dd > 1.0 ? dd : 1.0));
    }
    return SF_OK;
}

/* A resample of runs: each run's multiplicity as weights of the rows of
 * `all` (w, n_all entries) and the drawn runs' last rows (last, n_runs
 * entries, repeats as drawn). */
static int resample_runs(const rowsel *s, sf_rng *rng, double **w, size_t **last)
{
    size_t R = s->n_runs;
    double *mult = calloc(R ? R : 1, sizeof *mult);
    double *wt = malloc((s->n_all ? s->n_all : 1) * sizeof *wt);
    size_t *l = malloc((R ? R : 1) * sizeof *l);
    if (!mult || !wt || !l) {
        free(mult);
        free(wt);
        free(l);
        return SF_ENOMEM;
    }
    for (size_t k = 0; k < R; k++) {
        size_t r = (size_t)sf_rng_below(rng, R);
        l[k] = s->run_last[r];
        mult[r] += 1.0;
    }
    for (size_t j = 0; j < s->n_all; j++) wt[j] = mult[s->all_run[j]];
    free(mult);
    *w = wt;
    *last = l;
    return SF_OK;
}

/* The rows of `all` repeated by weight (for step 1 on every checkpoint). */
static size_t *repeat_rows(const rowsel *s, const double *w, size_t *m)
{
    size_t n = 0;
    for (size_t j = 0; j < s->n_all; j++) n += (size_t)w[j];
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    if (!rows) return NULL;
    n = 0;
    for (size_t j = 0; j < s->n_all; j++)
        for (size_t c = 0; c < (size_t)w[j]; c++) rows[n++] = s->all[j];
    *m = n;
    return rows;
}

/* Draw k of task t: every fit redone on one resample of runs.  A failed
 * refit leaves NaN in its row. */
static void draw_one(const sf_task_fit *f, const sf_task_data *d, const rowsel *s,
                     sf_task_one *t, size_t task_index, size_t k)
{
    size_t P = f->n_step1;
    double *p1 = t->d_step1 + k * P, *sg = t->d_sig + 4 * k, *dr = t->d_direct + 3 * k;
    for (size_t j = 0; j < P; j++) p1[j] = NAN;
    for (int j = 0; j < 4; j++) sg[j] = NAN;
    for (int j = 0; j < 3; j++) dr[j] = NAN;
    t->d_resid[k] = t->d_resid_direct[k] = NAN;
    sf_rng rng;
    sf_rng_seed(&rng, f->opt.seed, ((uint64_t)task_index << 32) | (uint64_t)k);
    double *w = NULL;
    size_t *last = NULL;
    if (resample_runs(s, &rng, &w, &last) != SF_OK) return;
    sf_fit_options fo = f->opt.fit;
    fo.threads = 1;
    /* a draw needs its optimum to far less than the spread of the draws
     * (a few per cent): L-BFGS stops at a looser gradient test */
    if (fo.gtol < 1e-6) fo.gtol = 1e-6;
    sf_error e;
    sf_error_clear(&e);
    sf_sigmoid sig;
    double warm[2] = {t->sig.k, t->sig.L0};
    sf_sigmoid_data sd = {s->n_all, s->L, s->acc, w};
    if (sf_sigmoid_fit(&sd, t->chance, warm, &sig) == SF_OK) {
        sg[0] = sig.a;
        sg[1] = sig.b;
        sg[2] = sig.k;
        sg[3] = sig.L0;
    }
    if (t->has_two_step) {
        size_t m = s->n_runs;
        size_t *rows = f->opt.step1_all ? repeat_rows(s, w, &m) : last;
        if (!rows || fit_rows(f->law, d, rows, m, 0, &fo, t->fit_step1, p1, NULL, NULL, &e) != SF_OK)
            for (size_t j = 0; j < P; j++) p1[j] = NAN;
        if (rows != last) free(rows);
    }
    if (t->has_direct &&
        fit_rows(f->direct_law, d, last, s->n_runs, 1, &fo, t->fit_direct, dr, NULL, NULL, &e) !=
            SF_OK)
        for (int j = 0; j < 3; j++) dr[j] = NAN;
    /* one residual of a single evaluation, from the whole-table fits */
    size_t i = s->all[sf_rng_below(&rng, s->n_all)];
    t->d_resid[k] = d->acc[i] - sf_sigmoid_eval(&t->sig, d->loss[i]);
    if (t->has_direct) {
        size_t r = s->last[sf_rng_below(&rng, s->n_last)];
        t->d_resid_direct[k] = -log(d->acc[r]) -
                               sf_task_direct_eval(t->direct, 6.0 * d->N[r] * d->D[r]);
    }
    free(w);
    free(last);
}

static int alloc_draws(sf_task_one *t, size_t B, size_t P)
{
    t->n_draws = B;
    size_t b = B ? B : 1;
    t->d_step1 = malloc(b * (P ? P : 1) * sizeof *t->d_step1);
    t->d_sig = malloc(b * 4 * sizeof *t->d_sig);
    t->d_direct = malloc(b * 3 * sizeof *t->d_direct);
    t->d_resid = malloc(b * sizeof *t->d_resid);
    t->d_resid_direct = malloc(b * sizeof *t->d_resid_direct);
    return t->d_step1 && t->d_sig && t->d_direct && t->d_resid && t->d_resid_direct
               ? SF_OK : SF_ENOMEM;
}

static int fit_task(sf_task_fit *f, const sf_task_data *d, size_t ti, sf_error *err)
{
    sf_task_one *t = &f->tasks[ti];
    t->name = sf_strdup(d->task_names[ti]);
    t->step1 = calloc(f->n_step1 ? f->n_step1 : 1, sizeof *t->step1);
    if (!t->name || !t->step1) return SF_ENOMEM;
    t->chance = chance_of(&f->opt, t->name);
    rowsel s;
    int rc = rowsel_make(d, (int)ti, &s);
    if (rc == SF_OK) rc = fit_task_full(f, d, &s, t, err);
    if (rc == SF_OK && t->diagnosis == SF_TASK_OK)
        rc = alloc_draws(t, f->opt.draws, f->n_step1);
    if (rc == SF_OK && t->diagnosis == SF_TASK_OK) {
        /* A draw costs about 8 row evaluations per checkpoint of the task
         * (0.36 ms for 2459 on the OLMo ladder): a team only when each
         * thread gets enough of them (src/base/team.h). */
        long B = (long)f->opt.draws;
        int threads = sf_threads_for_rows(f->opt.threads, (size_t)B, 8.0 * (double)s.n_all);
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (B > 1 && threads > 1)
        for (long k = 0; k < B; k++) draw_one(f, d, &s, t, ti, (size_t)k);
    }
    rowsel_free(&s);
    sf_fit_free(t->fit_step1);
    sf_fit_free(t->fit_direct);
    t->fit_step1 = t->fit_direct = NULL;
    return rc;
}

int sf_task_fit_run(const sf_task_data *d, const sf_task_options *o, sf_task_fit **out,
                    sf_error *err)
{
    *out = NULL;
    sf_task_fit *f = calloc(1, sizeof *f);
    if (!f) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (o) f->opt = *o;
    else sf_task_options_init(&f->opt);
    if (!f->opt.law) f->opt.law = "chinchilla";
    sf_strlcpy(f->law_name, f->opt.law, sizeof f->law_name);
    f->opt.law = f->law_name;
    int rc = sf_law_new(f->law_name, NULL, &f->law, err);
    sf_law_options po;
    sf_law_options_init(&po);
    po.x = SF_ROLE_C;
    if (rc == SF_OK) rc = sf_law_new("power", &po, &f->direct_law, err);
    if (rc == SF_OK && (sf_law_roles(f->law) & ~(SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) |
                                                 SF_ROLE_BIT(SF_ROLE_C) | SF_ROLE_BIT(SF_ROLE_LOSS))))
        rc = sf_fail(err, SF_EINVAL, NULL, 0, 0, "law '%s' reads a variable a task table has "
                     "not (step 1 takes N, D or C)", f->law_name);
    if (rc == SF_OK) {
        f->n_step1 = sf_law_n_params(f->law);
        f->tasks = calloc(d->n_tasks ? d->n_tasks : 1, sizeof *f->tasks);
        if (!f->tasks) rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; rc == SF_OK && i < d->n_tasks; i++) {
        f->n_tasks = i + 1;
        rc = fit_task(f, d, i, err);
        if (rc == SF_ENOMEM) sf_fail(err, rc, NULL, 0, 0, "out of memory");
    }
    if (rc != SF_OK) {
        sf_task_fit_free(f);
        return rc;
    }
    *out = f;
    return SF_OK;
}

static void interval(double *v, size_t n, double level, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) v[m++] = v[i];
    sf_sort_doubles(v, m);
    *lo = m ? sf_quantile_sorted(v, m, (1.0 - level) / 2.0) : NAN;
    *hi = m ? sf_quantile_sorted(v, m, (1.0 + level) / 2.0) : NAN;
}

static double step1_loss(const sf_law *law, const double *p, double N, double D)
{
    sf_point x = {.N = N, .D = D, .C = 6.0 * N * D};
    double L = NAN;
    if (sf_law_predict(law, p, &x, &L) != SF_OK) return NAN;
    return L;
}

static void predict_draws(const sf_task_fit *f, const sf_task_one *t, double N, double D,
                          double level, sf_task_prediction *p, double *buf)
{
    size_t B = t->n_draws, P = f->n_step1;
    if (t->has_two_step) {
        for (size_t k = 0; k < B; k++) buf[k] = step1_loss(f->law, t->d_step1 + k * P, N, D);
        interval(buf, B, level, &p->loss_lo, &p->loss_hi);
        for (size_t k = 0; k < B; k++) {
            const double *g = t->d_sig + 4 * k;
            sf_sigmoid s = {.a = g[0], .b = g[1], .k = g[2], .L0 = g[3]};
            buf[k] = sf_sigmoid_eval(&s, step1_loss(f->law, t->d_step1 + k * P, N, D)) +
                     t->d_resid[k];
        }
        interval(buf, B, level, &p->acc_lo, &p->acc_hi);
    }
    if (t->has_direct) {
        for (size_t k = 0; k < B; k++)
            buf[k] = exp(-(sf_task_direct_eval(t->d_direct + 3 * k, p->C) + t->d_resid_direct[k]));
        interval(buf, B, level, &p->direct_lo, &p->direct_hi);
    }
}

int sf_task_predict(const sf_task_fit *f, size_t task, double N, double D, double level,
                    sf_task_prediction *p, sf_error *err)
{
    if (task >= f->n_tasks || !(N > 0.0) || !(D > 0.0) || !isfinite(N) || !isfinite(D) ||
        !(level > 0.0 && level < 1.0))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "task prediction: bad task, N, D or level");
    const sf_task_one *t = &f->tasks[task];
    *p = (sf_task_prediction){N, D, 6.0 * N * D, NAN, NAN, NAN, NAN, NAN, NAN,
                              NAN, NAN, NAN, 0.0};
    if (t->diagnosis != SF_TASK_OK) return SF_OK;
    if (t->has_two_step) {
        p->loss = step1_loss(f->law, t->step1, N, D);
        p->acc = sf_sigmoid_eval(&t->sig, p->loss);
        double span = t->loss_max - t->loss_min;
        if (p->loss < t->loss_min && span > 0.0) p->loss_beyond = (t->loss_min - p->loss) / span;
    }
    if (t->has_direct) p->acc_direct = exp(-sf_task_direct_eval(t->direct, p->C));
    if (t->n_draws == 0) return SF_OK;
    double *buf = malloc(t->n_draws * sizeof *buf);
    if (!buf) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    predict_draws(f, t, N, D, level, p, buf);
    free(buf);
    return SF_OK;
}

int sf_task_optimal(const sf_task_fit *f, size_t task, double C, sf_alloc_row *row, sf_error *err)
{
    if (task >= f->n_tasks) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no task %zu", task);
    const sf_task_one *t = &f->tasks[task];
    if (t->diagnosis != SF_TASK_OK || !t->has_two_step)
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0, "task '%s' has no two-step fit%s", t->name,
                       t->diagnosis != SF_TASK_OK ? " (no signal)" : "");
    return sf_alloc_optimal(f->law, t->step1, C, row, err);
}

int sf_task_target_acc(const sf_task_fit *f, size_t task, double acc, sf_alloc_row *row,
                       sf_error *err)
{
    if (task >= f->n_tasks) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no task %zu", task);
    const sf_task_one *t = &f->tasks[task];
    if (t->diagnosis != SF_TASK_OK || !t->has_two_step)
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0, "task '%s' has no two-step fit%s", t->name,
                       t->diagnosis != SF_TASK_OK ? " (no signal)" : "");
    const sf_sigmoid *s = &t->sig;
    if (!(acc > s->b && acc < s->b + s->a))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "task '%s': accuracy %g is outside the "
                       "sigmoid's range (%g, %g): no budget reaches it", t->name, acc, s->b,
                       s->b + s->a);
    /* acc = b + a / (1 + exp(k (L - L0)))  <=>  L = L0 + log(a / (acc - b) - 1) / k */
    double L = s->L0 + log(s->a / (acc - s->b) - 1.0) / s->k;
    int rc = L > 0.0 ? sf_alloc_target_loss(f->law, t->step1, L, row, err) : SF_EDOMAIN;
    if (rc == SF_EDOMAIN)
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "task '%s': accuracy %g needs a task loss "
                       "of %.4g, which the step-1 law never reaches (its floor is above it)",
                       t->name, acc, L);
    return rc;
}
