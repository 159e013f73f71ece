/* Laws: gradients against finite differences, predictions, derived values,
 * closed-form allocation against a numeric optimum, published numbers. */
#include <string.h>

#include "common.h"
#include "fit/fit_impl.h"
#include "law/law_impl.h"

/* A point set that exercises every role a law may read; values avoid 0
 * and 1 and span the range of real sweeps. */
#define NPTS 7
static const double PN[NPTS] = {2.385e7, 6.1e7, 4.4e8, 2.385e9, 7.7e9, 6.4e10, 1.9e12};
static const double PD[NPTS] = {3.3e8, 2.1e9, 9.8e9, 4.77e10, 2.385e11, 1.1e12, 1.5e13};
static const double PU[NPTS] = {3.3e8, 1.0e9, 2.5e9, 4.77e9, 2.385e10, 1.1e12, 3.0e12};

typedef struct pts {
    double lg[SF_ROLE_COUNT][NPTS];
    sf_obs obs;
} pts;

static void make_points(const sf_law *law, pts *p)
{
    memset(p, 0, sizeof *p);
    p->obs.n = NPTS;
    for (int i = 0; i < NPTS; i++) {
        p->lg[SF_ROLE_N][i] = log(PN[i]);
        p->lg[SF_ROLE_D][i] = log(PD[i]);
        p->lg[SF_ROLE_C][i] = log(6.0 * PN[i] * PD[i]);
        p->lg[SF_ROLE_U][i] = log(PU[i]);
    }
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if ((law->roles & SF_ROLE_BIT(r)) && r != SF_ROLE_LOSS) p->obs.log[r] = p->lg[r];
}

/* A parameter vector inside the law's start grid, nudged off grid values. */
static void typical_theta(const sf_law *law, double *theta)
{
    for (size_t j = 0; j < law->n_params; j++) {
        size_t n = law->grid_n[j];
        double v = n ? law->grid_v[j][n / 2] : 0.3;
        double lo = law->param[j].scale == SF_SCALE_LOG ? log(law->param[j].lo) : law->param[j].lo;
        if (v <= lo) v = lo + 0.2385;
        theta[j] = v + 0.0123 * (double)(j + 1);
    }
}

/* d log L^ / d theta from the law against central differences, for every
 * law in the catalogue (and every option value that changes its shape). */
static void check_gradient_at(const sf_law *law, const double *theta, pts *pp)
{
    const size_t p = law->n_params;
    pts P = *pp;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (pp->obs.log[r]) P.obs.log[r] = P.lg[r];
    double ly[NPTS], jac[NPTS * SF_MAX_PARAMS];
    law->cls->eval(law, theta, &P.obs, ly, jac);
    for (size_t j = 0; j < p; j++) {
        double h = 1e-6 * (fabs(theta[j]) > 1 ? fabs(theta[j]) : 1.0);
        double tp[SF_MAX_PARAMS], tm[SF_MAX_PARAMS], yp[NPTS], ym[NPTS];
        memcpy(tp, theta, p * sizeof *tp);
        memcpy(tm, theta, p * sizeof *tm);
        tp[j] += h;
        tm[j] -= h;
        law->cls->eval(law, tp, &P.obs, yp, NULL);
        law->cls->eval(law, tm, &P.obs, ym, NULL);
        for (int i = 0; i < NPTS; i++) {
            cr_assert(isfinite(ly[i]), "%s: log L^ not finite at point %d", law->cls->name, i);
            double fd = (yp[i] - ym[i]) / (2 * h);
            double an = jac[(size_t)i * p + j];
            double tol = 1e-6 * (fabs(an) > 1 ? fabs(an) : 1.0);
            cr_assert(fabs(fd - an) <= tol,
                      "%s: d logL/d %s at point %d: analytic %.10g, finite difference %.10g",
                      law->cls->name, law->param[j].name, i, an, fd);
        }
    }
}

static void check_gradient(const sf_law *law, const double *theta)
{
    pts P;
    make_points(law, &P);
    check_gradient_at(law, theta, &P);
}

Test(law, gradients_match_finite_differences_for_every_law)
{
    for (size_t k = 0; k < sf_law_count(); k++) {
        /* Laws without breaks reject any but the default (one). */
        int nb = sf_law_options_used(sf_law_name_at(k)) & SF_LAW_OPT_BREAKS ? 3 : 1;
        for (int breaks = 1; breaks <= nb; breaks++) {
            sf_law_options o;
            sf_law_options_init(&o);
            o.breaks = breaks;
            sf_law *law;
            sf_error err;
            cr_assert_eq(sf_law_new(sf_law_name_at(k), &o, &law, &err), SF_OK, "%s",
                         err.message);
            double theta[SF_MAX_PARAMS];
            typical_theta(law, theta);
            check_gradient(law, theta);
            sf_law_free(law);
        }
    }
}

Test(law, chinchilla_gradient_at_fitted_values)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    /* Besiroglu et al. (2024) values in log form, and an E-dominated set. */
    const double a[5] = {0.59711196, 6.17795598, 7.64273236, 0.34781303, 0.36585412};
    const double b[5] = {2.385, 0.5, 0.7, 1.2385, 0.9};
    check_gradient(law, a);
    check_gradient(law, b);
    sf_law_free(law);
}

Test(law, objective_gradient_matches_finite_differences)
{
    /* The Huber objective's gradient, including points inside and outside
     * the quadratic zone (residuals straddle delta). */
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double truth[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};
    sf_data *d;
    cr_assert_eq(sf_simulate(law, truth, PN, PD, NULL, NPTS, 0.02, 7, &d, &err), SF_OK);
    for (int loss = 0; loss < 2; loss++) {
        sf_fit_options o;
        sf_fit_options_init(&o);
        o.loss = loss ? SF_LOSS_LS : SF_LOSS_HUBER;
        o.delta = 0.01;
        sf_problem pb;
        cr_assert_eq(sf_problem_init(&pb, law, d, &o, &err), SF_OK);
        sf_work w;
        cr_assert_eq(sf_work_init(&w, &pb), SF_OK);
        double th[5], g[5];
        sf_law_to_internal(law, truth, th);
        th[3] += 0.0123;
        sf_problem_value(&pb, &w, th, g);
        for (int j = 0; j < 5; j++) {
            double h = 1e-6, tp[5], tm[5];
            memcpy(tp, th, sizeof tp);
            memcpy(tm, th, sizeof tm);
            tp[j] += h;
            tm[j] -= h;
            double fd = (sf_problem_value(&pb, &w, tp, NULL) - sf_problem_value(&pb, &w, tm, NULL)) / (2 * h);
            cr_assert(fabs(fd - g[j]) <= 1e-6 * (fabs(g[j]) > 1e-3 ? fabs(g[j]) : 1e-3),
                      "loss %d, d f/d theta[%d]: analytic %.10g, finite difference %.10g", loss, j,
                      g[j], fd);
        }
        sf_work_free(&w);
        sf_problem_free(&pb);
    }
    sf_data_free(d);
    sf_law_free(law);
}

Test(law, chinchilla_predicts_without_overflow)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double p[5] = {1.69, 406.4, 410.7, 0.34, 0.28};
    double L;
    /* 1e28 parameters and tokens: the reducible terms vanish. */
    sf_point big = {.N = 1e28, .D = 1e28};
    cr_assert_eq(sf_law_predict(law, p, &big, &L), SF_OK);
    assert_rel(L, 1.69 + 406.4 * pow(1e28, -0.34) + 410.7 * pow(1e28, -0.28), 1e-14, "L(1e28)");
    /* A tiny model: the terms are huge but finite. */
    sf_point small = {.N = 2.385, .D = 2.385};
    cr_assert_eq(sf_law_predict(law, p, &small, &L), SF_OK);
    assert_rel(L, 1.69 + 406.4 * pow(2.385, -0.34) + 410.7 * pow(2.385, -0.28), 1e-14, "L(2.385)");
    /* Terms that overflow exp(): the log-sum-exp path takes over. */
    const double q[5] = {1.69, 1e300, 1e300, 0.34, 0.28};
    pts P;
    make_points(law, &P);
    double th[5], ly[NPTS];
    sf_law_to_internal(law, q, th);
    th[1] = 800.0;  /* A = e^800 overflows a double */
    law->cls->eval(law, th, &P.obs, ly, NULL);
    for (int i = 0; i < NPTS; i++) {
        double expect = 800.0 - 0.34 * log(PN[i]);
        double other = th[2] - 0.28 * log(PD[i]);
        double m = expect > other ? expect : other;
        double lse = m + log(exp(expect - m) + exp(other - m) + exp(log(1.69) - m));
        assert_rel(ly[i], lse, 1e-14, "log L with e^800");
    }
    sf_point bad = {.N = -1, .D = 1e9};
    cr_assert_eq(sf_law_predict(law, p, &bad, &L), SF_EDOMAIN);
    sf_point nan = {.N = NAN, .D = 1e9};
    cr_assert_eq(sf_law_predict(law, p, &nan, &L), SF_EDOMAIN);
    sf_law_free(law);
}

Test(law, catalogue_and_names)
{
    cr_assert(sf_law_count() >= 1);
    cr_assert_str_eq(sf_law_name_at(0), "chinchilla");
    cr_assert(sf_law_formula("chinchilla") != NULL);
    cr_assert(sf_law_formula("nope") == NULL);
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("nope", NULL, &law, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "unknown law 'nope'"));
    cr_assert_eq(sf_law_new("Chinchilla", NULL, &law, &err), SF_OK);
    cr_assert_eq(sf_law_n_params(law), 5);
    static const char *const names[5] = {"E", "A", "B", "alpha", "beta"};
    for (int j = 0; j < 5; j++) {
        cr_assert_str_eq(sf_law_param_name(law, (size_t)j), names[j]);
        cr_assert_eq(sf_law_param_index(law, names[j]), j);
    }
    cr_assert_eq(sf_law_param_index(law, "gamma"), -1);
    double lo, hi;
    sf_law_bounds(law, 3, &lo, &hi);
    cr_assert(lo == 0 && isinf(hi));
    sf_law_free(law);
}

Test(law, derived_a_b_G)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double p[5] = {1.69, 406.4, 410.7, 0.34, 0.28};
    const char *nm[3];
    double v[3];
    cr_assert_eq(sf_law_derived(law, p, nm, v, 3), 3);
    cr_assert_str_eq(nm[0], "a");
    assert_rel(v[0], 0.28 / 0.62, 1e-15, "a = beta/(alpha+beta)");
    assert_rel(v[1], 0.34 / 0.62, 1e-15, "b = alpha/(alpha+beta)");
    assert_rel(v[2], pow(0.34 * 406.4 / (0.28 * 410.7), 1 / 0.62), 1e-14, "G");
    sf_law_free(law);
}

/* Loss along the budget C = 6ND as a function of N, for the brute-force
 * check of the closed form. */
static double loss_on_budget(const sf_law *law, const double *p, double C, double N)
{
    sf_point x = {.N = N, .D = C / (6 * N)};
    double L;
    cr_assert_eq(sf_law_predict(law, p, &x, &L), SF_OK);
    return L;
}

Test(alloc, closed_form_is_the_minimum_on_the_budget)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double p[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};
    const double budgets[3] = {2.385e19, 5.76e23, 2.385e26};
    for (int b = 0; b < 3; b++) {
        sf_alloc_row r;
        cr_assert_eq(sf_alloc_optimal(law, p, budgets[b], &r, &err), SF_OK);
        assert_rel(6 * r.params * r.tokens, budgets[b], 1e-12, "6ND = C");
        assert_rel(r.tokens_per_param, r.tokens / r.params, 1e-15, "tokens per param");
        assert_rel(r.loss, loss_on_budget(law, p, budgets[b], r.params), 1e-15, "loss");
        /* Neighbours along the budget are no better. */
        for (int s = -1; s <= 1; s += 2) {
            double L = loss_on_budget(law, p, budgets[b], r.params * (1 + s * 1e-3));
            cr_assert(L >= r.loss, "N_opt is not a minimum at C=%g", budgets[b]);
        }
        /* A coarse scan never beats it. */
        for (int k = -40; k <= 40; k++) {
            double L = loss_on_budget(law, p, budgets[b], r.params * pow(10, k / 20.0));
            cr_assert(L >= r.loss - 1e-15);
        }
    }
    sf_law_free(law);
}

Test(alloc, target_loss_inverts_the_frontier)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double p[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};
    sf_alloc_row r, back;
    cr_assert_eq(sf_alloc_optimal(law, p, 5.76e23, &r, &err), SF_OK);
    cr_assert_eq(sf_alloc_target_loss(law, p, r.loss, &back, &err), SF_OK);
    assert_rel(back.compute, 5.76e23, 1e-10, "C(L(C))");
    assert_rel(back.params, r.params, 1e-10, "N");
    cr_assert_eq(sf_alloc_target_loss(law, p, 1.8172, &back, &err), SF_EDOMAIN);
    cr_assert(strstr(err.message, "irreducible loss E"), "%s", err.message);
    cr_assert_eq(sf_alloc_target_loss(law, p, 1.5, &back, &err), SF_EDOMAIN);
    cr_assert_eq(sf_alloc_optimal(law, p, -1, &back, &err), SF_EDOMAIN);
    cr_assert_eq(sf_alloc_optimal(law, p, NAN, &back, &err), SF_EDOMAIN);
    sf_law_free(law);
}

/* Hoffmann et al. (2022) values as Epoch's notebook quotes them
 * (../shared/data/chinchilla_epoch/SOURCE.md), and the allocation the issue
 * names: N_opt = 4.04e10 at C = 5.76e23 with the unrounded values, 3.22e10
 * and 92.6 tokens per parameter with the rounded ones; L(70e9, 1.4e12) =
 * 1.9208 (the Chinchilla model). */
Test(alloc, hoffmann_published_values)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double unrounded[5] = {exp(0.5267228), exp(6.0073404), exp(6.0179186), 0.33917084,
                                 0.2849083};
    const double rounded[5] = {1.69, 406.4, 410.7, 0.34, 0.28};
    sf_alloc_row r;
    cr_assert_eq(sf_alloc_optimal(law, unrounded, 5.76e23, &r, &err), SF_OK);
    assert_rel(r.params, 4.04e10, 0.005, "N_opt (unrounded)");
    sf_point x = {.N = 70e9, .D = 1.4e12};
    double L;
    cr_assert_eq(sf_law_predict(law, unrounded, &x, &L), SF_OK);
    cr_assert(fabs(L - 1.9208) <= 1e-4, "L(70e9, 1.4e12) = %.6f, expected 1.9208", L);
    cr_assert_eq(sf_alloc_optimal(law, rounded, 5.76e23, &r, &err), SF_OK);
    assert_rel(r.params, 3.22e10, 0.005, "N_opt (rounded)");
    assert_rel(r.tokens_per_param, 92.6, 0.005, "tokens per parameter (rounded)");
    sf_law_free(law);
}

/* The laws of the catalogue at published values and at the edges of their
 * pieces: power over D and C, Kaplan's fit, datablations with excess
 * parameters (N above N_opt(U)) and with U above D, bnsl with negative
 * slope changes, sharp and wide breaks inside the points. */
Test(law, catalogue_gradients_at_published_and_edge_values)
{
    for (int x = 0; x < 3; x++) {
        static const sf_role xs[3] = {SF_ROLE_N, SF_ROLE_D, SF_ROLE_C};
        sf_law *law = law_checked("power", xs[x], 1);
        const double th[3] = {log(1.69), log(406.4), 0.34};
        check_gradient(law, th);
        sf_law_free(law);
    }
    sf_law *k = law_checked("kaplan", SF_ROLE_N, 1);
    const double tk[4] = {log(6.4e13), log(1.8e13), log(0.076), log(0.103)};
    check_gradient(k, tk);
    sf_law_free(k);

    /* Muennighoff et al.'s values (N_opt(U) = 1.7e7 at U = 3.3e8: every
     * point carries excess parameters), then alpha != beta. */
    sf_law *db = law_checked("datablations", SF_ROLE_N, 1);
    const double td[7] = {0.6254804, 6.255414, 7.3049974, 0.3526596, 0.3526596, log(15.387756),
                          log(5.309743)};
    check_gradient(db, td);
    const double td2[7] = {0.6, 4.2, 7.9, 0.25, 0.41, log(2.385), log(38.0)};
    check_gradient(db, td2);
    /* U above D on some points (U = min(U, D)), N on both sides of N_opt. */
    pts P;
    make_points(db, &P);
    for (int i = 0; i < NPTS; i += 2) P.lg[SF_ROLE_U][i] = P.lg[SF_ROLE_D][i] + 0.7;
    check_gradient_at(db, td, &P);
    check_gradient_at(db, td2, &P);
    sf_law_free(db);

    for (int b = 1; b <= 3; b++) {
        sf_law *bn = law_checked("bnsl", b == 2 ? SF_ROLE_C : SF_ROLE_D, b);
        /* Breaks at log x = 22 (sharp), 25 (wide), 28 (negative change):
         * inside the points' log D (19.6 to 30.3) and log C (35 to 58). */
        double off = b == 2 ? 22.0 : 0.0;
        const double tb[12] = {log(0.3), 2.0, 0.08, 0.7, 22 + off, log(0.05), -0.4, 25 + off,
                               log(3.0), 0.9, 28 + off, log(0.4)};
        check_gradient(bn, tb);
        sf_law_free(bn);
    }
}

/* The datablations loss along a budget (the data-constrained allocation's
 * input): L, dL/du and dL/d ls against the law's own prediction and
 * central differences, on both sides of D = U and of N = N_opt(U). */
Test(law, datablations_budget_derivatives)
{
    sf_law *db = law_checked("datablations", SF_ROLE_N, 1);
    const double p[7] = {exp(0.6254804), exp(6.255414), exp(7.3049974), 0.3526596, 0.3526596,
                         15.387756, 5.309743};
    const double q[7] = {1.82, 66.6, 2700.0, 0.25, 0.41, 2.385, 38.0};
    const double *sets[2] = {p, q};
    double ls = log(1e22 / 6), lU = log(25e9);
    for (int k = 0; k < 2; k++)
        for (double u = 17.0; u < ls - 17.0; u += 0.37) {
            if (fabs(ls - u - lU) < 1e-3) continue;  /* the kink D = U itself */
            double L, du, dls;
            cr_assert_eq(db->cls->budget(db, sets[k], u, ls, lU, &L, &du, &dls), SF_OK);
            sf_point x = {.N = exp(u), .D = exp(ls - u), .U = 25e9};
            double Lp;
            cr_assert_eq(sf_law_predict(db, sets[k], &x, &Lp), SF_OK);
            assert_rel(L, Lp, 1e-13, "L");
            double h = 1e-6, a, b, t;
            db->cls->budget(db, sets[k], u + h, ls, lU, &a, &t, &t);
            db->cls->budget(db, sets[k], u - h, ls, lU, &b, &t, &t);
            cr_assert(fabs((a - b) / (2 * h) - du) <= 1e-6 * (fabs(du) > 1e-3 ? fabs(du) : 1e-3),
                      "dL/du at u = %g: %.10g against %.10g", u, du, (a - b) / (2 * h));
            db->cls->budget(db, sets[k], u, ls + h, lU, &a, &t, &t);
            db->cls->budget(db, sets[k], u, ls - h, lU, &b, &t, &t);
            cr_assert(fabs((a - b) / (2 * h) - dls) <= 1e-6 * (fabs(dls) > 1e-3 ? fabs(dls) : 1e-3),
                      "dL/dls at u = %g: %.10g against %.10g", u, dls, (a - b) / (2 * h));
        }
    sf_law_free(db);
}
