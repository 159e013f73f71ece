/* scalefit optimal: compute-optimal N and D for budgets, or for a loss. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit optimal (FIT.json | --law NAME --set P=V...) "
    "(--compute C[,C...] | --target-loss L[,L...]) [--ci L,...] [--json]";

static const char help[] =
    "Usage: scalefit optimal FIT.json --compute C[,C...] [--json]\n"
    "       scalefit optimal FIT.json --target-loss L[,L...] [--json]\n"
    "\n"
    "The loss-minimising model size N and token count D for each compute\n"
    "budget C = 6ND, with tokens per parameter and the predicted loss.  For\n"
    "chinchilla the closed form of Hoffmann et al. (2022, eq. 4):\n"
    "N = G (C/6)^a, D = (C/6)^b / G.  --target-loss gives the smallest budget\n"
    "whose optimal model reaches each loss L.\n"
    "\n"
    "  --compute C[,C...]       budgets in FLOPs\n"
    "  --target-loss L[,L...]   losses to reach (must exceed the law's floor E)\n"
    "  --law NAME               law, instead of FIT.json\n"
    "  --set NAME=VALUE         a parameter of --law (natural scale)\n"
    "  --ci L[,L...]            interval levels when the fit file has draws\n"
    "                           (default: the levels it was fitted with)\n"
    "  --json                   {\"law\", \"rows\": [{\"compute\", \"params\",\n"
    "                           \"tokens\", \"tokens_per_param\", \"loss\"}]}\n"
    "                           with \"se\", \"ci\", \"intervals\" when it has draws\n"
    "  -h, --help               show this help\n"
    "\n"
    "A fit file from 'scalefit fit --bootstrap K -o FIT.json' or 'scalefit bayes\n"
    "-o FIT.json' keeps its draws: every row then gets intervals over them, the\n"
    "same the fit reported.\n"
    "\n"
    "Example:\n"
    "  scalefit optimal fit.json --compute 1e21,5.76e23,1e25\n";

enum { O_HELP = 'h', O_COMPUTE = 256, O_TARGET, O_LAW, O_SET, O_JSON, O_CI };

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP}, {"compute", 0, 1, O_COMPUTE}, {"target-loss", 0, 1, O_TARGET},
    {"law", 0, 1, O_LAW},     {"set", 0, 1, O_SET},         {"json", 0, 0, O_JSON},
    {"ci", 0, 1, O_CI},       {0, 0, 0, 0}};

int cmd_optimal(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "optimal", usage, opts, argc, argv);
    cli_model_args m;
    memset(&m, 0, sizeof m);
    double *budgets = NULL, *targets = NULL;
    size_t nb = 0, nt = 0;
    int json = 0, status = CLI_OK;
    double levels[SF_MAX_LEVELS];
    size_t n_levels = 0;
    const char *v;
    int id;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP: fputs(help, stdout); goto done;
        case CLI_ARG_POSITIONAL:
            if (m.fit_path) status = cli_usage_error(&p, "more than one fit file");
            m.fit_path = v;
            break;
        case O_COMPUTE:
            free(budgets);
            status = cli_list(&p, v, &budgets, &nb);
            break;
        case O_TARGET:
            free(targets);
            status = cli_list(&p, v, &targets, &nt);
            break;
        case O_LAW: m.law = v; break;
        case O_SET:
            if (m.n_set == SF_MAX_PARAMS) {
                status = cli_usage_error(&p, "--set: too many");
                break;
            }
            status = cli_name_value(&p, v, m.set_name[m.n_set], SF_NAME_MAX, &m.set_value[m.n_set]);
            m.n_set++;
            break;
        case O_JSON: json = 1; break;
        case O_CI: status = cli_levels(&p, v, levels, &n_levels); break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status != CLI_OK) goto done;
    if (!budgets == !targets) {
        status = cli_usage_error(&p, "give exactly one of --compute and --target-loss");
        goto done;
    }
    sf_fit *fit = NULL;
    sf_law *owned = NULL;
    if ((status = cli_load_model(&p, &m, &fit, &owned)) != CLI_OK) goto done;
    const sf_law *law = sf_fit_law(fit);
    size_t n = budgets ? nb : nt;
    sf_alloc_row *rows = calloc(n, sizeof *rows);
    sf_summary(*s)[5] = calloc(n, sizeof *s);
    if (!rows || !s) status = cli_error("out of memory");
    if (status == CLI_OK && n_levels && !sf_fit_n_draws(fit))
        status = cli_usage_error(&p, "--ci: the fit file has no draws (fit it with --bootstrap "
                                 "K, or with scalefit bayes, and -o FIT.json)");
    for (size_t i = 0; i < n && status == CLI_OK; i++) {
        sf_error err;
        sf_error_clear(&err);
        /* Over the fit file's draws when it has them (intervals), else at
         * its parameters only. */
        int rc = budgets ? sf_fit_alloc_summary(fit, budgets[i], levels, n_levels, &rows[i], s[i], &err)
                         : sf_fit_target_summary(fit, targets[i], levels, n_levels, &rows[i], s[i], &err);
        if (rc != SF_OK) status = cli_lib_error(&err);
    }
    if (status == CLI_OK && json) {
        char *js = sf_alloc_summary_json(law, rows, (const sf_summary(*)[5])s, n);
        status = js ? cli_write_file("-", js) : cli_error("out of memory");
        free(js);
    } else if (status == CLI_OK) {
        cli_print_allocations(stdout, fit, rows, (const sf_summary(*)[5])s, n);
    }
    free(rows);
    free(s);
    sf_fit_free(fit);
    sf_law_free(owned);
done:
    free(budgets);
    free(targets);
    return status;
}
