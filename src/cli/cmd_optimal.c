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
    "A row whose N_opt or D_opt lies beyond the fitted rows also gets an\n"
    "extrapolation interval of its loss, widening with the distance, calibrated\n"
    "on real families of models (\"extrapolation\"; docs/uncertainty.md).\n"
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

/* What the command line asks for. */
typedef struct opt_args {
    cli_model_args m;
    double *budgets, *targets;   /* --compute, --target-loss (malloc'd) */
    size_t nb, nt;
    double U, T;                 /* --unique-tokens, --inference-tokens */
    int json;
    const char *plot_path;
    double levels[SF_MAX_LEVELS];
    size_t n_levels;
} opt_args;

/* Parse and check the options: CLI_OK, a usage status, or -1 after
 * --help. */
static int parse_args(cli_parser *p, opt_args *a)
{
    int status = CLI_OK;
    const char *v;
    int id;
    while (status == CLI_OK && (id = cli_next(p, &v)) != CLI_ARG_END) {
        if ((status = cli_model_arg(p, id, v, &a->m)) != -1) continue;
        status = CLI_OK;
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP: fputs(help, stdout); return -1;
        case O_COMPUTE:
            free(a->budgets);
            status = cli_list(p, v, &a->budgets, &a->nb);
            break;
        case O_TARGET:
            free(a->targets);
            status = cli_list(p, v, &a->targets, &a->nt);
            break;
        case O_UNIQUE: status = cli_positive(p, v, &a->U); break;
        case O_INFER: status = cli_positive(p, v, &a->T); break;
        case O_JSON: a->json = 1; break;
        case O_PLOT: a->plot_path = v; break;
        case O_CI: status = cli_levels(p, v, a->levels, &a->n_levels); break;
        default: status = cli_usage_error(p, "internal: unhandled option");
        }
    }
    if (status != CLI_OK) return status;
    if (!a->budgets == !a->targets)
        return cli_usage_error(p, "give exactly one of --compute and --target-loss");
    if (a->U > 0 && a->T > 0)
        return cli_usage_error(p, "give --unique-tokens or --inference-tokens, not both");
    if (a->U > 0 && a->targets) return cli_usage_error(p, "--unique-tokens goes with --compute");
    return CLI_OK;
}

/* The n allocations asked for.  rows[i] always holds an allocation of
 * budget i: the data-constrained optimum (dc), the Chinchilla-optimal
 * reference of the inference rows (inf), or the plain allocation with its
 * summaries over the fit file's draws (s; at its parameters only without
 * draws).  CLI_OK, or CLI_ERROR after printing the error. */
static int allocate(const sf_fit *fit, const sf_draws *draws, const opt_args *a, size_t n,
                    sf_alloc_row *rows, sf_summary (*s)[5], sf_alloc_dc_row *dc,
                    sf_alloc_inference_row *inf, const char *unid)
{
    const sf_law *law = sf_fit_law(fit);
    const double *par = sf_fit_params(fit);
    for (size_t i = 0; i < n; i++) {
        sf_error err;
        sf_error_clear(&err);
        int rc;
        if (a->U > 0) {
            rc = sf_alloc_data_constrained(law, par, a->budgets[i], a->U, &dc[i], &err);
            rows[i] = dc[i].opt;
        } else if (a->T > 0) {
            rc = a->budgets ? sf_alloc_optimal(law, par, a->budgets[i], &rows[i], &err)
                            : sf_alloc_target_loss(law, par, a->targets[i], &rows[i], &err);
        } else {
            rc = a->budgets ? sf_fit_alloc_summary(fit, draws, a->budgets[i], a->levels,
                                                   a->n_levels, &rows[i], s[i], &err)
                            : sf_fit_target_summary(fit, draws, a->targets[i], a->levels,
                                                    a->n_levels, &rows[i], s[i], &err);
        }
        if (rc == SF_OK && a->T > 0)
            rc = sf_alloc_inference(law, par, &rows[i], a->T, &inf[i], &err);
        if (rc != SF_OK && unid)
            return cli_error("%s: no allocation: it rests on %s, which the fit file's "
                             "diagnoses mark as not identified (%s)", a->m.fit_path, unid,
                             err.message);
        if (rc != SF_OK) return cli_lib_error(&err);
    }
    return CLI_OK;
}

int cmd_optimal(int argc, char **argv)
{
    /* a task fit file: the allocation that maximises a task's accuracy */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strncmp(argv[i], "--maximize-acc", 14) == 0) return cmd_optimal_task(argc, argv);
    cli_parser p;
    cli_init(&p, "optimal", usage, opts, argc, argv);
    opt_args a;
    memset(&a, 0, sizeof a);
    cli_model_args_init(&a.m);
    int status = parse_args(&p, &a);
    if (status != CLI_OK) {
        if (status == -1) status = CLI_OK;
        goto done;
    }
    const double U = a.U, T = a.T;
    sf_fit *fit = NULL;
    sf_draws *draws = NULL;
    sf_law *owned = NULL;
    if ((status = cli_check_paths((const char *const[]){a.m.fit_path}, 1,
                                  (const char *const[]){a.plot_path},
                                  (const char *const[]){"--plot"}, 1)) != CLI_OK)
        goto done;
    if ((status = cli_load_model(&p, &a.m, &fit, &draws, &owned)) != CLI_OK) goto done;
    const sf_law *law = sf_fit_law(fit);
    /* Never an allocation on an unidentified parameter without saying so. */
    const char *unid = cli_diagnoses_for(fit, a.m.fit_path, "the allocation");
    int reads_u = (sf_law_roles(law) & SF_ROLE_BIT(SF_ROLE_U)) != 0;
    if (reads_u && !(U > 0))
        status = cli_usage_error(&p, "law '%s' reads unique tokens: give --unique-tokens U",
                                 sf_law_name(law));
    else if (!reads_u && U > 0)
        status = cli_usage_error(&p, "--unique-tokens: law '%s' has no unique-token term "
                                 "(datablations has)", sf_law_name(law));
    size_t n = a.budgets ? a.nb : a.nt;
    sf_alloc_row *rows = status == CLI_OK ? calloc(n, sizeof *rows) : NULL;
    sf_summary(*s)[5] = status == CLI_OK ? calloc(n, sizeof *s) : NULL;
    sf_alloc_dc_row *dc = status == CLI_OK && U > 0 ? calloc(n, sizeof *dc) : NULL;
    sf_alloc_inference_row *inf = status == CLI_OK && T > 0 ? calloc(n, sizeof *inf) : NULL;
    if (status == CLI_OK && (!rows || !s || (U > 0 && !dc) || (T > 0 && !inf)))
        status = cli_error("out of memory");
    if (status == CLI_OK) status = cli_ci_needs_draws(&p, draws, a.n_levels);
    if (status == CLI_OK && a.n_levels && (U > 0 || T > 0))
        status = cli_usage_error(&p, "--ci: intervals are computed for the plain allocation, not "
                                 "with --%s", U > 0 ? "unique-tokens" : "inference-tokens");
    if (status == CLI_OK) status = allocate(fit, draws, &a, n, rows, s, dc, inf, unid);
    if (status == CLI_OK && a.plot_path) {
        char *svg = NULL;
        sf_error err;
        sf_error_clear(&err);
        /* Bands across the fit file's draws, when it has them. */
        sf_plot_options po;
        sf_plot_options_init(&po);
        po.unique_tokens = U;
        po.inference_tokens = T;
        int rc = sf_plot_optimal(fit, draws, rows, n, &po, &svg, &err);
        status = cli_write_made(a.plot_path, rc, svg, &err);
    }
    /* The loss beyond the data gets the extrapolation term
     * (docs/uncertainty.md). */
    sf_extrap *ex = status == CLI_OK && !U && !T
                        ? cli_extrap_alloc(fit, draws, rows, n, a.levels, a.n_levels)
                        : NULL;
    if (status == CLI_OK && a.json) {
        char *js = NULL;
        sf_error err;
        sf_error_clear(&err);
        int rc = U > 0   ? sf_alloc_dc_json(law, dc, n, &js, &err)
                 : T > 0 ? sf_alloc_inference_json(law, inf, n, &js, &err)
                         : sf_alloc_summary_json(law, rows, (const sf_summary(*)[5])s, n, &js, &err);
        if (rc == SF_OK) js = cli_attach_extrap(js, ex, n);
        status = cli_write_made("-", rc == SF_OK && !js ? SF_ENOMEM : rc, js, &err);
    } else if (status == CLI_OK) {
        if (U > 0) print_dc(dc, n);
        else if (T > 0) print_inference(inf, n);
        else cli_print_allocations(stdout, draws, rows, (const sf_summary(*)[5])s, n);
        cli_print_extrap_rows(stdout, ex, n, a.budgets ? "budget" : "target");
    }
    free(ex);
    free(rows);
    free(s);
    free(dc);
    free(inf);
    sf_draws_free(draws);
    sf_fit_free(fit);
    sf_law_free(owned);
done:
    free(a.budgets);
    free(a.targets);
    return status;
}
