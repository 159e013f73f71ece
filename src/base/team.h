/*
 * Team sizing by work, and a barrier that sleeps (issue 22).
 *
 * Why not OpenMP's barrier: libgomp's threads spin at a barrier, and
 * between parallel regions, for up to GOMP_SPINCOUNT (300,000) polls
 * before they sleep, several milliseconds.  On a machine whose other
 * cores are busy (a shared build machine, a cluster node with other jobs)
 * the spinning thread takes the core the working thread needs: measured
 * on the 2-core machine with one core held by another process, a
 * two-thread team that met at a barrier every 1.6 ms spent 70% more CPU
 * than one thread and ran slower (bench/README.md, "Scaling").  The wait
 * policy is the user's setting (OMP_WAIT_POLICY), not the library's, so
 * the library does two things instead: it forms a team only when each
 * thread gets milliseconds of work (sf_threads_for_rows), and the one
 * loop that must meet often (the ensemble sampler, twice a step) meets at
 * sf_barrier, which polls briefly and then sleeps on a condition
 * variable.
 */
#ifndef SF_BASE_TEAM_H
#define SF_BASE_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* Row evaluations (one law prediction and loss term, about 20-25 ns) a
 * thread should get before a team is worth waking: about 40 ms, ten times
 * what an idle libgomp thread may spin away after a region. */
#define SF_TEAM_MIN_ROWS 2000000

/* Estimated evaluations of the table: one start of the multi-start search
 * (L-BFGS to phase 1's tolerance, 60 to 230 measured), and one whole fit
 * (grid, starts, polish: about 1,200 measured). */
#define SF_TEAM_EVALS_START 100.0
#define SF_TEAM_EVALS_FIT 1000.0

/* Threads for `items` independent tasks of about `rows` row evaluations
 * each, asked for `threads` (0 = all cores): at most one per item and one
 * per SF_TEAM_MIN_ROWS of the total, at least 1. */
int sf_threads_for_rows(int threads, size_t items, double rows);

/* A reusable barrier for `n` threads.  The thread that arrives last runs
 * `last(ctx)` (may be NULL) before any thread leaves, so serial work
 * between two phases needs no second barrier; the writes of every thread
 * before the barrier are visible to all after it. */
typedef struct sf_barrier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n, count;
    atomic_uint gen;
} sf_barrier;

/* SF_OK, or SF_ENOMEM when the mutex or condition cannot be made. */
int sf_barrier_init(sf_barrier *b, unsigned n);
void sf_barrier_destroy(sf_barrier *b);
/* Returns 1 in the thread that ran `last`, 0 in the others. */
int sf_barrier_wait(sf_barrier *b, void (*last)(void *), void *ctx);

#endif /* SF_BASE_TEAM_H */
