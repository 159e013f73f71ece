/* scalefit envelope: Chinchilla Approach 1, the envelope of training curves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exponents.h"

static const char usage[] =
    "scalefit envelope DATA.csv [--col ROLE=COLUMN]... [--filter EXPR]... [--points P] "
    "[--smooth W] [--keep-edge] [--bootstrap K] [--level P] [--seed S] [--threads T] "
    "[--json] [-o FILE] [--plot FILE.svg]";

static const char help_head[] =
    "Usage: scalefit envelope DATA.csv [options]\n"
    "\n"
    "Chinchilla Approach 1 (Hoffmann et al. 2022): rows are checkpoints of\n"
    "training runs, with a run id (role group), the model size N (one per\n"
    "run), tokens seen D (or FLOPs C) and loss.  Each run's curve is\n"
    "interpolated linearly in (log C, log loss); at P log-spaced FLOP values\n"
    "across the covered range the run with the lowest loss gives N_opt(C) and\n"
    "D_opt = C/(6 N_opt).  Values won by the smallest or largest run covering\n"
    "them are left out (the optimum may lie beyond the sizes trained).\n"
    "N_opt = k C^a, D_opt = k' C^b and D/N are fitted by least squares on\n"
    "logs, uniformly in log C; the intervals resample runs (docs/approaches.md).\n"
    "\n"
    "Envelope:\n"
    "  --points P          FLOP values, log-spaced (default 200)\n"
    "  --smooth W          before interpolating, replace each checkpoint's log\n"
    "                      loss by the mean over its run's checkpoints within\n"
    "                      W/2 decades of C (default 0: no smoothing)\n"
    "\n";

static const char help_tail[] =
    "\n"
    "Example (GPT-3's validation curves, ColPret's long table):\n"
    "  scalefit envelope derived_learning_curves_long.csv --filter family==gpt3 \\\n"
    "    --filter metric==val_loss --col N=num_params --col D=tokens_seen \\\n"
    "    --col loss=value --col group=model --plot gpt3.svg\n";

enum { O_POINTS = CLI_EXPONENT_OWN, O_SMOOTH };

static const cli_opt opts[] = {CLI_EXPONENT_OPTS,
                               {"points", 0, 1, O_POINTS},
                               {"smooth", 0, 1, O_SMOOTH},
                               {0, 0, 0, 0}};

/* About 20 rows of the envelope: every used point's run changes, plus
 * evenly spaced points. */
static void print_report(const sf_envelope *e, const sf_data *d)
{
    const sf_envelope_options *o = sf_envelope_get_options(e);
    size_t nr = sf_envelope_n_curves(e), np = sf_envelope_n_points(e), nu = 0;
    for (size_t k = 0; k < np; k++) nu += (size_t)sf_envelope_point_at(e, k)->used;
    printf("envelope:   Chinchilla Approach 1, lowest loss over %zu runs at %zu FLOP values\n",
           nr, np);
    cli_print_data(stdout, d);
    printf("points:     %zu used of %zu", nu, np);
    if (o->smooth > 0) printf("; smoothed over %g decades", o->smooth);
    if (o->bootstrap > 0)
        printf("; %d resamples of the runs (%zu usable), seed %llu", o->bootstrap,
               sf_envelope_replicates(e), (unsigned long long)o->seed);
    printf("\n\n  %-28s %11s %11s %11s %11s\n", "run", "N", "checkpoints", "C from", "C to");
    for (size_t c = 0; c < nr; c++) {
        const sf_envelope_curve *cv = sf_envelope_curve_at(e, c);
        printf("  %-28.28s %11.4g %11zu %11.4g %11.4g\n", cv->name, cv->N, cv->n, cv->C[0],
               cv->C[cv->n - 1]);
    }
    printf("\n  %10s %11s %11s %8s %9s %5s  %s\n", "compute", "N_opt", "D_opt", "D/N", "loss",
           "runs", "winning run (20 of the values; --json has all)");
    size_t step = np > 20 ? np / 20 : 1;
    for (size_t k = 0; k < np; k++) {
        const sf_envelope_point *q = sf_envelope_point_at(e, k);
        if (k % step != 0 && k + 1 != np) continue;
        const char *name = q->run < nr ? sf_envelope_curve_at(e, q->run)->name : "(none)";
        printf("  %10.4g %11.4g %11.4g %8.3g %9.5g %5zu  %s%s\n", q->compute, q->N_opt, q->D_opt,
               q->tokens_per_param, q->loss, q->n_runs, name,
               !(q->flags & SF_APPROACH_EDGE) ? ""
               : q->used                      ? " (edge, kept)"
                                              : " (edge, left out)");
    }
    const sf_powerlaw *pl[3] = {sf_envelope_powerlaw(e, SF_OPTIMUM_N),
                                sf_envelope_powerlaw(e, SF_OPTIMUM_D),
                                sf_envelope_powerlaw(e, SF_OPTIMUM_RATIO)};
    printf("\n");
    cli_print_powerlaws(stdout, pl, o->level);
}

static int own_arg(const cli_parser *p, int id, const char *v, void *ctx)
{
    sf_envelope_options *o = ctx;
    int rc;
    long k;
    switch (id) {
    case O_POINTS:
        if ((rc = cli_int(p, v, 2, 1000000, &k)) != CLI_OK) return rc;
        o->points = (int)k;
        return CLI_OK;
    case O_SMOOTH:
        if ((rc = cli_double(p, v, &o->smooth)) != CLI_OK) return rc;
        if (!(o->smooth >= 0)) return cli_usage_error(p, "--smooth: must be >= 0, got %s", v);
        return CLI_OK;
    default: return -1;
    }
}

int cmd_envelope(int argc, char **argv)
{
    cli_exponent_args a;
    sf_envelope_options o;
    sf_envelope_options_init(&o);
    o.cancel = &cli_interrupted; /* Ctrl-C stops the bootstrap (files.c) */
    int rc = cli_exponent_parse("envelope", usage, opts, argc, argv, help_head, help_tail, &a,
                                own_arg, &o);
    if (rc != CLI_OK) return rc == CLI_ARG_END ? CLI_OK : rc;
    o.bootstrap = a.bootstrap;
    o.level = a.level;
    o.seed = a.seed;
    o.threads = a.threads;
    o.keep_edge = a.keep_edge;

    sf_data *d = NULL;
    int status = cli_exponent_read(
        &a, SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_C) | SF_ROLE_BIT(SF_ROLE_GROUP), &d);
    if (status != CLI_OK) return status;
    sf_envelope *e = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (sf_envelope_run(d, &o, &e, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    for (size_t k = 0; k < sf_envelope_n_warnings(e); k++)
        cli_warning("%s", sf_envelope_warning(e, k));
    if (a.json || a.out_path) {
        char *js = NULL;
        int wrc = sf_envelope_json(e, d, &js, &err);
        status = cli_exponent_emit(&a, wrc, js, &err);
    }
    if (status == CLI_OK && a.plot_path) {
        sf_plot_options po;
        sf_plot_options_init(&po);
        char *svg = NULL;
        int made = sf_envelope_svg(e, d, &po, &svg, &err);
        status = cli_write_made(a.plot_path, made, svg, &err);
    }
    if (status == CLI_OK && !a.json) print_report(e, d);
done:
    sf_envelope_free(e);
    sf_data_free(d);
    return status;
}
