/* scalefit: the command-line entry point and subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/curves.h"

static const char main_help[] =
    "Usage: scalefit COMMAND [options]\n"
    "\n"
    "Fit neural scaling laws to training runs and answer \"what N and D for a\n"
    "compute budget C?\".\n"
    "\n"
    "Commands:\n"
    "  fit       fit a law to runs in a CSV file (parameters N, tokens D, loss)\n"
    "  predict   predicted loss of a fitted law at given N and D\n"
    "  optimal   compute-optimal N and D for budgets, or the budget for a loss\n"
    "  laws      list the laws, their formulas and parameters\n"
    "  demo      simulate a sweep from a published law, fit it and allocate\n"
    "  isoflop   compute-optimal exponents from IsoFLOP profiles (Approach 2)\n"
    "  envelope  compute-optimal exponents from training curves (Approach 1)\n"
    "  plan      design an IsoFLOP sweep around a prior law's optimum\n"
    "  report    fit a law and write the analysis as one HTML page with plots\n"
    "  validate  judge a law by extrapolating from smaller models to a larger one\n"
    "  bayes     posterior over a law's parameters (ensemble MCMC), intervals\n"
    "  forecast  a run's loss at steps not trained yet, from its LR schedule\n"
    "  watch     follow a training log and refresh the forecast of its final loss\n"
    "  task      downstream task accuracy: two-step and direct task laws\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help\n"
    "  --version      print the version\n"
    "\n"
    "Run 'scalefit COMMAND --help' for a command's options; 'man scalefit' for\n"
    "the manual (docs/scalefit.1 in the source tree).\n";

/* How a typed law is read: parameters, scales, bounds, variables. */
static int show_formula(const char *formula)
{
    sf_law *law;
    sf_error err;
    if (sf_law_parse(formula, NULL, &law, &err) != SF_OK) return cli_lib_error(&err);
    printf("formula:      %s\nreads:       ", formula);
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (r != SF_ROLE_LOSS && (sf_law_roles(law) & SF_ROLE_BIT(r)))
            printf(" %s", sf_role_name((sf_role)r));
    for (size_t k = 0; k < sf_law_n_extra(law); k++) printf(" %s", sf_law_extra_name(law, k));
    printf("\n\n  %-12s %-8s %-22s\n", "parameter", "scale", "default bounds");
    for (size_t j = 0; j < sf_law_n_params(law); j++) {
        double lo, hi;
        sf_law_bounds(law, j, &lo, &hi);
        char b[64];
        snprintf(b, sizeof b, "[%g, %g]", lo, hi);
        printf("  %-12s %-8s %-22s\n", sf_law_param_name(law, j),
               sf_law_param_log_scale(law, j) ? "log" : "linear", b);
    }
    size_t nl = sf_law_n_linear(law);
    printf("\nvariable projection: ");
    if (!nl) printf("no (not a sum of coefficient x term)\n");
    for (size_t k = 0; k < nl; k++)
        printf("%s%s", sf_law_param_name(law, (size_t)sf_law_linear_param(law, k)),
               k + 1 < nl ? ", " : " solved by least squares\n");
    sf_law_free(law);
    return CLI_OK;
}

/* The curve laws (`forecast --law`): the loss along one run under its
 * learning-rate schedule, a catalogue of their own (docs/curves.md). */
static void print_curve_laws(void)
{
    printf("\nCurve laws (scalefit forecast --law NAME; the loss at step t of a run "
           "under its LR schedule):\n");
    for (size_t i = 0; i < sf_curve_law_count(); i++) {
        const char *name = sf_curve_law_name_at(i);
        printf("%-13s %s\n%-13s parameters:", name, sf_curve_law_formula(name), "");
        for (size_t j = 0; j < sf_curve_law_n_params(name); j++)
            printf(" %s", sf_curve_law_param_name(name, j));
        /* every curve law but the plain one in steps reads the schedule */
        printf("\n%-13s reads: step %sloss\n", "", strcmp(name, "steps") ? "lr " : "");
    }
}

static int cmd_laws(int argc, char **argv)
{
    static const cli_opt opts[] = {{"help", 'h', 0, 'h'}, {0, 0, 0, 0}};
    cli_parser p;
    cli_init(&p, "laws", "scalefit laws [FORMULA]", opts, argc, argv);
    const char *v, *formula = NULL;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_ARG_END) {
        if (id == CLI_ARG_BAD) return CLI_USAGE;
        if (id == 'h') {
            fputs("Usage: scalefit laws [FORMULA]\n\nList every law with its formula and "
                  "parameter names (the names --fix, --tie and fit files use).\n"
                  "With FORMULA (e.g. 'E + A/N^alpha + B/D^beta'), show how scalefit reads\n"
                  "it: its parameters with their scales and default bounds, the variables\n"
                  "it reads, and which coefficients variable projection solves for.\n"
                  "Any --law option takes a formula or --law-file FILE (docs/laws.md).\n"
                  "The curve laws of 'scalefit forecast' are listed after them.\n"
                  "\n"
                  "Options:\n"
                  "  -h, --help    show this help\n",
                  stdout);
            return CLI_OK;
        }
        if (id == CLI_ARG_POSITIONAL && !formula) {
            formula = v;
            continue;
        }
        return cli_usage_error(&p, "unexpected argument '%s'", v);
    }
    if (formula) return show_formula(formula);
    for (size_t i = 0; i < sf_law_count(); i++) {
        const char *name = sf_law_name_at(i);
        sf_law *law;
        sf_error err;
        if (sf_law_new(name, NULL, &law, &err) != SF_OK) return cli_lib_error(&err);
        printf("%-13s %s\n%-13s parameters:", name, sf_law_formula(name), "");
        for (size_t j = 0; j < sf_law_n_params(law); j++)
            printf(" %s", sf_law_param_name(law, j));
        printf("\n%-13s reads:", "");
        for (int r = 0; r < SF_ROLE_COUNT; r++)
            if (sf_law_roles(law) & SF_ROLE_BIT(r)) printf(" %s", sf_role_name((sf_role)r));
        printf("\n");
        sf_law_free(law);
    }
    printf("\nor a formula: --law 'E + A/N^alpha + B/D^beta' (scalefit laws FORMULA shows "
           "how it is read; docs/laws.md)\n");
    print_curve_laws();
    return CLI_OK;
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} commands[] = {
    {"fit", cmd_fit},
    {"predict", cmd_predict},
    {"optimal", cmd_optimal},
    {"laws", cmd_laws},
    {"demo", cmd_demo},
    {"isoflop", cmd_isoflop},
    {"envelope", cmd_envelope},
    {"plan", cmd_plan},
    {"report", cmd_report},
    {"validate", cmd_validate},
    {"bayes", cmd_bayes},
    {"forecast", cmd_forecast},
    {"watch", cmd_watch},
    {"task", cmd_task},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return cli_finish(CLI_USAGE);
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(main_help, stdout);
        return cli_finish(CLI_OK);
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("scalefit %s\n", SF_VERSION);
        return cli_finish(CLI_OK);
    }
    cli_install_signals();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return cli_finish(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "scalefit: unknown command '%s'\n\n%s", cmd, main_help);
    return cli_finish(CLI_USAGE);
}
