/* scalefit isoflop: Chinchilla Approach 2, IsoFLOP profiles. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exponents.h"

static const char usage[] =
    "scalefit isoflop DATA.csv [--col ROLE=COLUMN]... [--filter EXPR]... [--budget-tol X] "
    "[--profile parabola|akima] [--weights variance|equal] [--keep-edge] [--bootstrap K] "
    "[--level P] [--seed S] [--threads T] [--json] [-o FILE] [--plot FILE.svg]";

static const char help_head[] =
    "Usage: scalefit isoflop DATA.csv [options]\n"
    "\n"
    "Chinchilla Approach 2 (Hoffmann et al. 2022): rows are runs of an IsoFLOP\n"
    "sweep (N, C or D, loss).  Rows are grouped into compute budgets; for each\n"
    "budget with at least 3 model sizes the loss is profiled against log N\n"
    "and its minimum gives N*(C), D*(C) = C/(6 N*), tokens per parameter and\n"
    "L*(C).  N* = k C^a, D* = k' C^b and D*/N* are fitted by weighted least\n"
    "squares on logs (weights: inverse variance of each minimum), with\n"
    "bootstrap intervals from resampling rows within budgets.  Budgets with\n"
    "fewer than 3 sizes, no minimum, or a minimum at the smallest or largest\n"
    "size sampled are left out with a warning (docs/approaches.md).\n"
    "\n"
    "Budgets:\n"
    "  --budget-tol X      a budget starts at the smallest C not yet grouped and\n"
    "                      takes every row with C up to (1+X) times it\n"
    "                      (default 0.1); C is the C column, or 6ND\n"
    "  --profile parabola  least-squares parabola of loss in log N (default,\n"
    "                      as Hoffmann et al.)\n"
    "  --profile akima     minimum of the Akima spline through the points (as\n"
    "                      Porian et al. 2024); noisier with noisy losses\n"
    "  --weights variance  weight each budget's minimum by 1/its variance\n"
    "                      (delta method; default)\n"
    "  --weights equal     unweighted regression, as Hoffmann et al.\n"
    "\n";

static const char help_tail[] =
    "\n"
    "Example:\n"
    "  scalefit plan --compute 6e18,1e19,3e19,1e20 --models 9 -o sweep.csv\n"
    "  (train the runs, add a loss column)\n"
    "  scalefit isoflop sweep.csv --plot isoflop.svg\n";

enum { O_TOL = CLI_EXPONENT_OWN, O_PROFILE, O_WEIGHTS };

static const cli_opt opts[] = {CLI_EXPONENT_OPTS,
                               {"budget-tol", 0, 1, O_TOL},
                               {"profile", 0, 1, O_PROFILE},
                               {"weights", 0, 1, O_WEIGHTS},
                               {0, 0, 0, 0}};

static void print_report(const sf_isoflop *r, const sf_data *d)
{
    const sf_isoflop_options *o = sf_isoflop_get_options(r);
    size_t nb = sf_isoflop_n_budgets(r), nu = 0;
    for (size_t b = 0; b < nb; b++) nu += (size_t)sf_isoflop_budget_at(r, b)->used;
    printf("isoflop:    Chinchilla Approach 2, %s profiles of loss against log N\n",
           o->profile == SF_PROFILE_AKIMA ? "Akima spline" : "parabola");
    cli_print_data(stdout, d);
    printf("budgets:    %zu (tolerance %g), %zu used", nb, o->budget_tol, nu);
    if (o->bootstrap > 0)
        printf("; %d resamples (%zu usable), seed %llu", o->bootstrap, sf_isoflop_replicates(r),
               (unsigned long long)o->seed);
    printf("\n\n  %10s %5s %11s %25s %11s %8s %9s %6s  %s\n", "compute", "sizes", "N_opt",
           o->bootstrap > 0 ? "interval of N_opt" : "", "D_opt", "D/N", "loss", "weight",
           "note");
    for (size_t b = 0; b < nb; b++) {
        const sf_isoflop_budget *B = sf_isoflop_budget_at(r, b);
        char ci[64] = "";
        if (isfinite(B->N_lo)) snprintf(ci, sizeof ci, "[%.4g, %.4g]", B->N_lo, B->N_hi);
        const char *note = B->flags & SF_APPROACH_FEW_SIZES    ? "too few sizes"
                           : B->flags & SF_APPROACH_NO_MINIMUM ? "no minimum"
                           : B->flags & SF_APPROACH_EDGE       ? "edge"
                                                               : "";
        printf("  %10.4g %5zu %11.4g %25s %11.4g %8.3g %9.5g %6.3f  %s%s\n", B->compute,
               B->n_sizes, B->N_opt, ci, B->D_opt, B->tokens_per_param, B->loss, B->weight, note,
               B->flags && !B->used ? " (left out)" : "");
    }
    const sf_powerlaw *pl[3] = {sf_isoflop_powerlaw(r, SF_OPTIMUM_N),
                                sf_isoflop_powerlaw(r, SF_OPTIMUM_D),
                                sf_isoflop_powerlaw(r, SF_OPTIMUM_RATIO)};
    printf("\n");
    cli_print_powerlaws(stdout, pl, o->level);
}

static int own_arg(const cli_parser *p, int id, const char *v, void *ctx)
{
    sf_isoflop_options *o = ctx;
    int rc;
    switch (id) {
    case O_TOL:
        if ((rc = cli_double(p, v, &o->budget_tol)) != CLI_OK) return rc;
        if (!(o->budget_tol >= 0 && o->budget_tol < 1))
            return cli_usage_error(p, "--budget-tol: must be in [0, 1), got %s", v);
        return CLI_OK;
    case O_PROFILE:
        if (strcmp(v, "parabola") == 0) o->profile = SF_PROFILE_PARABOLA;
        else if (strcmp(v, "akima") == 0) o->profile = SF_PROFILE_AKIMA;
        else return cli_usage_error(p, "--profile: expected parabola or akima, got '%s'", v);
        return CLI_OK;
    case O_WEIGHTS:
        if (strcmp(v, "variance") == 0) o->weights = SF_WEIGHTS_VARIANCE;
        else if (strcmp(v, "equal") == 0) o->weights = SF_WEIGHTS_EQUAL;
        else return cli_usage_error(p, "--weights: expected variance or equal, got '%s'", v);
        return CLI_OK;
    default: return -1;
    }
}

int cmd_isoflop(int argc, char **argv)
{
    cli_exponent_args a;
    sf_isoflop_options o;
    sf_isoflop_options_init(&o);
    o.cancel = &cli_interrupted; /* Ctrl-C stops the bootstrap (files.c) */
    int rc = cli_exponent_parse("isoflop", usage, opts, argc, argv, help_head, help_tail, &a,
                                own_arg, &o);
    if (rc != CLI_OK) return rc == CLI_ARG_END ? CLI_OK : rc;
    o.bootstrap = a.bootstrap;
    o.level = a.level;
    o.seed = a.seed;
    o.threads = a.threads;
    o.keep_edge = a.keep_edge;

    sf_data *d = NULL;
    int status = cli_exponent_read(&a, SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_C), &d);
    if (status != CLI_OK) return status;
    sf_isoflop *r = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (sf_isoflop_run(d, &o, &r, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    for (size_t k = 0; k < sf_isoflop_n_warnings(r); k++)
        cli_warning("%s", sf_isoflop_warning(r, k));
    if (a.json || a.out_path) {
        char *js = NULL;
        int wrc = sf_isoflop_json(r, d, &js, &err);
        status = cli_exponent_emit(&a, wrc, js, &err);
    }
    if (status == CLI_OK && a.plot_path) {
        sf_plot_options po;
        sf_plot_options_init(&po);
        char *svg = NULL;
        int made = sf_isoflop_svg(r, d, &po, &svg, &err);
        status = cli_write_made(a.plot_path, made, svg, &err);
    }
    if (status == CLI_OK && !a.json) print_report(r, d);
done:
    sf_isoflop_free(r);
    sf_data_free(d);
    return status;
}
