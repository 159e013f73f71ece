/* scalefit predict: the loss a fitted law predicts at given N, D (, U, C). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit predict (FIT.json | --law NAME --set P=V...) --params N[,N...] "
    "--tokens D[,D...] [--unique-tokens U[,...]] [--flops C[,...]] [--x N|D|C] "
    "[--breaks K] [--json]";

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
    "  --law NAME                law, instead of FIT.json\n"
    "  --set NAME=VALUE          a parameter of --law (natural scale)\n"
    "  --x N|D|C, --breaks K     options of --law (see scalefit fit --help)\n"
    "  --json                    one JSON object: {\"law\", \"rows\": [...]}\n"
    "  -h, --help                show this help\n"
    "\n"
    "Lists are paired element by element; a single value applies to all.\n"
    "\n"
    "Example:\n"
    "  scalefit predict fit.json --params 70e9 --tokens 1.4e12\n";

enum { O_HELP = 'h', O_N = 256, O_D, O_U, O_C, O_LAW, O_SET, O_JSON, O_X, O_BREAKS };

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP}, {"params", 0, 1, O_N}, {"tokens", 0, 1, O_D},
    {"unique-tokens", 0, 1, O_U}, {"flops", 0, 1, O_C}, {"law", 0, 1, O_LAW},
    {"set", 0, 1, O_SET}, {"json", 0, 0, O_JSON}, {"x", 0, 1, O_X},
    {"breaks", 0, 1, O_BREAKS}, {0, 0, 0, 0}};

int cmd_predict(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "predict", usage, opts, argc, argv);
    cli_model_args m;
    cli_model_args_init(&m);
    double *list[4] = {NULL, NULL, NULL, NULL};  /* N, D, U, C */
    size_t len[4] = {0, 0, 0, 0};
    int json = 0, status = CLI_OK;
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
        case O_N: case O_D: case O_U: case O_C: {
            int k = id - O_N;
            free(list[k]);
            status = cli_list(&p, v, &list[k], &len[k]);
            break;
        }
        case O_LAW: m.law = v; break;
        case O_X: status = cli_x_arg(&p, v, &m.law_opt, &m.law_opt_given); break;
        case O_BREAKS: status = cli_breaks_arg(&p, v, &m.law_opt, &m.law_opt_given); break;
        case O_SET:
            if (m.n_set == SF_MAX_PARAMS) {
                status = cli_usage_error(&p, "--set: too many");
                break;
            }
            status = cli_name_value(&p, v, m.set_name[m.n_set], SF_NAME_MAX, &m.set_value[m.n_set]);
            m.n_set++;
            break;
        case O_JSON: json = 1; break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status != CLI_OK) goto done;

    sf_fit *fit = NULL;
    sf_law *owned = NULL;
    if ((status = cli_load_model(&p, &m, &fit, &owned)) != CLI_OK) goto done;
    const sf_law *law = sf_fit_law(fit);
    unsigned roles = sf_law_roles(law);
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
    sf_point *pts = status == CLI_OK ? calloc(n, sizeof *pts) : NULL;
    double *loss = status == CLI_OK ? calloc(n, sizeof *loss) : NULL;
    if (status == CLI_OK && (!pts || !loss)) status = cli_error("out of memory");
    for (size_t i = 0; i < n && status == CLI_OK; i++) {
        double val[4] = {0, 0, 0, 0};
        for (int k = 0; k < 4; k++)
            if (list[k]) val[k] = list[k][len[k] == 1 ? 0 : i];
        pts[i] = (sf_point){.N = val[0], .D = val[1], .U = val[2], .C = val[3]};
        if (sf_law_predict(law, sf_fit_params(fit), &pts[i], &loss[i]) != SF_OK)
            status = cli_error("no finite prediction at N=%g, D=%g: inputs must be finite and > 0",
                               pts[i].N, pts[i].D);
    }
    if (status == CLI_OK && json) {
        char *js = sf_predict_json(law, pts, loss, n, list[2] != NULL);
        status = js ? cli_write_file("-", js) : cli_error("out of memory");
        free(js);
    } else if (status == CLI_OK) {
        /* The columns given, and C = 6ND when N and D are (U takes its
         * place for laws of unique tokens). */
        int show[4] = {list[0] != NULL, list[1] != NULL, list[2] != NULL,
                       list[3] != NULL || (list[0] && list[1] && !list[2])};
        static const char *const head[4] = {"N", "D", "U", "C"};
        for (int k = 0; k < 4; k++)
            if (show[k]) printf("%14s ", head[k]);
        printf("%16s\n", "loss");
        for (size_t i = 0; i < n; i++) {
            double val[4] = {pts[i].N, pts[i].D, pts[i].U,
                             pts[i].C > 0 ? pts[i].C : 6.0 * pts[i].N * pts[i].D};
            for (int k = 0; k < 4; k++)
                if (show[k]) printf("%14.6g ", val[k]);
            printf("%16.10g\n", loss[i]);
        }
    }
    free(pts);
    free(loss);
    sf_fit_free(fit);
    sf_law_free(owned);
done:
    for (int k = 0; k < 4; k++) free(list[k]);
    return status;
}
