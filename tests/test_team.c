/*
 * Team sizing by work, the sleeping barrier and the sampler's team
 * (src/base/team.c, src/infer/bayes.c; issue 22).
 *
 * The sizes asserted come from the costs measured for the bench
 * (bench/README.md, "Scaling"): a default fit of 3,000 rows is about 70 ms
 * of work, too little to share; a bootstrap of 200 resamples of 240 rows
 * (about 1 s) and the full grid's 4,500 starts are worth every thread.
 */
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "common.h"
#include "base/base.h"
#include "base/team.h"

Test(team, sizing_by_work)
{
    /* Phase 1 of a default fit: 8 starts. */
    cr_assert_eq(sf_threads_for_rows(16, 8, SF_TEAM_EVALS_START * 3000), 1);
    cr_assert_eq(sf_threads_for_rows(16, 8, SF_TEAM_EVALS_START * 10000), 4);
    /* Never more threads than items or than asked for. */
    cr_assert_eq(sf_threads_for_rows(16, 8, SF_TEAM_EVALS_START * 1e6), 8);
    cr_assert_eq(sf_threads_for_rows(3, 4500, SF_TEAM_EVALS_START * 240), 3);
    cr_assert_eq(sf_threads_for_rows(16, 200, SF_TEAM_EVALS_FIT * 240), 16);
    /* Tiny or empty work: one thread. */
    cr_assert_eq(sf_threads_for_rows(16, 2000, 8.0 * 63), 1);
    cr_assert_eq(sf_threads_for_rows(16, 0, 1e9), 1);
    cr_assert_eq(sf_threads_for_rows(16, 5, 0), 1);
}

typedef struct phases {
    atomic_int arrived;   /* threads past the claim in this phase */
    int ran, bad;         /* last() calls; phases where not all had arrived */
    int threads;
} phases;

static void last(void *ctx)
{
    phases *p = ctx;
    if (atomic_load(&p->arrived) != p->threads) p->bad++;
    atomic_store(&p->arrived, 0);
    p->ran++;
}

/* 3 threads through 2,000 phases: last() runs once per phase, after every
 * thread has arrived and before any leaves (no thread sees the next
 * phase's count early). */
Test(team, barrier_runs_last_once_per_phase)
{
    const int rounds = 2000;
    phases p = {.ran = 0, .bad = 0, .threads = 1};
    atomic_init(&p.arrived, 0);
    sf_barrier b;
    int serial = 0, init_rc = SF_OK;
#ifdef _OPENMP
#pragma omp parallel num_threads(3)
#endif
    {
#ifdef _OPENMP
#pragma omp single
#endif
        {
#ifdef _OPENMP
            p.threads = omp_get_num_threads();
#endif
            init_rc = sf_barrier_init(&b, (unsigned)p.threads);
        }
        if (init_rc == SF_OK) {
            int mine = 0;
            for (int r = 0; r < rounds; r++) {
                atomic_fetch_add(&p.arrived, 1);
                mine += sf_barrier_wait(&b, last, &p);
            }
#ifdef _OPENMP
#pragma omp atomic
#endif
            serial += mine;
        }
    }
    cr_assert_eq(init_rc, SF_OK);
    sf_barrier_destroy(&b);
    cr_assert_eq(p.ran, rounds);
    cr_assert_eq(serial, rounds, "one thread per phase is told it ran last()");
    cr_assert_eq(p.bad, 0, "%d phases ran last() before every thread arrived", p.bad);
}

/* ---- the sampler's team ------------------------------------------------------ */

typedef struct stopper {
    volatile sig_atomic_t flag;
    size_t calls, stop_at;
} stopper;

static void stop_at(void *ctx, size_t done, size_t total)
{
    (void)total;
    stopper *s = ctx;
    s->calls++;
    if (done == s->stop_at) s->flag = 1;
}

/* Cancelling the sampler from its progress callback (as the CLI's SIGINT
 * handler does through the flag) stops every thread of the team at the
 * same step: SF_ECANCELED, no step reported after the one that set it.
 * 5,000 rows x 16 walkers a half-step make a team of 2. */
Test(team, sampler_cancel_stops_the_team_at_one_step, .timeout = 600)
{
    enum { n = 5000 };
    static double N[n], D[n];
    for (int i = 0; i < n; i++) {
        N[i] = 1e7 * pow(100.0, (i % 25) / 24.0);
        D[i] = 2e8 * pow(100.0, (i / 25 + 1) / 200.0);
    }
    const double truth[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};
    sf_law *law;
    sf_data *d;
    sf_error err;
    char buf[1024];
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    cr_assert_eq(sf_simulate(law, truth, N, D, NULL, n, 0.02, 5, &d, &err), SF_OK);
    for (int threads = 1; threads <= 2; threads++) {
        stopper st = {.flag = 0, .calls = 0, .stop_at = 5};
        sf_fit_options fo;
        sf_fit_options_init(&fo);
        fo.threads = threads;
        /* sf_bayes_run reads the flag through the fit's options. */
        fo.cancel = &st.flag;
        sf_fit *fit;
        cr_assert_eq(sf_fit_run(law, d, &fo, &fit, &err), SF_OK, "%s",
                     sf_error_format(&err, buf, sizeof buf));
        sf_bayes_options bo;
        sf_bayes_options_init(&bo);
        bo.burn = 10;
        bo.steps = 20;
        bo.progress = stop_at;
        bo.progress_ctx = &st;
        sf_draws *dr = NULL;
        int rc = sf_bayes_run(fit, d, &bo, &dr, &err);
        cr_assert_eq(rc, SF_ECANCELED, "threads %d: %d", threads, rc);
        cr_assert_null(dr);
        cr_assert_eq(st.calls, 5u, "threads %d: %zu steps reported", threads, st.calls);
        sf_fit_free(fit);
    }
    sf_data_free(d);
    sf_law_free(law);
}
