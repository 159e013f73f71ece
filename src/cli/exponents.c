/* The command-line code shared by the two commands that estimate the
 * compute-optimal exponents from a sweep (scalefit isoflop, Chinchilla's
 * Approach 2; scalefit envelope, Approach 1): their common options,
 * reading the runs, the table of fitted power laws, writing the JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exponents.h"

const char cli_exponent_help[] =
    "Intervals:\n"
    "  --bootstrap K       resamples for the percentile intervals (default\n"
    "                      1000; 0 = none)\n"
    "  --level P           interval level (default 0.95)\n"
    "  --seed S            random seed, recorded in the JSON (default 0)\n"
    "  --threads T         threads (default: all cores; results do not depend\n"
    "                      on it)\n"
    "\n"
    "Input:\n"
    "  --keep-edge         also fit the minima that lie at an edge of the sizes\n"
    "                      sampled (left out by default, with a warning)\n"
    "\n"
    "Output:\n"
    "  --json              print one JSON object (docs/json.md)\n"
    "  -o, --output FILE   also write the JSON to FILE (overwritten)\n"
    "  --plot FILE.svg     also draw the analysis as SVG to FILE (overwritten;\n"
    "                      docs/plots.md); what is left out of the fit is\n"
    "                      drawn hollow\n"
    "  -h, --help          show this help\n";

static void exponent_args_init(cli_exponent_args *a)
{
    memset(a, 0, sizeof *a);
    cli_fit_args_init(&a->fa);
    a->bootstrap = 1000;
    a->level = 0.95;
}

/* A shared option or the positional DATA.csv: CLI_OK, CLI_USAGE after a
 * message, CLI_ARG_END after --help, or -1 when `id` is the command's. */
static int exponent_arg(cli_parser *p, int id, const char *v, cli_exponent_args *a,
                        const char *help_head, const char *help_tail)
{
    int rc = cli_fit_arg(p, id, v, &a->fa);
    if (rc != -1) return rc;
    long k;
    double x;
    switch (id) {
    case CLI_ARG_BAD: return CLI_USAGE;
    case CLI_EXPONENT_HELP:
        fputs(help_head, stdout);
        fputs(cli_data_help, stdout);
        fputs("\n", stdout);
        fputs(cli_exponent_help, stdout);
        fputs(help_tail, stdout);
        return CLI_ARG_END;
    case CLI_ARG_POSITIONAL:
        if (a->path) return cli_usage_error(p, "more than one data file ('%s', '%s')", a->path, v);
        a->path = v;
        return CLI_OK;
    case CLI_EXPONENT_OUT: a->out_path = v; return CLI_OK;
    case CLI_EXPONENT_PLOT: a->plot_path = v; return CLI_OK;
    case CLI_EXPONENT_BOOTSTRAP:
        if ((rc = cli_int(p, v, 0, 1000000, &k)) != CLI_OK) return rc;
        a->bootstrap = (int)k;
        return CLI_OK;
    case CLI_EXPONENT_LEVEL:
        if ((rc = cli_double(p, v, &x)) != CLI_OK) return rc;
        if (!(x > 0 && x < 1)) return cli_usage_error(p, "--level: must be in (0, 1), got %s", v);
        a->level = x;
        return CLI_OK;
    case CLI_EXPONENT_SEED: return cli_seed(p, v, &a->seed);
    case CLI_EXPONENT_THREADS:
        if ((rc = cli_int(p, v, 0, 4096, &k)) != CLI_OK) return rc;
        a->threads = (int)k;
        return CLI_OK;
    case CLI_EXPONENT_KEEP_EDGE: a->keep_edge = 1; return CLI_OK;
    case CLI_EXPONENT_JSON: a->json = 1; return CLI_OK;
    default: return -1;
    }
}

int cli_exponent_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc,
                       char **argv, const char *help_head, const char *help_tail,
                       cli_exponent_args *a, cli_own_arg own, void *ctx)
{
    cli_parser p;
    cli_init(&p, cmd, usage, opts, argc, argv);
    cli_add_options(&p, cli_data_opts);
    exponent_args_init(a);
    const char *v;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_ARG_END) {
        int rc = exponent_arg(&p, id, v, a, help_head, help_tail);
        if (rc == -1) rc = own(&p, id, v, ctx);
        if (rc == -1) rc = cli_usage_error(&p, "internal: unhandled option");
        if (rc != CLI_OK) return rc;
    }
    if (!a->path) return cli_usage_error(&p, "missing DATA.csv");
    return cli_check_paths((const char *const[]){a->path}, 1,
                           (const char *const[]){a->out_path, a->plot_path},
                           (const char *const[]){"-o", "--plot"}, 2);
}

int cli_exponent_read(const cli_exponent_args *a, unsigned required, sf_data **d)
{
    sf_error err;
    sf_error_clear(&err);
    sf_data_options o = a->fa.data;
    o.required |= required;
    if (sf_data_read(a->path, &o, d, &err) != SF_OK) return cli_lib_error(&err);
    return CLI_OK;
}

void cli_print_powerlaws(FILE *out, const sf_powerlaw *const pl[3], double level)
{
    static const char *const lhs[3] = {"N_opt", "D_opt", "D/N"};
    static const char *const ex[3] = {"a", "b", "b - a"};
    int ci = isfinite(pl[0]->lo);
    fprintf(out, "power laws (least squares on logs%s):\n",
            ci ? "; bootstrap percentile intervals" : "");
    for (int q = 0; q < 3; q++) {
        fprintf(out, "  %-5s = %-11.4g * C^%-8.4f  %-5s = %.4f", lhs[q], pl[q]->k,
                pl[q]->exponent, ex[q], pl[q]->exponent);
        if (ci) fprintf(out, "  [%.4f, %.4f] (%g%%)", pl[q]->lo, pl[q]->hi, 100.0 * level);
        fprintf(out, "\n");
    }
}

int cli_exponent_emit(const cli_exponent_args *a, int rc, char *js, const sf_error *err)
{
    if (rc != SF_OK) return cli_lib_error(err);
    int status = CLI_OK;
    if (a->out_path) status = cli_write_file(a->out_path, js);
    if (status == CLI_OK && a->json) fputs(js, stdout);
    free(js);
    return status;
}
