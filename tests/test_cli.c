/* The scalefit command as a user runs it: the three commands of the core
 * workflow, help and misuse, every bad input, determinism, the SciPy
 * reference. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"
#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

static double json_num(const cJSON *o, const char *path)
{
    /* "params.A" style paths into nested objects. */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
    cr_assert(cJSON_IsNumber(cur), "no number at %s", path);
    return cur->valuedouble;
}

Test(cli, fit_optimal_predict_workflow)
{
    const char *fitfile = tmp_file("fit.json");
    cli_run r = RUN("fit", shared_file(EPOCH), "--filter", "loss<3.44", "--json", "-o", fitfile);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(js, "stdout is not JSON: %s", r.out);
    char *file = read_text(fitfile);
    cr_assert_str_eq(file, r.out, "-o and --json write the same fit");
    free(file);
    cr_assert(json_num(js, "objective") <= 0.00101827401781);
    assert_rel(json_num(js, "params.alpha"), 0.347311, 1e-4, "alpha");
    assert_rel(json_num(js, "derived.a"), 0.367172 / (0.347311 + 0.367172), 1e-4, "a");
    cr_assert_eq(json_num(js, "n_points"), 240);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(js, "converged")));
    cr_assert_str_eq(cJSON_GetObjectItem(js, "law")->valuestring, "chinchilla");
    cr_assert_str_eq(cJSON_GetObjectItem(js, "seed")->valuestring, "0");
    cr_assert(cJSON_GetObjectItem(js, "scalefit_version"));
    cJSON_Delete(js);
    cli_run_free(&r);

    r = RUN("optimal", fitfile, "--compute", "1e21,5.76e23,1e25");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 4, "header and three budgets:\n%s", r.out);
    cr_assert(strstr(r.out, "5.76e+23"));
    cli_run_free(&r);

    r = RUN("optimal", fitfile, "--compute", "5.76e23", "--json");
    cr_assert_eq(r.status, 0);
    js = cJSON_Parse(r.out);
    cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "rows"), 0);
    double N = json_num(row, "params"), D = json_num(row, "tokens");
    assert_rel(6 * N * D, 5.76e23, 1e-12, "6ND = C");
    assert_rel(json_num(row, "tokens_per_param"), D / N, 1e-12, "D/N");
    cJSON_Delete(js);
    cli_run_free(&r);

    r = RUN("predict", fitfile, "--params", "70e9", "--tokens", "1.4e12", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    js = cJSON_Parse(r.out);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "rows"), 0);
    double L = json_num(row, "loss");
    cr_assert(L > 1.9 && L < 2.1, "L = %g", L);
    cJSON_Delete(js);
    cli_run_free(&r);

    /* Target loss: the inverse of the budget's loss; E is out of reach. */
    r = RUN("optimal", fitfile, "--target-loss", "2.0", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    js = cJSON_Parse(r.out);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "rows"), 0);
    assert_rel(json_num(row, "loss"), 2.0, 1e-9, "loss at the target's budget");
    cJSON_Delete(js);
    cli_run_free(&r);
    r = RUN("optimal", fitfile, "--target-loss", "1.8");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: target loss 1.8 is not above the irreducible loss"),
              "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1);
    cli_run_free(&r);
}

/* The numbers from published parameters, through the CLI. */
Test(cli, published_hoffmann_parameters)
{
    char E[64], A[64], B[64];
    snprintf(E, sizeof E, "E=%.17g", exp(0.5267228));
    snprintf(A, sizeof A, "A=%.17g", exp(6.0073404));
    snprintf(B, sizeof B, "B=%.17g", exp(6.0179186));
    cli_run r = RUN("optimal", "--law", "chinchilla", "--set", E, "--set", A, "--set", B, "--set",
                    "alpha=0.33917084", "--set", "beta=0.2849083", "--compute", "5.76e23", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    assert_rel(json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "rows"), 0), "params"), 4.04e10,
               0.005, "N_opt");
    cJSON_Delete(js);
    cli_run_free(&r);
    r = RUN("predict", "--law", "chinchilla", "--set", E, "--set", A, "--set", B, "--set",
            "alpha=0.33917084", "--set", "beta=0.2849083", "--params", "70e9", "--tokens", "1.4e12",
            "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    js = cJSON_Parse(r.out);
    double L = json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "rows"), 0), "loss");
    cr_assert(fabs(L - 1.9208) <= 1e-4, "L = %.6f", L);
    cJSON_Delete(js);
    cli_run_free(&r);
    r = RUN("optimal", "--law", "chinchilla", "--set", "E=1.69", "--set", "A=406.4", "--set",
            "B=410.7", "--set", "alpha=0.34", "--set", "beta=0.28", "--compute", "5.76e23", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    js = cJSON_Parse(r.out);
    cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "rows"), 0);
    assert_rel(json_num(row, "params"), 3.22e10, 0.005, "N_opt rounded");
    assert_rel(json_num(row, "tokens_per_param"), 92.6, 0.005, "D/N rounded");
    cJSON_Delete(js);
    cli_run_free(&r);
    /* The shipped example files give the same numbers. */
    r = RUN("optimal", "examples/hoffmann2022.json", "--compute", "5.76e23");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "3.21899e+10"), "%s", r.out);
    cli_run_free(&r);
}

Test(cli, json_is_byte_identical_for_any_thread_count)
{
    const char *f = shared_file(EPOCH);
    cli_run a = RUN("fit", f, "--filter", "loss<3.44", "--json", "--threads", "1", "--seed", "7");
    cli_run b = RUN("fit", f, "--filter", "loss<3.44", "--json", "--threads", "2", "--seed", "7");
    cr_assert_eq(a.status, 0);
    cr_assert_eq(b.status, 0);
    cr_assert_str_eq(a.out, b.out);
    cr_assert(strstr(a.out, "\"seed\":\t\"7\""));
    cli_run_free(&a);
    cli_run_free(&b);
}

/* One line "scalefit: error: FILE:LINE:COL: ..." (or the file-level
 * reason), exit status 1, nothing on stdout. */
typedef struct bad_input {
    const char *what, *csv, *expect;
} bad_input;

static const bad_input bad[] = {
    {"empty file", "", "bad.csv: empty file: no header row"},
    {"header only", "N,D,loss\n", "bad.csv: no data rows after the header"},
    {"missing loss column", "N,D,acc\n1e8,1e9,0.5\n", "bad.csv: no column for loss"},
    {"non-numeric cell", "N,D,loss\n1e8,1e9,3.2\n2e8,2e9,x3\n",
     "bad.csv:3:3: column 'loss': 'x3' is not a number"},
    {"N <= 0", "N,D,loss\n1e8,1e9,3.2\n0,2e9,3\n", "bad.csv:3:1: column 'N' (N, parameters): must be > 0"},
    {"NaN", "N,D,loss\n1e8,NaN,3.2\n", "bad.csv:2:2: column 'D': NaN is not finite"},
    {"inf", "N,D,loss\ninf,1e9,3.2\n", "bad.csv:2:1: column 'N': inf is not finite"},
    {"duplicate header", "N,D,loss,D\n1,2,3,4\n", "bad.csv:1:4: duplicate column name 'D'"},
    {"ragged row", "N,D,loss\n1e8,1e9,3.2\n2e8,2e9\n", "bad.csv:3:3: row has 2 fields, the header has 3"},
    {"too few rows", "N,D,loss\n1e8,1e9,4\n2e8,2e9,3.7\n4e8,4e9,3.4\n",
     "bad.csv: 3 rows, but law 'chinchilla' has 5 free parameters"},
    {"one N value", "N,D,loss\n1e8,1e9,4\n1e8,2e9,3.7\n1e8,4e9,3.4\n1e8,8e9,3.1\n1e8,1.6e10,2.9\n1e8,3e10,2.8\n",
     "bad.csv: every row has N = 1e+08"},
};

Test(cli, every_bad_input_gives_one_error_line)
{
    const char *path = tmp_file("bad.csv");
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        write_text(path, bad[k].csv);
        cli_run r = RUN("fit", path);
        /* The file part of the message is the path as given. */
        char want[512];
        snprintf(want, sizeof want, "scalefit: error: %.*s%s", (int)(strlen(path) - strlen("bad.csv")),
                 path, bad[k].expect);
        cr_assert_eq(r.status, 1, "%s: exit %d", bad[k].what, r.status);
        cr_assert_eq(count_lines(r.err), 1, "%s: stderr is not one line:\n%s", bad[k].what, r.err);
        cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s:\n got: %s want: %s", bad[k].what,
                  r.err, want);
        cr_assert_str_eq(r.out, "", "%s: stdout not empty", bad[k].what);
        cli_run_free(&r);
    }
    cli_run r = RUN("fit", "/nonexistent/runs.csv");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: /nonexistent/runs.csv: cannot open"));
    cli_run_free(&r);
    /* Standard input as "-". */
    r = run_cli("N,D,loss\n1e8,1e9,x\n", (const char *const[]){"fit", "-", NULL});
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: <stdin>:2:3: column 'loss': 'x' is not a number"),
              "%s", r.err);
    cli_run_free(&r);
}

Test(cli, help_and_misuse)
{
    const char *cmds[] = {"fit", "predict", "optimal", "laws", "demo"};
    for (size_t k = 0; k < 5; k++) {
        cli_run r = RUN(cmds[k], "--help");
        cr_assert_eq(r.status, 0, "%s --help", cmds[k]);
        cr_assert(strncmp(r.out, "Usage: scalefit ", 16) == 0, "%s --help: %s", cmds[k], r.out);
        cr_assert_str_eq(r.err, "");
        cli_run_free(&r);
        r = RUN(cmds[k], "--no-such-option");
        cr_assert_eq(r.status, 2, "%s misuse exit %d", cmds[k], r.status);
        cr_assert(strstr(r.err, "unknown option '--no-such-option'"));
        cr_assert(strstr(r.err, "Usage: scalefit"));
        cr_assert_str_eq(r.out, "");
        cli_run_free(&r);
    }
    cli_run r = RUN("--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "Commands:"));
    cli_run_free(&r);
    r = RUN("--version");
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "scalefit ", 9) == 0);
    cli_run_free(&r);
    r = RUN("frobnicate");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *const[]){NULL});
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("fit");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "missing DATA.csv"));
    cli_run_free(&r);
    r = RUN("fit", "x.csv", "--delta", "abc");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--delta: 'abc' is not a number"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", "x.csv", "--col", "weird=x");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("optimal", "x.json");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "exactly one of --compute and --target-loss"));
    cli_run_free(&r);
    r = RUN("optimal", "x.json", "--compute", "1e21,-5");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("predict", "--law", "chinchilla", "--set", "E=1.69", "--params", "1e9", "--tokens", "1e10");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "needs a value for A"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("optimal", tmp_file("absent.json"), "--compute", "1e21");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot open"));
    cli_run_free(&r);
    write_text(tmp_file("broken.json"), "{\"law\": \"chinchilla\",\n\"params\": [1,\n");
    r = RUN("optimal", tmp_file("broken.json"), "--compute", "1e21");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "broken.json:3:1: malformed JSON"), "%s", r.err);
    cli_run_free(&r);
}

Test(cli, fix_tie_filter_and_columns)
{
    const char *f = shared_file(EPOCH);
    cli_run r = RUN("fit", f, "--filter", "loss<3.44", "--fix", "A=406.4", "--tie", "alpha=beta",
                    "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(json_num(js, "params.A") == 406.4);
    cr_assert(json_num(js, "params.alpha") == json_num(js, "params.beta"));
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "fixed"), 0)->valuestring, "A");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(js, "tied"), "beta")->valuestring, "alpha");
    cJSON_Delete(js);
    cli_run_free(&r);
    /* --col names a column explicitly; a wrong name lists the columns. */
    r = RUN("fit", f, "--col", "N=Model Size", "--col", "C=Training FLOP", "--filter", "loss<3.44",
            "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", f, "--col", "loss=Loss Value");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no column named 'Loss Value'") && strstr(r.err, "'Model Size'"), "%s", r.err);
    cli_run_free(&r);
}

Test(cli, write_errors_are_reported)
{
    if (access("/dev/full", W_OK) != 0) cr_skip_test("/dev/full not available");
    cli_run r = RUN("optimal", "examples/hoffmann2022.json", "--compute", "1e21", "-o", "/dev/full");
    cr_assert_eq(r.status, 2, "optimal has no -o");
    cli_run_free(&r);
    r = RUN("fit", shared_file(EPOCH), "--filter", "loss<3.44", "-o", "/dev/full");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "/dev/full: write error"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", shared_file(EPOCH), "-o", "/nonexistent-dir/fit.json");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot open for writing"), "%s", r.err);
    cli_run_free(&r);
}

Test(cli, demo_runs_and_writes_its_data)
{
    const char *csv = tmp_file("demo.csv");
    cli_run r = RUN("demo", "--seed", "3", "--write-data", csv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Compute-optimal allocation"));
    cr_assert(strstr(r.out, "5.76e+23"));
    cli_run_free(&r);
    /* The written sweep fits to the same law the demo reported. */
    cli_run a = RUN("demo", "--seed", "3", "--json");
    cli_run b = RUN("fit", csv, "--json");
    cr_assert_eq(a.status, 0);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cJSON *ja = cJSON_Parse(a.out), *jb = cJSON_Parse(b.out);
    for (int j = 0; j < 5; j++) {
        static const char *const nm[5] = {"params.E", "params.A", "params.B", "params.alpha", "params.beta"};
        assert_rel(json_num(ja, nm[j]), json_num(jb, nm[j]), 1e-9, nm[j]);
    }
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    cli_run_free(&a);
    cli_run_free(&b);
}

/* The independent SciPy reference (tests/ref/chinchilla_ref.py) and
 * scalefit agree on Epoch's 240 rows: the same minimum of the objective,
 * and the parameters within what the curvature there allows. */
Test(cli, agrees_with_the_scipy_reference, .timeout = 300)
{
    const char *py = "/usr/bin/python3";
    const char *ci = getenv("CI");
    int in_ci = ci && strcmp(ci, "true") == 0;
    if (access(py, X_OK) != 0 || system("/usr/bin/python3 -c 'import scipy' 2>/dev/null") != 0) {
        if (in_ci) cr_assert_fail("python3-scipy is missing (scripts/deps.sh installs it)");
        cr_skip_test("python3-scipy not installed: skipping the SciPy cross-check");
    }
    const char *f = shared_file(EPOCH);
    char cmd[4096];
    const char *out = tmp_file("ref.json");
    snprintf(cmd, sizeof cmd, "%s tests/ref/chinchilla_ref.py '%s' --max-loss 3.44 --grid coarse > '%s'",
             py, f, out);
    cr_assert_eq(system(cmd), 0, "the reference failed: %s", cmd);
    char *text = read_text(out);
    cJSON *ref = cJSON_Parse(text);
    free(text);
    cli_run r = RUN("fit", f, "--filter", "loss<3.44", "--json");
    cr_assert_eq(r.status, 0);
    cJSON *ours = cJSON_Parse(r.out);
    /* What the data determine, at a tightly converged optimum, with
     * tolerances from the curvature (tests/ref/curvature.py): the reference
     * is Newton-polished to the minimum f* of the same objective; the two
     * objectives agree to 1e-10 (summation order alone moves a 240-term sum
     * by ~1e-14).  Any point within eps of f* has each parameter within
     * s sqrt(2 eps) of its value at f* (s from the reference's Hessian), so
     * with eps = |f - f_ref| + gap + a rounding floor of 1e-12 f the two may
     * differ by 2 s sqrt(2 eps): on any x86-64 machine, where an optimizer
     * stopping elsewhere in a flat valley pays for it in the objective. */
    double fo = json_num(ours, "objective"), fr = json_num(ref, "objective");
    cr_assert(fabs(fo - fr) <= 1e-10 * fr, "scalefit %.17g, SciPy %.17g", fo, fr);
    double eps = fabs(fo - fr) + json_num(ref, "gap") + 1e-12 * fr;
    static const char *const nm[5] = {"E", "A", "B", "alpha", "beta"};
    for (int j = 0; j < 5; j++) {
        char key[64], skey[64];
        snprintf(key, sizeof key, "params.%s", nm[j]);
        snprintf(skey, sizeof skey, "sensitivity.%s", nm[j]);
        double a = json_num(ours, key), b = json_num(ref, key);
        double tol = 2 * json_num(ref, skey) * sqrt(2 * eps) + 1e-12 * fabs(b);
        cr_assert(fabs(a - b) <= tol, "%s: scalefit %.12g, SciPy %.12g, tolerance %.3g", nm[j],
                  a, b, tol);
    }
    cJSON_Delete(ref);
    cJSON_Delete(ours);
    cli_run_free(&r);
}
