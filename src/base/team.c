/* Team sizing by work, and a barrier that sleeps (see team.h for why). */
#include "base/team.h"

#include "base/base.h"

/* Polls of the generation before a waiting thread sleeps: a few
 * microseconds, enough to catch a partner that is nearly done without
 * taking a busy machine's core for long. */
#define SPIN_POLLS 2000

int sf_threads_for_rows(int threads, size_t items, double rows)
{
    double total = (double)items * (rows > 1 ? rows : 1);
    double by_work = total / SF_TEAM_MIN_ROWS;
    size_t cap = by_work < (double)items ? (size_t)by_work : items;
    return sf_threads_for(threads, cap);
}

int sf_barrier_init(sf_barrier *b, unsigned n)
{
    b->n = n ? n : 1;
    b->count = 0;
    atomic_init(&b->gen, 0u);
    if (pthread_mutex_init(&b->mu, NULL) != 0) return SF_ENOMEM;
    if (pthread_cond_init(&b->cv, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        return SF_ENOMEM;
    }
    return SF_OK;
}

void sf_barrier_destroy(sf_barrier *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

int sf_barrier_wait(sf_barrier *b, void (*last)(void *), void *ctx)
{
    pthread_mutex_lock(&b->mu);
    unsigned g = atomic_load_explicit(&b->gen, memory_order_relaxed);
    if (++b->count == b->n) {
        /* Every other thread has passed the lock above, so all their
         * writes are visible here; the release store publishes them and
         * last's to the waiters. */
        b->count = 0;
        if (last) last(ctx);
        atomic_store_explicit(&b->gen, g + 1, memory_order_release);
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        return 1;
    }
    pthread_mutex_unlock(&b->mu);
    for (int i = 0; i < SPIN_POLLS; i++)
        if (atomic_load_explicit(&b->gen, memory_order_acquire) != g) return 0;
    pthread_mutex_lock(&b->mu);
    while (atomic_load_explicit(&b->gen, memory_order_acquire) == g)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return 0;
}
