/*
 * Team sizing by work and the sleeping barrier (src/base/team.c, issue 22).
 *
 * The sizes asserted come from the costs measured for the bench
 * (bench/README.md, "Scaling"): a default fit of 3,000 rows is about 70 ms
 * of work, too little to share; a bootstrap of 200 resamples of 240 rows
 * (about 1 s) and the full grid's 4,500 starts are worth every thread.
 */
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
