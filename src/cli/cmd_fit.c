/* scalefit fit: fit a law to a CSV of runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit fit DATA.csv [--law NAME] [--col ROLE=COLUMN]... [--filter EXPR]... "
    "[--loss huber|ls] [--delta X] [--grid auto|full|screen|vp] [--threads T] [--seed S] "
    "[--fix NAME=VALUE]... [--tie A=B]... [--json] [-o FIT.json]";

static const char help[] =
    "Usage: scalefit fit DATA.csv [options]\n"
    "\n"
    "Fit a scaling law to training runs: one CSV row per run (or checkpoint)\n"
    "with its parameter count N, tokens D (or FLOPs C, D = C/(6N)) and loss.\n"
    "The objective is the Huber loss of log residuals, summed over rows\n"
    "(Hoffmann et al. 2022); the search is global (see --grid).\n"
    "\n"
    "Data:\n"
    "  --col ROLE=COLUMN   read ROLE from COLUMN; roles: N, D, C, loss, U,\n"
    "                      group, weight (default: recognised header names,\n"
    "                      e.g. N, params, 'Model Size'; D, tokens; C, flops,\n"
    "                      'Training FLOP'; loss, val_loss)\n"
    "  --filter EXPR       keep rows where EXPR holds; repeatable, ANDed.\n"
    "                      EXPR is NAME OP VALUE, NAME a role or column,\n"
    "                      OP one of < <= > >= == !=  (e.g. 'loss<4.5',\n"
    "                      'D>=1e10', 'family==gpt3')\n"
    "  --drop-missing      skip rows with an empty cell in a used column\n"
    "\n"
    "Law and objective:\n"
    "  --law NAME          law to fit (default chinchilla; 'scalefit laws')\n"
    "  --loss huber|ls     Huber (default) or least squares on log residuals\n"
    "  --delta X           Huber threshold (default 1e-3)\n"
    "  --fix NAME=VALUE    hold a parameter at VALUE (natural scale,\n"
    "                      e.g. --fix A=406.4); repeatable\n"
    "  --tie A=B           hold parameter B equal to A (e.g. alpha=beta)\n"
    "\n"
    "Search:\n"
    "  --grid auto         variable projection over the exponents when the law\n"
    "                      allows it, else grid screening (default)\n"
    "  --grid full         L-BFGS from every point of the law's start grid\n"
    "                      (4500 for chinchilla, as Hoffmann et al.)\n"
    "  --grid screen       evaluate the start grid, refine its best basins\n"
    "  --grid vp           variable projection (error if the law has none)\n"
    "  --refine K          starts refined by auto/screen/vp (default 8)\n"
    "  --threads T         threads (default: all cores; results do not depend\n"
    "                      on it)\n"
    "  --seed S            random seed, recorded in the output (default 0)\n"
    "\n"
    "Output:\n"
    "  --json              print the fit as one JSON object (docs/json.md)\n"
    "  -o FILE             also write the fit as JSON to FILE (for predict and\n"
    "                      optimal); FILE is overwritten\n"
    "  -h, --help          show this help\n"
    "\n"
    "Warnings (a parameter on a bound, one start reaching the best, a second\n"
    "optimum nearly as good) go to standard error and into the JSON.\n"
    "\n"
    "Example:\n"
    "  scalefit fit runs.csv --filter 'loss<3.45' -o fit.json\n"
    "  scalefit optimal fit.json --compute 5.76e23\n";

enum {
    O_HELP = 'h', O_OUT = 'o', O_LAW = 256, O_COL, O_FILTER, O_DROP, O_LOSS, O_DELTA,
    O_GRID, O_REFINE, O_THREADS, O_SEED, O_FIX, O_TIE, O_JSON
};

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},      {"law", 0, 1, O_LAW},       {"col", 0, 1, O_COL},
    {"filter", 0, 1, O_FILTER},    {"drop-missing", 0, 0, O_DROP}, {"loss", 0, 1, O_LOSS},
    {"delta", 0, 1, O_DELTA},      {"grid", 0, 1, O_GRID},     {"refine", 0, 1, O_REFINE},
    {"threads", 0, 1, O_THREADS},  {"seed", 0, 1, O_SEED},     {"fix", 0, 1, O_FIX},
    {"tie", 0, 1, O_TIE},          {"json", 0, 0, O_JSON},     {"output", 'o', 1, O_OUT},
    {0, 0, 0, 0}};

static const char *grid_label(int g)
{
    switch (g) {
    case SF_GRID_FULL: return "full grid";
    case SF_GRID_SCREEN: return "grid screening";
    case SF_GRID_VP: return "variable projection";
    default: return "auto";
    }
}

void cli_print_fit(FILE *out, const sf_fit *fit, const sf_data *d)
{
    const sf_law *law = sf_fit_law(fit);
    const sf_fit_options *o = sf_fit_get_options(fit);
    const double *p = sf_fit_params(fit);
    fprintf(out, "law:        %s   %s\n", sf_law_name(law), sf_law_formula(sf_law_name(law)));
    if (d) {
        fprintf(out, "data:       %s, %zu of %zu rows", d->source ? d->source : "(memory)", d->n,
                d->rows_read);
        for (size_t k = 0; k < d->n_filters; k++)
            fprintf(out, "%s%s", k ? " && " : " where ", d->filters[k]);
        fprintf(out, "\ncolumns:   ");
        for (int r = 0; r < SF_ROLE_COUNT; r++) {
            if (!(d->roles & SF_ROLE_BIT(r))) continue;
            if (d->column[r]) fprintf(out, " %s='%s'", sf_role_name((sf_role)r), d->column[r]);
            else if (d->derived & SF_ROLE_BIT(r))
                fprintf(out, " %s=%s", sf_role_name((sf_role)r),
                        r == SF_ROLE_D ? "C/(6N)" : "6ND");
        }
        fprintf(out, "\n");
    }
    if (o->loss == SF_LOSS_HUBER)
        fprintf(out, "objective:  %.15g (Huber, delta %g, on log residuals)\n",
                sf_fit_objective(fit), o->delta);
    else
        fprintf(out, "objective:  %.15g (least squares on log residuals)\n", sf_fit_objective(fit));
    fprintf(out, "R^2:        %.4f (loss, linear scale)\n", sf_fit_r2(fit));
    fprintf(out, "search:     %s, %d start%s, %d reached the best; %s (gradient %.2g)\n",
            grid_label(sf_fit_grid(fit)), sf_fit_starts(fit), sf_fit_starts(fit) == 1 ? "" : "s",
            sf_fit_n_best(fit), sf_fit_converged(fit) ? "converged" : "NOT converged",
            sf_fit_grad_norm(fit));
    fprintf(out, "\n  %-10s %16s\n", "parameter", "value");
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
        fprintf(out, "  %-10s %16.9g%s\n", sf_law_param_name(law, j), p[j], note);
    }
    const char *dn[16];
    double dv[16];
    size_t nd = sf_law_derived(law, p, dn, dv, 16);
    if (nd) {
        fprintf(out, "\n  derived:  ");
        for (size_t k = 0; k < nd && k < 16; k++)
            fprintf(out, "%s%s = %.6g", k ? ", " : "", dn[k], dv[k]);
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

int cmd_fit(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "fit", usage, opts, argc, argv);
    sf_data_options dopt;
    sf_data_options_init(&dopt);
    sf_fit_options fopt;
    sf_fit_options_init(&fopt);
    const char *path = NULL, *law_name = "chinchilla", *out_path = NULL;
    int json = 0;
    const char *v;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_ARG_END) {
        int rc = CLI_OK;
        double x;
        long k;
        char name[SF_NAME_MAX];
        switch (id) {
        case CLI_ARG_BAD: return CLI_USAGE;
        case O_HELP: fputs(help, stdout); return CLI_OK;
        case CLI_ARG_POSITIONAL:
            if (path) return cli_usage_error(&p, "more than one data file ('%s', '%s')", path, v);
            path = v;
            break;
        case O_LAW: law_name = v; break;
        case O_COL: {
            const char *eq = strchr(v, '=');
            sf_role r;
            char role[32];
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof role || eq[1] == '\0')
                return cli_usage_error(&p, "--col: expected ROLE=COLUMN, got '%s'", v);
            memcpy(role, v, (size_t)(eq - v));
            role[eq - v] = '\0';
            if (sf_role_parse(role, &r) != SF_OK)
                return cli_usage_error(&p, "--col: unknown role '%s' (roles: N, D, C, loss, U, "
                                       "group, weight)", role);
            dopt.column[r] = eq + 1;
            break;
        }
        case O_FILTER:
            if (dopt.n_filters == SF_MAX_FILTERS)
                return cli_usage_error(&p, "too many --filter options (at most %d)", SF_MAX_FILTERS);
            dopt.filters[dopt.n_filters++] = v;
            break;
        case O_DROP: dopt.drop_missing = 1; break;
        case O_LOSS:
            if (strcmp(v, "huber") == 0) fopt.loss = SF_LOSS_HUBER;
            else if (strcmp(v, "ls") == 0) fopt.loss = SF_LOSS_LS;
            else return cli_usage_error(&p, "--loss: expected huber or ls, got '%s'", v);
            break;
        case O_DELTA:
            if ((rc = cli_positive(&p, v, &x)) != CLI_OK) return rc;
            fopt.delta = x;
            break;
        case O_GRID:
            if (strcmp(v, "auto") == 0) fopt.grid = SF_GRID_AUTO;
            else if (strcmp(v, "full") == 0) fopt.grid = SF_GRID_FULL;
            else if (strcmp(v, "screen") == 0) fopt.grid = SF_GRID_SCREEN;
            else if (strcmp(v, "vp") == 0) fopt.grid = SF_GRID_VP;
            else return cli_usage_error(&p, "--grid: expected auto, full, screen or vp, got '%s'", v);
            break;
        case O_REFINE:
            if ((rc = cli_int(&p, v, 1, 100000, &k)) != CLI_OK) return rc;
            fopt.refine = (int)k;
            break;
        case O_THREADS:
            if ((rc = cli_int(&p, v, 0, 4096, &k)) != CLI_OK) return rc;
            fopt.threads = (int)k;
            break;
        case O_SEED: {
            char *end = NULL;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-')
                return cli_usage_error(&p, "--seed: '%s' is not a non-negative integer", v);
            fopt.seed = (uint64_t)s;
            break;
        }
        case O_FIX:
            if ((rc = cli_name_value(&p, v, name, sizeof name, &x)) != CLI_OK) return rc;
            if (sf_fit_options_fix(&fopt, name, x) != SF_OK)
                return cli_usage_error(&p, "--fix: too many");
            break;
        case O_TIE: {
            char b[SF_NAME_MAX];
            if ((rc = cli_name_value(&p, v, name, sizeof name, NULL)) != CLI_OK) return rc;
            const char *rhs = strchr(v, '=') + 1;
            if (!*rhs || strlen(rhs) >= sizeof b)
                return cli_usage_error(&p, "--tie: expected A=B, got '%s'", v);
            strcpy(b, rhs);
            if (sf_fit_options_tie(&fopt, name, b) != SF_OK)
                return cli_usage_error(&p, "--tie: too many");
            break;
        }
        case O_JSON: json = 1; break;
        case O_OUT: out_path = v; break;
        default: return cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (!path) return cli_usage_error(&p, "missing DATA.csv");

    sf_error err;
    sf_error_clear(&err);
    sf_law *law = NULL;
    sf_data *d = NULL;
    sf_fit *fit = NULL;
    int status = CLI_OK;
    if (sf_law_new(law_name, NULL, &law, &err) != SF_OK) return cli_lib_error(&err);
    dopt.required = sf_law_roles(law);
    if (sf_data_read(path, &dopt, &d, &err) != SF_OK || sf_fit_run(law, d, &fopt, &fit, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    for (size_t k = 0; k < sf_fit_n_warnings(fit); k++) cli_warning("%s", sf_fit_warning(fit, k));
    char *js = sf_fit_json(fit);
    if (!js) {
        status = cli_error("out of memory");
        goto done;
    }
    if (out_path) status = cli_write_file(out_path, js);
    if (status == CLI_OK) {
        if (json) fputs(js, stdout);
        else cli_print_fit(stdout, fit, d);
    }
    free(js);
done:
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return status;
}
