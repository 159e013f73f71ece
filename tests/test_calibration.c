/* Calibration of the intervals (do 90% intervals cover the truth 90% of
 * the time?): 200 synthetic data sets drawn from a known Chinchilla law
 * with noise like Epoch's residuals; the 90% bootstrap intervals and the
 * 90% posterior credible intervals of alpha, beta and a = beta/(alpha +
 * beta) must contain the truth in 84-96% of them (a binomial proportion
 * over 200 sets has a standard deviation of 2.1 points at 90%).  So must
 * the 90% prediction intervals (predict --interval) the loss of a new run
 * drawn the same way.
 *
 * The set-up, fixed so the test is deterministic:
 *   truth   Besiroglu et al.'s fit (SOURCE.md): E 1.8172, A 482.01,
 *           B 2085.43, alpha 0.3478, beta 0.3658;
 *   design  every third of Epoch's 240 (N, D) rows (80 runs), so the
 *           design is Chinchilla's own sweep;
 *   noise   log L = log L_true + r, r drawn with replacement from the 240
 *           log residuals of scalefit's fit to Epoch's rows, centred at
 *           their median (heavy-tailed: excess kurtosis about 14);
 *           data set s uses random stream (2385, s);
 *   cost    100 bootstrap resamples per set; 32 walkers, 300 burn-in and
 *           600 kept steps per set for the posterior (the defaults are
 *           1000 and 6000; these intervals only need ~1000 effective
 *           draws, not R-hat < 1.01).
 * The 200 sets run in parallel (each fit on one thread), every result in
 * its own slot, so the outcome does not depend on the thread count.
 * Measured: docs/uncertainty.md. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "common.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"
#define SETS 200

static const double TRUTH[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};

typedef struct design {
    sf_law *law;
    size_t n;
    double N[240], D[240];
    double resid[240];
    size_t n_resid;
} design;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void make_design(design *g)
{
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &g->law, &err), SF_OK);
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = sf_law_roles(g->law);
    o.filters[0] = "loss<3.44";
    o.n_filters = 1;
    sf_data *ep;
    cr_assert_eq(sf_data_read(shared_file(EPOCH), &o, &ep, &err), SF_OK);
    sf_fit *fit;
    cr_assert_eq(sf_fit_run(g->law, ep, NULL, &fit, &err), SF_OK);
    g->n = 0;
    g->n_resid = ep->n;
    double sorted[240];
    for (size_t i = 0; i < ep->n; i++) {
        sf_point x = {.N = ep->N[i], .D = ep->D[i]};
        double L;
        cr_assert_eq(sf_law_predict(g->law, sf_fit_params(fit), &x, &L), SF_OK);
        g->resid[i] = sorted[i] = log(ep->loss[i]) - log(L);
        if (i % 3 == 0) {
            g->N[g->n] = ep->N[i];
            g->D[g->n] = ep->D[i];
            g->n++;
        }
    }
    qsort(sorted, ep->n, sizeof *sorted, cmp_double);
    double median = 0.5 * (sorted[ep->n / 2 - 1] + sorted[ep->n / 2]);
    for (size_t i = 0; i < ep->n; i++) g->resid[i] -= median;
    cr_assert_eq(g->n, 80u);
    sf_fit_free(fit);
    sf_data_free(ep);
}

/* Data set s: the law at the design with Epoch-like residuals. */
static int make_set(const design *g, size_t s, sf_data **out)
{
    sf_data *d;
    if (sf_simulate(g->law, TRUTH, g->N, g->D, NULL, g->n, 0.0, 0, &d, NULL) != SF_OK) return -1;
    sf_rng r;
    sf_rng_seed(&r, 2385, (uint64_t)s);
    for (size_t i = 0; i < d->n; i++) d->loss[i] *= exp(g->resid[sf_rng_below(&r, g->n_resid)]);
    *out = d;
    return 0;
}

/* A new run at a point inside the design, with its own residual drawn
 * as the data's: a 90% prediction interval should contain its loss 90%
 * of the time. */
static const sf_point NEW_RUN = {.N = 2.385e9, .D = 4.77e10};

static double new_run_loss(const design *g, size_t s)
{
    double L;
    sf_law_predict(g->law, TRUTH, &NEW_RUN, &L);
    sf_rng r;
    sf_rng_seed(&r, 4770, (uint64_t)s);
    return L * exp(g->resid[sf_rng_below(&r, g->n_resid)]);
}

/* covered[s * Q + q]: whether set s's 90% interval of quantity q (alpha,
 * beta, a; then the new run's loss) contains the truth; -1 when the set
 * could not be fitted. */
#define Q 4
static void run(const design *g, int bayes, int *covered)
{
    const double truth[3] = {TRUTH[3], TRUTH[4], TRUTH[4] / (TRUTH[3] + TRUTH[4])};
    int nt = sf_threads_for(0, SETS);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (size_t s = 0; s < SETS; s++) {
        int *c = covered + s * Q;
        c[0] = c[1] = c[2] = c[3] = -1;
        sf_data *d;
        if (make_set(g, s, &d) != 0) continue;
        sf_fit_options fo;
        sf_fit_options_init(&fo);
        fo.threads = 1;
        fo.seed = s;
        sf_fit *fit = NULL;
        sf_draws *dr = NULL;
        int rc = sf_fit_run(g->law, d, &fo, &fit, NULL);
        if (rc == SF_OK && bayes) {
            sf_bayes_options bo;
            sf_bayes_options_init(&bo);
            bo.walkers = 32;
            bo.burn = 300;
            bo.steps = 600;
            bo.n_levels = 1;
            bo.levels[0] = 0.9;
            rc = sf_bayes_run(fit, d, &bo, &dr, NULL);
        } else if (rc == SF_OK) {
            sf_bootstrap_options bo;
            sf_bootstrap_options_init(&bo);
            bo.resamples = 100;
            bo.n_levels = 1;
            bo.levels[0] = 0.9;
            rc = sf_fit_bootstrap(fit, d, &bo, &dr, NULL);
        }
        if (rc == SF_OK) {
            const char *names[16];
            sf_summary sm[16];
            size_t n = sf_draws_summarize(dr, NULL, 0, names, sm, 16);
            /* Parameters 3, 4 (alpha, beta), then a (the first derived). */
            for (int q = 0; q < 3 && n >= 6; q++) {
                const sf_summary *x = &sm[q < 2 ? 3 + q : 5];
                c[q] = x->lo[0] <= truth[q] && truth[q] <= x->hi[0];
            }
            sf_summary ls, ps;
            if (sf_fit_predict_summary(fit, dr, &NEW_RUN, NULL, 0, &ls, &ps, NULL) == SF_OK) {
                double L = new_run_loss(g, s);
                c[3] = ps.lo[0] <= L && L <= ps.hi[0];
            }
        }
        sf_draws_free(dr);
        sf_fit_free(fit);
        sf_data_free(d);
    }
}

static void check(const int *covered, const char *method)
{
    static const char *const name[Q] = {"alpha", "beta", "a", "a new run's loss"};
    for (int q = 0; q < Q; q++) {
        int in = 0, used = 0;
        for (size_t s = 0; s < SETS; s++) {
            int c = covered[s * Q + (size_t)q];
            cr_assert(c >= 0, "%s: data set %zu could not be fitted", method, s);
            used++;
            in += c;
        }
        double rate = (double)in / (double)used;
        cr_log_info("%s 90%% intervals of %s: %d of %d contain the truth (%.1f%%)", method,
                    name[q], in, used, 100.0 * rate);
        cr_assert(rate >= 0.84 && rate <= 0.96,
                  "%s 90%% intervals of %s cover the truth in %.1f%% of %d data sets, outside "
                  "84-96%%", method, name[q], 100.0 * rate, used);
    }
}

static void calibrate(int bayes)
{
    design g;
    make_design(&g);
    int *covered = malloc(SETS * Q * sizeof *covered);
    run(&g, bayes, covered);
    check(covered, bayes ? "posterior" : "bootstrap");
    free(covered);
    sf_law_free(g.law);
}

Test(calibration, bootstrap_intervals_cover_the_truth)
{
    skip_under_valgrind("20,000 refits; the bootstrap's code paths have their own tests");
    calibrate(0);
}

Test(calibration, posterior_intervals_cover_the_truth)
{
    skip_under_valgrind("200 posteriors; the sampler's code paths have their own tests");
    calibrate(1);
}
