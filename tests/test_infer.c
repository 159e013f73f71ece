/* Uncertainty: summaries and quantiles, MCMC diagnostics, the Huber
 * likelihood's constant, priors, the bootstrap (determinism, resampling,
 * equivalence of its weighted rows with repeated rows, the warm path), the
 * sampler, JSON round trips of draws, and the figures on Epoch's
 * 240 rows (Besiroglu et al.'s bootstrap SEs; the posterior against the
 * maximum-likelihood fit). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "common.h"
#include "fit/fit_impl.h"
#include "infer/infer_impl.h"
#include "law/law_impl.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"

static sf_law *chinchilla(void)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    return law;
}

static sf_data *epoch240(void)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    o.filters[0] = "loss<3.44";
    o.n_filters = 1;
    sf_data *d;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_data_read(shared_file(EPOCH), &o, &d, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    cr_assert_eq(d->n, 240u);
    return d;
}

/* Besiroglu et al.'s fit (SOURCE.md), the truth of the simulated sweeps. */
static const double TRUTH[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};

/* An IsoFLOP-like sweep of 60 runs from TRUTH, log-normal noise. */
static sf_data *sweep(double noise, uint64_t seed)
{
    sf_law *law = chinchilla();
    double N[60], D[60];
    int n = 0;
    for (int b = 0; b < 6; b++)
        for (int s = 0; s < 10; s++, n++) {
            double C = 2.385e18 * pow(10, b * 0.6);
            N[n] = pow(C / 6, 0.5) * pow(10, (s - 4.5) / 6.0) / 20;
            D[n] = C / (6 * N[n]);
        }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, TRUTH, N, D, NULL, 60, noise, seed, &d, &err), SF_OK);
    sf_law_free(law);
    return d;
}

static sf_fit *fit_ok(const sf_law *law, const sf_data *d, const sf_fit_options *o)
{
    sf_fit *fit;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_fit_run(law, d, o, &fit, &err), SF_OK, "%s", sf_error_format(&err, buf, sizeof buf));
    return fit;
}

static sf_draws *boot_ok(const sf_fit *fit, const sf_data *d, const sf_bootstrap_options *o)
{
    sf_error err;
    char buf[2048];
    sf_draws *dr;
    cr_assert_eq(sf_fit_bootstrap(fit, d, o, &dr, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    cr_assert(sf_draws_fit(dr) == fit);
    return dr;
}

/* The fit's JSON with its draws and no request. */
static char *json_of(const sf_fit *fit, const sf_draws *dr)
{
    char *js = NULL;
    cr_assert_eq(sf_fit_json(fit, dr, NULL, &js, NULL), SF_OK);
    return js;
}

/* ---- summaries ---------------------------------------------------------- */

/* Golden values from numpy 1.24: np.percentile(x, [10, 90, 50, 2.5, 97.5])
 * = [2.2465, 9.1, 5.5, 1.311625, 9.775] (linear interpolation, Hyndman and
 * Fan's definition 7), mean 5.5385, std(ddof=1) 2.9802759473280696. */
Test(infer, summary_quantiles_match_numpy)
{
    const double x[12] = {2.385, 7, 3, 10, NAN, 1, 5, 9, 4, INFINITY, 8, 6};
    const double lv[2] = {0.8, 0.95};
    sf_summary s;
    sf_summarize(x, 12, lv, 2, &s);
    cr_assert_eq(s.n, 10u, "non-finite values are left out");
    assert_rel(s.lo[0], 2.2465, 1e-14, "q(0.10)");
    assert_rel(s.hi[0], 9.1, 1e-14, "q(0.90)");
    assert_rel(s.median, 5.5, 1e-14, "median");
    assert_rel(s.lo[1], 1.311625, 1e-14, "q(0.025)");
    assert_rel(s.hi[1], 9.775, 1e-14, "q(0.975)");
    assert_rel(s.mean, 5.5385, 1e-14, "mean");
    assert_rel(s.sd, 2.9802759473280696, 1e-13, "sd");
    cr_assert(isnan(s.value));
    /* A constant: exactly its value, sd exactly 0. */
    const double c[5] = {1e21, 1e21, 1e21, 1e21, 1e21};
    sf_summarize(c, 5, lv, 2, &s);
    cr_assert(s.mean == 1e21 && s.sd == 0 && s.lo[1] == 1e21 && s.hi[1] == 1e21);
    cr_assert(sf_summary_constant(&s));
    /* Rounding is not variation; a real spread is. */
    const double r[3] = {2.0, 2.0000000000000004, 1.9999999999999998};
    sf_summarize(r, 3, lv, 2, &s);
    cr_assert(sf_summary_constant(&s));
    sf_summarize(x, 12, lv, 2, &s);
    cr_assert(!sf_summary_constant(&s));
    /* Nothing finite: n = 0, NaN everywhere. */
    sf_summarize(x + 4, 1, lv, 1, &s);
    cr_assert(s.n == 0 && isnan(s.mean) && isnan(s.lo[0]));
}

/* The normalising constant of exp(-rho_delta(x)) against SciPy 1.10's
 * quad over the core and the two tails (integrate.quad of exp(-t^2/2) on
 * [-d, d] plus twice exp(-d (t - d/2)) on [d, inf)). */
Test(infer, huber_normalising_constant)
{
    static const double delta[4] = {1e-3, 0.1, 1.345, 5};
    static const double quad[4] = {2000.0009999999165, 20.09991674992565, 2.6607238093896766,
                                   2.5066283282344024};
    for (int k = 0; k < 4; k++)
        assert_rel(exp(sf_huber_log_norm(delta[k])), quad[k], 1e-13, "Z(delta)");
    /* Large delta: the Gaussian constant sqrt(2 pi). */
    assert_rel(exp(sf_huber_log_norm(50)), sqrt(2 * 3.14159265358979323846), 1e-15, "Z(50)");
}

/* AR(1) chains x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t have the integrated
 * autocorrelation time (1 + phi) / (1 - phi) (= 9 for phi = 0.8). */
Test(infer, autocorrelation_time_and_rhat_on_known_chains)
{
    const size_t W = 32, T = 4000;
    double *x = malloc(W * T * sizeof *x);
    const double phi = 0.8;
    for (size_t k = 0; k < W; k++) {
        sf_rng r;
        sf_rng_seed(&r, 2385, k);
        double v = sf_rng_normal(&r);
        for (size_t t = 0; t < T; t++) {
            v = phi * v + sqrt(1 - phi * phi) * sf_rng_normal(&r);
            x[t * W + k] = v;
        }
    }
    int ok;
    double tau = sf_autocorr_time(x, W, T, 1, &ok);
    cr_assert(ok);
    assert_rel(tau, 9.0, 0.1, "tau of AR(1), phi 0.8");
    double rh = sf_split_rhat(x, W, T, 1);
    cr_assert(rh > 0.999 && rh < 1.01, "R-hat of mixed chains %g", rh);
    /* One chain stuck at another level: R-hat sees it. */
    for (size_t t = 0; t < T; t++) x[t * W + 3] += 3.0;
    rh = sf_split_rhat(x, W, T, 1);
    cr_assert(rh > 1.05, "R-hat with a stuck chain %g", rh);
    /* A chain that drifts: the split halves disagree. */
    for (size_t t = 0; t < T; t++) x[t * W + 3] = (double)t / (double)T * 10.0;
    cr_assert(sf_split_rhat(x, W, T, 1) > 1.05);
    /* A coordinate that never moves has no R-hat. */
    for (size_t i = 0; i < W * T; i++) x[i] = 2.385;
    cr_assert(isnan(sf_split_rhat(x, W, T, 1)));
    free(x);
}

/* ---- priors --------------------------------------------------------------- */

Test(infer, prior_parsing)
{
    sf_prior p;
    sf_error err;
    cr_assert_eq(sf_prior_parse("alpha=normal(0.34,0.1)", &p, &err), SF_OK);
    cr_assert_str_eq(p.name, "alpha");
    cr_assert(p.kind == SF_PRIOR_NORMAL && p.a == 0.34 && p.b == 0.1);
    cr_assert_eq(sf_prior_parse(" E = uniform( 1.5 , 2.5 ) ", &p, &err), SF_OK);
    cr_assert(p.kind == SF_PRIOR_UNIFORM && p.a == 1.5 && p.b == 2.5);
    cr_assert_str_eq(p.name, "E");
    cr_assert_eq(sf_prior_parse("A=lognormal(6,2)", &p, &err), SF_OK);
    cr_assert_eq(sf_prior_parse("sigma=loguniform(1e-9,1e-2)", &p, &err), SF_OK);
    char buf[128];
    cr_assert_str_eq(sf_prior_format(&p, buf, sizeof buf), "loguniform(1e-09, 0.01)");
    static const char *const bad[] = {"alpha",        "=normal(1,2)",       "alpha=normal",
                                      "alpha=gamma(1,2)", "alpha=normal(1)", "alpha=normal(1,2,3)",
                                      "alpha=normal(1,-2)", "alpha=uniform(2,1)",
                                      "A=loguniform(0,1)", "alpha=normal(1,x)",
                                      "alpha=normal(1,2)x", "alpha=normal(nan,1)"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        sf_error_clear(&err);
        cr_assert_eq(sf_prior_parse(bad[k], &p, &err), SF_EPARSE, "'%s' parsed", bad[k]);
        cr_assert(err.message[0], "'%s': no message", bad[k]);
    }
}

/* Each prior's log density on the sampler's scale, and its derivative
 * against central differences. */
Test(infer, prior_densities)
{
    const double lsq = 0.5 * log(2 * 3.14159265358979323846);
    sf_prior n = {.kind = SF_PRIOR_NORMAL, .a = 0.34, .b = 0.1};
    assert_rel(sf_prior_logpdf(&n, 0, 0.4, NULL), -0.5 * 0.36 - log(0.1) - lsq, 1e-14, "normal");
    sf_prior ln = {.kind = SF_PRIOR_LOGNORMAL, .a = 6, .b = 2};
    /* On log A, a lognormal prior is the normal density of log A. */
    assert_rel(sf_prior_logpdf(&ln, 1, 7.0, NULL), -0.125 - log(2.0) - lsq, 1e-14, "lognormal");
    sf_prior lu = {.kind = SF_PRIOR_LOGUNIFORM, .a = 1e-3, .b = 1e3};
    /* Log-uniform is flat on log x. */
    assert_rel(sf_prior_logpdf(&lu, 1, 2.385, NULL), sf_prior_logpdf(&lu, 1, -2.385, NULL), 1e-14,
               "flat on the log scale");
    cr_assert(sf_prior_logpdf(&lu, 1, log(2e3), NULL) == -INFINITY);
    sf_prior u = {.kind = SF_PRIOR_UNIFORM, .a = 0, .b = 4};
    cr_assert(sf_prior_logpdf(&u, 0, -0.1, NULL) == -INFINITY);
    assert_rel(sf_prior_logpdf(&u, 0, 2.385, NULL), -log(4.0), 1e-15, "uniform");
    const sf_prior *all[4] = {&n, &ln, &lu, &u};
    for (int k = 0; k < 4; k++)
        for (int logscale = 0; logscale < 2; logscale++) {
            if (k == 2 && !logscale) continue; /* support [1e-3, 1e3]: test on the log scale */
            double x0 = logscale ? 0.2385 : 2.385, d, h = 1e-6;
            sf_prior_logpdf(all[k], logscale, x0, &d);
            double fd = (sf_prior_logpdf(all[k], logscale, x0 + h, NULL) -
                         sf_prior_logpdf(all[k], logscale, x0 - h, NULL)) / (2 * h);
            cr_assert(fabs(fd - d) <= 1e-6 * (1 + fabs(d)), "prior %d scale %d: %g vs %g", k,
                      logscale, d, fd);
        }
}

/* ---- bootstrap ------------------------------------------------------------- */

/* A resample refitted on its distinct rows with count weights gives the
 * fit of the resample with rows repeated as drawn (sf_bootstrap_resample). */
Test(infer, bootstrap_draw_equals_a_fit_of_its_resample)
{
    sf_law *law = chinchilla();
    sf_data *d = epoch240();
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.seed = 2385;
    sf_fit *fit = fit_ok(law, d, &o);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 3;
    sf_draws *dr = boot_ok(fit, d, &bo);
    cr_assert_eq(sf_draws_count(dr), 3u);
    cr_assert_eq(sf_draws_get_kind(dr), SF_DRAWS_BOOTSTRAP);
    for (size_t k = 0; k < 3; k++) {
        sf_data *r;
        sf_error err;
        cr_assert_eq(sf_bootstrap_resample(d, SF_RESAMPLE_ROWS, 2385, k, &r, &err), SF_OK);
        cr_assert_eq(r->n, 240u);
        sf_fit *f = fit_ok(law, r, &o);
        /* The same optimum: equal objectives on the resample, parameters
         * equal to the optimiser's precision along the flat A-B valley. */
        assert_rel(sf_objective(law, sf_draws_at(dr, k), r, &o), sf_fit_objective(f), 1e-9,
                   "objective of the draw on its resample");
        for (int j = 0; j < 5; j++)
            assert_rel(sf_draws_at(dr, k)[j], sf_fit_params(f)[j], 1e-4, "draw = refit of resample");
        sf_fit_free(f);
        sf_data_free(r);
    }
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

Test(infer, bootstrap_is_identical_for_any_thread_count)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(0.01, 5);
    char *js[2];
    for (int t = 0; t < 2; t++) {
        sf_fit_options o;
        sf_fit_options_init(&o);
        o.threads = t + 1;
        o.seed = 7;
        sf_fit *fit = fit_ok(law, d, &o);
        sf_bootstrap_options bo;
        sf_bootstrap_options_init(&bo);
        bo.resamples = 24;
        sf_draws *dr = boot_ok(fit, d, &bo);
        const double C = 5.76e23;
        const sf_point at = {.N = 7e10, .D = 1.4e12};
        sf_report_request req;
        sf_report_request_init(&req);
        req.compute = &C;
        req.n_compute = 1;
        req.at = &at;
        req.n_at = 1;
        cr_assert_eq(sf_fit_json(fit, dr, &req, &js[t], NULL), SF_OK);
        sf_draws_free(dr);
        sf_fit_free(fit);
    }
    cr_assert_str_eq(js[0], js[1]);
    cr_assert(strstr(js[0], "\"resamples\":\t24"));
    cr_assert(strstr(js[0], "\"allocations\"") && strstr(js[0], "\"predictions\""));
    free(js[0]);
    free(js[1]);
    sf_data_free(d);
    sf_law_free(law);
}

/* Checkpoints of one run (a group) are drawn together. */
Test(infer, group_resampling_moves_whole_runs)
{
    sf_buf csv = {0};
    sf_buf_printf(&csv, "run,N,D,loss\n");
    sf_law *law = chinchilla();
    for (int g = 0; g < 12; g++)
        for (int c = 0; c < 5; c++) {
            double N = 2.385e7 * pow(2.2, g), D = N * 2.385 * pow(2, c), L;
            sf_point x = {.N = N, .D = D};
            sf_law_predict(law, TRUTH, &x, &L);
            sf_buf_printf(&csv, "r%d,%.17g,%.17g,%.17g\n", g, N, D, L * exp(0.01 * sin(g * 5 + c)));
        }
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = sf_law_roles(law);
    sf_data *d = data_from_text(csv.data, &o);
    sf_buf_free(&csv);
    cr_assert(d->group != NULL);
    for (size_t k = 0; k < 20; k++) {
        sf_data *r;
        sf_error err;
        cr_assert_eq(sf_bootstrap_resample(d, SF_RESAMPLE_GROUP, 1, k, &r, &err), SF_OK);
        cr_assert_eq(r->n, 60u, "12 runs of 5 checkpoints drawn");
        int per[12] = {0};
        for (size_t i = 0; i < r->n; i++) per[r->group[i]]++;
        for (int g = 0; g < 12; g++) cr_assert_eq(per[g] % 5, 0, "run %d split", g);
        sf_data_free(r);
    }
    sf_fit *fit = fit_ok(law, d, NULL);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 20;
    bo.resample = SF_RESAMPLE_GROUP;
    sf_draws *dr = boot_ok(fit, d, &bo);
    cr_assert(sf_draws_count(dr) + sf_draws_resamples_failed(dr) == 20);
    sf_draws_free(dr);
    sf_fit_free(fit);
    /* Without a group column: an error naming the option. */
    sf_data *nog = sweep(0.01, 1);
    fit = fit_ok(law, nog, NULL);
    sf_error err;
    cr_assert_eq(sf_fit_bootstrap(fit, nog, &bo, &dr, &err), SF_ENOCOLUMN);
    cr_assert(strstr(err.message, "--col group=COLUMN"), "%s", err.message);
    cr_assert_eq(sf_draws_count(dr), 0u);
    sf_fit_free(fit);
    sf_data_free(nog);
    sf_data_free(d);
    sf_law_free(law);
}

Test(infer, bootstrap_errors_and_failed_resamples)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(0.01, 2);
    sf_fit *fit = fit_ok(law, d, NULL);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    sf_error err;
    sf_draws *dr;
    bo.resamples = 1;
    cr_assert_eq(sf_fit_bootstrap(fit, d, &bo, &dr, &err), SF_EINVAL);
    bo.resamples = 10;
    bo.levels[0] = 1.5;
    cr_assert_eq(sf_fit_bootstrap(fit, d, &bo, &dr, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "between 0 and 1"), "%s", err.message);
    sf_bootstrap_options_init(&bo);
    sf_data *other = sweep(0.01, 3);
    other->n = 50;
    cr_assert_eq(sf_fit_bootstrap(fit, other, &bo, &dr, &err), SF_EINVAL);
    other->n = 60;
    sf_data_free(other);
    /* A fit from a file has no data to resample. */
    sf_fit *bare;
    cr_assert_eq(sf_fit_from_params(law, TRUTH, &bare), SF_OK);
    cr_assert_eq(sf_fit_bootstrap(bare, d, &bo, &dr, &err), SF_EINVAL);
    sf_fit_free(bare);
    sf_fit_free(fit);
    sf_data_free(d);

    /* Seven rows and five parameters: many resamples have fewer than six
     * distinct rows and cannot be fitted; they are counted and left out. */
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = sf_law_roles(law);
    d = data_from_text("N,D,loss\n1e8,1e9,4.1\n2e8,3e9,3.5\n4e8,2e9,3.4\n8e8,1.6e10,2.95\n"
                       "1.6e9,5e9,2.9\n3.2e9,6.4e10,2.45\n6.4e9,2e10,2.5\n", &o);
    fit = fit_ok(law, d, NULL);
    bo.resamples = 20;
    dr = boot_ok(fit, d, &bo);
    cr_assert(sf_draws_resamples_failed(dr) > 0);
    cr_assert_eq(sf_draws_count(dr) + sf_draws_resamples_failed(dr), 20u);
    int warned = 0;
    for (size_t k = 0; k < sf_draws_n_warnings(dr); k++)
        warned |= strstr(sf_draws_warning(dr, k), "could not be refitted") != NULL;
    cr_assert(warned);
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* --warm-start refits from the fit's optima: the same answers as the full
 * search on Epoch's resamples (docs/uncertainty.md gives the figures for
 * 4000), and the same intervals to well below their width. */
Test(infer, warm_start_agrees_with_the_full_search)
{
    skip_under_valgrind("200 refits twice; cli_uncertainty::warm_start runs the warm path");
    sf_law *law = chinchilla();
    sf_data *d = epoch240();
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.seed = 11;
    sf_fit *a = fit_ok(law, d, &o), *b = fit_ok(law, d, &o);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 200;
    sf_draws *da = boot_ok(a, d, &bo);
    bo.warm = 1;
    sf_draws *db = boot_ok(b, d, &bo);
    cr_assert_eq(sf_draws_count(da), 200u);
    cr_assert_eq(sf_draws_count(db), 200u);
    for (size_t k = 0; k < 200; k++)
        for (int j = 0; j < 5; j++)
            assert_rel(sf_draws_at(db, k)[j], sf_draws_at(da, k)[j], 1e-3, "warm draw");
    const char *na[16], *nb[16];
    sf_summary sa[16], sb[16];
    size_t n = sf_draws_summarize(da, NULL, 0, na, sa, 16);
    cr_assert_eq(sf_draws_summarize(db, NULL, 0, nb, sb, 16), n);
    for (size_t q = 0; q < n; q++) assert_rel(sb[q].sd, sa[q].sd, 1e-3, na[q]);
    sf_draws_free(da);
    sf_draws_free(db);
    sf_fit_free(a);
    sf_fit_free(b);
    sf_data_free(d);
    sf_law_free(law);
}

/* Epoch's 240 rows, 4000 resamples, fixed seed.
 * Besiroglu et al.'s bootstrap SEs (SOURCE.md, "Besiroglu et al.
 * estimate"): A 124.52, B 1293.28, E 0.02566, alpha 0.01540, beta 0.02060;
 * a = beta/(alpha+beta) = 0.5126 from their estimate, SE about 0.020. */
Test(infer, epoch_bootstrap_standard_errors)
{
    skip_under_valgrind("4000 refits of the same search the other bootstrap tests run");
    sf_law *law = chinchilla();
    sf_data *d = epoch240();
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.seed = 42;
    sf_fit *fit = fit_ok(law, d, &o);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 4000;
    sf_draws *dr = boot_ok(fit, d, &bo);
    cr_assert_eq(sf_draws_resamples_failed(dr), 0u);
    const char *names[16];
    sf_summary s[16];
    size_t n = sf_draws_summarize(dr, NULL, 0, names, s, 16);
    cr_assert_eq(n, 8u, "5 parameters, a, b, G");
    static const double se[5] = {0.02566, 124.52232, 1293.28410, 0.01540, 0.02060};
    for (int j = 0; j < 5; j++) {
        cr_assert_str_eq(names[j], sf_law_param_name(law, (size_t)j));
        cr_assert(fabs(s[j].sd / se[j] - 1) <= 0.20, "SE of %s: %.6g, Besiroglu et al. %.6g",
                  names[j], s[j].sd, se[j]);
    }
    cr_assert_str_eq(names[5], "a");
    assert_rel(s[5].value, 0.36585 / (0.34781 + 0.36585), 0.005, "a");
    cr_assert(fabs(s[5].sd / 0.020 - 1) <= 0.20, "SE of a: %.4g", s[5].sd);
    /* Tokens per parameter at the budgets, with 80% intervals that
     * contain the point estimate. */
    static const double C[3] = {1e21, 5.76e23, 1e25};
    for (int k = 0; k < 3; k++) {
        sf_alloc_row row;
        sf_summary as[5];
        sf_error err;
        cr_assert_eq(sf_fit_alloc_summary(fit, dr, C[k], NULL, 0, &row, as, &err), SF_OK);
        cr_assert_eq(as[3].n, 4000u);
        cr_assert(as[3].level[0] == 0.8);
        cr_assert(as[3].lo[0] < row.tokens_per_param && row.tokens_per_param < as[3].hi[0]);
        cr_assert(as[3].lo[1] < as[3].lo[0] && as[3].hi[0] < as[3].hi[1], "95% wider than 80%");
    }
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* ---- the posterior ------------------------------------------------------------ */

/* sf_fit_run, then the posterior from that fit: the draws, the fit in *fit. */
static sf_draws *bayes_ok(const sf_law *law, const sf_data *d, const sf_fit_options *fo,
                          const sf_bayes_options *bo, sf_fit **fit)
{
    *fit = fit_ok(law, d, fo);
    sf_draws *dr;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_bayes_run(*fit, d, bo, &dr, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    cr_assert(sf_draws_fit(dr) == *fit);
    return dr;
}

/* sf_bayes_run's status for law on d under fo and bo (the fit made
 * first); *dr stays NULL on failure. */
static int bayes_status(const sf_law *law, const sf_data *d, const sf_fit_options *fo,
                        const sf_bayes_options *bo, sf_draws **dr, sf_error *err)
{
    sf_fit *fit = fit_ok(law, d, fo);
    int rc = sf_bayes_run(fit, d, bo, dr, err);
    if (rc == SF_OK) sf_draws_free(*dr);
    sf_fit_free(fit);
    return rc;
}

/* Epoch's 240 rows with the default sampler.  The maximum of
 * the likelihood reproduces Besiroglu et al.'s estimate (SOURCE.md: E
 * 1.81686, A 482.006, B 2085.43, alpha 0.34781, beta 0.36585; they stopped
 * BFGS from Hoffmann's values); posterior means lie within one posterior
 * sd of it, and every R-hat is below 1.01. */
Test(infer, epoch_posterior)
{
    skip_under_valgrind("a quarter of a million likelihood evaluations; "
                        "posterior_runs_and_is_reproducible covers the sampler");
    sf_law *law = chinchilla();
    sf_data *d = epoch240();
    sf_fit *fit;
    sf_draws *dr = bayes_ok(law, d, NULL, NULL, &fit);
    static const double ml_ref[5] = {1.81686, 482.00572, 2085.43420, 0.34781, 0.36585};
    double ml[5];
    double sigma = sf_draws_ml(dr, ml);
    for (int j = 0; j < 5; j++) assert_rel(ml[j], ml_ref[j], 0.01, "ML vs Besiroglu et al.");
    cr_assert(sigma > 0 && sigma < 1e-4, "sigma %g", sigma);
    const char *names[16];
    sf_summary s[16];
    size_t n = sf_draws_summarize(dr, NULL, 0, names, s, 16);
    cr_assert_eq(n, 9u, "5 parameters, a, b, G, sigma");
    cr_assert_str_eq(names[8], "sigma");
    for (int j = 0; j < 5; j++) {
        cr_assert(fabs(s[j].mean - ml[j]) < s[j].sd, "%s: mean %g, ML %g, sd %g", names[j],
                  s[j].mean, ml[j], s[j].sd);
        cr_assert(sf_draws_rhat(dr, (size_t)j) < 1.01, "R-hat of %s: %g", names[j],
                  sf_draws_rhat(dr, (size_t)j));
        cr_assert(sf_draws_ess(dr, (size_t)j) > 400, "ESS of %s: %g", names[j],
                  sf_draws_ess(dr, (size_t)j));
    }
    cr_assert(sf_draws_rhat(dr, 5) < 1.01, "R-hat of sigma %g", sf_draws_rhat(dr, 5));
    sf_sampler_info si;
    cr_assert_eq(sf_draws_sampler(dr, &si), SF_OK);
    cr_assert(si.acceptance > 0.1 && si.acceptance < 0.9);
    cr_assert_eq(si.walkers, 32u);
    cr_assert_eq(sf_draws_count(dr), 8000u);
    cr_assert_eq(sf_fit_n_warnings(fit) + sf_draws_n_warnings(dr), 0u, "%s %s",
                 sf_fit_warning(fit, 0), sf_draws_warning(dr, 0));
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

Test(infer, posterior_runs_and_is_reproducible)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(0.01, 9);
    char *js[2];
    for (int t = 0; t < 2; t++) {
        sf_fit_options fo;
        sf_fit_options_init(&fo);
        fo.threads = t + 1;
        fo.seed = 3;
        sf_bayes_options bo;
        sf_bayes_options_init(&bo);
        bo.walkers = 12;
        bo.burn = 50;
        bo.steps = 100;
        sf_fit *fit;
        sf_draws *dr = bayes_ok(law, d, &fo, &bo, &fit);
        cr_assert_eq(sf_draws_get_kind(dr), SF_DRAWS_POSTERIOR);
        cr_assert_eq(sf_draws_count(dr), 12u * 100u);
        /* Short chains: the diagnostics say so. */
        cr_assert(sf_draws_n_warnings(dr) > 0);
        js[t] = json_of(fit, dr);
        sf_draws_free(dr);
        sf_fit_free(fit);
    }
    cr_assert_str_eq(js[0], js[1]);
    cr_assert(strstr(js[0], "\"method\":\t\"posterior\""));
    free(js[0]);
    free(js[1]);
    sf_data_free(d);
    sf_law_free(law);
}

Test(infer, priors_are_checked_and_used)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(0.01, 4);
    sf_fit_options fo;
    sf_fit_options_init(&fo);
    sf_bayes_options bo;
    sf_bayes_options_init(&bo);
    bo.burn = 100;
    bo.steps = 100;
    bo.walkers = 12;
    sf_error err;
    sf_fit *fit = NULL;
    sf_draws *dr = NULL;
    bo.n_priors = 1;
    sf_prior_parse("gamma=normal(1,1)", &bo.prior[0], &err);
    cr_assert_eq(bayes_status(law, d, &fo, &bo, &dr, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "no parameter 'gamma'"), "%s", err.message);
    sf_prior_parse("A=normal(400,10)", &bo.prior[0], &err);
    sf_fit_options_fix(&fo, "A", 406.4);
    cr_assert_eq(bayes_status(law, d, &fo, &bo, &dr, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "held by --fix"), "%s", err.message);
    sf_fit_options_init(&fo);
    sf_fit_options_tie(&fo, "alpha", "beta");
    sf_prior_parse("beta=normal(0.3,0.1)", &bo.prior[0], &err);
    cr_assert_eq(bayes_status(law, d, &fo, &bo, &dr, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "give the prior to alpha"), "%s", err.message);
    cr_assert(dr == NULL);
    /* A tie is sampled as one coordinate: draws keep alpha = beta. */
    bo.n_priors = 0;
    dr = bayes_ok(law, d, &fo, &bo, &fit);
    for (size_t k = 0; k < sf_draws_count(dr); k += 37)
        cr_assert(sf_draws_at(dr, k)[3] == sf_draws_at(dr, k)[4]);
    sf_draws_free(dr);
    sf_fit_free(fit);
    /* A prior far tighter than the data pulls alpha to it. */
    sf_fit_options_init(&fo);
    bo.n_priors = 1;
    sf_prior_parse("alpha=normal(0.30,0.001)", &bo.prior[0], &err);
    dr = bayes_ok(law, d, &fo, &bo, &fit);
    const char *names[16];
    sf_summary s[16];
    sf_draws_summarize(dr, NULL, 0, names, s, 16);
    cr_assert(fabs(s[3].mean - 0.30) < 0.004, "alpha mean %g under normal(0.30, 0.001)", s[3].mean);
    sf_sampler_info si;
    sf_draws_sampler(dr, &si);
    cr_assert(si.prior[3].kind == SF_PRIOR_NORMAL && si.prior[3].b == 0.001);
    cr_assert(si.prior[0].kind == SF_PRIOR_LOGUNIFORM, "default prior of E");
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* ---- draws in the JSON ----------------------------------------------------------- */

/* Draws da (of their fit) and db (read back) summarise the same. */
static void same_summaries(const sf_draws *da, const sf_draws *db)
{
    const sf_fit *a = sf_draws_fit(da), *b = sf_draws_fit(db);
    const char *na[16], *nb[16];
    sf_summary sa[16], sb[16];
    size_t n = sf_draws_summarize(da, NULL, 0, na, sa, 16);
    cr_assert_eq(sf_draws_summarize(db, NULL, 0, nb, sb, 16), n);
    for (size_t q = 0; q < n; q++) {
        cr_assert_str_eq(na[q], nb[q]);
        cr_assert(sa[q].sd == sb[q].sd && sa[q].lo[0] == sb[q].lo[0] && sa[q].hi[1] == sb[q].hi[1],
                  "%s differs after reading back", na[q]);
    }
    sf_alloc_row ra, rb;
    sf_summary xa[5], xb[5];
    cr_assert_eq(sf_fit_alloc_summary(a, da, 5.76e23, NULL, 0, &ra, xa, NULL), SF_OK);
    cr_assert_eq(sf_fit_alloc_summary(b, db, 5.76e23, NULL, 0, &rb, xb, NULL), SF_OK);
    for (int q = 0; q < 5; q++)
        cr_assert(xa[q].lo[0] == xb[q].lo[0] && xa[q].hi[1] == xb[q].hi[1] && xa[q].sd == xb[q].sd);
    sf_point x = {.N = 7e10, .D = 1.4e12};
    sf_summary la, lb, pa, pb;
    cr_assert_eq(sf_fit_predict_summary(a, da, &x, NULL, 0, &la, &pa, NULL), SF_OK);
    cr_assert_eq(sf_fit_predict_summary(b, db, &x, NULL, 0, &lb, &pb, NULL), SF_OK);
    cr_assert(la.lo[0] == lb.lo[0] && pa.lo[1] == pb.lo[1] && pa.hi[1] == pb.hi[1]);
}

Test(infer, draws_round_trip_through_the_fit_file)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(0.01, 6);
    sf_fit *fit = fit_ok(law, d, NULL);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 25;
    bo.n_levels = 3;
    bo.levels[0] = 0.5;
    bo.levels[1] = 0.9;
    bo.levels[2] = 0.99;
    sf_draws *dr = boot_ok(fit, d, &bo);
    char *js = json_of(fit, dr);
    cr_assert(js && !strstr(js, "nan") && !strstr(js, "inf"));
    sf_fit *back;
    sf_draws *dback;
    sf_error err;
    cr_assert_eq(sf_fit_json_parse(js, "mem.json", &back, &dback, &err), SF_OK, "%s",
                 err.message);
    cr_assert(sf_draws_fit(dback) == back);
    cr_assert_eq(sf_draws_count(dback), 25u);
    for (size_t k = 0; k < 25; k++)
        cr_assert(memcmp(sf_draws_at(dback, k), sf_draws_at(dr, k), 5 * sizeof(double)) == 0,
                  "draw %zu does not round-trip exactly", k);
    double lv[8];
    cr_assert_eq(sf_draws_levels(dback, lv, 8), 3u);
    cr_assert(lv[0] == 0.5 && lv[2] == 0.99);
    same_summaries(dr, dback);
    /* The draws as CSV: a header and one line per draw. */
    char *csv = NULL;
    cr_assert_eq(sf_draws_csv(dback, &csv, NULL), SF_OK);
    cr_assert(csv && strncmp(csv, "draw,E,A,B,alpha,beta,noise\n", 28) == 0, "%s", csv);
    cr_assert_eq(count_lines(csv), 26);
    free(csv);
    sf_draws_free(dback);
    sf_fit_free(back);

    /* Damaged draws are errors that say where. */
    static const char *const cut[][2] = {
        {"\"values\":\t[[", "\"values\":\t[[\"x\", "},
        {"\"method\":\t\"bootstrap\"", "\"method\":\t\"jackknife\""},
        {"\"params\":\t[\"E\"", "\"params\":\t[\"Q\""},
        {"\"ci_levels\":\t[0.5", "\"ci_levels\":\t[1.5"},
    };
    for (size_t k = 0; k < sizeof cut / sizeof cut[0]; k++) {
        const char *at = strstr(js, cut[k][0]);
        cr_assert(at, "%s not in the JSON", cut[k][0]);
        sf_buf b = {0};
        sf_buf_append(&b, js, (size_t)(at - js));
        sf_buf_printf(&b, "%s%s", cut[k][1], at + strlen(cut[k][0]));
        back = NULL;
        cr_assert_eq(sf_fit_json_parse(b.data, "bad.json", &back, &dback, &err), SF_EPARSE,
                     "case %zu", k);
        cr_assert(strstr(err.message, k == 3 ? "ci_levels" : "draws"), "%s", err.message);
        cr_assert(back == NULL && dback == NULL);
        sf_buf_free(&b);
    }
    free(js);
    sf_draws_free(dr);
    sf_fit_free(fit);

    /* A posterior keeps sigma and reads back the same. */
    sf_bayes_options ba;
    sf_bayes_options_init(&ba);
    ba.walkers = 12;
    ba.burn = 50;
    ba.steps = 60;
    dr = bayes_ok(law, d, NULL, &ba, &fit);
    js = json_of(fit, dr);
    cr_assert_eq(sf_fit_json_parse(js, "mem.json", &back, &dback, &err), SF_OK, "%s",
                 err.message);
    cr_assert_eq(sf_draws_get_kind(dback), SF_DRAWS_POSTERIOR);
    same_summaries(dr, dback);
    cr_assert(sf_draws_rhat(dback, 3) == sf_draws_rhat(dr, 3));
    cr_assert_eq(sf_draws_csv(dback, &csv, NULL), SF_OK);
    cr_assert(csv && strncmp(csv, "walker,step,E,A,B,alpha,beta,sigma,noise\n", 41) == 0, "%s", csv);
    free(csv);
    free(js);
    sf_draws_free(dback);
    sf_fit_free(back);
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* A prediction interval for a new run is wider than the interval of the
 * law's prediction, and both contain the point. */
Test(infer, prediction_intervals)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(0.02, 8);
    sf_fit *fit = fit_ok(law, d, NULL);
    sf_point x = {.N = 2.385e9, .D = 4.77e10};
    sf_summary ls, ps;
    sf_error err;
    cr_assert_eq(sf_fit_predict_summary(fit, NULL, &x, NULL, 0, &ls, &ps, &err), SF_EINVAL,
                 "no draws, no prediction interval");
    cr_assert(strstr(err.message, "--bootstrap"), "%s", err.message);
    cr_assert_eq(sf_fit_predict_summary(fit, NULL, &x, NULL, 0, &ls, NULL, &err), SF_OK);
    cr_assert_eq(ls.n, 0u);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 40;
    sf_draws *dr = boot_ok(fit, d, &bo);
    cr_assert_eq(sf_fit_predict_summary(fit, dr, &x, NULL, 0, &ls, &ps, &err), SF_OK);
    cr_assert_eq(ls.n, 40u);
    cr_assert_eq(ps.n, 40u);
    for (int l = 0; l < 2; l++) {
        cr_assert(ps.lo[l] < ls.lo[l] && ls.hi[l] < ps.hi[l], "level %g", ls.level[l]);
        cr_assert(ls.lo[l] < ls.value && ls.value < ls.hi[l]);
    }
    /* Residual scatter of 2%: the prediction interval is about that wide. */
    cr_assert(ps.sd / ps.value > 0.01 && ps.sd / ps.value < 0.04, "sd %g", ps.sd / ps.value);
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* ---- any law ------------------------------------------------------------------ */

/* The bootstrap and the sampler are generic over the law: a law of two
 * parameters that reads N only (no allocation: those intervals are
 * absent, not wrong), and chinchilla with a parameter held and two tied. */
Test(infer, any_law_with_fixes_and_ties)
{
    sf_law *slope = test_slope_law();
    sf_data *d;
    cr_assert_eq(sf_data_new(30, SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_LOSS), &d), SF_OK);
    for (size_t i = 0; i < 30; i++) {
        sf_rng r;
        sf_rng_seed(&r, 5, i);
        d->N[i] = 2.385e7 * pow(1.5, (double)i);
        d->loss[i] = exp(1.2 - 0.07 * log(d->N[i]) + 0.01 * sf_rng_normal(&r));
    }
    sf_fit *fit = fit_ok(slope, d, NULL);
    cr_assert_eq(sf_fit_grid(fit), SF_GRID_SCREEN);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 30;
    sf_draws *dr = boot_ok(fit, d, &bo);
    const char *names[4];
    sf_summary s[4];
    cr_assert_eq(sf_draws_summarize(dr, NULL, 0, names, s, 4), 2u);
    cr_assert_str_eq(names[1], "k");
    /* With 1% noise over a 1.5^29 range of N, k's SE is about 0.01/sd(log N) / sqrt(30). */
    cr_assert(s[1].sd > 2e-4 && s[1].sd < 2e-3, "SE of k %g", s[1].sd);
    cr_assert(s[1].lo[1] < 0.07 && 0.07 < s[1].hi[1]);
    sf_alloc_row row;
    sf_summary as[5];
    sf_error err;
    cr_assert_eq(sf_fit_alloc_summary(fit, dr, 1e21, NULL, 0, &row, as, &err), SF_ENOTSUP);
    sf_point x = {.N = 1e9};
    sf_summary ls, ps;
    cr_assert_eq(sf_fit_predict_summary(fit, dr, &x, NULL, 0, &ls, &ps, &err), SF_OK);
    cr_assert(ls.n == 30 && ps.sd > ls.sd);
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_bayes_options ba;
    sf_bayes_options_init(&ba);
    ba.walkers = 12;
    ba.burn = 100;
    ba.steps = 200;
    dr = bayes_ok(slope, d, NULL, &ba, &fit);
    cr_assert_eq(sf_draws_summarize(dr, NULL, 0, names, s, 4), 3u, "c, k, sigma");
    cr_assert(fabs(s[1].mean - 0.07) < 0.005, "posterior mean of k %g", s[1].mean);
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    free(slope);

    /* chinchilla with A held and beta tied to alpha. */
    sf_law *law = chinchilla();
    d = sweep(0.01, 12);
    sf_fit_options o;
    sf_fit_options_init(&o);
    sf_fit_options_fix(&o, "A", 482.01);
    sf_fit_options_tie(&o, "alpha", "beta");
    fit = fit_ok(law, d, &o);
    dr = boot_ok(fit, d, &bo);
    for (size_t k = 0; k < sf_draws_count(dr); k++) {
        const double *p = sf_draws_at(dr, k);
        cr_assert(p[1] == 482.01 && p[3] == p[4], "draw %zu: A %.17g, alpha %g, beta %g", k,
                  p[1], p[3], p[4]);
    }
    char *js = json_of(fit, dr);
    cJSON *root = cJSON_Parse(js);
    const cJSON *se = cJSON_GetObjectItem(root, "se");
    cr_assert(cJSON_GetObjectItem(se, "alpha") && !cJSON_GetObjectItem(se, "A"),
              "a held parameter has no SE");
    cJSON_Delete(root);
    free(js);
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}
