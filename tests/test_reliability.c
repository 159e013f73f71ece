/* Bad and degenerate input (issue 18, docs/reliability.md): each case ends
 * in a right answer or a specific diagnosis naming the parameter, never a
 * silent "converged" and never NaN in any output.  The data are made here
 * from Hoffmann et al.'s (2022) fitted law, L = 1.69 + 406.4/N^0.34 +
 * 410.7/D^0.28, on a 4 x 3 grid of N and D. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

static const double grid_n[4] = {1e7, 3e7, 1e8, 3e8};
static const double grid_d[3] = {1e9, 3e9, 1e10};

typedef double (*loss_fn)(double N, double D);

/* A CSV of the 12 grid rows with loss f(N, D), written to a scratch file. */
static const char *grid_csv(const char *name, loss_fn f)
{
    char text[2048];
    size_t k = (size_t)snprintf(text, sizeof text, "N,D,loss\n");
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            k += (size_t)snprintf(text + k, sizeof text - k, "%g,%g,%.9g\n", grid_n[i],
                                  grid_d[j], f(grid_n[i], grid_d[j]));
    const char *path = tmp_file(name);
    write_text(path, text);
    return path;
}

static double chinchilla(double N, double D) { return 1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28); }
static double flat(double N, double D) { (void)N, (void)D; return 3.0; }
/* Loss that grows with N and D: no law with exponents >= 0 fits. */
static double growing(double N, double D) { return 1 + 0.05 * log(N) + 0.03 * log(D); }
/* The D term is 1e-3 (D/1e9)^-0.3: under 0.1% of the loss's variation. */
static double weak_d(double N, double D) { return 1.69 + 406.4 / pow(N, 0.34) + 1e-3 * pow(1e9 / D, 0.3); }

/* No "nan" (any case) in s. */
static void assert_no_nan(const char *s, const char *what)
{
    for (const char *p = s; p && *p; p++)
        cr_assert(!((p[0] == 'n' || p[0] == 'N') && (p[1] == 'a' || p[1] == 'A') &&
                    (p[2] == 'n' || p[2] == 'N')),
                  "%s contains NaN: %s", what, s);
}

/* The diagnosis with `code` in the JSON's "diagnoses", or NULL. */
static const cJSON *find_diag(const cJSON *js, const char *code)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(js, "diagnoses"))
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "code");
        if (cJSON_IsString(c) && strcmp(c->valuestring, code) == 0) return it;
    }
    return NULL;
}

static void assert_diag(const cJSON *js, const char *code, const char *param)
{
    const cJSON *g = find_diag(js, code);
    cr_assert(g, "no diagnosis %s", code);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(g, "parameter");
    cr_assert(cJSON_IsString(p) && strcmp(p->valuestring, param) == 0, "%s names %s", code,
              param);
    cr_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(g, "message")));
}

Test(degenerate, every_loss_equal_is_an_error)
{
    const char *csv = grid_csv("flat.csv", flat);
    cli_run r = RUN("fit", csv);
    cr_assert_eq(r.status, 1, "%s", r.out);
    cr_assert(strstr(r.err, "no loss variation"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cli_run_free(&r);
    /* The full grid reached A = B = 1, alpha = beta = 2 silently before. */
    r = RUN("fit", csv, "--grid", "full", "--json");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no loss variation"), "%s", r.err);
    cli_run_free(&r);
}

Test(degenerate, loss_growing_with_scale_names_the_exponent)
{
    const char *csv = grid_csv("grow.csv", growing), *fit = tmp_file("grow.json");
    cli_run r = RUN("fit", csv, "--json", "-o", fit);
    cr_assert_eq(r.status, 0, "%s", r.err);
    assert_no_nan(r.out, "fit --json");
    cJSON *js = cJSON_Parse(r.out);
    assert_diag(js, "at_bound", "alpha");
    const char *msg = cJSON_GetObjectItem(find_diag(js, "at_bound"), "message")->valuestring;
    cr_assert(strstr(msg, "N +") && strstr(msg, "D +"), "says the loss grows: %s", msg);
    cJSON_Delete(js);
    cli_run_free(&r);

    r = RUN("fit", csv);
    cr_assert(strstr(r.out, "diagnosis:  at_bound (alpha)"), "%s", r.out);
    assert_no_nan(r.out, "fit");
    cli_run_free(&r);

    /* optimal: no allocation exists, and it says which parameter. */
    r = RUN("optimal", fit, "--compute", "1e21");
    cr_assert_eq(r.status, 1, "%s", r.out);
    cr_assert(strstr(r.err, "rests on alpha"), "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cli_run_free(&r);
    /* predict: inside the data the fit is fine; the warning names alpha. */
    r = RUN("predict", fit, "--params", "1e8", "--tokens", "3e9");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "warning") && strstr(r.err, "alpha (at_bound)"), "%s", r.err);
    assert_no_nan(r.out, "predict");
    cli_run_free(&r);
}

Test(degenerate, both_exponents_at_zero_print_no_nan)
{
    /* Tied exponents both at 0: a = beta/(alpha+beta) is 0/0. */
    const char *csv = grid_csv("grow.csv", growing);
    cli_run r = RUN("fit", csv, "--tie", "alpha=beta");
    cr_assert_eq(r.status, 0, "%s", r.err);
    assert_no_nan(r.out, "fit");
    cr_assert(strstr(r.out, "a = n/a"), "%s", r.out);
    cr_assert(strstr(r.out, "at_bound (alpha)"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("fit", csv, "--compute", "1e21");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "--compute 1e+21: no allocation: it rests on alpha (at_bound"), "%s",
              r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cli_run_free(&r);
}

Test(degenerate, report_lists_the_diagnoses)
{
    const char *csv = grid_csv("grow.csv", growing), *html = tmp_file("grow.html");
    cli_run r = RUN("report", csv, "-o", html);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *page = read_text(html);
    cr_assert(page && strstr(page, "diagnosis at_bound (alpha)"), "the page lists it");
    cr_assert(strstr(r.err, "beta: the term of B and beta"), "%s", r.err);
    free(page);
    cli_run_free(&r);
}

Test(degenerate, fix_alpha_zero_warns_and_optimal_refuses)
{
    const char *csv = grid_csv("good.csv", chinchilla), *fit = tmp_file("fix0.json");
    cli_run r = RUN("fit", csv, "--fix", "alpha=0", "--json", "-o", fit);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    assert_diag(js, "fixed_at_bound", "alpha");
    cJSON_Delete(js);
    cr_assert(strstr(r.err, "warning: alpha: alpha is held at 0"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("optimal", fit, "--compute", "1e21");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "rests on alpha"), "%s", r.err);
    cli_run_free(&r);
}

Test(degenerate, a_pure_power_law_is_not_diagnosed)
{
    /* power with --fix E=0 is a model of its own (the exact log-linear
     * fit), not a parameter on a bound. */
    const char *csv = grid_csv("good.csv", chinchilla);
    cli_run r = RUN("fit", csv, "--law", "power", "--fix", "E=0", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_null(strstr(r.out, "fixed_at_bound"), "%s", r.out);
    cli_run_free(&r);
}

Test(degenerate, weak_term_is_named_and_optimal_says_so)
{
    const char *csv = grid_csv("weak.csv", weak_d), *fit = tmp_file("weak.json");
    cli_run r = RUN("fit", csv, "--json", "-o", fit);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    assert_diag(js, "weak_term", "beta");
    cr_assert_null(find_diag(js, "at_bound"));
    cJSON_Delete(js);
    cli_run_free(&r);
    /* An allocation exists, but never without saying what it rests on. */
    r = RUN("optimal", fit, "--compute", "1e21");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "the allocation rests on beta (weak_term)"), "%s", r.err);
    assert_no_nan(r.out, "optimal");
    cli_run_free(&r);
    r = RUN("optimal", fit, "--compute", "1e21", "--json");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.err, "rests on beta"), "%s", r.err);
    cli_run_free(&r);
}

Test(degenerate, a_loss_of_1e300_gives_no_nan)
{
    const char *csv = grid_csv("huge.csv", chinchilla);
    char *text = read_text(csv);
    size_t n = strlen(text);
    char *more = malloc(n + 64);
    snprintf(more, n + 64, "%s1e9,1e11,1e300\n", text);
    write_text(csv, more);
    free(more);
    free(text);
    cli_run r = RUN("fit", csv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    assert_no_nan(r.out, "fit");
    assert_no_nan(r.err, "fit stderr");
    cr_assert(strstr(r.out, "R^2:        -"), "a finite, negative R^2: %s", r.out);
    cli_run_free(&r);
    r = RUN("fit", csv, "--json");
    assert_no_nan(r.out, "fit --json");
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(js, "r2")));
    cJSON_Delete(js);
    cli_run_free(&r);
}

Test(degenerate, sound_fit_has_no_diagnoses_key)
{
    const char *csv = grid_csv("good.csv", chinchilla);
    cli_run r = RUN("fit", csv, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_null(strstr(r.out, "diagnoses"), "JSON of a sound fit unchanged");
    cr_assert_null(strstr(r.err, "warning"), "%s", r.err);
    cli_run_free(&r);
}

Test(degenerate, diagnoses_round_trip_through_the_fit_file)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_data *d = data_from_text("N,D,loss\n1e7,1e9,1.1\n1e7,1e10,1.2\n1e8,1e9,1.3\n"
                                "1e8,1e10,1.4\n1e9,1e9,1.5\n1e9,1e10,1.6\n3e9,3e9,1.7\n",
                                &o);
    sf_law *law = law_checked("chinchilla", SF_ROLE_N, 1);
    sf_fit *fit = fit_checked(law, d, NULL);
    cr_assert_geq(sf_fit_n_diagnoses(fit), 1u);
    sf_diagnosis g;
    cr_assert_eq(sf_fit_diagnosis(fit, sf_fit_n_diagnoses(fit), &g), SF_EINVAL);
    char *js = sf_fit_json(fit);
    sf_fit *back = NULL;
    sf_error err;
    sf_error_clear(&err);
    cr_assert_eq(sf_fit_json_parse(js, "f.json", &back, &err), SF_OK, "%s", err.message);
    cr_assert_eq(sf_fit_n_diagnoses(back), sf_fit_n_diagnoses(fit));
    for (size_t k = 0; k < sf_fit_n_diagnoses(fit); k++) {
        sf_diagnosis a, b;
        sf_fit_diagnosis(fit, k, &a);
        sf_fit_diagnosis(back, k, &b);
        cr_assert_str_eq(a.code, b.code);
        cr_assert_str_eq(a.message, b.message);
        cr_assert((a.param == NULL) == (b.param == NULL));
        if (a.param) cr_assert_str_eq(a.param, b.param);
    }
    char *again = sf_fit_json(back);
    cr_assert(strstr(again, "\"diagnoses\""));
    free(again);
    free(js);
    sf_fit_free(back);
    sf_fit_free(fit);
    sf_law_free(law);
    sf_data_free(d);
}

/* ---- fit files read strictly ------------------------------------------------ */

#define GOOD_PARAMS "\"params\": {\"E\": 1.69, \"A\": 406.4, \"B\": 410.7, \"alpha\": 0.34, \"beta\": 0.28}"

static void assert_rejected(const char *text, const char *needle)
{
    sf_fit *fit = NULL;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_fit_json_parse(text, "f.json", &fit, &err);
    cr_assert_neq(rc, SF_OK, "accepted: %s", text);
    cr_assert_null(fit);
    cr_assert(strstr(err.message, needle), "'%s' should name '%s': %s", text, needle,
              err.message);
}

Test(strict, fit_file_keys)
{
    sf_fit *fit = NULL;
    sf_error err;
    const char *ok = "{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"fixed\": [\"alpha\"], "
                     "\"tied\": {\"beta\": \"alpha\"}, \"at_bound\": [], \"source\": \"x\"}";
    cr_assert_eq(sf_fit_json_parse(ok, "f.json", &fit, &err), SF_OK, "%s", err.message);
    cr_assert(sf_fit_is_fixed(fit, 3));
    cr_assert_eq(sf_fit_tied_to(fit, 4), 3);
    sf_fit_free(fit);
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"colour\": 1}", "colour: unknown key");
    assert_rejected("{\"law\": \"chinchilla\", \"law\": \"power\", " GOOD_PARAMS "}", "law: duplicate key");
    assert_rejected("{\"law\": \"chinchilla\", \"params\": {\"E\": 1.69, \"A\": 406.4, \"B\": 410.7, "
                    "\"alpha\": 0.34, \"beta\": 0.28, \"alpha\": 0.5}}", "params.alpha: duplicate key");
    assert_rejected("{\"law\": \"chinchilla\", \"params\": {\"E\": 1.69, \"A\": 406.4, \"B\": 410.7, "
                    "\"alpha\": 0.34, \"beta\": 0.28, \"gamma\": 1}}", "params.gamma");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"fixed\": [3]}", "fixed");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"fixed\": [\"gamma\"]}", "fixed: 'gamma'");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"fixed\": \"alpha\"}", "fixed");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"tied\": {\"beta\": 7}}", "tied.beta");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"tied\": {\"zeta\": \"alpha\"}}", "tied.zeta");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"tied\": [1]}", "tied");
    assert_rejected("{\"law\": \"bnsl\", \"law_options\": {\"breaks\": 1.5}, \"params\": {}}",
                    "law_options.breaks");
    assert_rejected("{\"law\": \"chinchilla\", \"law_options\": {\"z\": 1}, " GOOD_PARAMS "}",
                    "law_options.z");
    assert_rejected("{\"law\": \"chinchilla\", \"params\": {\"E\": 1.69, \"A\": 406.4, \"B\": 410.7, "
                    "\"alpha\": 1e300, \"beta\": 0.28}}", "params.alpha");
    assert_rejected("{\"law\": \"chinchilla\", \"params\": {\"E\": 1.69, \"A\": 406.4, \"B\": 410.7, "
                    "\"alpha\": -0.1, \"beta\": 0.28}}", "params.alpha");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"diagnoses\": [{\"code\": \"odd\", "
                    "\"message\": \"m\"}]}", "diagnoses[0]");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"diagnoses\": [{\"code\": \"at_bound\", "
                    "\"parameter\": \"zeta\", \"message\": \"m\"}]}", "diagnoses[0].parameter");
}

Test(strict, fit_file_errors_on_the_command_line)
{
    const char *path = tmp_file("alpha.json");
    write_text(path, "{\"law\": \"chinchilla\", \"params\": {\"E\": 1.69, \"A\": 406.4, "
                     "\"B\": 410.7, \"alpha\": 1e300, \"beta\": 0.28}}");
    cli_run r = RUN("optimal", path, "--compute", "1e21");
    cr_assert_eq(r.status, 1, "N_opt = 1 before: %s", r.out);
    cr_assert(strstr(r.err, "params.alpha"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1);
    cli_run_free(&r);
    write_text(path, "{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"extra\": true}");
    r = RUN("predict", path, "--params", "1e9", "--tokens", "2e10");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "extra: unknown key"), "%s", r.err);
    cli_run_free(&r);
}

Test(strict, repeated_one_value_options)
{
    const char *csv = grid_csv("good.csv", chinchilla);
    cli_run r = RUN("predict", "--law", "chinchilla", "--set", "E=1", "--set", "E=2", "--set",
                    "A=1", "--set", "B=1", "--set", "alpha=0.3", "--set", "beta=0.3",
                    "--params", "1e9", "--tokens", "1e10");
    cr_assert_eq(r.status, 2, "%s", r.out);
    cr_assert(strstr(r.err, "--set E given twice"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", csv, "--col", "N=N", "--col", "N=D");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--col N given twice"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", csv, "--fix", "alpha=1", "--fix", "alpha=2");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--fix alpha given twice"), "%s", r.err);
    cli_run_free(&r);
    /* Any other option with a value: given twice is misuse too. */
    r = RUN("fit", csv, "--law", "power", "--law", "chinchilla");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "option '--law' given twice"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("optimal", "--law", "chinchilla", "--compute", "1e21", "--compute", "1e22");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "option '--compute' given twice"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", csv, "--tie", "alpha=beta", "--tie", "alpha=beta");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "beta tied twice"), "%s", r.err);
    cli_run_free(&r);
}

Test(strict, filter_against_nan_is_refused)
{
    const char *csv = grid_csv("good.csv", chinchilla);
    cli_run r = RUN("fit", csv, "--filter", "loss<nan");
    cr_assert_eq(r.status, 1, "%s", r.out);
    cr_assert(strstr(r.err, "filter 'loss<nan'") && strstr(r.err, "NaN"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", csv, "--filter", "loss<inf", "--json");
    cr_assert_eq(r.status, 0, "an infinite bound keeps every row: %s", r.err);
    cli_run_free(&r);
}

Test(strict, many_keys_in_one_object)
{
    /* 100,000 keys in "params", the last one repeated: the duplicate test
     * sorts the keys (a pairwise test took minutes on such a file). */
    const size_t n = 100000;
    size_t cap = n * 24 + 256, k = 0;
    char *text = malloc(cap);
    k += (size_t)snprintf(text + k, cap - k, "{\"law\": \"chinchilla\", \"params\": {");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(text + k, cap - k, "\"k%zu\": 1, ", i);
    snprintf(text + k, cap - k, "\"k%zu\": 2}}", n - 1);
    assert_rejected(text, "params.k99999: duplicate key");
    free(text);
}

/* ---- inputs the fuzzers found ------------------------------------------------ */

Test(fuzz_found, negative_n_points)
{
    /* fuzz_fitfile: "n_points": -02 was converted to size_t (undefined
     * behaviour, UBSan), and the text after the first closing brace was
     * ignored. */
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"n_points\":-02}",
                    "n_points: expected a count");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"n_points\": 1.5}",
                    "n_points");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS "}\n},\n.001, \"x\": 1}",
                    "text after the end");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"loss\": \"l2\"}", "loss");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"delta\": -1}", "delta");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"seed\": \"-1\"}", "seed");
    assert_rejected("{\"law\": \"chinchilla\", " GOOD_PARAMS ", \"objective\": \"low\"}",
                    "objective");
}
