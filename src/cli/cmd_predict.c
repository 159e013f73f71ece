/* scalefit predict: the loss a fitted law predicts at given N, D (, U, C). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit predict (FIT.json | --law NAME --set P=V...) --params N[,N...] "
    "--tokens D[,D...] [--unique-tokens U[,...]] [--flops C[,...]] [--x N|D|C] "
    "[--breaks K] [--var NAME=V[,V...]]... [--interval] [--ci L,...] [--json]";

static const char help[] =
    "Usage: scalefit predict FIT.json --params N --tokens D [options]\n"
    "       scalefit predict --law NAME --set P=V... --params N --tokens D\n"
    "\n"
    "Predicted loss of a fitted law (a file written by 'scalefit fit -o') or of\n"
    "a law with given parameters (--law with --set for every parameter, e.g.\n"
    "published values).\n"
    "\n"
    "  --params N[,N...]         parameter counts\n"
    "  --tokens D[,D...]         training tokens\n"
    "  --unique-tokens U[,...]   unique tokens (laws of repeated data)\n"
    "  --flops C[,...]           training FLOPs (laws over C; default 6ND)\n"
    "  --var NAME=V[,V...]       values of an extra column a formula law reads\n"
    "                            (e.g. --var precision=8); repeatable\n"
    "  --law NAME                law, instead of FIT.json\n"
    "  --set NAME=VALUE          a parameter of --law (natural scale)\n"
    "  --x N|D|C, --breaks K     options of --law (see scalefit fit --help)\n"
    "  --interval                also a prediction interval for a new run: the\n"
    "                            fit's draws combined with its residual scatter\n"
    "                            (needs a fit file with draws)\n"
    "  --ci L[,L...]             interval levels (default: the fit file's)\n"
    "  --json                    one JSON object: {\"law\", \"rows\": [...]}\n"
    "  -h, --help                show this help\n"
    "\n"
    "Lists are paired element by element; a single value applies to all.\n"
    "A fit file from 'scalefit fit --bootstrap K -o FIT.json' or 'scalefit bayes\n"
    "-o FIT.json' keeps its draws: the predicted loss then gets intervals over\n"
    "them (the uncertainty of the law), and --interval the wider interval for\n"
    "the loss a new run would show (docs/uncertainty.md).  A point beyond the\n"
    "fitted N or D also gets an extrapolation interval, widening with the\n"
    "distance, calibrated on real families of models (\"extrapolation\").\n"
    "\n"
    "Example:\n"
    "  scalefit predict fit.json --params 70e9 --tokens 1.4e12\n";

enum {
    O_HELP = 'h', O_N = 256, O_D, O_U, O_C, O_JSON, O_INTERVAL, O_CI, O_VAR
};

/* --var NAME=V[,V...]: the values of the extra columns of a formula law. */
typedef struct var_args {
    size_t n;
    char name[SF_MAX_EXTRA][SF_NAME_MAX];
    double *list[SF_MAX_EXTRA];
    size_t len[SF_MAX_EXTRA];
} var_args;

static int var_arg(const cli_parser *p, const char *v, var_args *va)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || (size_t)(eq - v) >= SF_NAME_MAX)
        return cli_usage_error(p, "--var: expected NAME=VALUE[,VALUE...], got '%s'", v);
    if (va->n == SF_MAX_EXTRA) return cli_usage_error(p, "--var: too many");
    memcpy(va->name[va->n], v, (size_t)(eq - v));
    va->name[va->n][eq - v] = '\0';
    int rc = cli_list(p, eq + 1, &va->list[va->n], &va->len[va->n]);
    if (rc == CLI_OK) va->n++;
    return rc;
}

/* Index into va of each extra column the law reads; a usage error when
 * one is missing or a list has another length than n. */
static int var_map(const cli_parser *p, const sf_law *law, const var_args *va, size_t n,
                   int *idx)
{
    for (size_t k = 0; k < sf_law_n_extra(law); k++) {
        idx[k] = -1;
        for (size_t j = 0; j < va->n; j++)
            if (strcmp(va->name[j], sf_law_extra_name(law, k)) == 0) idx[k] = (int)j;
        if (idx[k] < 0)
            return cli_usage_error(p, "the law reads column '%s': give --var %s=VALUE",
                                   sf_law_extra_name(law, k), sf_law_extra_name(law, k));
        if (va->len[idx[k]] != 1 && va->len[idx[k]] != n)
            return cli_usage_error(p, "--var %s: %zu values for %zu points",
                                   va->name[idx[k]], va->len[idx[k]], n);
    }
    return CLI_OK;
}

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP}, {"params", 0, 1, O_N}, {"tokens", 0, 1, O_D},
    {"unique-tokens", 0, 1, O_U}, {"flops", 0, 1, O_C},
    {"json", 0, 0, O_JSON},       {"interval", 0, 0, O_INTERVAL}, {"ci", 0, 1, O_CI},
    {"var", 0, 1, O_VAR},         CLI_MODEL_OPTIONS,            {0, 0, 0, 0}};

int cmd_predict(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "predict", usage, opts, argc, argv);
    cli_model_args m;
    cli_model_args_init(&m);
    double *list[4] = {NULL, NULL, NULL, NULL};  /* N, D, U, C */
    size_t len[4] = {0, 0, 0, 0};
    int json = 0, interval = 0, status = CLI_OK;
    double levels[SF_MAX_LEVELS];
    size_t n_levels = 0;
    var_args va;
    memset(&va, 0, sizeof va);
    int vidx[SF_MAX_EXTRA];
    const char *v;
    int id;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        if ((status = cli_model_arg(&p, id, v, &m)) != -1) continue;
        status = CLI_OK;
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP: fputs(help, stdout); goto done;
        case O_N: case O_D: case O_U: case O_C: {
            int k = id - O_N;
            free(list[k]);
            status = cli_list(&p, v, &list[k], &len[k]);
            break;
        }
        case O_JSON: json = 1; break;
        case O_INTERVAL: interval = 1; break;
        case O_CI: status = cli_levels(&p, v, levels, &n_levels); break;
        case O_VAR: status = var_arg(&p, v, &va); break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status != CLI_OK) goto done;

    sf_fit *fit = NULL;
    sf_draws *draws = NULL;
    sf_law *owned = NULL;
    if ((status = cli_load_model(&p, &m, &fit, &draws, &owned)) != CLI_OK) goto done;
    const sf_law *law = sf_fit_law(fit);
    unsigned roles = sf_law_roles(law);
    cli_diagnoses_for(fit, m.fit_path, "extrapolation beyond the data's range");
    static const int role_of[4] = {SF_ROLE_N, SF_ROLE_D, SF_ROLE_U, SF_ROLE_C};
    static const char *const flag_of[4] = {"--params", "--tokens", "--unique-tokens", "--flops"};
    size_t n = 1;
    for (int k = 0; k < 4; k++) {
        int needed = (roles & SF_ROLE_BIT(role_of[k])) != 0;
        /* C is 6ND when not given; N and D are needed to make it. */
        if (k < 2 && (roles & SF_ROLE_BIT(SF_ROLE_C)) && !list[3]) needed = 1;
        if (k == 3 && list[0] && list[1]) needed = 0;
        if (needed && !list[k]) {
            status = cli_usage_error(&p, "law '%s' needs %s", sf_law_name(law), flag_of[k]);
            break;
        }
        if (!list[k] || len[k] == 1) continue;
        if (n != 1 && len[k] != n) {
            status = cli_usage_error(&p, "lists of different lengths (%zu and %zu)", n, len[k]);
            break;
        }
        n = len[k];
    }
    for (size_t j = 0; j < va.n && status == CLI_OK; j++)
        if (va.len[j] != 1) n = va.len[j];
    if (status == CLI_OK) status = var_map(&p, law, &va, n, vidx);
    if (status == CLI_OK) status = cli_ci_needs_draws(&p, draws, n_levels);
    sf_point *pts = status == CLI_OK ? calloc(n, sizeof *pts) : NULL;
    sf_summary *loss = status == CLI_OK ? calloc(n, sizeof *loss) : NULL;
    sf_summary *pred = status == CLI_OK && interval ? calloc(n, sizeof *pred) : NULL;
    if (status == CLI_OK && (!pts || !loss || (interval && !pred)))
        status = cli_error("out of memory");
    for (size_t i = 0; i < n && status == CLI_OK; i++) {
        double val[4] = {0, 0, 0, 0};
        for (int k = 0; k < 4; k++)
            if (list[k]) val[k] = list[k][len[k] == 1 ? 0 : i];
        pts[i] = (sf_point){.N = val[0], .D = val[1], .U = val[2], .C = val[3]};
        for (size_t k = 0; k < sf_law_n_extra(law); k++)
            pts[i].extra[k] = va.list[vidx[k]][va.len[vidx[k]] == 1 ? 0 : i];
        sf_error err;
        sf_error_clear(&err);
        /* Over the fit file's draws when it has them, else the point only. */
        if (sf_fit_predict_summary(fit, draws, &pts[i], levels, n_levels, &loss[i],
                                   interval ? &pred[i] : NULL, &err) != SF_OK)
            status = cli_lib_error(&err);
    }
    int with_u = list[2] != NULL;
    /* Points beyond the data get the extrapolation term (issue 23). */
    sf_extrap *ex = status == CLI_OK ? cli_extrap_points(fit, draws, pts, loss, n, levels, n_levels)
                                     : NULL;
    if (status == CLI_OK && json) {
        char *js = NULL;
        sf_error err;
        sf_error_clear(&err);
        int rc = sf_predict_summary_json(law, pts, loss, pred, n, with_u, &js, &err);
        if (rc == SF_OK) js = cli_attach_extrap(js, ex, n);
        status = cli_write_made("-", rc == SF_OK && !js ? SF_ENOMEM : rc, js, &err);
    } else if (status == CLI_OK) {
        cli_print_predictions(stdout, draws, pts, loss, pred, n, with_u);
        cli_print_extrap_rows(stdout, ex, n, "point");
    }
    free(ex);
    free(pts);
    free(loss);
    free(pred);
    sf_draws_free(draws);
    sf_fit_free(fit);
    sf_law_free(owned);
done:
    for (int k = 0; k < 4; k++) free(list[k]);
    for (size_t j = 0; j < va.n; j++) free(va.list[j]);
    return status;
}
