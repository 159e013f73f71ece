/* scalefit optimal: compute-optimal N and D for budgets, or for a loss;
 * data-constrained (--unique-tokens) and inference-aware
 * (--inference-tokens) variants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit optimal (FIT.json | --law NAME --set P=V...) "
    "(--compute C[,C...] | --target-loss L[,L...]) "
    "[--unique-tokens U | --inference-tokens T] [--ci L,...] [--json] [--plot FILE.svg]";

static const char help[] =
    "Usage: scalefit optimal FIT.json --compute C[,C...] [--json]\n"
    "       scalefit optimal FIT.json --target-loss L[,L...] [--json]\n"
    "       scalefit optimal FIT.json --compute C[,C...] --unique-tokens U\n"
    "       scalefit optimal FIT.json (--compute C | --target-loss L) --inference-tokens T\n"
    "       scalefit optimal TASKS.json --maximize-acc TASK (--compute C | --target-acc A)\n"
    "\n"
    "The loss-minimising model size N and token count D for each compute\n"
    "budget C = 6ND, with tokens per parameter and the predicted loss.  For\n"
    "chinchilla the closed form of Hoffmann et al. (2022, eq. 4):\n"
    "N = G (C/6)^a, D = (C/6)^b / G.  --target-loss gives the smallest budget\n"
    "whose optimal model reaches each loss L.\n"
    "\n"
    "  --compute C[,C...]       budgets in FLOPs\n"
    "  --target-loss L[,L...]   losses to reach (must exceed the law's floor E)\n"
    "  --unique-tokens U        only U unique tokens exist (a datablations fit,\n"
    "                           Muennighoff et al. 2023): the exact optimum on\n"
    "                           C = 6ND with repeated data, its epochs D/U, the\n"
    "                           loss change per doubling of C (with U and with\n"
    "                           unlimited data) and the floor no budget passes\n"
    "  --inference-tokens T     the model will process T tokens at inference\n"
    "                           (2N FLOPs each; Sardana et al. 2023): the N, D\n"
    "                           reaching the same loss as the Chinchilla-optimal\n"
    "                           model with the fewest total FLOPs 6ND + 2NT,\n"
    "                           and the saving\n"
    "  --law NAME               law, instead of FIT.json\n"
    "  --set NAME=VALUE         a parameter of --law (natural scale)\n"
    "  --x N|D|C, --breaks K    options of --law (see scalefit fit --help)\n"
    "  --ci L[,L...]            interval levels when the fit file has draws\n"
    "                           (default: the levels it was fitted with)\n"
    "  --json                   {\"law\", \"rows\": [{\"compute\", \"params\",\n"
    "                           \"tokens\", \"tokens_per_param\", \"loss\", ...}]}\n"
    "  --plot FILE.svg          also draw optimal N, D and tokens per parameter\n"
    "                           against compute as SVG, with markers at the rows\n"
    "                           above, to FILE (overwritten; docs/plots.md);\n"
    "                           shaded bands over the fit file's draws\n"
    "  --maximize-acc TASK      with a task fit ('scalefit task fit -o'): the\n"
    "                           allocation maximising TASK's accuracy at each\n"
    "                           budget (it minimises the task's step-1 loss),\n"
    "                           with the predicted accuracy (docs/tasks.md)\n"
    "  --target-acc A[,A...]    with --maximize-acc: the smallest budget whose\n"
    "                           allocation reaches each accuracy\n"
    "  -h, --help               show this help\n"
    "\n"
    "A fit file from 'scalefit fit --bootstrap K -o FIT.json' or 'scalefit bayes\n"
    "-o FIT.json' keeps its draws: the plain rows then get intervals over them,\n"
    "the same the fit reported (the JSON rows gain \"se\", \"ci\", \"intervals\").\n"
    "\n"
    "Examples:\n"
    "  scalefit optimal fit.json --compute 1e21,5.76e23,1e25\n"
    "  scalefit optimal datablations.json --compute 1e22 --unique-tokens 25e9\n"
    "  scalefit optimal fit.json --compute 4.5e22 --inference-tokens 2e12\n";

enum {
    O_HELP = 'h', O_COMPUTE = 256, O_TARGET, O_JSON, O_UNIQUE, O_INFER, O_PLOT, O_CI
};

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},         {"compute", 0, 1, O_COMPUTE},
    {"target-loss", 0, 1, O_TARGET},  {"json", 0, 0, O_JSON},
    {"unique-tokens", 0, 1, O_UNIQUE}, {"inference-tokens", 0, 1, O_INFER},
    {"plot", 0, 1, O_PLOT},           {"ci", 0, 1, O_CI},
    CLI_MODEL_OPTIONS,                {0, 0, 0, 0}};

static void print_dc(const sf_alloc_dc_row *r, size_t n)
{
    printf("%12s %14s %14s %9s %12s %12s %14s\n", "compute", "N_opt", "D_opt", "epochs",
           "loss", "dL/2x C", "(unlimited U)");
    for (size_t i = 0; i < n; i++)
        printf("%12.4g %14.6g %14.6g %9.4g %12.6g %12.4g %14.4g\n", r[i].opt.compute,
               r[i].opt.params, r[i].opt.tokens, r[i].epochs, r[i].opt.loss,
               r[i].loss_per_doubling, r[i].unlimited_per_doubling);
    if (n > 0)
        printf("\nWith U = %.4g unique tokens no budget gets below L = %.6g; dL/2x C is the\n"
               "change of the optimal loss per doubling of compute.\n",
               r[0].unique_tokens, r[0].floor);
}

static void print_inference(const sf_alloc_inference_row *r, size_t n)
{
    printf("%10s | %12s %12s %12s | %12s %12s %12s %8s\n", "loss", "N_chinchilla",
           "D_chinchilla", "total FLOPs", "N_opt", "D_opt", "total FLOPs", "saving");
    for (size_t i = 0; i < n; i++)
        printf("%10.6g | %12.4g %12.4g %12.4g | %12.4g %12.4g %12.4g %7.2f%%\n",
               r[i].reference.loss, r[i].reference.params, r[i].reference.tokens,
               r[i].reference_total, r[i].opt.params, r[i].opt.tokens, r[i].total_flops,
               100.0 * r[i].saving);
    if (n > 0)
        printf("\nTotal FLOPs = 6ND training + 2NT inference with T = %.4g tokens; both\n"
               "models reach the same loss.\n", r[0].inference_tokens);
}

int cmd_optimal(int argc, char **argv)
{
    /* a task fit file: the allocation that maximises a task's accuracy */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strncmp(argv[i], "--maximize-acc", 14) == 0) return cmd_optimal_task(argc, argv);
    cli_parser p;
    cli_init(&p, "optimal", usage, opts, argc, argv);
    cli_model_args m;
    cli_model_args_init(&m);
    double *budgets = NULL, *targets = NULL, U = 0, T = 0;
    size_t nb = 0, nt = 0;
    int json = 0, status = CLI_OK;
    const char *plot_path = NULL;
    double levels[SF_MAX_LEVELS];
    size_t n_levels = 0;
    const char *v;
    int id;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        if ((status = cli_model_arg(&p, id, v, &m)) != -1) continue;
        status = CLI_OK;
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP: fputs(help, stdout); goto done;
        case O_COMPUTE:
            free(budgets);
            status = cli_list(&p, v, &budgets, &nb);
            break;
        case O_TARGET:
            free(targets);
            status = cli_list(&p, v, &targets, &nt);
            break;
        case O_UNIQUE: status = cli_positive(&p, v, &U); break;
        case O_INFER: status = cli_positive(&p, v, &T); break;
        case O_JSON: json = 1; break;
        case O_PLOT: plot_path = v; break;
        case O_CI: status = cli_levels(&p, v, levels, &n_levels); break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status != CLI_OK) goto done;
    if (!budgets == !targets) {
        status = cli_usage_error(&p, "give exactly one of --compute and --target-loss");
        goto done;
    }
    if (U > 0 && T > 0) {
        status = cli_usage_error(&p, "give --unique-tokens or --inference-tokens, not both");
        goto done;
    }
    if (U > 0 && targets) {
        status = cli_usage_error(&p, "--unique-tokens goes with --compute");
        goto done;
    }
    sf_fit *fit = NULL;
    sf_law *owned = NULL;
    if ((status = cli_load_model(&p, &m, &fit, &owned)) != CLI_OK) goto done;
    const sf_law *law = sf_fit_law(fit);
    const double *par = sf_fit_params(fit);
    int reads_u = (sf_law_roles(law) & SF_ROLE_BIT(SF_ROLE_U)) != 0;
    if (reads_u && !(U > 0))
        status = cli_usage_error(&p, "law '%s' reads unique tokens: give --unique-tokens U",
                                 sf_law_name(law));
    else if (!reads_u && U > 0)
        status = cli_usage_error(&p, "--unique-tokens: law '%s' has no unique-token term "
                                 "(datablations has)", sf_law_name(law));
    size_t n = budgets ? nb : nt;
    sf_alloc_row *rows = status == CLI_OK ? calloc(n, sizeof *rows) : NULL;
    sf_summary(*s)[5] = status == CLI_OK ? calloc(n, sizeof *s) : NULL;
    sf_alloc_dc_row *dc = status == CLI_OK && U > 0 ? calloc(n, sizeof *dc) : NULL;
    sf_alloc_inference_row *inf = status == CLI_OK && T > 0 ? calloc(n, sizeof *inf) : NULL;
    if (status == CLI_OK && (!rows || !s || (U > 0 && !dc) || (T > 0 && !inf)))
        status = cli_error("out of memory");
    if (status == CLI_OK) status = cli_ci_needs_draws(&p, fit, n_levels);
    if (status == CLI_OK && n_levels && (U > 0 || T > 0))
        status = cli_usage_error(&p, "--ci: intervals are computed for the plain allocation, not "
                                 "with --%s", U > 0 ? "unique-tokens" : "inference-tokens");
    for (size_t i = 0; i < n && status == CLI_OK; i++) {
        sf_error err;
        sf_error_clear(&err);
        int rc;
        /* rows[i] always holds an allocation of budget i: the data-constrained
         * optimum, or the Chinchilla-optimal reference of the inference rows. */
        if (U > 0) {
            rc = sf_alloc_data_constrained(law, par, budgets[i], U, &dc[i], &err);
            rows[i] = dc[i].opt;
        } else if (T > 0) {
            rc = budgets ? sf_alloc_optimal(law, par, budgets[i], &rows[i], &err)
                         : sf_alloc_target_loss(law, par, targets[i], &rows[i], &err);
        } else {
            /* Over the fit file's draws when it has them (intervals), else
             * at its parameters only. */
            rc = budgets
                     ? sf_fit_alloc_summary(fit, budgets[i], levels, n_levels, &rows[i], s[i], &err)
                     : sf_fit_target_summary(fit, targets[i], levels, n_levels, &rows[i], s[i], &err);
        }
        if (rc == SF_OK && T > 0) rc = sf_alloc_inference(law, par, &rows[i], T, &inf[i], &err);
        if (rc != SF_OK) status = cli_lib_error(&err);
    }
    if (status == CLI_OK && plot_path) {
        char *svg = NULL;
        sf_error err;
        sf_error_clear(&err);
        /* Bands across the fit file's draws, when it has them. */
        double *draws;
        size_t nd;
        if ((status = cli_fit_draws(fit, &draws, &nd)) == CLI_OK) {
            sf_plot_options po;
            sf_plot_options_init(&po);
            po.unique_tokens = U;
            po.inference_tokens = T;
            int rc = sf_plot_optimal(fit, draws, nd, rows, n, &po, &svg, &err);
            status = cli_write_made(plot_path, rc, svg, &err);
        }
        free(draws);
    }
    if (status == CLI_OK && json) {
        char *js = U > 0   ? sf_alloc_dc_json(law, dc, n)
                   : T > 0 ? sf_alloc_inference_json(law, inf, n)
                           : sf_alloc_summary_json(law, rows, (const sf_summary(*)[5])s, n);
        status = cli_write_owned("-", js);
    } else if (status == CLI_OK) {
        if (U > 0) print_dc(dc, n);
        else if (T > 0) print_inference(inf, n);
        else cli_print_allocations(stdout, fit, rows, (const sf_summary(*)[5])s, n);
    }
    free(rows);
    free(s);
    free(dc);
    free(inf);
    sf_fit_free(fit);
    sf_law_free(owned);
done:
    free(budgets);
    free(targets);
    return status;
}
