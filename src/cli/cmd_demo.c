/*
 * scalefit demo: the whole job on data the project makes itself.  A sweep
 * is simulated from a published Chinchilla law, fitted, and the fitted law
 * answers "what N and D for budget C?" next to the truth.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit demo [--truth besiroglu|hoffmann] [--noise S] [--seed S] [--threads T] "
    "[--write-data FILE.csv] [-o FIT.json] [--json]";

static const char help[] =
    "Usage: scalefit demo [options]\n"
    "\n"
    "Simulate an IsoFLOP sweep (9 budgets from 6e18 to 3e21 FLOPs, 9 model\n"
    "sizes each around the optimum, as Hoffmann et al. 2022 Approach 2) from a\n"
    "published Chinchilla law with log-normal noise, fit the law back, and\n"
    "print the fit and the compute-optimal allocation next to the truth.\n"
    "\n"
    "  --truth besiroglu   Besiroglu et al. (2024) refit of Chinchilla: E 1.8172,\n"
    "                      A 482.01, B 2085.43, alpha 0.3478, beta 0.3658\n"
    "                      (default)\n"
    "  --truth hoffmann    Hoffmann et al. (2022): E 1.69, A 406.4, B 410.7,\n"
    "                      alpha 0.34, beta 0.28\n"
    "  --noise S           standard deviation of the log loss noise (default\n"
    "                      0.01, about Epoch's residual scatter)\n"
    "  --seed S            random seed (default 0)\n"
    "  --threads T         threads for the fit (default: all cores)\n"
    "  --write-data FILE   write the simulated runs as CSV (overwrites FILE)\n"
    "  -o, --output FILE   write the fit as JSON (overwrites FILE)\n"
    "  --json              print the fit as JSON instead of the report\n"
    "  -h, --help          show this help\n";

enum { O_HELP = 'h', O_OUT = 'o', O_TRUTH = 256, O_NOISE, O_SEED, O_THREADS, O_DATA, O_JSON };

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},     {"truth", 0, 1, O_TRUTH},     {"noise", 0, 1, O_NOISE},
    {"seed", 0, 1, O_SEED},       {"threads", 0, 1, O_THREADS}, {"write-data", 0, 1, O_DATA},
    {"output", 'o', 1, O_OUT},    {"json", 0, 0, O_JSON},       {0, 0, 0, 0}};

/* Published parameters (E, A, B, alpha, beta). */
static const double besiroglu[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};
static const double hoffmann[5] = {1.69, 406.4, 410.7, 0.34, 0.28};

#define N_BUDGETS 9
#define N_SIZES 9

int cmd_demo(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "demo", usage, opts, argc, argv);
    const double *truth = besiroglu;
    const char *truth_name = "Besiroglu et al. (2024)";
    double noise = 0.01;
    sf_fit_options fopt;
    sf_fit_options_init(&fopt);
    const char *data_path = NULL, *out_path = NULL;
    int json = 0;
    const char *v;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_ARG_END) {
        int rc;
        long k;
        switch (id) {
        case CLI_ARG_BAD: return CLI_USAGE;
        case O_HELP: fputs(help, stdout); return CLI_OK;
        case CLI_ARG_POSITIONAL: return cli_usage_error(&p, "unexpected argument '%s'", v);
        case O_TRUTH:
            if (strcmp(v, "besiroglu") == 0) truth = besiroglu, truth_name = "Besiroglu et al. (2024)";
            else if (strcmp(v, "hoffmann") == 0) truth = hoffmann, truth_name = "Hoffmann et al. (2022)";
            else return cli_usage_error(&p, "--truth: expected besiroglu or hoffmann, got '%s'", v);
            break;
        case O_NOISE:
            if ((rc = cli_double(&p, v, &noise)) != CLI_OK) return rc;
            if (noise < 0 || noise > 1) return cli_usage_error(&p, "--noise: must be in [0, 1]");
            break;
        case O_SEED:
            if ((rc = cli_seed(&p, v, &fopt.seed)) != CLI_OK) return rc;
            break;
        case O_THREADS:
            if ((rc = cli_int(&p, v, 0, 4096, &k)) != CLI_OK) return rc;
            fopt.threads = (int)k;
            break;
        case O_DATA: data_path = v; break;
        case O_OUT: out_path = v; break;
        case O_JSON: json = 1; break;
        default: return cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (cli_check_paths(NULL, 0, (const char *const[]){data_path, out_path},
                        (const char *const[]){"--write-data", "-o"}, 2) != CLI_OK)
        return CLI_ERROR;

    sf_error err;
    sf_error_clear(&err);
    sf_law *law = NULL;
    sf_data *d = NULL;
    sf_fit *fit = NULL;
    int status = CLI_OK;
    if (sf_law_new("chinchilla", NULL, &law, &err) != SF_OK) return cli_lib_error(&err);

    /* The IsoFLOP design: per budget, log-spaced sizes from a quarter to four
     * times the true optimum N_opt(C), tokens D = C/(6N). */
    double N[N_BUDGETS * N_SIZES], D[N_BUDGETS * N_SIZES];
    size_t n = 0;
    for (int b = 0; b < N_BUDGETS; b++) {
        double C = 6e18 * pow(3e21 / 6e18, b / (double)(N_BUDGETS - 1));
        sf_alloc_row opt;
        if (sf_alloc_optimal(law, truth, C, &opt, &err) != SF_OK) {
            status = cli_lib_error(&err);
            goto done;
        }
        for (int s = 0; s < N_SIZES; s++) {
            N[n] = opt.params * pow(4.0, (s - (N_SIZES - 1) / 2.0) / ((N_SIZES - 1) / 2.0));
            D[n] = C / (6.0 * N[n]);
            n++;
        }
    }
    if (sf_simulate(law, truth, N, D, NULL, n, noise, fopt.seed, &d, &err) != SF_OK ||
        sf_fit_run(law, d, &fopt, &fit, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    if (data_path) {
        char *csv = NULL;
        int rc = sf_data_csv(d, &csv, &err);
        if ((status = cli_write_made(data_path, rc, csv, &err)) != CLI_OK) goto done;
    }
    cli_unc_args none; /* no --compute or --at: the fit's JSON as it is */
    cli_unc_args_init(&none);
    status = cli_emit_fit(fit, NULL, &none, out_path, NULL, json);
    if (status != CLI_OK || json) goto done;

    printf("scalefit demo: an IsoFLOP sweep simulated from %s's Chinchilla law\n", truth_name);
    printf("  L = %g + %g/N^%g + %g/D^%g, log-normal noise sd %g, seed %llu\n", truth[0],
           truth[1], truth[3], truth[2], truth[4], noise, (unsigned long long)fopt.seed);
    printf("  %d budgets from 6e18 to 3e21 FLOPs x %d model sizes = %zu runs\n\n", N_BUDGETS,
           N_SIZES, n);
    cli_print_fit(stdout, fit, NULL);
    const double *fp = sf_fit_params(fit);
    printf("\n  %-10s %12s %12s %9s\n", "parameter", "truth", "fitted", "error");
    for (size_t j = 0; j < 5; j++)
        printf("  %-10s %12.6g %12.6g %+8.2f%%\n", sf_law_param_name(law, j), truth[j], fp[j],
               100.0 * (fp[j] / truth[j] - 1.0));
    printf("\nCompute-optimal allocation (fitted law; truth in brackets):\n");
    printf("  %10s %24s %24s %18s\n", "compute", "N_opt", "D_opt", "tokens/param");
    static const double budgets[3] = {1e21, 5.76e23, 1e25};
    for (int b = 0; b < 3; b++) {
        sf_alloc_row f, t;
        if (sf_alloc_optimal(law, fp, budgets[b], &f, &err) != SF_OK ||
            sf_alloc_optimal(law, truth, budgets[b], &t, &err) != SF_OK) {
            status = cli_lib_error(&err);
            goto done;
        }
        printf("  %10.3g %11.4g [%10.4g] %11.4g [%10.4g] %7.1f [%7.1f]\n", budgets[b], f.params,
               t.params, f.tokens, t.tokens, f.tokens_per_param, t.tokens_per_param);
    }
    printf("\nNext: 'scalefit fit YOUR_RUNS.csv -o fit.json', then "
           "'scalefit optimal fit.json --compute 1e22'.\n");
done:
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return status;
}
