/*
 * Issue 22, must-show 3: every parallel command gives the same bytes for
 * --threads 1, 2 and 3: fit (the multi-start search, the full grid, the
 * large-table path above 50,000 rows), fit --bootstrap, bayes, validate
 * --sweep, isoflop and envelope with bootstrap intervals.
 *
 * The library forms a team only when each thread gets tens of
 * milliseconds of work (src/base/team.h), so each input here is made
 * large enough that --threads 2 and 3 really run a team (the sizes in the
 * comments are what src/base/team.c computes); a smaller input would
 * compare one thread with itself.
 *
 * The data are simulated from the Chinchilla law (Besiroglu et al. 2024:
 * E 1.8172, A 482.01, B 2085.43, alpha 0.3478, beta 0.3658) with
 * multiplicative noise exp(0.02 z) from a fixed generator.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

static uint64_t xs;

static double gauss(void)
{
    double u[2];
    for (int k = 0; k < 2; k++) {
        xs ^= xs << 13;
        xs ^= xs >> 7;
        xs ^= xs << 17;
        u[k] = ((double)(xs >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* runs x steps learning curves, N over 1e7..1e9, D over 2e8..2e10. */
static const char *curves(const char *name, int runs, int steps)
{
    const char *path = tmp_file(name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    xs = 0x2385u + (uint64_t)runs * 7919u + (uint64_t)steps;
    fprintf(f, "run,N,D,loss\n");
    for (int r = 0; r < runs; r++) {
        double N = 1e7 * pow(100.0, (double)r / (runs - 1));
        for (int s = 0; s < steps; s++) {
            double D = 2e8 * pow(100.0, (double)(s + 1) / steps);
            double L = (1.8172 + 482.01 / pow(N, 0.3478) + 2085.43 / pow(D, 0.3658)) *
                       exp(0.02 * gauss());
            fprintf(f, "r%d,%.9g,%.9g,%.9g\n", r, N, D, L);
        }
    }
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* An IsoFLOP sweep: 7 budgets x 9 sizes from the plan command. */
static const char *isoflops(void)
{
    const char *plan = tmp_file("plan.csv");
    cli_run r = RUN("plan", "--law", "examples/hoffmann2022.json", "--compute",
                    "6e18,1e19,3e19,6e19,1e20,3e20,6e20", "--models", "9", "-o", plan);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *text = read_text(plan);
    cr_assert(text);
    /* Append a loss column simulated from Hoffmann et al.'s fit. */
    const char *path = tmp_file("isoflop.csv");
    FILE *f = fopen(path, "w");
    cr_assert(f);
    xs = 0x5eed;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    int iN = -1, iD = -1, col = 0;
    for (char *c = line, *tok; (tok = strtok_r(c, ",", &c)) != NULL; col++) {
        if (strcmp(tok, "params") == 0 || strcmp(tok, "N") == 0) iN = col;
        if (strcmp(tok, "tokens") == 0 || strcmp(tok, "D") == 0) iD = col;
    }
    cr_assert(iN >= 0 && iD >= 0, "plan columns");
    fprintf(f, "N,D,C,loss\n");
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        double N = 0, D = 0;
        col = 0;
        for (char *c = line, *tok; (tok = strtok_r(c, ",", &c)) != NULL; col++) {
            if (col == iN) N = strtod(tok, NULL);
            if (col == iD) D = strtod(tok, NULL);
        }
        double L = (1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28)) * exp(0.01 * gauss());
        fprintf(f, "%.9g,%.9g,%.9g,%.9g\n", N, D, 6 * N * D, L);
    }
    cr_assert_eq(fclose(f), 0);
    free(text);
    return path;
}

/* argv (NULL-terminated, without --threads) at 1, 2 and 3 threads. */
static void same_bytes(const char *what, const char *const *argv)
{
    char *out[3];
    for (int t = 0; t < 3; t++) {
        const char *a[40];
        size_t k = 0;
        for (; argv[k]; k++) a[k] = argv[k];
        char tn[2] = {(char)('1' + t), 0};
        a[k++] = "--threads";
        a[k++] = tn;
        a[k] = NULL;
        cli_run r = run_cli(NULL, a);
        cr_assert_eq(r.status, 0, "%s --threads %d: %s", what, t + 1, r.err);
        out[t] = r.out;
        r.out = NULL;
        cli_run_free(&r);
    }
    cr_assert(strlen(out[0]) > 10, "%s: %s", what, out[0]);
    cr_assert_str_eq(out[0], out[1], "%s: --threads 1 and 2 differ", what);
    cr_assert_str_eq(out[0], out[2], "%s: --threads 1 and 3 differ", what);
    for (int t = 0; t < 3; t++) free(out[t]);
}

Test(threads_cli, fit_and_full_grid, .timeout = 600)
{
    skip_under_valgrind("fits of 9,000 rows and the full grid; the bootstrap case runs under "
                        "memcheck");
    /* 8 starts x 100 evaluations x 9,000 rows: a team of 3. */
    const char *big = curves("curves9k.csv", 30, 300);
    same_bytes("fit", (const char *const[]){"fit", big, "--json", NULL});
    /* 240 rows: the full grid's 4,500 starts are worth a team. */
    const char *small = curves("curves240.csv", 12, 20);
    same_bytes("fit --grid full", (const char *const[]){"fit", small, "--json", "--grid", "full",
                                                         NULL});
}

Test(threads_cli, small_fit_and_bootstrap, .timeout = 600)
{
    /* 480 rows: 40 resamples x 1,000 evaluations are worth a team; the
     * default search is not (one thread at every --threads). */
    const char *f = curves("curves.csv", 12, 40);
    same_bytes("fit", (const char *const[]){"fit", f, "--json", NULL});
    same_bytes("fit --bootstrap", (const char *const[]){"fit", f, "--json",
                                                         "--bootstrap", "40", "--seed", "3", NULL});
}

Test(threads_cli, fit_of_a_large_table, .timeout = 600)
{
    skip_under_valgrind("three fits of 60,000 rows; test_large covers the code under memcheck");
    const char *f = curves("large.csv", 30, 2000);
    same_bytes("fit (large table)", (const char *const[]){"fit", f, "--json", NULL});
}

Test(threads_cli, bayes, .timeout = 600)
{
    skip_under_valgrind("the sampler over 8,000 rows; test_infer covers it under memcheck");
    /* 8,000 rows x 16 walkers a half-step: a team of 3. */
    const char *f = curves("bayes.csv", 20, 400);
    same_bytes("bayes", (const char *const[]){"bayes", f, "--json", "--burn", "40",
                                              "--steps", "60", "--seed", "9", NULL});
}

Test(threads_cli, validate_sweep, .timeout = 600)
{
    /* 4 fits of up to 2,400 rows: a team of 3. */
    const char *f = curves("ladder.csv", 6, 400);
    same_bytes("validate --sweep",
               (const char *const[]){"validate", f, "--sweep", "--sweep-models",
                                     "2,4", "--sweep-fractions", "0.5,1", "--json", NULL});
}

Test(threads_cli, isoflop_and_envelope_bootstrap, .timeout = 600)
{
    const char *iso = isoflops();
    /* A resample is a few microseconds: 12,000 of 7 budgets x 9 sizes
     * and 4,000 of 8 runs x 200 grid points make teams of 3. */
    same_bytes("isoflop", (const char *const[]){"isoflop", iso, "--json",
                                                "--bootstrap", "12000", "--seed", "4", NULL});
    const char *f = curves("envelope.csv", 8, 50);
    same_bytes("envelope", (const char *const[]){"envelope", f, "--json",
                                                 "--bootstrap", "4000", "--seed", "4", NULL});
}

Test(threads_cli, task_fit_draws, .timeout = 600)
{
    skip_under_valgrind("4,000 k-step refits of both task laws; test_task runs them under "
                        "memcheck");
    /* 4,000 draws x 8 evaluations x 200 checkpoints: a team of 3. */
    const char *f = task_ladder_csv("tasks.csv");
    same_bytes("task fit", (const char *const[]){"task", "fit", f, "--draws", "4000",
                                                 "--seed", "5", "-o", "-", NULL});
}

Test(threads_cli, bnsl_break_search, .timeout = 600)
{
    skip_under_valgrind("the break search over 600 rows; test_laws covers bnsl under memcheck");
    /* One broken power law (a break at 1e5) with 1% noise, 600 points:
     * the break search's tuples are worth a team of 3. */
    const char *path = tmp_file("bnsl.csv");
    FILE *f = fopen(path, "w");
    cr_assert(f);
    xs = 0xb5b1;
    fprintf(f, "D,loss\n");
    for (int i = 0; i < 600; i++) {
        double x = pow(10.0, 3.0 + 5.0 * i / 599.0);
        double y = 0.5 + 5.0 * pow(x, -0.2) * pow(1.0 + pow(x / 1e5, 1.0 / 0.3), -0.4 * 0.3);
        fprintf(f, "%.9g,%.9g\n", x, y * exp(0.01 * gauss()));
    }
    cr_assert_eq(fclose(f), 0);
    same_bytes("fit --law bnsl", (const char *const[]){"fit", path, "--law", "bnsl", "--x", "D",
                                                        "--json", NULL});
}
