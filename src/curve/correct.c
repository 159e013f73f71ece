/*
 * Schedule correction of checkpoints: the loss a run would have reached at
 * step t had it been annealed there, from the "anneal" law fitted to the
 * runs of its size (Tissue et al. 2024 use their law the same way, to
 * predict the loss of a schedule never run).  Cost: one fit per size, and
 * O(t) per corrected checkpoint for the features of its annealed schedule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

typedef struct crun {
    int id;
    double N;
    size_t n;
    size_t *row;        /* rows of the run, by step */
    double *step, *lr, *loss;
    sf_schedule *sched;
} crun;

/* Sort row indices by step (insertion sort: logs come nearly sorted). */
static void sort_rows(size_t *row, size_t n, const double *step)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = row[i], j = i;
        while (j > 0 && step[row[j - 1]] > step[v]) {
            row[j] = row[j - 1];
            j--;
        }
        row[j] = v;
    }
}

static void runs_free(crun *r, size_t nr)
{
    for (size_t k = 0; r && k < nr; k++) {
        free(r[k].row);
        free(r[k].step);
        free(r[k].lr);
        free(r[k].loss);
        sf_schedule_free(r[k].sched);
    }
    free(r);
}

/* Split rows into runs (by id), sorted by step, each with its schedule. */
static int make_runs(size_t n, const int *run, const double *N, const double *step,
                     const double *lr, const double *loss, crun **out, size_t *nr_out,
                     sf_error *err)
{
    int maxid = -1;
    for (size_t i = 0; i < n; i++) {
        if (run[i] < 0 || !isfinite(step[i]) || !isfinite(lr[i]) || step[i] < 0 || lr[i] < 0)
            return sf_fail(err, SF_EINVAL, "", 0, 0,
                           "schedule correction: row %zu has a bad run, step or lr", i + 1);
        if (run[i] > maxid) maxid = run[i];
    }
    size_t nr = (size_t)(maxid + 1);
    crun *r = calloc(nr ? nr : 1, sizeof *r);
    if (!r) return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) r[run[i]].n++;
    int rc = SF_OK;
    for (size_t k = 0; k < nr && rc == SF_OK; k++) {
        r[k].id = (int)k;
        size_t m = r[k].n ? r[k].n : 1;
        r[k].row = malloc(m * sizeof *r[k].row);
        r[k].step = malloc(m * sizeof(double));
        r[k].lr = malloc(m * sizeof(double));
        r[k].loss = malloc(m * sizeof(double));
        if (!r[k].row || !r[k].step || !r[k].lr || !r[k].loss) rc = SF_ENOMEM;
        r[k].n = 0;
    }
    for (size_t i = 0; i < n && rc == SF_OK; i++) r[run[i]].row[r[run[i]].n++] = i;
    for (size_t k = 0; k < nr && rc == SF_OK; k++) {
        crun *q = &r[k];
        if (!q->n) continue;
        sort_rows(q->row, q->n, step);
        q->N = N ? N[q->row[0]] : 0.0;
        for (size_t j = 0; j < q->n; j++) {
            q->step[j] = step[q->row[j]];
            q->lr[j] = lr[q->row[j]];
            q->loss[j] = loss[q->row[j]];
        }
        rc = sf_schedule_from_points(q->step, q->lr, q->n, 0, &q->sched, err);
    }
    if (rc != SF_OK) {
        runs_free(r, nr);
        return rc == SF_ENOMEM ? sf_fail(err, rc, "", 0, 0, "out of memory") : rc;
    }
    *out = r;
    *nr_out = nr;
    return SF_OK;
}

/* S1, S2 at step t of the schedule s annealed at t (warm-up kept, the decay
 * from [w, T] compressed onto [w, t]). */
static void annealed_sums(const sf_schedule *s, size_t w, size_t t, double lambda, double *S1,
                          double *S2)
{
    const double T = (double)s->steps, W = (double)w;
    double a = 0, b = 0, m = 0, prev = s->eta[0];
    for (size_t u = 1; u <= t; u++) {
        double e = u <= w ? s->eta[u]
                          : sf_schedule_lr(s, W + ((double)u - W) * (T - W) / ((double)t - W));
        a += e;
        m = u > w ? lambda * m + (prev - e) : 0.0;
        b += m;
        prev = e;
    }
    *S1 = a;
    *S2 = b;
}

/* Fit the runs of one size and correct their rows. */
static size_t correct_size(crun *r, size_t nr, double N, const sf_curve_options *o,
                           double *loss)
{
    sf_curve_run *cr = calloc(nr ? nr : 1, sizeof *cr);
    size_t m = 0, changed = 0;
    for (size_t k = 0; cr && k < nr; k++)
        if (r[k].n && r[k].N == N) cr[m++] = (sf_curve_run){r[k].sched, r[k].n, r[k].step, r[k].loss};
    sf_curve_fit *fit = NULL;
    if (!cr || sf_curve_fit_run("anneal", cr, m, o, &fit, NULL) != SF_OK) {
        free(cr);
        return 0;
    }
    const double *p = sf_curve_fit_params(fit);
    for (size_t k = 0; k < nr; k++) {
        crun *q = &r[k];
        if (!q->n || q->N != N) continue;
        size_t w = sf_schedule_peak_step(q->sched);
        double cut = o->min_step >= 0 ? o->min_step : 5.0 * (double)w;
        for (size_t j = 0; j + 1 < q->n; j++) {
            size_t t = (size_t)llround(q->step[j]);
            if (q->step[j] < cut || t <= w) continue;
            double f1[2], f2[2];
            cfeat fe;
            memset(&fe, 0, sizeof fe);
            fe.n = 1;
            fe.t = &q->step[j];
            sf_curve_run one = {q->sched, 1, &q->step[j], NULL};
            cfeat real;
            if (cfeat_build(&real, &one, 1, o, 0, 0, NULL) != SF_OK) continue;
            f1[0] = real.S1[0];
            f2[0] = real.S2[0];
            cfeat_free(&real);
            annealed_sums(q->sched, w, t, o->lambda, &f1[1], &f2[1]);
            fe.S1 = &f1[0];
            fe.S2 = &f2[0];
            double now = sf_curve_anneal.eval(p, &fe, 0, NULL);
            fe.S1 = &f1[1];
            fe.S2 = &f2[1];
            double ann = sf_curve_anneal.eval(p, &fe, 0, NULL);
            double v = loss[q->row[j]] + ann - now;
            if (isfinite(v) && v > 0) {
                loss[q->row[j]] = v;
                changed++;
            }
        }
    }
    sf_curve_fit_free(fit);
    free(cr);
    return changed;
}

int sf_curve_correct(size_t n, const int *run, const double *N, const double *step,
                     const double *lr, double *loss, const sf_curve_options *o,
                     size_t *n_corrected, sf_error *err)
{
    sf_curve_options d;
    if (!o) {
        sf_curve_options_init(&d);
        o = &d;
    }
    crun *r = NULL;
    size_t nr = 0, changed = 0;
    int rc = make_runs(n, run, N, step, lr, loss, &r, &nr, err);
    if (rc != SF_OK) return rc;
    for (size_t k = 0; k < nr; k++) {
        int first = r[k].n > 0;
        for (size_t q = 0; q < k && first; q++) first = !(r[q].n && r[q].N == r[k].N);
        if (first) changed += correct_size(r, nr, r[k].N, o, loss);
    }
    runs_free(r, nr);
    if (n_corrected) *n_corrected = changed;
    return SF_OK;
}
