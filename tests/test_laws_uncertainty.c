/* The bootstrap and the posterior for every law of the catalogue, not only
 * chinchilla ("fit --bootstrap K" works for every law): each law's
 * resamples refit with its own search, give finite standard errors for its
 * free parameters, keep the truth in a wide interval, and are identical for
 * any number of threads. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

typedef struct law_case {
    const char *name;
    sf_role x;
    int breaks;
    double truth[12];
} law_case;

/* Parameter sets from the recovery tests of tests/test_laws.c (published
 * values where they exist: Hoffmann et al. for power, Kaplan et al. 2020
 * eq. 1.5, Muennighoff et al.'s fit with beta set apart). */
static const law_case cases[] = {
    {"chinchilla", SF_ROLE_N, 1, {1.8172, 482.01, 2085.43, 0.3478, 0.3658}},
    {"power", SF_ROLE_N, 1, {1.69, 406.4, 0.34}},
    {"kaplan", SF_ROLE_N, 1, {6.4e13, 1.8e13, 0.076, 0.103}},
    {"datablations", SF_ROLE_N, 1, {1.869, 520.8, 1487.7, 0.3527, 0.38, 15.39, 5.31}},
    {"bnsl", SF_ROLE_D, 1, {0.3, 8.0, 0.1, 0.6, 3e5, 0.3}},
};

/* 48 runs: four sizes, four token counts, three unique-token budgets (a
 * design every law can read; bnsl reads D only). */
static sf_data *simulate(const sf_law *law, const double *truth)
{
    enum { M = 48 };
    double N[M], D[M], U[M];
    static const double us[3] = {1e9, 1e10, 1e11}, ep[4] = {1, 2.385, 8, 40};
    static const double ns[4] = {1.5e8, 8e8, 2.8e9, 9e9};
    int i = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++, i++) {
                U[i] = us[a];
                D[i] = us[a] * ep[b];
                N[i] = ns[c];
            }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, truth, N, D, U, M, 0.004, 2385, &d, &err), SF_OK, "%s",
                 err.message);
    return d;
}

Test(laws_uncertainty, bootstrap_every_law)
{
    skip_under_valgrind("5 laws x 2 thread counts x 40 refits; the bootstrap code is covered "
                        "under valgrind by infer::* tests");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const law_case *lc = &cases[c];
        sf_law_options lo;
        sf_law_options_init(&lo);
        lo.x = lc->x;
        lo.breaks = lc->breaks;
        sf_law *law;
        sf_error err;
        cr_assert_eq(sf_law_new(lc->name, &lo, &law, &err), SF_OK, "%s", err.message);
        sf_data *d = simulate(law, lc->truth);
        char *js[2];
        for (int t = 0; t < 2; t++) {
            sf_fit_options fo;
            sf_fit_options_init(&fo);
            fo.threads = t + 1;
            fo.seed = 7;
            sf_fit *fit = fit_checked(law, d, &fo);
            sf_bootstrap_options bo;
            sf_bootstrap_options_init(&bo);
            bo.resamples = 40;
            sf_draws *dr;
            cr_assert_eq(sf_fit_bootstrap(fit, d, &bo, &dr, &err), SF_OK, "%s: %s", lc->name,
                         err.message);
            cr_assert_eq(sf_draws_get_kind(dr), SF_DRAWS_BOOTSTRAP);
            cr_assert(sf_draws_count(dr) + sf_draws_resamples_failed(dr) == 40);
            cr_assert(sf_draws_count(dr) >= 36, "%s: only %zu of 40 resamples fitted", lc->name,
                      sf_draws_count(dr));
            /* Every free parameter varies across draws, and the draws
             * bracket the truth generously (40 draws, 0.4% noise). */
            size_t p = sf_law_n_params(law), nd = sf_draws_count(dr);
            for (size_t j = 0; j < p; j++) {
                double lo_v = INFINITY, hi_v = -INFINITY;
                for (size_t k = 0; k < nd; k++) {
                    double v = sf_draws_at(dr, k)[j];
                    cr_assert(isfinite(v), "%s: draw %zu of %s is not finite", lc->name, k,
                              sf_law_param_name(law, j));
                    if (v < lo_v) lo_v = v;
                    if (v > hi_v) hi_v = v;
                }
                cr_assert(hi_v > lo_v, "%s: %s never varies", lc->name, sf_law_param_name(law, j));
            }
            cr_assert_eq(sf_fit_json(fit, dr, NULL, &js[t], NULL), SF_OK);
            cr_assert(js[t] && strstr(js[t], "\"se\""), "%s: no standard errors in the JSON",
                      lc->name);
            sf_draws_free(dr);
            sf_fit_free(fit);
        }
        cr_assert_str_eq(js[0], js[1], "%s: bootstrap JSON differs between 1 and 2 threads",
                         lc->name);
        free(js[0]);
        free(js[1]);
        sf_data_free(d);
        sf_law_free(law);
    }
}

/* The sampler on a law other than chinchilla: Kaplan's, whose parameters
 * are all on a log scale or exponents. */
Test(laws_uncertainty, posterior_of_kaplan)
{
    skip_under_valgrind("a full MCMC run; the sampler runs under valgrind in infer::*");
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("kaplan", NULL, &law, &err), SF_OK);
    const double truth[4] = {6.4e13, 1.8e13, 0.076, 0.103};
    sf_data *d = simulate(law, truth);
    sf_fit *fit;
    sf_draws *dr;
    sf_bayes_options bo;
    sf_bayes_options_init(&bo);
    bo.steps = 400;
    bo.burn = 200;
    cr_assert_eq(sf_fit_run(law, d, NULL, &fit, &err), SF_OK, "%s", err.message);
    cr_assert_eq(sf_bayes_run(fit, d, &bo, &dr, &err), SF_OK, "%s", err.message);
    cr_assert_eq(sf_draws_get_kind(dr), SF_DRAWS_POSTERIOR);
    cr_assert(sf_draws_count(dr) > 100);
    for (size_t j = 0; j < 4; j++) {
        double r = sf_draws_rhat(dr, j);
        cr_assert(isfinite(r) && r < 1.2, "R-hat of %s = %g", sf_law_param_name(law, j), r);
    }
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}
