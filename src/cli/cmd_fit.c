/* scalefit fit: fit a law to a CSV of runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit fit DATA.csv [--law NAME] [--col ROLE=COLUMN]... [--filter EXPR]... "
    "[--loss huber|ls] [--delta X] [--grid auto|full|screen|vp] [--threads T] [--seed S] "
    "[--fix NAME=VALUE]... [--tie A=B]... [--bootstrap K [--resample rows|group]] "
    "[--ci L,...] [--compute C,...] [--at N,D]... [--json] [-o FIT.json] [--plot FILE.svg] "
    "[--plot-x C|N|D] [--plot-draws FILE.svg]";

static const char help_head[] =
    "Usage: scalefit fit DATA.csv [options]\n"
    "\n"
    "Fit a scaling law to training runs: one CSV row per run (or checkpoint)\n"
    "with its parameter count N, tokens D (or FLOPs C, D = C/(6N)) and loss.\n"
    "The objective is the Huber loss of log residuals, summed over rows\n"
    "(Hoffmann et al. 2022); the search is global (see --grid).\n"
    "\n";

static const char help_boot[] =
    "\n"
    "Uncertainty:\n"
    "  --bootstrap K       refit K resamples of the rows with the same search,\n"
    "                      in parallel, reproducible for a --seed; report SEs\n"
    "                      and percentile intervals of the parameters, a, b, G\n"
    "                      and of --compute and --at; the fit file keeps the\n"
    "                      draws so optimal and predict give the same intervals\n"
    "  --resample rows     draw rows with replacement (default)\n"
    "  --resample group    draw whole groups (the group column: run ids), so\n"
    "                      the checkpoints of one run move together\n"
    "  --warm-start        refit each resample from the fit's optima only, no\n"
    "                      new global search: about 5x faster, the same answers\n"
    "                      when resamples stay in the same basin\n"
    "                      (docs/uncertainty.md)\n"
    "  --samples FILE.csv  write the draws as CSV (overwrites FILE)\n"
    "  --plot-draws FILE.svg\n"
    "                      draw the bootstrap draws as SVG to FILE\n"
    "                      (overwritten): pairwise scatter of alpha against\n"
    "                      beta, A against alpha, B against beta, A and B on\n"
    "                      log axes, the correlation in each panel\n";

static const char help_tail[] =
    "\n"
    "Output:\n"
    "  --json              print the fit as one JSON object (docs/json.md)\n"
    "  -o, --output FILE   also write the fit as JSON to FILE (for predict and\n"
    "                      optimal); FILE is overwritten\n"
    "  --plot FILE.svg     also draw the fit as SVG to FILE (overwritten): loss\n"
    "                      against compute, runs coloured by N, the law at fixed\n"
    "                      N, the compute-optimal frontier, residuals below\n"
    "                      (docs/plots.md)\n"
    "  --plot-x C|N|D      the plot's x axis (default C); against N the curves\n"
    "                      are at fixed C and the runs coloured by C\n"
    "  -h, --help          show this help\n"
    "\n"
    "Warnings (a parameter on a bound, one start reaching the best, a second\n"
    "optimum nearly as good) go to standard error and into the JSON.\n"
    "Diagnoses (an exponent at its bound, a term under 1% of the loss's\n"
    "variation, --fix on a bound) follow the search line, go into the JSON\n"
    "and the fit file, and make optimal and predict warn or refuse.  Losses\n"
    "that are all equal are an error.\n"
    "\n"
    "Examples:\n"
    "  scalefit fit runs.csv --filter 'loss<3.44' -o fit.json\n"
    "  scalefit optimal fit.json --compute 5.76e23\n"
    "  scalefit fit runs.csv --bootstrap 4000 --seed 42 --compute 1e21,5.76e23,1e25\n";

enum {
    O_HELP = 'h', O_OUT = 'o', O_JSON = 256, O_SAMPLES, O_PLOT, O_PLOT_X, O_PLOT_DRAWS
};

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},        {"json", 0, 0, O_JSON},
    {"output", 'o', 1, O_OUT},       {"samples", 0, 1, O_SAMPLES},
    {"plot", 0, 1, O_PLOT},          {"plot-x", 0, 1, O_PLOT_X},
    {"plot-draws", 0, 1, O_PLOT_DRAWS},
    CLI_BOOT_OPTIONS,                CLI_UNC_OPTIONS,
    {0, 0, 0, 0}};

static const char *grid_label(int g)
{
    switch (g) {
    case SF_GRID_FULL: return "full grid";
    case SF_GRID_SCREEN: return "grid screening";
    case SF_GRID_VP: return "variable projection";
    case SF_GRID_LAW: return "the law's own search";
    case SF_GRID_EXACT: return "exact solution";
    default: return "auto";
    }
}

void cli_print_data(FILE *out, const sf_data *d)
{
    fprintf(out, "data:       %s, %zu of %zu rows", d->source ? d->source : "(memory)", d->n,
            d->rows_read);
    for (size_t k = 0; k < d->n_filters; k++)
        fprintf(out, "%s%s", k ? " && " : " where ", d->filters[k]);
    fprintf(out, "\ncolumns:   ");
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        if (!(d->roles & SF_ROLE_BIT(r))) continue;
        if (d->column[r]) fprintf(out, " %s='%s'", sf_role_name((sf_role)r), d->column[r]);
        else if (d->derived & SF_ROLE_BIT(r))
            fprintf(out, " %s=%s", sf_role_name((sf_role)r), r == SF_ROLE_D ? "C/(6N)" : "6ND");
    }
    fprintf(out, "\n");
}

void cli_print_fit(FILE *out, const sf_fit *fit, const sf_data *d)
{
    const sf_law *law = sf_fit_law(fit);
    const sf_fit_options *o = sf_fit_get_options(fit);
    const double *p = sf_fit_params(fit);
    fprintf(out, "law:        %s   %s\n", sf_law_name(law), cli_law_formula(law));
    if (d) cli_print_data(out, d);
    if (o->loss == SF_LOSS_HUBER)
        fprintf(out, "objective:  %.15g (Huber, delta %g, on log residuals)\n",
                sf_fit_objective(fit), o->delta);
    else
        fprintf(out, "objective:  %.15g (least squares on log residuals)\n", sf_fit_objective(fit));
    if (isfinite(sf_fit_r2(fit)))
        fprintf(out, "R^2:        %.4f (loss, linear scale)\n", sf_fit_r2(fit));
    else
        fprintf(out, "R^2:        n/a (undefined on these data)\n");
    fprintf(out, "search:     %s, %d start%s, %d reached the best; %s (gradient %.2g)\n",
            grid_label(sf_fit_grid(fit)), sf_fit_starts(fit), sf_fit_starts(fit) == 1 ? "" : "s",
            sf_fit_n_best(fit), sf_fit_converged(fit) ? "converged" : "NOT converged",
            sf_fit_grad_norm(fit));
    cli_print_diagnoses(out, fit, "diagnosis:  ");
    int formula = sf_law_formula_text(law) != NULL;
    fprintf(out, "\n  %-10s %16s%s\n", "parameter", "value", formula ? "   bounds" : "");
    for (size_t j = 0; j < sf_law_n_params(law); j++) {
        const char *note = "";
        char buf[64] = "";
        if (sf_fit_is_fixed(fit, j)) note = "  (fixed)";
        else if (sf_fit_tied_to(fit, j) >= 0) {
            snprintf(buf, sizeof buf, "  (tied to %s)",
                     sf_law_param_name(law, (size_t)sf_fit_tied_to(fit, j)));
            note = buf;
        } else if (sf_fit_at_bound(fit, j))
            note = "  (at bound)";
        char bounds[80] = "";
        if (formula) {
            double lo, hi;
            sf_law_bounds(law, j, &lo, &hi);
            snprintf(bounds, sizeof bounds, "   [%g, %g]", lo, hi);
        }
        fprintf(out, "  %-10s %16.9g%s%s\n", sf_law_param_name(law, j), p[j], bounds, note);
    }
    const char *dn[16];
    double dv[16];
    size_t nd = sf_law_derived(law, p, dn, dv, 16);
    if (nd) {
        fprintf(out, "\n  derived:  ");
        for (size_t k = 0; k < nd && k < 16; k++) {
            if (isfinite(dv[k])) fprintf(out, "%s%s = %.6g", k ? ", " : "", dn[k], dv[k]);
            else fprintf(out, "%s%s = n/a", k ? ", " : "", dn[k]);  /* 0/0 at alpha = beta = 0 */
        }
        fprintf(out, "\n");
    }
    size_t nb = sf_fit_n_basins(fit);
    if (nb > 1) {
        fprintf(out, "\n  other local optima (objective, starts):");
        for (size_t b = 1; b < nb && b < 4; b++)
            fprintf(out, "%s %.10g (%d)", b > 1 ? "," : "", sf_fit_basin(fit, b, NULL),
                    sf_fit_basin_count(fit, b));
        fprintf(out, "\n");
    }
}

/* What the command line asks for besides the shared options. */
typedef struct fit_cmd {
    const char *path, *out_path, *samples, *plot_path, *plot_draws;
    int json, plot_x;
} fit_cmd;

/* Parse and check the options: CLI_OK, a usage status, or -1 after
 * --help. */
static int parse_args(cli_parser *p, cli_fit_args *fa, cli_unc_args *ua, cli_boot_args *ba,
                      fit_cmd *c)
{
    int status = CLI_OK;
    const char *v;
    int id;
    while (status == CLI_OK && (id = cli_next(p, &v)) != CLI_ARG_END) {
        int rc = cli_fit_arg(p, id, v, fa);
        if (rc == -1) rc = cli_unc_arg(p, id, v, ua);
        if (rc == -1) rc = cli_boot_arg(p, id, v, ba);
        if (rc != -1) {
            status = rc;
            continue;
        }
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP:
            fputs(help_head, stdout);
            fputs(cli_fit_help, stdout);
            fputs(help_boot, stdout);
            fputs(cli_unc_help, stdout);
            fputs(help_tail, stdout);
            return -1;
        case CLI_ARG_POSITIONAL:
            if (c->path)
                status = cli_usage_error(p, "more than one data file ('%s', '%s')", c->path, v);
            c->path = v;
            break;
        case O_JSON: c->json = 1; break;
        case O_OUT: c->out_path = v; break;
        case O_SAMPLES: c->samples = v; break;
        case O_PLOT: c->plot_path = v; break;
        case O_PLOT_DRAWS: c->plot_draws = v; break;
        case O_PLOT_X: {
            sf_role r;
            if (sf_role_parse(v, &r) != SF_OK ||
                (r != SF_ROLE_C && r != SF_ROLE_N && r != SF_ROLE_D))
                status = cli_usage_error(p, "--plot-x: expected C, N or D, got '%s'", v);
            c->plot_x = (int)r;
            break;
        }
        default: status = cli_usage_error(p, "internal: unhandled option");
        }
    }
    if (status == CLI_OK && !c->path) status = cli_usage_error(p, "missing DATA.csv");
    if (status == CLI_OK && c->plot_x != -1 && !c->plot_path)
        status = cli_usage_error(p, "--plot-x goes with --plot");
    if (status == CLI_OK && !ba->on) {
        const char *orphan = cli_boot_orphan(ba);
        if (!orphan)
            orphan = c->samples ? "samples" : c->plot_draws ? "plot-draws" : ua->ci_given ? "ci" : NULL;
        if (orphan) status = cli_usage_error(p, "--%s goes with --bootstrap K", orphan);
    }
    return status;
}

/* Budgets and points are checked at the fit before a long bootstrap:
 * CLI_OK, or CLI_ERROR after printing the error. */
static int check_requests(const sf_fit *fit, const cli_unc_args *ua)
{
    const sf_law *law = sf_fit_law(fit);
    sf_error err;
    sf_error_clear(&err);
    for (size_t i = 0; i < ua->n_compute; i++) {
        sf_alloc_row row;
        if (sf_alloc_optimal(law, sf_fit_params(fit), ua->compute[i], &row, &err) != SF_OK) {
            sf_diagnosis g;
            return cli_first_diagnosis(fit, &g)
                       ? cli_error("--compute %g: no allocation: it rests on %s (%s: %s)",
                                   ua->compute[i], g.param, g.code, g.message)
                       : cli_lib_error(&err);
        }
    }
    for (size_t i = 0; i < ua->n_at; i++) {
        double L;
        if (sf_law_predict(law, sf_fit_params(fit), &ua->at[i], &L) != SF_OK)
            return cli_error("--at %g,%g: no finite prediction (values must be finite and > 0%s)",
                             ua->at[i].N, ua->at[i].D,
                             sf_law_roles(law) & SF_ROLE_BIT(SF_ROLE_U) ? "; this law needs U: "
                             "--at N,D,U" : "");
    }
    return CLI_OK;
}

int cmd_fit(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "fit", usage, opts, argc, argv);
    cli_add_options(&p, cli_fit_opts);
    cli_fit_args fa;
    cli_fit_args_init(&fa);
    cli_unc_args ua;
    cli_unc_args_init(&ua);
    cli_boot_args ba;
    cli_boot_args_init(&ba);
    sf_bootstrap_options *bo = &ba.bo;
    fit_cmd c = {NULL, NULL, NULL, NULL, NULL, 0, -1};
    int status = parse_args(&p, &fa, &ua, &ba, &c);
    if (status != CLI_OK) {
        cli_unc_args_free(&ua);
        return status == -1 ? CLI_OK : status;
    }
    bo->n_levels = ua.n_levels;
    memcpy(bo->levels, ua.levels, ua.n_levels * sizeof *ua.levels);

    sf_error err;
    sf_error_clear(&err);
    sf_law *law = NULL;
    sf_data *d = NULL;
    sf_fit *fit = NULL;
    sf_draws *draws = NULL;
    if (bo->resample == SF_RESAMPLE_GROUP) fa.data.required |= SF_ROLE_BIT(SF_ROLE_GROUP);
    status = cli_check_paths(
        (const char *const[]){c.path}, 1,
        (const char *const[]){c.out_path, c.plot_path, c.plot_draws, c.samples},
        (const char *const[]){"-o", "--plot", "--plot-draws", "--samples"}, 4);
    if (status == CLI_OK) status = cli_fit_load(&fa, c.path, &law, &d);
    if (status != CLI_OK) goto done;
    if (sf_fit_run(law, d, &fa.fit, &fit, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    if ((status = check_requests(fit, &ua)) != CLI_OK) goto done;
    if (ba.on && (status = cli_bootstrap(fit, d, bo, &draws)) != CLI_OK) goto done;
    if (c.plot_path) {
        sf_plot_options po;
        sf_plot_options_init(&po);
        po.x = c.plot_x;
        char *svg = NULL;
        int rc = sf_plot_fit(fit, d, &po, &svg, &err);
        if ((status = cli_write_made(c.plot_path, rc, svg, &err)) != CLI_OK) goto done;
    }
    if (c.plot_draws) {
        char *svg = NULL;
        int rc = sf_fit_draws_svg(draws, d, NULL, &svg, &err);
        if ((status = cli_write_made(c.plot_draws, rc, svg, &err)) != CLI_OK) goto done;
    }
    status = cli_emit_fit(fit, draws, &ua, c.out_path, c.samples, c.json);
    if (status != CLI_OK || c.json) goto done;
    cli_print_fit(stdout, fit, d);
    if (ba.on) {
        printf("\nbootstrap:  %zu resamples of %s (seed %llu), %s per resample",
               sf_draws_resamples(draws), bo->resample == SF_RESAMPLE_GROUP ? "groups" : "rows",
               (unsigned long long)fa.fit.seed, bo->warm ? "L-BFGS from the fit's optima"
                                                        : "the same global search");
        if (sf_draws_resamples_failed(draws))
            printf("; %zu failed", sf_draws_resamples_failed(draws));
        printf("\n");
        cli_print_uncertainty(stdout, draws, ua.levels, ua.n_levels);
    }
    status = cli_report_intervals(stdout, fit, draws, &ua);
done:
    cli_unc_args_free(&ua);
    sf_draws_free(draws);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return status;
}
