/* Formula laws (issue 20): typed laws against the built-in ones, exact
 * gradients against finite differences, allocation against the closed
 * form, a law with an extra column recovering a known truth, and the
 * parser's error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "common.h"
#include "fit/fit_impl.h"
#include "law/formula.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"

#define CHINCHILLA_TYPED "E + A/N^alpha + B/D^beta"
#define KAPLAN_TYPED "((Nc/N)^(alpha_N/alpha_D) + Dc/D)^alpha_D"
/* Muennighoff et al. (2023) eqs. 5-7 as src/law/datablations.c states
 * them, with U above D counted as D. */
#define DATABLATIONS_TYPED                                                    \
    "Ue = min(U, D);"                                                         \
    "G = (alpha*A/(beta*B))^(1/(alpha+beta));"                                \
    "UN = min(N, G*(G*Ue)^(beta/alpha));"                                     \
    "Dp = Ue*(1 + rd_star*(1 - exp(-(D/Ue - 1)/rd_star)));"                   \
    "Np = UN*(1 + rn_star*(1 - exp(-(N/UN - 1)/rn_star)));"                   \
    "E + A/Np^alpha + B/Dp^beta"
#define PRECISION_TYPED "E + A/(N*(1 - exp(-P/gamma)))^alpha + B/D^beta"

static sf_law *parse_ok(const char *formula, const sf_formula_options *o)
{
    sf_law *law;
    sf_error err;
    sf_error_clear(&err);
    cr_assert_eq(sf_law_parse(formula, o, &law, &err), SF_OK, "%s: col %ld: %s", formula,
                 err.column, err.message);
    return law;
}

static sf_data *epoch_data(void)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.filters[o.n_filters++] = "loss<3.44";
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_data_read(shared_file(EPOCH), &o, &d, &err), SF_OK, "%s", err.message);
    cr_assert_eq(d->n, 240u);
    return d;
}

static double param_of(const sf_fit *fit, const char *name)
{
    int j = sf_law_param_index(sf_fit_law(fit), name);
    cr_assert(j >= 0, "no parameter %s", name);
    return sf_fit_params(fit)[j];
}

/* Must-show 1: Epoch's 240 rows (loss < 3.44, as tests/test_cli.c). */
Test(formula, chinchilla_typed_reaches_the_builtin_fit)
{
    sf_data *d = epoch_data();
    sf_law *b = law_checked("chinchilla", SF_ROLE_N, 1), *f = parse_ok(CHINCHILLA_TYPED, NULL);
    cr_assert_eq(f->n_lin, 3u, "E, A, B found linear");
    sf_fit *fb = fit_checked(b, d, NULL), *ff = fit_checked(f, d, NULL);
    cr_assert_eq(sf_fit_grid(ff), SF_GRID_VP);
    assert_rel(sf_fit_objective(ff), sf_fit_objective(fb), 1e-12, "objective");
    static const char *const names[] = {"E", "A", "B", "alpha", "beta"};
    for (int k = 0; k < 5; k++)
        assert_rel(param_of(ff, names[k]), param_of(fb, names[k]), 1e-8, names[k]);
    sf_fit_free(fb);
    sf_fit_free(ff);
    sf_law_free(b);
    sf_law_free(f);
    sf_data_free(d);
}

/* Must-show 2: the numeric allocation of the typed law against Hoffmann
 * et al.'s closed form (eq. 4) at their published parameters (Approach 3:
 * E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28). */
Test(formula, optimal_matches_the_closed_form)
{
    sf_law *b = law_checked("chinchilla", SF_ROLE_N, 1), *f = parse_ok(CHINCHILLA_TYPED, NULL);
    const double p[5] = {1.69, 406.4, 410.7, 0.34, 0.28};
    sf_error err;
    for (int k = 0; k < 5; k++) {
        double C = pow(10.0, 18 + 2 * k);
        sf_alloc_row rb, rf;
        cr_assert_eq(sf_alloc_optimal(b, p, C, &rb, &err), SF_OK);
        cr_assert_eq(sf_alloc_optimal(f, p, C, &rf, &err), SF_OK, "%s", err.message);
        assert_rel(rf.params, rb.params, 1e-9, "N_opt");
        assert_rel(rf.tokens, rb.tokens, 1e-9, "D_opt");
        assert_rel(rf.loss, rb.loss, 1e-12, "loss");
        double L = rb.loss;
        cr_assert_eq(sf_alloc_target_loss(b, p, L, &rb, &err), SF_OK);
        cr_assert_eq(sf_alloc_target_loss(f, p, L, &rf, &err), SF_OK, "%s", err.message);
        assert_rel(rf.compute, rb.compute, 1e-9, "budget for the loss");
    }
    sf_law_free(b);
    sf_law_free(f);
}

/* Must-show 2: Kaplan et al.'s joint law typed by hand on Epoch's rows
 * reaches the built-in's optimum (bounds from the exponents' range). */
Test(formula, kaplan_typed_reaches_the_builtin_fit)
{
    sf_data *d = epoch_data();
    sf_formula_options o;
    sf_formula_options_init(&o);
    sf_formula_options_bound(&o, "alpha_N", 0, 1);
    sf_formula_options_bound(&o, "alpha_D", 0, 1);
    sf_law *b = law_checked("kaplan", SF_ROLE_N, 1), *f = parse_ok(KAPLAN_TYPED, &o);
    sf_fit *fb = fit_checked(b, d, NULL), *ff = fit_checked(f, d, NULL);
    assert_rel(sf_fit_objective(ff), sf_fit_objective(fb), 1e-10, "objective");
    static const char *const names[] = {"Nc", "Dc", "alpha_N", "alpha_D"};
    for (int k = 0; k < 4; k++)
        assert_rel(param_of(ff, names[k]), param_of(fb, names[k]), 1e-5, names[k]);
    sf_fit_free(fb);
    sf_fit_free(ff);
    sf_law_free(b);
    sf_law_free(f);
    sf_data_free(d);
}

/* Must-show 2: the data-constrained law typed by hand gives the built-in's
 * predictions at the published fit (SOURCE.md), its second-stage fit
 * (E, A, B, alpha, beta held) on fit182, and its data-constrained
 * allocation at the README's C = 1e22, U = 25e9. */
Test(formula, datablations_typed_reproduces_the_builtin)
{
    sf_data *d = datablations_data();
    sf_law *b = law_checked("datablations", SF_ROLE_N, 1), *f = parse_ok(DATABLATIONS_TYPED, NULL);
    const double pub[7] = {exp(0.6254804), exp(6.255414), exp(7.3049974), 0.3526596,
                           0.3526596, 15.387756, 5.309743};
    double q[7];
    for (size_t j = 0; j < 7; j++) {
        int k = sf_law_param_index(f, sf_law_param_name(b, j));
        cr_assert(k >= 0);
        q[k] = pub[j];
    }
    for (size_t i = 0; i < d->n; i++) {
        sf_point x = {.N = d->N[i], .D = d->D[i], .U = d->U[i]};
        double lb, lf;
        cr_assert_eq(sf_law_predict(b, pub, &x, &lb), SF_OK);
        cr_assert_eq(sf_law_predict(f, q, &x, &lf), SF_OK);
        assert_rel(lf, lb, 1e-12, "prediction at a row");
    }
    sf_fit_options o;
    sf_fit_options_init(&o);
    static const char *const base[5] = {"E", "A", "B", "alpha", "beta"};
    for (int j = 0; j < 5; j++) sf_fit_options_fix(&o, base[j], pub[j]);
    sf_fit *fb = fit_checked(b, d, &o), *ff = fit_checked(f, d, &o);
    assert_rel(sf_fit_objective(ff), sf_fit_objective(fb), 1e-10, "objective");
    assert_rel(param_of(ff, "rd_star"), param_of(fb, "rd_star"), 1e-4, "rd_star");
    assert_rel(param_of(ff, "rn_star"), param_of(fb, "rn_star"), 1e-4, "rn_star");
    sf_alloc_dc_row rb, rf;
    sf_error err;
    cr_assert_eq(sf_alloc_data_constrained(b, pub, 1e22, 25e9, &rb, &err), SF_OK);
    cr_assert_eq(sf_alloc_data_constrained(f, q, 1e22, 25e9, &rf, &err), SF_OK, "%s",
                 err.message);
    assert_rel(rf.opt.tokens, rb.opt.tokens, 1e-9, "D_opt with U = 25e9");
    assert_rel(rf.opt.params, rb.opt.params, 1e-9, "N_opt with U = 25e9");
    sf_fit_free(fb);
    sf_fit_free(ff);
    sf_law_free(b);
    sf_law_free(f);
    sf_data_free(d);
}

/* ---- gradients ---------------------------------------------------------- */

typedef struct gcase {
    const char *formula;
    const char *extra[2];
} gcase;

static const gcase grad_cases[] = {
    {CHINCHILLA_TYPED, {0}},
    {KAPLAN_TYPED, {0}},
    {DATABLATIONS_TYPED, {0}},
    {PRECISION_TYPED, {"P", 0}},
    /* Farseer-like: the data exponent and its scale vary with N. */
    {"E + A*N^(-alpha) + exp(b0 + b1*N^(-c))*D^(-exp(d0 + d1*log(N)/20))", {0}},
    /* Learning rate and batch size (step-law-like): a bowl in log lr whose
     * centre moves with N, plus a batch-size penalty. */
    {"E + A/N^alpha + B/D^beta + k*(log(lr) - (l0 + l1*log(N)/20))^2 + m*(log(bs)/10 - s)^2",
     {"lr", "bs"}},
    {"E + sqrt(A*N^-alpha) + sigmoid(c*log(D)/20 - d) + max(log(N), 20)*m/100 + "
     "B*min(D, U)^(-beta) - pow(k, 2)*0 + 2^(-g)",
     {0}},
    {"log(1 + exp(a - b*log(C))) + E", {0}},
    {"(A*N^-alpha + B*D^-beta)/(1 + q) + E*(P/4)", {"P", 0}},
};

/* d log L / d theta from the tape against central differences. */
Test(formula, gradients_match_finite_differences)
{
    const size_t n = 7;
    double lN[7], lD[7], lC[7], lU[7], P[7], lr[7], bs[7];
    for (size_t i = 0; i < n; i++) {
        lN[i] = log(3e7) + 0.9 * (double)i;
        lD[i] = log(1e9) + 0.7 * (double)((i * 3) % 7);
        lC[i] = log(6.0) + lN[i] + lD[i];
        lU[i] = lD[i] + (i % 2 ? 0.8 : -1.3);
        P[i] = 2.0 + (double)i;
        lr[i] = 1e-4 * (1.0 + (double)i);
        bs[i] = 64.0 * (double)(1 + i % 3);
    }
    for (size_t c = 0; c < sizeof grad_cases / sizeof grad_cases[0]; c++) {
        sf_formula_options o;
        sf_formula_options_init(&o);
        const char *cols[2];
        for (size_t k = 0; k < 2 && grad_cases[c].extra[k]; k++) cols[o.n_columns++] = grad_cases[c].extra[k];
        o.columns = cols;
        sf_law *law = parse_ok(grad_cases[c].formula, &o);
        sf_obs x = {.n = n};
        x.log[SF_ROLE_N] = lN;
        x.log[SF_ROLE_D] = lD;
        x.log[SF_ROLE_C] = lC;
        x.log[SF_ROLE_U] = lU;
        for (size_t k = 0; k < law->n_extra; k++)
            x.extra[k] = !strcmp(law->extra[k], "P") ? P : !strcmp(law->extra[k], "lr") ? lr : bs;
        size_t p = law->n_params;
        double th[SF_MAX_PARAMS], y[7], y1[7], y2[7], J[7 * SF_MAX_PARAMS];
        for (size_t j = 0; j < p; j++)
            th[j] = law->param[j].scale == SF_SCALE_LOG ? 0.5 + 0.4 * (double)j
                                                         : 0.15 + 0.05 * (double)j;
        sf_formula_eval(law, th, &x, y, J);
        for (size_t j = 0; j < p; j++) {
            double h = 1e-6 * fmax(1.0, fabs(th[j])), t0 = th[j];
            th[j] = t0 + h;
            sf_formula_eval(law, th, &x, y1, NULL);
            th[j] = t0 - h;
            sf_formula_eval(law, th, &x, y2, NULL);
            th[j] = t0;
            for (size_t i = 0; i < n; i++) {
                cr_assert(isfinite(y[i]), "%s: row %zu not finite", grad_cases[c].formula, i);
                double fd = (y1[i] - y2[i]) / (2 * h), g = J[i * p + j];
                cr_assert(fabs(fd - g) <= 1e-6 * fmax(1.0, fabs(g)),
                          "%s: d/d%s at row %zu: tape %.12g, differences %.12g",
                          grad_cases[c].formula, law->param[j].name, i, g, fd);
            }
        }
        sf_law_free(law);
    }
}

/* Log space: no overflow at N, D, C up to 1e28, nor with a steep exponent. */
Test(formula, no_overflow_at_1e28)
{
    sf_law *f = parse_ok("E + A/N^alpha + B/D^beta + K/C^gamma", NULL);
    double p[SF_MAX_PARAMS];
    for (size_t j = 0; j < sf_law_n_params(f); j++) p[j] = 1.0;
    p[sf_law_param_index(f, "A")] = 1e300;
    p[sf_law_param_index(f, "gamma")] = 40.0;
    sf_point x = {.N = 1e28, .D = 1e28, .C = 1e28};
    double L;
    cr_assert_eq(sf_law_predict(f, p, &x, &L), SF_OK);
    /* 1 + 1e300 * 1e-28 + 1e-28 + 1e-1120 */
    assert_rel(L, 1e272, 1e-12, "L");
    sf_law_free(f);
}

/* ---- errors --------------------------------------------------------------- */

static void parse_fails(const char *formula, long col, const char *text,
                        const sf_formula_options *o)
{
    sf_law *law = NULL;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_law_parse(formula, o, &law, &err);
    cr_assert_neq(rc, SF_OK, "'%s' parsed", formula);
    cr_assert_null(law);
    cr_assert_eq(err.column, col, "'%s': column %ld, expected %ld (%s)", formula, err.column,
                 col, err.message);
    cr_assert(strstr(err.message, text), "'%s': message '%s' lacks '%s'", formula, err.message,
              text);
}

Test(formula, errors_name_the_position)
{
    parse_fails("E + A/N^alpha + B/expp(D)", 19, "unknown function 'expp'", NULL);
    parse_fails("E + (A/N^alpha + B/D^beta", 5, "unbalanced parenthesis", NULL);
    parse_fails("E + A/N^alpha) + B", 14, "unbalanced parenthesis", NULL);
    parse_fails("E + A*B/N^alpha", 7, "'B' cannot be identified", NULL);
    parse_fails("E + F + A/N^alpha", 5, "'F' cannot be identified", NULL);
    parse_fails("E + A/N^alpha +", 16, "ends where a value", NULL);
    parse_fails("E + A/N^^alpha", 9, "unexpected '^'", NULL);
    parse_fails("E + exp(N, D)", 5, "exp() takes 1 argument", NULL);
    parse_fails("L + A/N^alpha", 1, "'L' is the loss", NULL);
    parse_fails("E + 1e999/N^alpha", 5, "not a finite number", NULL);
    parse_fails("G = k*N; E + A/N^alpha", 5, "'k' appears only in a definition", NULL);
    sf_formula_options o;
    sf_formula_options_init(&o);
    const char *cols[] = {"N", "D", "loss"};
    o.columns = cols;
    o.n_columns = 3;
    o.variables[o.n_variables++] = "precision";
    parse_fails("E + A/(N*precision)^alpha", 10, "'precision' is not a column", &o);
}

/* A formula that is not finite at a row: the fit names the row's line. */
Test(formula, non_finite_row_is_named)
{
    sf_law *f = parse_ok("E + A*log(log(N) - 20.5)", NULL);
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = sf_law_roles(f);
    sf_data *d = data_from_text("N,D,loss\n1e8,1e9,3.0\n2e8,2e9,2.9\n4e8,4e9,2.8\n"
                                "8e8,8e9,2.7\n1.6e9,1.6e10,2.6\n3.2e9,3.2e10,2.5\n",
                                &o);
    sf_fit *fit = NULL;
    sf_error err;
    int rc = sf_fit_run(f, d, NULL, &fit, &err);
    cr_assert_neq(rc, SF_OK);
    cr_assert(strstr(err.message, "not finite") && err.line == 2, "line %ld: %s", err.line,
              err.message);
    sf_law_free(f);
    sf_data_free(d);
}

/* ---- an extra column: precision (Kumar et al. 2024-like) ------------------- */

/* Truth: E 1.8, A 300, B 900, alpha 0.33, beta 0.30, gamma 3 in
 * L = E + A/(N (1 - exp(-P/gamma)))^alpha + B/D^beta, 72 runs with
 * multiplicative noise exp(0.004 z), z standard normal (splitmix seed 20). */
static const double truth[6] = {1.8, 300, 900, 0.33, 3.0, 0.30};
static const char *const truth_names[6] = {"E", "A", "B", "alpha", "gamma", "beta"};

static char *precision_csv(void)
{
    sf_buf b = {0};
    sf_buf_printf(&b, "N,D,P,loss\n");
    static const double Ns[] = {3e7, 1e8, 3e8, 1e9}, Ds[] = {1e9, 1e10, 1e11},
                        Ps[] = {2, 3, 4, 6, 8, 16};
    sf_rng r;
    sf_rng_seed(&r, 20, 0);
    for (int a = 0; a < 4; a++)
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 6; k++) {
                double N = Ns[a], D = Ds[c], P = Ps[k];
                double L = truth[0] + truth[1] / pow(N * (1 - exp(-P / truth[4])), truth[3]) +
                           truth[2] / pow(D, truth[5]);
                L *= exp(0.004 * sf_rng_normal(&r));
                sf_buf_printf(&b, "%.17g,%.17g,%g,%.17g\n", N, D, P, L);
            }
    return b.data;
}

Test(formula, precision_law_recovers_the_truth)
{
    char *csv = precision_csv();
    const char *path = tmp_file("precision.csv");
    write_text(path, csv);
    free(csv);
    sf_formula_options fo;
    sf_formula_options_init(&fo);
    const char *cols[] = {"N", "D", "P", "loss"};
    fo.columns = cols;
    fo.n_columns = 4;
    sf_law *f = parse_ok(PRECISION_TYPED, &fo);
    cr_assert_eq(sf_law_n_extra(f), 1u);
    cr_assert_str_eq(sf_law_extra_name(f, 0), "P");
    sf_data_options o;
    sf_data_options_init(&o);
    o.extra[o.n_extra++] = "P";
    o.required = sf_law_roles(f);
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_data_read(path, &o, &d, &err), SF_OK, "%s", err.message);
    sf_fit *fit = fit_checked(f, d, NULL);
    for (int k = 0; k < 6; k++) assert_rel(param_of(fit, truth_names[k]), truth[k], 0.5, truth_names[k]);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = 100;
    bo.warm = 1;
    sf_draws *draws = NULL;
    cr_assert_eq(sf_fit_bootstrap(fit, d, &bo, &draws, &err), SF_OK, "%s", err.message);
    const char *names[SF_MAX_PARAMS + 8];
    sf_summary s[SF_MAX_PARAMS + 8];
    double lv = 0.95;
    size_t ns = sf_draws_summarize(draws, &lv, 1, names, s, SF_MAX_PARAMS + 8);
    cr_assert(ns >= 6);
    for (int k = 0; k < 6; k++) {
        int j = sf_law_param_index(f, truth_names[k]);
        cr_assert(s[j].lo[0] <= truth[k] && truth[k] <= s[j].hi[0],
                  "%s: truth %g outside the 95%% interval [%g, %g]", truth_names[k], truth[k],
                  s[j].lo[0], s[j].hi[0]);
    }
    sf_draws_free(draws);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(f);
    /* Validated from the command line: fit on the smaller models, predict
     * the largest; the relative error stays under 1%. */
    cli_run r = run_cli(NULL, (const char *const[]){"validate", path, "--law",
                                               PRECISION_TYPED, "--json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"are\""), "%s", r.out);
    cli_run_free(&r);
}

/* ---- the command line ------------------------------------------------------- */

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

/* fit -o with a formula; predict and optimal rebuild the law from the fit
 * file and agree with the built-in law's fit file. */
Test(formula_cli, fit_file_rebuilds_the_law)
{
    const char *data = shared_file(EPOCH);
    char ff[512], fb[512];
    snprintf(ff, sizeof ff, "%s", tmp_file("formula_fit.json"));
    snprintf(fb, sizeof fb, "%s", tmp_file("builtin_fit.json"));
    cli_run r = RUN("fit", data, "--filter", "loss<3.44", "--law", CHINCHILLA_TYPED, "-o", ff);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "bounds") && strstr(r.out, "[0, 3]"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("fit", data, "--filter", "loss<3.44", "-o", fb);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *text = read_text(ff);
    cr_assert(text && strstr(text, "\"formula_law\"") && strstr(text, CHINCHILLA_TYPED));
    free(text);
    cli_run a = RUN("optimal", ff, "--compute", "1e18,1e20,1e22,1e24,1e26", "--json");
    cli_run b = RUN("optimal", fb, "--compute", "1e18,1e20,1e22,1e24,1e26", "--json");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    /* Only the law's name differs. */
    const char *pa = strstr(a.out, "\"rows\""), *pb = strstr(b.out, "\"rows\"");
    cr_assert(pa && pb && strcmp(pa, pb) == 0, "%s\n%s", a.out, b.out);
    cli_run_free(&a);
    cli_run_free(&b);
    a = RUN("predict", ff, "--params", "1e9", "--tokens", "2e10", "--json");
    b = RUN("predict", fb, "--params", "1e9", "--tokens", "2e10", "--json");
    cr_assert_eq(a.status, 0, "%s", a.err);
    pa = strstr(a.out, "\"rows\"");
    pb = strstr(b.out, "\"rows\"");
    cr_assert(pa && pb && strcmp(pa, pb) == 0, "%s\n%s", a.out, b.out);
    cli_run_free(&a);
    cli_run_free(&b);
}

Test(formula_cli, bounds_law_files_and_errors)
{
    const char *data = shared_file(EPOCH);
    /* A bound the data push against: held there, and a warning. */
    cli_run r = RUN("fit", data, "--filter", "loss<3.44", "--law", CHINCHILLA_TYPED, "--bound",
                    "alpha=0:0.3", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"at_bound\":\t[\"alpha\"]"), "%s", r.out);
    cr_assert(strstr(r.err, "alpha is on the bound 0.3"), "%s", r.err);
    cli_run_free(&r);
    /* A law file. */
    const char *lf = tmp_file("law.json");
    write_text(lf, "{\"name\": \"typed-chinchilla\", \"formula\": \"" CHINCHILLA_TYPED "\","
                   " \"notes\": \"Hoffmann et al. eq. 2\","
                   " \"params\": {\"beta\": {\"lo\": 0, \"hi\": 2}}}");
    r = RUN("fit", data, "--filter", "loss<3.44", "--law-file", lf);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "typed-chinchilla") && strstr(r.out, "[0, 2]"), "%s", r.out);
    cli_run_free(&r);
    /* Errors: one line naming the formula's column, exit 1; misuse exit 2. */
    r = RUN("fit", data, "--law", "E + A/N^alpha + B/expp(D)");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: formula:1:19: unknown function 'expp'"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", data, "--law", CHINCHILLA_TYPED, "--bound", "alpha=2:1");
    cr_assert_eq(r.status, 2, "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", data, "--law", "chinchilla", "--bound", "alpha=0:1");
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "--bound goes with a formula law"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("laws", CHINCHILLA_TYPED);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "E, A, B solved by least squares"), "%s", r.out);
    cli_run_free(&r);
}

/* validate --compare puts the typed law beside the catalogue's. */
Test(formula_cli, validate_compare_includes_the_formula)
{
    cli_run r = RUN("validate", shared_file(EPOCH), "--filter", "loss<3.44", "--compare",
                    "--law", "E + A/N^alpha + B/D^beta + K/C^gamma", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"formula\"") && strstr(r.out, "\"chinchilla\""), "%s", r.out);
    cli_run_free(&r);
}

/* predict takes the values of a formula's extra columns with --var. */
Test(formula_cli, predict_with_an_extra_column)
{
    char *csv = precision_csv();
    char data[512], fit[512];
    snprintf(data, sizeof data, "%s", tmp_file("precision_cli.csv"));
    snprintf(fit, sizeof fit, "%s", tmp_file("precision_fit.json"));
    write_text(data, csv);
    free(csv);
    cli_run r = RUN("fit", data, "--law", PRECISION_TYPED, "-o", fit);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    r = RUN("predict", fit, "--params", "1e9", "--tokens", "1e11", "--var", "P=4,16", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"loss\""), "%s", r.out);
    cli_run_free(&r);
    r = RUN("predict", fit, "--params", "1e9", "--tokens", "1e11");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "give --var P=VALUE"), "%s", r.err);
    cli_run_free(&r);
}
