/* Fitting: the published Chinchilla optima, search strategies, --fix and
 * --tie, bounds, determinism, and the errors a fit can give.  Every fit's
 * reported objective is checked against the objective recomputed at the
 * returned parameters. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "law/law_impl.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"

static sf_law *chinchilla(void)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    return law;
}

/* Epoch's 245 rows, or the 240 Besiroglu et al. kept: loss below a value
 * between the 5th (3.446995) and 6th (3.405928) highest losses. */
static sf_data *epoch(int drop_top5)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    if (drop_top5) {
        o.filters[0] = "loss<3.44";
        o.n_filters = 1;
    }
    sf_data *d;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_data_read(shared_file(EPOCH), &o, &d, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    cr_assert_eq(d->n, drop_top5 ? 240u : 245u);
    return d;
}

static sf_fit *fit_ok(const sf_law *law, const sf_data *d, const sf_fit_options *o)
{
    return fit_checked(law, d, o);
}

/* Golden values from the issue: tightly converged BFGS minima of Epoch's
 * data (objective, alpha, beta, E, A, B), agreeing with Besiroglu et al.'s
 * grid search (SOURCE.md: 0.0010182740346 at A = 477.84, B = 2143.86). */
Test(fit, epoch_240_rows_reach_the_published_optimum)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    sf_fit *fit = fit_ok(law, d, NULL);
    const double *p = sf_fit_params(fit);
    cr_assert(sf_fit_objective(fit) <= 0.00101827401781, "objective %.17g",
              sf_fit_objective(fit));
    assert_rel(p[3], 0.347311, 1e-4, "alpha");
    assert_rel(p[4], 0.367172, 1e-4, "beta");
    assert_rel(p[0], 1.817218, 1e-4, "E");
    assert_rel(p[1], 477.826, 1e-4, "A");
    assert_rel(p[2], 2143.42, 1e-4, "B");
    cr_assert(sf_fit_converged(fit));
    cr_assert_eq(sf_fit_grid(fit), SF_GRID_VP);
    cr_assert(sf_fit_n_best(fit) >= 2, "only %d starts reached the best", sf_fit_n_best(fit));
    cr_assert(sf_fit_r2(fit) > 0.99 && sf_fit_r2(fit) < 1);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, epoch_245_rows)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(0);
    sf_fit *fit = fit_ok(law, d, NULL);
    cr_assert(sf_fit_objective(fit) <= 0.00182601052307, "objective %.17g",
              sf_fit_objective(fit));
    assert_rel(sf_fit_params(fit)[4], 0.453049, 1e-4, "beta");
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, full_grid_and_screening_agree_with_the_default, .timeout = 600)
{
    skip_under_valgrind("4500 L-BFGS runs of the same code the other fits run");
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    sf_fit *def = fit_ok(law, d, NULL);
    for (int g = SF_GRID_FULL; g <= SF_GRID_SCREEN; g++) {
        sf_fit_options o;
        sf_fit_options_init(&o);
        o.grid = (sf_grid)g;
        sf_fit *fit = fit_ok(law, d, &o);
        cr_assert_eq(sf_fit_grid(fit), g);
        cr_assert_eq(sf_fit_starts(fit), g == SF_GRID_FULL ? 4500 : 8);
        /* The default search is never worse than the exhaustive one. */
        cr_assert(sf_fit_objective(def) <= sf_fit_objective(fit) * (1 + 1e-12),
                  "default %.17g, grid %d %.17g", sf_fit_objective(def), g,
                  sf_fit_objective(fit));
        for (int j = 0; j < 5; j++) assert_rel(sf_fit_params(fit)[j], sf_fit_params(def)[j], 1e-4, "param");
        if (g == SF_GRID_FULL) cr_assert(sf_fit_n_best(fit) > 100);
        sf_fit_free(fit);
    }
    sf_fit_free(def);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, threads_do_not_change_the_result)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    char *js[2];
    for (int t = 0; t < 2; t++) {
        sf_fit_options o;
        sf_fit_options_init(&o);
        o.threads = t + 1;
        o.seed = 2385;
        sf_fit *fit = fit_ok(law, d, &o);
        cr_assert_eq(sf_fit_json(fit, NULL, NULL, &js[t], NULL), SF_OK);
        sf_fit_free(fit);
    }
    cr_assert_str_eq(js[0], js[1]);
    cr_assert(strstr(js[0], "\"seed\":\t\"2385\""));
    free(js[0]);
    free(js[1]);
    sf_data_free(d);
    sf_law_free(law);
}

/* Noise-free data from a known law come back exactly; noisy data close. */
Test(fit, recovers_known_parameters)
{
    sf_law *law = chinchilla();
    const double truth[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};
    double N[60], D[60];
    int n = 0;
    for (int b = 0; b < 6; b++)
        for (int s = 0; s < 10; s++, n++) {
            double C = 2.385e18 * pow(10, b * 0.6);
            N[n] = pow(C / 6, 0.5) * pow(10, (s - 4.5) / 6.0) / 20;
            D[n] = C / (6 * N[n]);
        }
    sf_error err;
    for (int noisy = 0; noisy < 2; noisy++) {
        sf_data *d;
        cr_assert_eq(sf_simulate(law, truth, N, D, NULL, 60, noisy ? 0.005 : 0.0, 11, &d, &err), SF_OK);
        sf_fit *fit = fit_ok(law, d, NULL);
        const double *p = sf_fit_params(fit);
        double tol = noisy ? 0.05 : 1e-6;
        assert_rel(p[0], truth[0], tol, "E");
        assert_rel(p[3], truth[3], noisy ? 0.05 : 1e-6, "alpha");
        assert_rel(p[4], truth[4], noisy ? 0.05 : 1e-6, "beta");
        if (!noisy) {
            assert_rel(p[1], truth[1], 1e-5, "A");
            assert_rel(p[2], truth[2], 1e-5, "B");
            cr_assert(sf_fit_objective(fit) < 1e-16);
        }
        sf_fit_free(fit);
        sf_data_free(d);
    }
    sf_law_free(law);
}

Test(fit, fix_and_tie)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    /* --fix A=406.4: held exactly, the rest refit, objective no better than
     * the free optimum. */
    sf_fit_options o;
    sf_fit_options_init(&o);
    cr_assert_eq(sf_fit_options_fix(&o, "A", 406.4), SF_OK);
    sf_fit *fit = fit_ok(law, d, &o);
    cr_assert(sf_fit_params(fit)[1] == 406.4);
    cr_assert(sf_fit_is_fixed(fit, 1));
    cr_assert(!sf_fit_is_fixed(fit, 0));
    cr_assert(sf_fit_objective(fit) >= 0.00101827401780);
    cr_assert_eq(sf_fit_grid(fit), SF_GRID_VP, "a fixed coefficient keeps VP usable");
    sf_fit_free(fit);

    /* --tie alpha=beta with each search strategy: equal exponents. */
    double best = INFINITY;
    for (int g = SF_GRID_AUTO; g <= SF_GRID_SCREEN; g++) {
        sf_fit_options_init(&o);
        o.grid = (sf_grid)g;
        cr_assert_eq(sf_fit_options_tie(&o, "alpha", "beta"), SF_OK);
        fit = fit_ok(law, d, &o);
        const double *p = sf_fit_params(fit);
        cr_assert(p[3] == p[4], "alpha %.17g != beta %.17g", p[3], p[4]);
        cr_assert_eq(sf_fit_tied_to(fit, 4), 3);
        if (best == INFINITY) best = sf_fit_objective(fit);
        assert_rel(sf_fit_objective(fit), best, 1e-9, "tied optimum across strategies");
        sf_fit_free(fit);
    }

    /* --fix alpha and beta: a linear problem in (E, A, B) is left. */
    sf_fit_options_init(&o);
    sf_fit_options_fix(&o, "alpha", 0.34);
    sf_fit_options_fix(&o, "beta", 0.28);
    fit = fit_ok(law, d, &o);
    cr_assert(sf_fit_params(fit)[3] == 0.34 && sf_fit_params(fit)[4] == 0.28);
    sf_fit_free(fit);

    /* --fix E=0: a pure two-term power law, E held at exactly 0. */
    sf_fit_options_init(&o);
    sf_fit_options_fix(&o, "E", 0.0);
    fit = fit_ok(law, d, &o);
    cr_assert(sf_fit_params(fit)[0] == 0.0);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, option_errors)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    sf_fit *fit = NULL;
    sf_error err;
    sf_fit_options o;
    sf_fit_options_init(&o);
    sf_fit_options_fix(&o, "gamma", 1);
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "no parameter 'gamma'"), "%s", err.message);
    sf_fit_options_init(&o);
    sf_fit_options_fix(&o, "alpha", -0.5);
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_EDOMAIN);
    sf_fit_options_init(&o);
    sf_fit_options_fix(&o, "A", NAN);
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_EINVAL);
    sf_fit_options_init(&o);
    sf_fit_options_tie(&o, "alpha", "A");
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "different scales"), "%s", err.message);
    sf_fit_options_init(&o);
    sf_fit_options_tie(&o, "alpha", "beta");
    sf_fit_options_tie(&o, "beta", "alpha");
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_EINVAL);
    sf_fit_options_init(&o);
    o.delta = 0;
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_EINVAL);
    sf_fit_options_init(&o);
    sf_fit_options_tie(&o, "E", "A");
    o.grid = SF_GRID_VP;
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_ENOTSUP);
    cr_assert(fit == NULL);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, too_few_rows_and_unidentifiable_data)
{
    sf_law *law = chinchilla();
    sf_error err;
    sf_fit *fit = NULL;
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = sf_law_roles(law);
    sf_data *d = data_from_text("N,D,loss\n1e8,1e9,4\n2e8,2e9,3.7\n4e8,4e9,3.4\n"
                                "8e8,8e9,3.1\n1.6e9,1.6e10,2.9\n", &o);
    cr_assert_eq(sf_fit_run(law, d, NULL, &fit, &err), SF_ENODATA);
    cr_assert(strstr(err.message, "5 rows") && strstr(err.message, "5 free parameters"), "%s",
              err.message);
    /* Holding two parameters leaves three free: five rows are enough. */
    sf_fit_options fo;
    sf_fit_options_init(&fo);
    sf_fit_options_fix(&fo, "alpha", 0.34);
    sf_fit_options_fix(&fo, "beta", 0.28);
    fit = fit_ok(law, d, &fo);
    sf_fit_free(fit);
    sf_data_free(d);

    d = data_from_text("N,D,loss\n1e8,1e9,4\n1e8,2e9,3.7\n1e8,4e9,3.4\n1e8,8e9,3.1\n"
                       "1e8,1.6e10,2.9\n1e8,3.2e10,2.8\n1e8,6.4e10,2.7\n", &o);
    cr_assert_eq(sf_fit_run(law, d, NULL, &fit, &err), SF_EUNIDENTIFIABLE);
    cr_assert(strstr(err.message, "every row has N = 1e+08"), "%s", err.message);
    sf_data_free(d);

    /* A law that needs U on data without it. */
    d = data_from_text("N,D,loss\n1e8,1e9,4\n", &o);
    sf_data_free(d);
    sf_law_free(law);
}

/* The active set for bounds, on test_slope_law: log L = c - k log N with
 * k >= 0.  Loss that grows with N wants k < 0, so the
 * constrained optimum is k = 0 exactly (the objective is convex in k), with
 * c the mean log loss under least squares. */
Test(fit, parameter_held_on_its_bound)
{
    sf_law *law = test_slope_law();
    sf_data *d;
    cr_assert_eq(sf_data_new(12, SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_LOSS), &d), SF_OK);
    double mean = 0;
    for (int i = 0; i < 12; i++) {
        d->N[i] = 2.385e7 * pow(3, i);
        d->loss[i] = 3.0 * pow(d->N[i], 0.05) * (i % 2 ? 1.01 : 0.99);
        mean += log(d->loss[i]) / 12;
    }
    for (int g = SF_GRID_AUTO; g <= SF_GRID_SCREEN; g++) {
        sf_fit_options o;
        sf_fit_options_init(&o);
        o.loss = SF_LOSS_LS;
        o.grid = (sf_grid)g;
        sf_fit *fit = fit_ok(law, d, &o);
        cr_assert(sf_fit_params(fit)[1] == 0.0, "k = %g, expected exactly 0",
                  sf_fit_params(fit)[1]);
        cr_assert(sf_fit_at_bound(fit, 1));
        cr_assert(!sf_fit_at_bound(fit, 0));
        assert_rel(sf_fit_params(fit)[0], mean, 1e-9, "c = mean log loss");
        int warned = 0;
        for (size_t k = 0; k < sf_fit_n_warnings(fit); k++)
            warned |= strstr(sf_fit_warning(fit, k), "k is on the bound 0") != NULL;
        cr_assert(warned, "no warning about the bound");
        sf_fit_free(fit);
    }
    /* Loss that falls with N: the bound is not active. */
    for (int i = 0; i < 12; i++) d->loss[i] = 3.0 * pow(d->N[i], -0.05);
    sf_fit *fit = fit_ok(law, d, NULL);
    assert_rel(sf_fit_params(fit)[1], 0.05, 1e-8, "k");
    cr_assert(!sf_fit_at_bound(fit, 1));
    sf_fit_free(fit);
    sf_data_free(d);
    free(law);
}

Test(fit, weights_equal_repeated_rows)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    /* Weight 2 on the first 40 rows equals listing them twice. */
    size_t idx[280];
    for (size_t i = 0; i < 240; i++) idx[i] = i;
    for (size_t i = 0; i < 40; i++) idx[240 + i] = i;
    sf_data *twice, *w;
    cr_assert_eq(sf_data_subset(d, idx, 280, &twice), SF_OK);
    cr_assert_eq(sf_data_new(240, d->roles | SF_ROLE_BIT(SF_ROLE_WEIGHT), &w), SF_OK);
    for (size_t i = 0; i < 240; i++) {
        w->N[i] = d->N[i];
        w->D[i] = d->D[i];
        w->C[i] = d->C[i];
        w->loss[i] = d->loss[i];
        w->weight[i] = i < 40 ? 2.0 : 1.0;
    }
    sf_fit *a = fit_ok(law, twice, NULL), *b = fit_ok(law, w, NULL);
    assert_rel(sf_fit_objective(a), sf_fit_objective(b), 1e-10, "weighted objective");
    for (int j = 0; j < 5; j++) assert_rel(sf_fit_params(a)[j], sf_fit_params(b)[j], 1e-5, "param");
    sf_fit_free(a);
    sf_fit_free(b);
    sf_data_free(twice);
    sf_data_free(w);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, least_squares_loss)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.loss = SF_LOSS_LS;
    sf_fit *ls = fit_ok(law, d, &o);
    o.grid = SF_GRID_SCREEN;
    sf_fit *sc = fit_ok(law, d, &o);
    assert_rel(sf_fit_objective(ls), sf_fit_objective(sc), 1e-9, "LS optimum across searches");
    /* The LS fit differs from the Huber fit: the loss choice is honoured. */
    cr_assert(fabs(sf_fit_params(ls)[4] - 0.367172) > 1e-3);
    sf_fit_free(ls);
    sf_fit_free(sc);
    sf_data_free(d);
    sf_law_free(law);
}

Test(fit, json_round_trip)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch(1);
    sf_fit *fit = fit_ok(law, d, NULL);
    char *js = NULL;
    cr_assert_eq(sf_fit_json(fit, NULL, NULL, &js, NULL), SF_OK);
    cr_assert(js && !strstr(js, "nan") && !strstr(js, "inf"));
    sf_fit *back;
    sf_draws *dback;
    sf_error err;
    cr_assert_eq(sf_fit_json_parse(js, "mem.json", &back, &dback, &err), SF_OK, "%s",
                 err.message);
    cr_assert(dback == NULL, "a fit without draws reads back without draws");
    for (int j = 0; j < 5; j++)
        cr_assert(sf_fit_params(back)[j] == sf_fit_params(fit)[j], "param %d does not round-trip", j);
    cr_assert(sf_fit_objective(back) == sf_fit_objective(fit));
    cr_assert_str_eq(sf_law_name(sf_fit_law(back)), "chinchilla");
    free(js);
    sf_fit_free(back);
    /* Malformed and incomplete files. */
    cr_assert_eq(sf_fit_json_parse("{\"law\": \"chinchilla\",\n \"params\": {", "x.json", &back,
                                   NULL, &err), SF_EPARSE);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(sf_fit_json_parse("{\"law\": \"chinchilla\", \"params\": {\"E\": 1}}", "x.json",
                                   &back, NULL, &err), SF_EPARSE);
    cr_assert(strstr(err.message, "'A'"), "%s", err.message);
    cr_assert_eq(sf_fit_json_parse("[1, 2]", "x.json", &back, NULL, &err), SF_EPARSE);
    cr_assert_eq(sf_fit_json_parse("{\"law\": \"nope\", \"params\": {}}", "x.json", &back, NULL,
                                   &err), SF_EINVAL);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}
