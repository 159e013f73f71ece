/* scalefit bayes: a posterior over a law's parameters (ensemble MCMC). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit bayes DATA.csv [--law NAME] [--prior NAME=KIND(A,B)]... [--walkers W] "
    "[--burn B] [--steps S] [--thin T] [--seed S] [--threads T] [--ci L,...] "
    "[--compute C,...] [--at N,D]... [--samples FILE.csv] [--json] [-o FIT.json] "
    "[--plot FILE.svg]";

static const char help_head[] =
    "Usage: scalefit bayes DATA.csv [options]\n"
    "\n"
    "A posterior over the law's parameters and the residual scale sigma, with\n"
    "Besiroglu et al.'s (2024) likelihood: log residuals follow a normalised\n"
    "Huber density of scale sigma (threshold --delta; a Gaussian with --loss\n"
    "ls).  Sampled by an affine-invariant ensemble sampler (Goodman and Weare\n"
    "2010, as emcee), walkers started around the maximum-likelihood point.\n"
    "Reports the maximum-likelihood point, posterior means, sds, credible\n"
    "intervals, split R-hat and effective sample sizes (a warning when R-hat\n"
    ">= 1.01 or ESS < 400), and intervals for a, b, G, --compute and --at.\n"
    "\n";

static const char help_bayes[] =
    "\n"
    "Prior and sampler:\n"
    "  --prior NAME=KIND(A,B)  prior of a parameter (or of sigma) on its natural\n"
    "                      scale; KIND is uniform(lo,hi), normal(mu,s),\n"
    "                      lognormal(mu,s) (log x ~ normal) or loguniform(lo,hi);\n"
    "                      repeatable.  Default: flat on the optimiser's scale\n"
    "                      (log A, log B, log E, alpha, beta) over the law's\n"
    "                      start grid widened by its span on each side, and\n"
    "                      flat in log sigma (docs/uncertainty.md)\n"
    "  --walkers W         walkers (default max(32, 4 x sampled coordinates))\n"
    "  --burn B            steps per walker discarded (default 1000)\n"
    "  --steps S           steps per walker kept (default 6000)\n"
    "  --thin T            keep every T-th step as a draw (default: as few as\n"
    "                      give at most 8000 draws)\n"
    "  --seed S            random seed; the chain is the same for any --threads\n"
    "  --samples FILE.csv  write the draws (walker, step, parameters, sigma)\n";

static const char help_tail[] =
    "\n"
    "Output:\n"
    "  --json              print the fit with its posterior as one JSON object\n"
    "  -o, --output FILE   also write it to FILE, for predict --interval and\n"
    "                      optimal (FILE is overwritten)\n"
    "  --plot FILE.svg     also draw the posterior draws as SVG to FILE\n"
    "                      (overwritten): pairwise scatter of alpha against\n"
    "                      beta, A against alpha, B against beta, A and B on\n"
    "                      log axes, the correlation in each panel\n"
    "                      (docs/plots.md)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Example:\n"
    "  scalefit bayes runs.csv --prior alpha=normal(0.34,0.1) --compute 5.76e23\n";

enum {
    O_HELP = 'h', O_OUT = 'o', O_JSON = 256, O_PRIOR, O_WALKERS, O_BURN, O_STEPS, O_THIN,
    O_SAMPLES, O_PLOT
};

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},      {"json", 0, 0, O_JSON},         {"output", 'o', 1, O_OUT},
    {"prior", 0, 1, O_PRIOR},      {"walkers", 0, 1, O_WALKERS},   {"burn", 0, 1, O_BURN},
    {"steps", 0, 1, O_STEPS},      {"thin", 0, 1, O_THIN},         {"samples", 0, 1, O_SAMPLES},
    {"plot", 0, 1, O_PLOT},        CLI_UNC_OPTIONS,               {0, 0, 0, 0}};

static int parse_args(cli_parser *p, cli_fit_args *fa, cli_unc_args *ua, sf_bayes_options *bo,
                      const char **path, const char **out_path, const char **samples,
                      const char **plot, int *json)
{
    const char *v;
    int id, status = CLI_OK;
    while (status == CLI_OK && (id = cli_next(p, &v)) != CLI_ARG_END) {
        int rc = cli_fit_arg(p, id, v, fa);
        if (rc == -1) rc = cli_unc_arg(p, id, v, ua);
        if (rc != -1) {
            status = rc;
            continue;
        }
        long k;
        sf_error err;
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP:
            fputs(help_head, stdout);
            fputs(cli_fit_help, stdout);
            fputs(help_bayes, stdout);
            fputs(cli_unc_help, stdout);
            fputs(help_tail, stdout);
            return -1;
        case CLI_ARG_POSITIONAL:
            if (*path) status = cli_usage_error(p, "more than one data file ('%s', '%s')", *path, v);
            *path = v;
            break;
        case O_JSON: *json = 1; break;
        case O_OUT: *out_path = v; break;
        case O_SAMPLES: *samples = v; break;
        case O_PLOT: *plot = v; break;
        case O_PRIOR:
            if (bo->n_priors == SF_MAX_PARAMS + 1) {
                status = cli_usage_error(p, "--prior: too many");
                break;
            }
            if (sf_prior_parse(v, &bo->prior[bo->n_priors], &err) != SF_OK)
                status = cli_usage_error(p, "--prior: %s", err.message);
            bo->n_priors++;
            break;
        case O_WALKERS:
        case O_BURN:
        case O_STEPS:
        case O_THIN: {
            /* Least value of each, and where it goes. */
            static const long least[4] = {4, 0, 4, 1};
            size_t *dst[4] = {&bo->walkers, &bo->burn, &bo->steps, &bo->thin};
            int q = id - O_WALKERS;
            status = cli_int(p, v, least[q], q == 0 ? 100000 : 100000000, &k);
            *dst[q] = (size_t)k;
            break;
        }
        default: status = cli_usage_error(p, "internal: unhandled option");
        }
    }
    if (status == CLI_OK && !*path) status = cli_usage_error(p, "missing DATA.csv");
    return status;
}

int cmd_bayes(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "bayes", usage, opts, argc, argv);
    cli_add_options(&p, cli_fit_opts);
    cli_fit_args fa;
    cli_fit_args_init(&fa);
    cli_unc_args ua;
    cli_unc_args_init(&ua);
    sf_bayes_options bo;
    sf_bayes_options_init(&bo);
    const char *path = NULL, *out_path = NULL, *samples = NULL, *plot = NULL;
    int json = 0;
    int status = parse_args(&p, &fa, &ua, &bo, &path, &out_path, &samples, &plot, &json);
    if (status != CLI_OK) {
        cli_unc_args_free(&ua);
        return status == -1 ? CLI_OK : status;
    }
    bo.n_levels = ua.n_levels;
    memcpy(bo.levels, ua.levels, ua.n_levels * sizeof *ua.levels);

    sf_error err;
    sf_error_clear(&err);
    sf_law *law = NULL;
    sf_data *d = NULL;
    sf_fit *fit = NULL;
    sf_draws *draws = NULL;
    status = cli_check_paths((const char *const[]){path}, 1,
                             (const char *const[]){out_path, samples, plot},
                             (const char *const[]){"-o", "--samples", "--plot"}, 3);
    if (status == CLI_OK) status = cli_fit_load(&fa, path, &law, &d);
    if (status != CLI_OK) goto done;
    /* The posterior starts from the fit, made first. */
    if (sf_fit_run(law, d, &fa.fit, &fit, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    cli_progress pr;
    cli_progress_init(&pr, "sampling");
    bo.progress = cli_progress_update;
    bo.progress_ctx = &pr;
    int rc = sf_bayes_run(fit, d, &bo, &draws, &err);
    cli_progress_done(&pr);
    if (rc != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    if (plot) {
        char *svg = NULL;
        rc = sf_fit_draws_svg(draws, d, NULL, &svg, &err);
        if ((status = cli_write_made(plot, rc, svg, &err)) != CLI_OK) goto done;
    }
    status = cli_emit_fit(fit, draws, &ua, out_path, samples, json);
    if (status != CLI_OK || json) goto done;
    cli_print_fit(stdout, fit, d);
    const sf_fit_options *fo = sf_fit_get_options(fit);
    if (fo->loss == SF_LOSS_HUBER)
        printf("\nlikelihood: normalised Huber density (delta %g) of the log residuals, scale "
               "sigma free (Besiroglu et al. 2024)\n", fo->delta);
    else
        printf("\nlikelihood: Gaussian density of the log residuals, scale sigma free\n");
    sf_sampler_info si;
    sf_draws_sampler(draws, &si);
    printf("sampler:    affine-invariant ensemble (Goodman and Weare 2010), %zu walkers, %zu "
           "burn-in + %zu steps each,\n            acceptance %.2f, every %zu%s step kept: "
           "%zu draws, seed %llu\n", si.walkers, si.burn, si.steps, si.acceptance, si.thin,
           si.thin == 1 ? "st" : si.thin == 2 ? "nd" : si.thin == 3 ? "rd" : "th",
           sf_draws_count(draws), (unsigned long long)fo->seed);
    static const char *const kind[] = {"default", "uniform", "normal", "lognormal", "loguniform"};
    for (size_t k = 0; k < si.n_priors; k++) {
        const sf_prior *q = &si.prior[k];
        char a[32], b[32];
        printf("%s %-6s ~ %s(%s, %s)\n", k ? "           " : "priors:    ", q->name,
               kind[q->kind <= SF_PRIOR_LOGUNIFORM ? q->kind : 0], cli_num(q->a, a, sizeof a),
               cli_num(q->b, b, sizeof b));
    }
    cli_print_uncertainty(stdout, draws, ua.levels, ua.n_levels);
    status = cli_report_intervals(stdout, fit, draws, &ua);
done:
    cli_unc_args_free(&ua);
    sf_draws_free(draws);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return status;
}
