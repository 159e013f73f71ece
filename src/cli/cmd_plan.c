/* scalefit plan: design an IsoFLOP sweep around a prior law's optimum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit plan --compute C[,C...] [--models K] [--law FIT.json] [--span F] [--shape] "
    "[--aspect R] [--json] [-o FILE.csv]";

static const char help[] =
    "Usage: scalefit plan --compute C[,C...] [options]\n"
    "\n"
    "Design an IsoFLOP sweep (Chinchilla Approach 2) before training it: for\n"
    "each budget C, K model sizes log-spaced from N_opt/F to N_opt*F around\n"
    "the optimum N_opt(C) of a prior law, each trained on D = C/(6N) tokens.\n"
    "Prints CSV: compute,N,D,tokens_per_param (plus layers,d_model,heads,\n"
    "N_shape with --shape).  Train the runs, add a loss column, and\n"
    "'scalefit isoflop' reads the file back.\n"
    "\n"
    "  --compute C[,C...]  budgets in FLOPs\n"
    "  --models K          model sizes per budget, at least 3 (default 9)\n"
    "  --law FIT.json      prior law (a fit file, e.g. from 'scalefit fit -o');\n"
    "                      default: Besiroglu et al. (2024)'s Chinchilla fit,\n"
    "                      E 1.8172, A 482.01, B 2085.43, alpha 0.3478,\n"
    "                      beta 0.3658\n"
    "  --span F            sizes from N_opt/F to N_opt*F (default 4)\n"
    "  --shape             add a transformer shape per size: layers, d_model\n"
    "                      (a multiple of the head size: 64 below 2048, 128\n"
    "                      from 2048) and heads, whose 12 layers d_model^2\n"
    "                      parameters are within 5% of N (N_shape), with\n"
    "                      d_model/layers nearest --aspect\n"
    "  --aspect R          target d_model/layers (default 128)\n"
    "  --json              print the plan as one JSON object instead of CSV\n"
    "  -o, --output FILE   write the CSV to FILE (overwritten) and print a\n"
    "                      summary\n"
    "  -h, --help          show this help\n"
    "\n"
    "Example:\n"
    "  scalefit plan --compute 6e18,1e19,3e19,6e19,1e20 --models 9 --shape\n";

enum { O_HELP = 'h', O_OUT = 'o', O_COMPUTE = 256, O_MODELS, O_LAW, O_SPAN, O_SHAPE, O_ASPECT,
       O_JSON };

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},    {"output", 'o', 1, O_OUT},  {"compute", 0, 1, O_COMPUTE},
    {"models", 0, 1, O_MODELS},  {"law", 0, 1, O_LAW},       {"span", 0, 1, O_SPAN},
    {"shape", 0, 0, O_SHAPE},    {"aspect", 0, 1, O_ASPECT}, {"json", 0, 0, O_JSON},
    {0, 0, 0, 0}};

/* Besiroglu et al. (2024), Table 1 (examples/besiroglu2024.json). */
static const double prior_default[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};

static void print_summary(const char *path, const sf_law *law, const double *params,
                          const sf_plan_options *o, const sf_alloc_row *opt, size_t nb,
                          const sf_plan_row *rows)
{
    printf("plan:       %zu budgets x %d model sizes = %zu runs, written to %s\n", nb, o->models,
           nb * (size_t)o->models, path);
    printf("prior:      %s", sf_law_name(law));
    for (size_t j = 0; j < sf_law_n_params(law); j++)
        printf(" %s=%.6g", sf_law_param_name(law, j), params[j]);
    printf("\n\n  %10s %11s %11s %9s %23s %17s\n", "compute", "N_opt", "D_opt", "D/N",
           "sizes", "tokens/param");
    for (size_t b = 0; b < nb; b++) {
        const sf_plan_row *r0 = &rows[b * (size_t)o->models];
        const sf_plan_row *r1 = r0 + o->models - 1;
        printf("  %10.4g %11.4g %11.4g %9.4g  %10.4g .. %-10.4g %7.3g .. %-7.3g\n",
               opt[b].compute, opt[b].params, opt[b].tokens, opt[b].tokens_per_param, r0->N,
               r1->N, r1->tokens_per_param, r0->tokens_per_param);
    }
}

int cmd_plan(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "plan", usage, opts, argc, argv);
    sf_plan_options o;
    sf_plan_options_init(&o);
    cli_model_args m;
    cli_model_args_init(&m);
    double *budgets = NULL;
    size_t nb = 0;
    const char *out_path = NULL;
    int json = 0, status = CLI_OK;
    const char *v;
    int id;
    long k;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP: fputs(help, stdout); goto done;
        case CLI_ARG_POSITIONAL: status = cli_usage_error(&p, "unexpected argument '%s'", v); break;
        case O_COMPUTE:
            free(budgets);
            status = cli_list(&p, v, &budgets, &nb);
            break;
        case O_MODELS:
            if ((status = cli_int(&p, v, 1, 100000, &k)) != CLI_OK) break;
            if (k < 3)
                status = cli_usage_error(&p, "--models: a budget needs at least 3 model sizes "
                                         "to locate a minimum, got %ld", k);
            o.models = (int)k;
            break;
        case O_LAW: m.fit_path = v; break;
        case O_SPAN:
            if ((status = cli_positive(&p, v, &o.span)) != CLI_OK) break;
            if (!(o.span > 1)) status = cli_usage_error(&p, "--span: must be > 1, got %s", v);
            break;
        case O_SHAPE: o.shape = 1; break;
        case O_ASPECT: status = cli_positive(&p, v, &o.aspect); break;
        case O_JSON: json = 1; break;
        case O_OUT: out_path = v; break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status != CLI_OK) goto done;
    if (!budgets) {
        status = cli_usage_error(&p, "missing --compute C[,C...]");
        goto done;
    }
    sf_fit *fit = NULL;
    sf_law *owned = NULL;
    if ((status = cli_check_paths((const char *const[]){m.fit_path}, 1,
                                  (const char *const[]){out_path}, (const char *const[]){"-o"},
                                  1)) != CLI_OK)
        goto done;
    if (!m.fit_path) {
        sf_error err;
        sf_error_clear(&err);
        if (sf_law_new("chinchilla", NULL, &owned, &err) != SF_OK) {
            status = cli_lib_error(&err);
            goto done;
        }
        if (sf_fit_from_params(owned, prior_default, &fit) != SF_OK) {
            sf_law_free(owned);
            status = cli_error("out of memory");
            goto done;
        }
    } else if ((status = cli_load_model(&p, &m, &fit, NULL, &owned)) != CLI_OK) {
        goto done;
    }
    const sf_law *law = sf_fit_law(fit);
    const double *params = sf_fit_params(fit);
    size_t n = nb * (size_t)o.models;
    sf_plan_row *rows = calloc(n, sizeof *rows);
    sf_alloc_row *opt = calloc(nb, sizeof *opt);
    sf_error err;
    sf_error_clear(&err);
    if (!rows || !opt) status = cli_error("out of memory");
    else if (sf_plan_sweep(law, params, budgets, nb, &o, rows, opt, &err) != SF_OK)
        status = cli_lib_error(&err);
    for (size_t i = 0; status == CLI_OK && o.shape && i < n; i++)
        if (!rows[i].shape.layers)
            cli_warning("no transformer shape within 5%% of N = %.4g (budget %.4g): its shape "
                        "columns are empty", rows[i].N, rows[i].compute);
    char *csv = NULL;
    if (status == CLI_OK && sf_plan_csv(rows, n, o.shape, &csv, &err) != SF_OK)
        status = cli_lib_error(&err);
    if (status == CLI_OK) {
        if (out_path) status = cli_write_file(out_path, csv);
        else if (!json) fputs(csv, stdout);
    }
    if (status == CLI_OK && json) {
        char *js = NULL;
        int rc = sf_plan_json(law, params, &o, opt, nb, rows, &js, &err);
        status = cli_write_made("-", rc, js, &err);
    } else if (status == CLI_OK && out_path) {
        print_summary(out_path, law, params, &o, opt, nb, rows);
    }
    free(csv);
    free(rows);
    free(opt);
    sf_fit_free(fit);
    sf_law_free(owned);
done:
    free(budgets);
    return status;
}
