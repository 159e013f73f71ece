/*
 * Points along fitted IsoFLOP profiles (src/approach/profile_curve.c), as
 * the IsoFLOP plot draws them, on a sweep of Hoffmann et al.'s 9 budgets
 * (6e18 to 3e21 FLOPs) simulated without noise from their law (E 1.69,
 * A 406.4, B 410.7, alpha 0.34, beta 0.28).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "approach/profile_curve.h"
#include "common.h"

static const double hoffmann[5] = {1.69, 406.4, 410.7, 0.34, 0.28};

static sf_isoflop *hoffmann_isoflop(void)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    double C[9], N[81], D[81];
    for (int b = 0; b < 9; b++) C[b] = 6e18 * pow(3e21 / 6e18, b / 8.0);
    sf_plan_options po;
    sf_plan_options_init(&po);
    po.models = 9;
    sf_plan_row rows[81];
    cr_assert_eq(sf_plan_sweep(law, hoffmann, C, 9, &po, rows, NULL, &err), SF_OK);
    for (int i = 0; i < 81; i++) {
        N[i] = rows[i].N;
        D[i] = rows[i].D;
    }
    sf_data *d;
    cr_assert_eq(sf_simulate(law, hoffmann, N, D, NULL, 81, 0.0, 1, &d, &err), SF_OK);
    sf_isoflop_options o;
    sf_isoflop_options_init(&o);
    o.bootstrap = 0;
    sf_isoflop *r;
    cr_assert_eq(sf_isoflop_run(d, &o, &r, &err), SF_OK, "%s", err.message);
    sf_data_free(d);
    sf_law_free(law);
    return r;
}

Test(profile_curve, spans_the_sizes_and_follows_the_fitted_profile)
{
    sf_isoflop *r = hoffmann_isoflop();
    enum { M = 401 };
    double x[M], y[M];
    for (size_t b = 0; b < sf_isoflop_n_budgets(r); b++) {
        const sf_isoflop_budget *B = sf_isoflop_budget_at(r, b);
        cr_assert_eq(sf_isoflop_profile_curve(r, b, M, 0.25, x, y), (size_t)M);
        /* Centred sweep: the minimum lies inside the sizes, so the ends
         * are the sizes sampled widened by the pad. */
        cr_assert(fabs(log(x[0]) - (log(B->N_min) - 0.25)) < 1e-12);
        cr_assert(fabs(log(x[M - 1]) - (log(B->N_max) + 0.25)) < 1e-12);
        double step = log(x[1] / x[0]), lowest = INFINITY;
        size_t at = 0;
        for (size_t k = 0; k < M; k++) {
            cr_assert(fabs(log(x[k]) - (log(x[0]) + step * (double)k)) < 1e-12, "log-spaced");
            cr_assert_eq(y[k], sf_isoflop_profile_eval(r, b, x[k]));
            if (y[k] < lowest) {
                lowest = y[k];
                at = k;
            }
        }
        /* The lowest point is the profile's minimum to within the grid. */
        cr_assert(fabs(log(x[at] / B->N_opt)) <= 0.5 * step + 1e-12, "budget %zu", b);
        cr_assert(lowest >= B->loss - 1e-12 && lowest - B->loss < 1e-4, "budget %zu", b);
    }
    cr_assert_eq(sf_isoflop_profile_curve(r, 0, 1, 0.25, x, y), 0u, "needs 2 points");
    sf_isoflop_free(r);
}
