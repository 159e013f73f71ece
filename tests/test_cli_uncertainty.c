/* Uncertainty on the command line: fit --bootstrap, bayes, intervals that
 * optimal and predict reproduce from the fit file, predict --interval,
 * misuse, and the progress bar (drawn only on a terminal). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"
#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

extern char **environ;

/* A small sweep (the demo's: 81 runs) written once per test process. */
static const char *sweep_csv(void)
{
    const char *path = tmp_file("sweep.csv");
    if (access(path, R_OK) != 0) {
        cli_run r = RUN("demo", "--seed", "5", "--write-data", path);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cli_run_free(&r);
    }
    return path;
}

static cJSON *parse(const char *text)
{
    cJSON *js = cJSON_Parse(text);
    cr_assert(js, "not JSON: %.200s", text);
    return js;
}

static const cJSON *at(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(tok))
                                 : cJSON_GetObjectItemCaseSensitive(cur, tok);
    cr_assert(cur, "no %s", path);
    return cur;
}

/* The existing thread test, for fits with a bootstrap: the same bytes for
 * any --threads, and -o writes what --json prints. */
Test(cli_uncertainty, bootstrap_json_is_byte_identical_for_any_thread_count)
{
    const char *f = shared_file(EPOCH), *file = tmp_file("boot.json");
    cli_run a = RUN("fit", f, "--filter", "loss<3.44", "--bootstrap", "12", "--seed", "7",
                    "--threads", "1", "--compute", "5.76e23", "--at", "7e10,1.4e12", "--json");
    cli_run b = RUN("fit", f, "--filter", "loss<3.44", "--bootstrap", "12", "--seed", "7",
                    "--threads", "2", "--compute", "5.76e23", "--at", "7e10,1.4e12", "--json",
                    "-o", file);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_assert_str_eq(a.out, b.out);
    char *text = read_text(file);
    cr_assert_str_eq(text, b.out);
    free(text);
    cJSON *js = parse(a.out);
    cr_assert_str_eq(at(js, "seed")->valuestring, "7");
    cr_assert_str_eq(at(js, "draws.method")->valuestring, "bootstrap");
    cr_assert_eq(cJSON_GetArraySize(at(js, "draws.values")), 12);
    cr_assert(at(js, "se.alpha")->valuedouble > 0);
    cr_assert(cJSON_IsArray(cJSON_GetObjectItem(at(js, "intervals.a"), "0.8")));
    cr_assert_eq(cJSON_GetArraySize(at(js, "ci.alpha")), 2);
    cr_assert_eq(cJSON_GetArraySize(at(js, "ci_levels")), 2);
    cr_assert(at(js, "allocations.0.se.tokens_per_param")->valuedouble > 0);
    cr_assert(cJSON_IsObject(at(js, "predictions.0.prediction_intervals")));
    cJSON_Delete(js);
    cli_run_free(&a);
    cli_run_free(&b);
}

/* The fit file keeps the draws: optimal and predict report the same
 * intervals the fit did, to the bit. */
Test(cli_uncertainty, optimal_and_predict_reproduce_the_fits_intervals)
{
    const char *f = sweep_csv(), *file = tmp_file("sweep_boot.json");
    cli_run r = RUN("fit", f, "--bootstrap", "16", "--seed", "3", "--ci", "0.5,0.9",
                    "--compute", "1e21,5.76e23", "--at", "2.385e9,4.77e10", "-o", file, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *fit = parse(r.out);
    cli_run_free(&r);
    r = RUN("optimal", file, "--compute", "1e21,5.76e23", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *opt = parse(r.out);
    for (int i = 0; i < 2; i++) {
        cJSON *a = cJSON_GetArrayItem(at(fit, "allocations"), i);
        cJSON *b = cJSON_GetArrayItem(at(opt, "rows"), i);
        /* 5.76e23 lies beyond the runs: optimal adds the extrapolation
         * interval of issue 23 beside the draws' own. */
        cJSON *ex = cJSON_DetachItemFromObjectCaseSensitive(b, "extrapolation");
        cr_assert_eq(ex != NULL, i == 1, "extrapolation only beyond the data");
        cJSON_Delete(ex);
        cr_assert(cJSON_Compare(a, b, 1), "allocation %d differs:\n%s\n%s", i, cJSON_Print(a),
                  cJSON_Print(b));
        cr_assert(cJSON_IsArray(cJSON_GetObjectItem(at(b, "intervals.tokens_per_param"), "0.9")));
    }
    cli_run_free(&r);
    r = RUN("predict", file, "--params", "2.385e9", "--tokens", "4.77e10", "--interval", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *pred = parse(r.out);
    cr_assert(cJSON_Compare(cJSON_GetArrayItem(at(fit, "predictions"), 0),
                            cJSON_GetArrayItem(at(pred, "rows"), 0), 1));
    cli_run_free(&r);
    /* The levels the fit used come back with the file; --ci changes them. */
    r = RUN("optimal", file, "--compute", "5.76e23");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "50% interval") && strstr(r.out, "90% interval"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("optimal", file, "--target-loss", "2.2", "--ci", "0.95", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *tl = parse(r.out);
    cr_assert(cJSON_IsArray(at(tl, "rows.0.ci.compute")), "a target's budget gets an interval");
    cJSON_Delete(tl);
    cli_run_free(&r);
    cJSON_Delete(fit);
    cJSON_Delete(opt);
    cJSON_Delete(pred);
}

/* What a user reads: the parameters' SEs and intervals, and tokens per
 * parameter at the budgets with 80% intervals. */
Test(cli_uncertainty, human_readable_report)
{
    const char *f = sweep_csv();
    const char *samples = tmp_file("draws.csv");
    cli_run r = RUN("fit", f, "--bootstrap", "20", "--compute", "1e21,5.76e23,1e25", "--at",
                    "7e10,1.4e12", "--samples", samples);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "bootstrap:  20 resamples of rows (seed 0)"), "%s", r.out);
    cr_assert(strstr(r.out, "Intervals over 20 bootstrap draws (80% and 95%)"), "%s", r.out);
    cr_assert(strstr(r.out, "80% interval"));
    int tpp = 0;
    for (const char *p = r.out; (p = strstr(p, "tokens/param")); p++) tpp++;
    cr_assert_eq(tpp, 3, "tokens per parameter at three budgets:\n%s", r.out);
    cr_assert(strstr(r.out, "C = 5.76e+23"));
    cr_assert(strstr(r.out, "new run"));
    cr_assert(!strchr(r.err, '\r'), "no progress bar when stderr is not a terminal");
    char *csv = read_text(samples);
    cr_assert(csv && strncmp(csv, "draw,E,A,B,alpha,beta,noise\n", 28) == 0);
    cr_assert_eq(count_lines(csv), 21);
    free(csv);
    cli_run_free(&r);
}

/* --warm-start: the draws say how they were made, and agree with the full
 * search's on this sweep (same basins). */
Test(cli_uncertainty, warm_start)
{
    const char *f = sweep_csv();
    cli_run a = RUN("fit", f, "--bootstrap", "10", "--warm-start", "--json");
    cli_run b = RUN("fit", f, "--bootstrap", "10", "--json");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cJSON *ja = parse(a.out), *jb = parse(b.out);
    cr_assert_str_eq(at(ja, "draws.start")->valuestring, "warm");
    cr_assert_str_eq(at(jb, "draws.start")->valuestring, "search");
    for (int k = 0; k < 10; k++)
        for (int j = 0; j < 5; j++) {
            double x = cJSON_GetArrayItem(cJSON_GetArrayItem(at(ja, "draws.values"), k), j)->valuedouble;
            double y = cJSON_GetArrayItem(cJSON_GetArrayItem(at(jb, "draws.values"), k), j)->valuedouble;
            assert_rel(x, y, 1e-3, "warm draw");
        }
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    cli_run_free(&a);
    cli_run_free(&b);
}

Test(cli_uncertainty, misuse_and_errors)
{
    const char *f = sweep_csv();
    static const struct {
        const char *a[8];
        int status;
        const char *msg;
    } cases[] = {
        {{"fit", "x.csv", "--ci", "0.9"}, 2, "--ci goes with --bootstrap K"},
        {{"fit", "x.csv", "--resample", "group"}, 2, "--resample goes with --bootstrap K"},
        {{"fit", "x.csv", "--bootstrap", "10", "--resample", "runs"}, 2, "expected rows or group"},
        {{"fit", "x.csv", "--bootstrap", "1"}, 2, "--bootstrap: 1 is outside"},
        {{"fit", "x.csv", "--bootstrap", "10", "--ci", "95"}, 2, "not a level between 0 and 1"},
        {{"fit", "x.csv", "--at", "1e9"}, 2, "--at: expected N,D or N,D,U"},
        {{"bayes", "x.csv", "--prior", "alpha=beta(1,2)"}, 2, "unknown kind 'beta'"},
        {{"bayes", "x.csv", "--walkers", "2"}, 2, "--walkers: 2 is outside"},
        {{"bayes"}, 2, "missing DATA.csv"},
        {{"predict", "examples/hoffmann2022.json", "--params", "1e9", "--tokens", "1e10", "--ci",
          "0.9"}, 2, "the fit file has no draws"},
        {{"predict", "examples/hoffmann2022.json", "--params", "1e9", "--tokens", "1e10",
          "--interval"}, 1, "a prediction interval needs draws"},
        {{"optimal", "examples/hoffmann2022.json", "--compute", "1e21", "--ci", "0.9"}, 2,
         "the fit file has no draws"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *argv[9] = {0};
        memcpy(argv, cases[k].a, sizeof cases[k].a);
        cli_run r = run_cli(NULL, argv);
        cr_assert_eq(r.status, cases[k].status, "case %zu: exit %d\n%s", k, r.status, r.err);
        cr_assert(strstr(r.err, cases[k].msg), "case %zu: %s", k, r.err);
        cr_assert_str_eq(r.out, "");
        cli_run_free(&r);
    }
    /* Resampling groups needs a group column; the error comes before any
     * work and names the fix. */
    cli_run r = RUN("fit", f, "--bootstrap", "10", "--resample", "group");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error:") && strstr(r.err, "group"), "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1);
    cli_run_free(&r);
    /* A budget the law cannot allocate is refused before the bootstrap. */
    r = RUN("fit", f, "--bootstrap", "10", "--compute", "1e21", "--at", "-1,5");
    cr_assert_eq(r.status, 2, "%s", r.err);
    cli_run_free(&r);
    r = RUN("bayes", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "Usage: scalefit bayes", 21) == 0);
    cr_assert(strstr(r.out, "--prior") && strstr(r.out, "--samples"));
    cli_run_free(&r);
    r = RUN("bayes", "--no-such-option");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("--help");
    cr_assert(strstr(r.out, "bayes"));
    cli_run_free(&r);
}

Test(cli_uncertainty, bayes_end_to_end)
{
    const char *f = sweep_csv(), *file = tmp_file("post.json"), *samples = tmp_file("post.csv");
    cli_run r = RUN("bayes", f, "--walkers", "12", "--burn", "60", "--steps", "90", "--thin", "3",
                    "--prior", "alpha=normal(0.34,0.1)", "--compute", "5.76e23", "-o", file,
                    "--samples", samples, "--seed", "4");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "likelihood: normalised Huber density"), "%s", r.out);
    cr_assert(strstr(r.out, "12 walkers, 60 burn-in + 90 steps"), "%s", r.out);
    cr_assert(strstr(r.out, "alpha  ~ normal(0.34, 0.1)"), "%s", r.out);
    cr_assert(strstr(r.out, "R-hat") && strstr(r.out, "sigma"));
    /* Chains this short draw the diagnostics' warning. */
    cr_assert(strstr(r.err, "scalefit: warning:"), "%s", r.err);
    cli_run_free(&r);
    char *csv = read_text(samples);
    cr_assert(csv && strncmp(csv, "walker,step,E,A,B,alpha,beta,sigma,noise\n", 41) == 0);
    cr_assert_eq(count_lines(csv), 1 + 12 * 30);
    free(csv);
    r = RUN("predict", file, "--params", "7e10", "--tokens", "1.4e12", "--interval");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "360 posterior draws") && strstr(r.out, "new run"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("bayes", f, "--walkers", "12", "--burn", "60", "--steps", "90", "--thin", "3",
            "--prior", "alpha=normal(0.34,0.1)", "--compute", "5.76e23", "--seed", "4", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *text = read_text(file);
    cr_assert_str_eq(text, r.out, "-o and --json write the same");
    free(text);
    cJSON *js = parse(r.out);
    cr_assert_str_eq(at(js, "draws.priors.alpha")->valuestring, "normal(0.34, 0.1)");
    cr_assert(at(js, "draws.rhat.alpha")->valuedouble > 0.9);
    cr_assert(at(js, "draws.ml.sigma")->valuedouble > 0);
    cJSON_Delete(js);
    cli_run_free(&r);
}

/* ---- the progress bar ------------------------------------------------------- */

/* Run scalefit with standard error on a pseudo-terminal; returns what it
 * wrote there.  NO_COLOR is set to `no_color` (NULL: unset). */
static char *run_on_tty(const char *const *args, const char *no_color)
{
    int master, slave;
    cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0, "openpty: %s", strerror(errno));
    const char *bin = getenv("SCALEFIT_BIN");
    if (!bin || !*bin) bin = "build/scalefit";
    const char *argv[32];
    size_t n = 0;
    argv[n++] = bin;
    for (size_t i = 0; args[i] && n < 31; i++) argv[n++] = args[i];
    argv[n] = NULL;
    /* The environment without NO_COLOR and TERM, then ours. */
    size_t ne = 0;
    while (environ[ne]) ne++;
    const char **env = calloc(ne + 3, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "NO_COLOR=", 9) != 0 && strncmp(environ[i], "TERM=", 5) != 0)
            env[k++] = environ[i];
    char nc[64];
    if (no_color) {
        snprintf(nc, sizeof nc, "NO_COLOR=%s", no_color);
        env[k++] = nc;
    }
    env[k++] = "TERM=xterm";
    env[k] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, slave, 2);
    posix_spawn_file_actions_addclose(&fa, master);
    posix_spawn_file_actions_addclose(&fa, slave);
    pid_t pid;
    char *const *av;
    char *const *ev;
    memcpy(&av, &(const char **){argv}, sizeof av);
    memcpy(&ev, &env, sizeof ev);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, av, ev);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "spawn: %s", strerror(rc));
    close(slave);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    for (;;) {
        if (cap - len < 1024) out = realloc(out, cap *= 2);
        ssize_t got = read(master, out + len, cap - len - 1);
        if (got <= 0) break; /* EIO once the child has closed the terminal */
        len += (size_t)got;
    }
    out[len] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d: %s", st, out);
    close(master);
    free(env);
    return out;
}

Test(cli_uncertainty, progress_bar_only_on_a_terminal)
{
    const char *f = sweep_csv();
    const char *args[] = {"fit", f, "--bootstrap", "12", NULL};
    char *tty = run_on_tty(args, NULL);
    cr_assert(strstr(tty, "bootstrap ") && strstr(tty, "12/12"), "no bar on a terminal: %s", tty);
    cr_assert(strchr(tty, '\r'), "the bar redraws in place");
    cr_assert(strstr(tty, "\033[32m"), "coloured without NO_COLOR");
    free(tty);
    tty = run_on_tty(args, "1");
    cr_assert(strstr(tty, "12/12"), "%s", tty);
    cr_assert(!strchr(tty, '\033'), "NO_COLOR: no escape sequences: %s", tty);
    free(tty);
    const char *bargs[] = {"bayes", f, "--walkers", "12", "--burn", "10", "--steps", "20", NULL};
    tty = run_on_tty(bargs, "1");
    cr_assert(strstr(tty, "sampling ") && strstr(tty, "30/30"), "%s", tty);
    free(tty);
}
