/* scalefit validate: judge a law by how well it extrapolates to a larger
 * model (Choshen, Zhang and Andreas 2024). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/curves.h"

static const char usage[] =
    "scalefit validate DATA.csv [--law NAME | --compare] [--target largest|N=VALUE] "
    "[--target-from F] [--train-fraction F] [--min-tokens T] [--cut-cap F] [--models K] "
    "[--loo] [--sweep] [--borrow FIT.json:NAME,...] [--ci L,...] [--bootstrap K] "
    "[--resample group|rows] [--json] [--plot FILE.svg] [fit options]";

static const char help_head[] =
    "Usage: scalefit validate DATA.csv [options]\n"
    "\n"
    "Judge a scaling law by extrapolation, as Choshen, Zhang and Andreas (2024,\n"
    "'A Hitchhiker's Guide to Scaling Law Estimation') do: fit it on the runs\n"
    "(all checkpoints) of the smaller models, predict the largest model's\n"
    "checkpoints from 70% of its training onward, and report the absolute\n"
    "relative error ARE = mean |L - L^|/L and the largest relative error.\n"
    "Rows sharing a run id (the group role: a column named run, run_id, model,\n"
    "...) and N form one run; without a run id, rows sharing N do.  Rows with\n"
    "D = 0 (step 0 of a curve) are skipped.  A perplexity column reads as a\n"
    "loss with --col 'loss=log(ppl)'.\n"
    "\n"
    "Protocol (the defaults need no flag; docs/validate.md has the evidence):\n"
    "  --target largest    predict the largest model (default)\n"
    "  --target N=VALUE    predict the model of this size, fitting on smaller\n"
    "                      ones only\n"
    "  --target-from F     predict the target's rows with D >= F x its last D\n"
    "                      (default 0.7)\n"
    "  --train-fraction F  fit on rows with D <= F x their run's last D\n"
    "                      (default 1: whole runs)\n"
    "  --min-tokens T      drop checkpoints with D < T from the fit (default\n"
    "                      1e10, the guide's cut), but ...\n"
    "  --cut-cap F         ... never more than the first F of a run: the cut is\n"
    "                      min(T, F x last D) (default 0.3; with 1 it may reach\n"
    "                      a run's last row, which is kept)\n"
    "  --models K          fit on the K model sizes just below the target\n"
    "                      (default: all below it)\n"
    "  --max-per-run K     at most K rows per run, evenly spread in D, the last\n"
    "                      always kept (default 0 = all, 256 with --sweep;\n"
    "                      1 = final checkpoints only, the classic fit)\n"
    "  --weight tokens|run|row\n"
    "                      tokens: every run weighs the same in total, spread\n"
    "                      uniformly in D however densely it was logged\n"
    "                      (default); run: every row of a run 1/(its rows);\n"
    "                      row: every row weighs 1\n"
    "  --borrow FIT.json:NAME,...\n"
    "                      hold the named parameters at their values in a fit\n"
    "                      of another family (the guide's one-model fit:\n"
    "                      --borrow other.json:A,alpha); repeatable\n"
    "\n"
    "Modes:\n"
    "  --loo               every model size with two or more smaller sizes\n"
    "                      becomes the target in turn\n"
    "  --compare           validate every law in the catalogue whose columns\n"
    "                      the data have, and name the one with the lowest ARE;\n"
    "                      with an lr column, each with and without the\n"
    "                      schedule correction\n"
    "  --sweep             the guide's design axes for the target: model sizes\n"
    "                      used x train fraction x min tokens, ARE per cell\n"
    "  --sweep-models LIST       sizes used (default 1,2,... up to all below)\n"
    "  --sweep-fractions LIST    train fractions (default 0.2,0.4,0.6,0.8,1)\n"
    "  --sweep-min-tokens LIST   cuts (default 0,1e9,1e10,3e10; capped by\n"
    "                            --cut-cap like --min-tokens)\n"
    "  --csv FILE          write the sweep cells as CSV to FILE ('-' = stdout)\n"
    "\n"
    "Extrapolation interval of the target's final row (docs/uncertainty.md):\n"
    "  --ci L[,L...]       levels (default 0.8,0.9,0.95)\n"
    "  --bootstrap K       K bootstrap refits for the parameter part (default 0:\n"
    "                      residual and extrapolation parts only)\n"
    "  --resample group|rows  resample whole runs (default, when the data have\n"
    "                      a run column) or rows\n"
    "\n";

static const char help_tail[] =
    "\n"
    "Output:\n"
    "  --json              print one JSON object: \"are\" and \"max_re\"\n"
    "                      (fractions), the targets with their fits, the runs\n"
    "                      fitted and every predicted row (docs/validate.md)\n"
    "  --plot FILE.svg     also draw predicted against actual loss on the\n"
    "                      target's rows as SVG to FILE (overwritten), the\n"
    "                      line y = x, the ARE of each series in the legend:\n"
    "                      one series per target (--loo: every target size,\n"
    "                      the 7 largest when more), one per law with\n"
    "                      --compare (not with --loo); not with --sweep\n"
    "                      (docs/plots.md)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Examples:\n"
    "  scalefit validate ladder.csv\n"
    "  scalefit validate curves.csv --filter family==gpt3 --filter metric==val_loss \\\n"
    "      --col loss=value --loo\n"
    "  scalefit validate curves.csv ... --sweep --csv sweep.csv\n";

enum {
    O_HELP = 'h', O_JSON = 256, O_TARGET, O_FROM, O_FRACTION, O_MIN_TOKENS, O_CAP, O_MODELS,
    O_PER_RUN, O_WEIGHT, O_BORROW, O_LOO, O_COMPARE, O_SWEEP, O_SW_MODELS, O_SW_FRACTIONS,
    O_SW_MIN_TOKENS, O_CSV, O_PLOT, O_BOOT, O_RESAMPLE, O_CI
};

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},
    {"json", 0, 0, O_JSON},
    {"target", 0, 1, O_TARGET},
    {"target-from", 0, 1, O_FROM},
    {"train-fraction", 0, 1, O_FRACTION},
    {"min-tokens", 0, 1, O_MIN_TOKENS},
    {"cut-cap", 0, 1, O_CAP},
    {"models", 0, 1, O_MODELS},
    {"max-per-run", 0, 1, O_PER_RUN},
    {"weight", 0, 1, O_WEIGHT},
    {"borrow", 0, 1, O_BORROW},
    {"loo", 0, 0, O_LOO},
    {"compare", 0, 0, O_COMPARE},
    {"sweep", 0, 0, O_SWEEP},
    {"sweep-models", 0, 1, O_SW_MODELS},
    {"sweep-fractions", 0, 1, O_SW_FRACTIONS},
    {"sweep-min-tokens", 0, 1, O_SW_MIN_TOKENS},
    {"csv", 0, 1, O_CSV},
    {"plot", 0, 1, O_PLOT},
    {"bootstrap", 0, 1, O_BOOT},
    {"resample", 0, 1, O_RESAMPLE},
    {"ci", 0, 1, O_CI},
    {0, 0, 0, 0}};

#define MAX_BORROW 8
#define MAX_AXIS 64

typedef struct args {
    cli_fit_args fa;
    sf_validate_options vo;
    const char *path, *csv, *plot;
    const char *borrow[MAX_BORROW];
    size_t n_borrow;
    int json, compare, sweep, per_run_given;
    size_t sw_models[MAX_AXIS];
    double sw_fractions[MAX_AXIS], sw_min_tokens[MAX_AXIS];
    size_t n_sw_models, n_sw_fractions, n_sw_min_tokens;
} args;

/* A comma-separated list of numbers >= lo (and <= hi). */
static int number_list(const cli_parser *p, const char *s, double lo, double hi, double *out,
                       size_t *n)
{
    *n = 0;
    for (const char *q = s;;) {
        const char *c = strchr(q, ',');
        size_t len = c ? (size_t)(c - q) : strlen(q);
        char item[64];
        if (len >= sizeof item || *n == MAX_AXIS)
            return cli_usage_error(p, "--%s: too long a list", p->name);
        memcpy(item, q, len);
        item[len] = '\0';
        double x;
        int rc = cli_double(p, item, &x);
        if (rc != CLI_OK) return rc;
        if (x < lo || x > hi) return cli_usage_error(p, "--%s: %s is outside [%g, %g]", p->name, item, lo, hi);
        out[(*n)++] = x;
        if (!c) return CLI_OK;
        q = c + 1;
    }
}

static int fraction(const cli_parser *p, const char *v, double lo_open, double *out)
{
    int rc = cli_double(p, v, out);
    if (rc != CLI_OK) return rc;
    if (!(*out >= 0 && *out <= 1) || (lo_open && *out == 0))
        return cli_usage_error(p, "--%s: expected a fraction in %s0, 1], got %s", p->name,
                               lo_open ? "(" : "[", v);
    return CLI_OK;
}

/* The final row's interval (issue 23): --bootstrap K, --resample, --ci;
 * -1 for another option. */
static int interval_arg(const cli_parser *p, int id, const char *v, sf_validate_options *o)
{
    long k;
    int rc;
    switch (id) {
    case O_BOOT:
        if ((rc = cli_int(p, v, 0, 1000000, &k)) != CLI_OK) return rc;
        o->bootstrap = (size_t)k;
        return CLI_OK;
    case O_RESAMPLE:
        if (strcmp(v, "rows") != 0 && strcmp(v, "group") != 0)
            return cli_usage_error(p, "--resample: expected rows or group, got '%s'", v);
        o->resample_runs = strcmp(v, "group") == 0;
        return CLI_OK;
    case O_CI: return cli_levels(p, v, o->levels, &o->n_levels);
    default: return -1;
    }
}

/* Neither output may be the data or a borrowed fit file. */
static int check_paths(const args *a)
{
    char bpath[MAX_BORROW][1024];
    const char *in[1 + MAX_BORROW] = {a->path};
    for (size_t b = 0; b < a->n_borrow && b < 7; b++) {
        const char *colon = strrchr(a->borrow[b], ':');
        size_t len = colon ? (size_t)(colon - a->borrow[b]) : 0;
        if (len >= sizeof bpath[b]) continue;
        memcpy(bpath[b], a->borrow[b], len);
        bpath[b][len] = '\0';
        in[1 + b] = bpath[b];
    }
    size_t nin = 1 + (a->n_borrow < 7 ? a->n_borrow : 7);
    return cli_check_paths(in, nin, (const char *const[]){a->csv, a->plot},
                           (const char *const[]){"--csv", "--plot"}, 2);
}

static int parse(int argc, char **argv, args *a, cli_parser *p)
{
    cli_init(p, "validate", usage, opts, argc, argv);
    cli_add_options(p, cli_fit_opts);
    const char *v;
    int id, rc;
    long k;
    double x;
    while ((id = cli_next(p, &v)) != CLI_ARG_END) {
        rc = cli_fit_arg(p, id, v, &a->fa);
        if (rc == -1) rc = interval_arg(p, id, v, &a->vo);
        if (rc == CLI_OK) continue;
        if (rc != -1) return rc;
        switch (id) {
        case CLI_ARG_BAD: return CLI_USAGE;
        case O_HELP:
            fputs(help_head, stdout);
            fputs(cli_fit_help, stdout);
            fputs(help_tail, stdout);
            return -1;
        case CLI_ARG_POSITIONAL:
            if (a->path) return cli_usage_error(p, "more than one data file ('%s', '%s')", a->path, v);
            a->path = v;
            break;
        case O_JSON: a->json = 1; break;
        case O_TARGET:
            if (strcmp(v, "largest") == 0) {
                a->vo.target_N = 0;
                break;
            }
            if (strncmp(v, "N=", 2) != 0)
                return cli_usage_error(p, "--target: expected 'largest' or N=VALUE, got '%s'", v);
            if ((rc = cli_positive(p, v + 2, &a->vo.target_N)) != CLI_OK) return rc;
            break;
        case O_FROM:
            if ((rc = fraction(p, v, 0, &a->vo.target_from)) != CLI_OK) return rc;
            break;
        case O_FRACTION:
            if ((rc = fraction(p, v, 1, &a->vo.train_fraction)) != CLI_OK) return rc;
            break;
        case O_MIN_TOKENS:
            if ((rc = cli_double(p, v, &x)) != CLI_OK) return rc;
            if (x < 0) return cli_usage_error(p, "--min-tokens: must be >= 0, got %s", v);
            a->vo.min_tokens = x;
            break;
        case O_CAP:
            if ((rc = fraction(p, v, 0, &a->vo.cut_cap)) != CLI_OK) return rc;
            break;
        case O_MODELS:
            if ((rc = cli_int(p, v, 1, 100000, &k)) != CLI_OK) return rc;
            a->vo.n_models = (size_t)k;
            break;
        case O_PER_RUN:
            if ((rc = cli_int(p, v, 0, 1000000000, &k)) != CLI_OK) return rc;
            a->vo.max_per_run = (size_t)k;
            a->per_run_given = 1;
            break;
        case O_WEIGHT:
            if (strcmp(v, "tokens") == 0) a->vo.weight = SF_VWEIGHT_TOKENS;
            else if (strcmp(v, "run") == 0) a->vo.weight = SF_VWEIGHT_RUN;
            else if (strcmp(v, "row") == 0) a->vo.weight = SF_VWEIGHT_ROW;
            else return cli_usage_error(p, "--weight: expected tokens, run or row, got '%s'", v);
            break;
        case O_BORROW:
            if (a->n_borrow == MAX_BORROW)
                return cli_usage_error(p, "too many --borrow options (at most %d)", MAX_BORROW);
            if (!strrchr(v, ':') || strrchr(v, ':') == v || !strrchr(v, ':')[1])
                return cli_usage_error(p, "--borrow: expected FIT.json:NAME[,NAME...], got '%s'", v);
            a->borrow[a->n_borrow++] = v;
            break;
        case O_LOO: a->vo.loo = 1; break;
        case O_COMPARE: a->compare = 1; break;
        case O_SWEEP: a->sweep = 1; break;
        case O_SW_MODELS: {
            double m[MAX_AXIS];
            if ((rc = number_list(p, v, 1, 100000, m, &a->n_sw_models)) != CLI_OK) return rc;
            for (size_t i = 0; i < a->n_sw_models; i++) {
                if (m[i] != floor(m[i]))
                    return cli_usage_error(p, "--sweep-models: %g is not a whole number", m[i]);
                a->sw_models[i] = (size_t)m[i];
            }
            break;
        }
        case O_SW_FRACTIONS:
            if ((rc = number_list(p, v, 1e-300, 1, a->sw_fractions, &a->n_sw_fractions)) != CLI_OK)
                return rc;
            break;
        case O_SW_MIN_TOKENS:
            if ((rc = number_list(p, v, 0, 1e300, a->sw_min_tokens, &a->n_sw_min_tokens)) != CLI_OK)
                return rc;
            break;
        case O_CSV: a->csv = v; break;
        case O_PLOT: a->plot = v; break;
        default: return cli_usage_error(p, "internal: unhandled option");
        }
    }
    if (!a->path) return cli_usage_error(p, "missing DATA.csv");
    if (a->sweep && a->vo.loo) return cli_usage_error(p, "--sweep has one target: drop --loo");
    if (a->sweep && a->compare) return cli_usage_error(p, "--sweep takes one law: drop --compare");
    if (!a->sweep && (a->csv || a->n_sw_models || a->n_sw_fractions || a->n_sw_min_tokens))
        return cli_usage_error(p, "--csv and --sweep-* go with --sweep");
    if (a->plot && a->sweep)
        return cli_usage_error(p, "--plot draws a target's predictions; a sweep gives ARE per "
                               "cell (write them with --csv)");
    if (a->plot && a->compare && a->vo.loo)
        return cli_usage_error(p, "--plot with --compare draws one target per law: drop --loo");
    if (a->compare && a->n_borrow)
        return cli_usage_error(p, "--borrow names one law's parameters: drop --compare");
    return check_paths(a);
}

/* Hold the parameters named in each --borrow at the values of that fit. */
static int borrow(const args *a, const sf_law *law, sf_fit_options *fo)
{
    for (size_t b = 0; b < a->n_borrow; b++) {
        const char *spec = a->borrow[b], *colon = strrchr(spec, ':');
        char path[4096];
        size_t len = (size_t)(colon - spec);
        if (len >= sizeof path) return cli_error("--borrow: file name too long");
        memcpy(path, spec, len);
        path[len] = '\0';
        sf_fit *fit;
        sf_draws *unused;
        sf_error err;
        sf_error_clear(&err);
        /* The draws are read (and checked) but not used. */
        if (sf_fit_json_read(path, &fit, &unused, &err) != SF_OK) return cli_lib_error(&err);
        sf_draws_free(unused);
        const sf_law *from = sf_fit_law(fit);
        int status = CLI_OK;
        if (strcmp(sf_law_name(from), sf_law_name(law)) != 0)
            status = cli_error("%s: a fit of law '%s', but validate fits '%s'", path,
                               sf_law_name(from), sf_law_name(law));
        for (const char *q = colon + 1; status == CLI_OK && *q;) {
            const char *c = strchr(q, ',');
            size_t n = c ? (size_t)(c - q) : strlen(q);
            char name[SF_NAME_MAX];
            if (n == 0 || n >= sizeof name) {
                status = cli_error("--borrow: bad parameter list in '%s'", spec);
                break;
            }
            memcpy(name, q, n);
            name[n] = '\0';
            int j = sf_law_param_index(from, name);
            if (j < 0) status = cli_error("--borrow: law '%s' has no parameter '%s'",
                                          sf_law_name(from), name);
            else if (sf_fit_options_fix(fo, name, sf_fit_params(fit)[j]) != SF_OK)
                status = cli_error("--borrow: too many held parameters");
            q = c ? c + 1 : q + n;
        }
        sf_fit_free(fit);
        if (status != CLI_OK) return status;
    }
    return CLI_OK;
}

static const char *pct(double x, char *buf, size_t size)
{
    if (isfinite(x)) snprintf(buf, size, "%.3f%%", 100 * x);
    else snprintf(buf, size, "-");
    return buf;
}

static void print_protocol(const sf_validate_options *o)
{
    char b[32];
    if (o->n_models)
        printf("protocol:   fit on the %zu model size%s just below the target, ", o->n_models,
               o->n_models == 1 ? "" : "s");
    else
        printf("protocol:   fit on every model size below the target, ");
    printf("each run's rows with\n            D >= min(%s, %g x its last D)",
           cli_num(o->min_tokens, b, sizeof b), o->cut_cap);
    if (o->train_fraction < 1) printf(" and D <= %g x its last D", o->train_fraction);
    if (o->max_per_run) printf(" (at most %zu)", o->max_per_run);
    printf(",\n            %s;\n            predict the target's rows with D >= %g x its last D\n",
           o->weight == SF_VWEIGHT_TOKENS ? "every run weighted equally, uniformly in D"
           : o->weight == SF_VWEIGHT_RUN  ? "every run weighted equally"
                                          : "every row weighted 1",
           o->target_from);
}

static void print_target(const sf_validation_target *t)
{
    char b1[32], b2[32], b3[32];
    size_t runs = 0;
    for (size_t k = 0; k < t->n_points; k++)
        runs += k == 0 || t->points[k].run != t->points[k - 1].run;
    printf("target:     N = %s: %zu row%s of %zu run%s, D from %s to %s\n",
           cli_num(t->N, b1, sizeof b1), t->n_points, t->n_points == 1 ? "" : "s", runs,
           runs == 1 ? "" : "s", t->n_points ? cli_num(t->points[0].D, b2, sizeof b2) : "-",
           t->n_points ? cli_num(t->points[t->n_points - 1].D, b3, sizeof b3) : "-");
    printf("fitted on:  %zu rows of %zu run%s, %zu model size%s:", t->n_train_rows, t->n_runs,
           t->n_runs == 1 ? "" : "s", t->n_sizes, t->n_sizes == 1 ? "" : "s");
    /* The distinct sizes (runs are ordered by N). */
    for (size_t k = 0, shown = 0; k < t->n_runs; k++) {
        if (k > 0 && t->runs[k].N == t->runs[k - 1].N) continue;
        if (shown++ == 12) {
            printf(" ...");
            break;
        }
        printf(" %s", cli_num(t->runs[k].N, b1, sizeof b1));
    }
    printf("\n");
    if (t->status != SF_OK) {
        printf("result:     fit failed: %s\n", t->message);
        return;
    }
    printf("ARE:        %s (mean |L - L^|/L), max relative error %s\n\n",
           pct(t->are, b1, sizeof b1), pct(t->max_re, b2, sizeof b2));
}

static void print_loo(const sf_validation *v)
{
    char b[5][32];
    printf("\n  %12s %6s %10s %11s %10s %10s\n", "target N", "sizes", "fit rows", "target rows",
           "ARE", "max RE");
    for (size_t k = 0; k < sf_validation_n_targets(v); k++) {
        const sf_validation_target *t = sf_validation_target_at(v, k);
        printf("  %12s %6zu %10zu %11zu %10s %10s%s%s\n", cli_num(t->N, b[0], sizeof b[0]),
               t->n_sizes, t->n_train_rows, t->n_points, pct(t->are, b[1], sizeof b[1]),
               pct(t->max_re, b[2], sizeof b[2]), t->status ? "  " : "", t->status ? t->message : "");
    }
    printf("  %12s %6s %10s %11s %10s %10s\n", "mean", "", "", "",
           pct(sf_validation_are(v), b[3], sizeof b[3]),
           pct(sf_validation_max_re(v), b[4], sizeof b[4]));
}

static void print_sweep(const sf_validation *v, const args *a)
{
    char b[32];
    size_t n = sf_validation_n_cells(v), nf = a->n_sw_fractions, nk = a->n_sw_min_tokens;
    size_t nm = n / (nf * nk);
    printf("sweep: ARE predicting N = %s from %g of its run on; rows: model sizes used\n"
           "(the largest below the target), columns: fraction of each run fitted\n",
           cli_num(sf_validation_sweep_N(v), b, sizeof b), a->vo.target_from);
    /* Cells are ordered models, fractions, min tokens: one block per cut. */
    for (size_t e = 0; e < nk; e++) {
        printf("\nmin tokens %s (capped at %g of each run):\n  %8s",
               cli_num(a->sw_min_tokens[e], b, sizeof b), a->vo.cut_cap, "models");
        for (size_t f = 0; f < nf; f++) printf(" %9g", a->sw_fractions[f]);
        printf("\n");
        for (size_t m = 0; m < nm; m++) {
            printf("  %8zu", sf_validation_cell_at(v, m * nf * nk + e)->n_models);
            for (size_t f = 0; f < nf; f++)
                printf(" %9s", pct(sf_validation_cell_at(v, (m * nf + f) * nk + e)->are, b, sizeof b));
            printf("\n");
        }
    }
    /* Why cells show '-': each distinct reason once. */
    int seen[16] = {0}, any = 0;
    for (size_t k = 0; k < n; k++) {
        const sf_validation_cell *c = sf_validation_cell_at(v, k);
        int s = -c->status;
        if (c->status == SF_OK || s < 0 || s >= 16 || seen[s]++) continue;
        printf("%s-: fit failed: %s", any++ ? "" : "\n", sf_strerror(c->status));
        if (c->status == SF_EUNIDENTIFIABLE && c->n_models == 1)
            printf(" (one model size: hold parameters with --borrow)");
        printf(", first at models %zu, fraction %g, min tokens %g\n", c->n_models,
               c->train_fraction, c->min_tokens);
    }
}

static void print_fit_params(const sf_fit *fit)
{
    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);
    printf("  %-10s %16s\n", "parameter", "value");
    for (size_t j = 0; j < sf_law_n_params(law); j++)
        printf("  %-10s %16.9g%s\n", sf_law_param_name(law, j), p[j],
               sf_fit_is_fixed(fit, j) ? "  (borrowed/fixed)"
               : sf_fit_at_bound(fit, j) ? "  (at bound)"
                                         : "");
}

/* With an lr column: *d becomes the corrected copy, *raw the data as
 * logged (NULL when nothing was corrected). */
static int schedule_data(const args *a, sf_data **d, sf_data **raw, size_t *n_corr)
{
    size_t *idx = malloc(((*d)->n ? (*d)->n : 1) * sizeof *idx);
    sf_data *c = NULL;
    if (!idx) return cli_error("out of memory");
    for (size_t i = 0; i < (*d)->n; i++) idx[i] = i;
    int rc = sf_data_subset(*d, idx, (*d)->n, &c);
    free(idx);
    if (rc != SF_OK) return cli_error("out of memory");
    const char *lr = NULL;
    int status = cli_schedule_correct(a->path, c, n_corr, &lr);
    if (status != CLI_OK || !lr) {
        sf_data_free(c);
        return status;
    }
    *raw = *d;
    *d = c;
    return CLI_OK;
}

static void print_schedule(size_t n_corr)
{
    printf("schedule:   %zu checkpoints corrected to the loss their run would reach\n"
           "            annealed there (lr column; --no-schedule: as logged)\n", n_corr);
}

/* Validate one law; *out NULL and CLI_OK when the law cannot read the data
 * (skipped in --compare). */
static int run_law(const args *a, const char *name, const sf_data *d, sf_law **law_out,
                   sf_validation **out)
{
    *out = NULL;
    *law_out = NULL;
    sf_error err;
    sf_error_clear(&err);
    sf_law *law;
    if (!name) {
        int st = cli_law_make(&a->fa, a->path, &law);
        if (st != CLI_OK) return st;
        name = sf_law_name(law);
    } else if (sf_law_new(name, &a->fa.law_opt, &law, &err) != SF_OK) {
        return cli_lib_error(&err);
    }
    *law_out = law;
    unsigned missing = sf_law_roles(law) & ~d->roles;
    if (missing) {
        if (!a->compare) return cli_error("law '%s' needs a column the data lack", name);
        cli_warning("--compare: skipping law '%s': it needs a column the data lack", name);
        return CLI_OK;
    }
    sf_validate_options vo = a->vo;
    vo.fit = a->fa.fit;
    int status = borrow(a, law, &vo.fit);
    if (status != CLI_OK) return status;
    int rc;
    if (a->sweep)
        rc = sf_validate_sweep(law, d, &vo, a->n_sw_models ? a->sw_models : NULL, a->n_sw_models,
                               a->sw_fractions, a->n_sw_fractions, a->sw_min_tokens,
                               a->n_sw_min_tokens, out, &err);
    else
        rc = sf_validate(law, d, &vo, out, &err);
    if (rc != SF_OK) return cli_lib_error(&err);
    return CLI_OK;
}

/* Every law asked for on d; with --compare and a corrected data set, each
 * law on the data as logged too, listed after the corrected ones (text
 * output only). */
static int run_all(const args *a, const sf_data *d, const sf_data *raw, size_t nl,
                   sf_law **laws, sf_validation **vs, size_t *nv, size_t *nraw)
{
    int status = CLI_OK;
    unsigned char ran[64] = {0}; /* laws that could read the data */
    for (size_t i = 0; i < nl && status == CLI_OK; i++) {
        /* the catalogue's laws, then the user's (NULL: --law or --law-file) */
        const char *name = a->compare && i < sf_law_count() ? sf_law_name_at(i) : NULL;
        sf_validation *v;
        status = run_law(a, name, d, &laws[i], &v);
        if (v) vs[(*nv)++] = v;
        if (v && i < 64) ran[i] = 1;
    }
    for (size_t i = 0; raw && a->compare && !a->json && i < nl && status == CLI_OK; i++) {
        if (i >= 64 || !ran[i]) continue;
        sf_validation *v;
        const char *name = i < sf_law_count() ? sf_law_name_at(i) : NULL;
        status = run_law(a, name, raw, &laws[nl + i], &v);
        if (v) vs[*nv + (*nraw)++] = v;
    }
    return status;
}

int cmd_validate(int argc, char **argv)
{
    cli_parser p;
    args *a = calloc(1, sizeof *a);
    if (!a) return cli_error("out of memory");
    cli_fit_args_init(&a->fa);
    sf_validate_options_init(&a->vo);
    static const double fractions[] = {0.2, 0.4, 0.6, 0.8, 1.0};
    static const double cuts[] = {0, 1e9, 1e10, 3e10};
    int status = parse(argc, argv, a, &p);
    if (status != CLI_OK) {
        free(a);
        return status < 0 ? CLI_OK : status;
    }
    /* A sweep makes dozens of fits: 256 rows per run keep it to seconds
     * on GPT-3's 5400 (docs/validate.md measures both). */
    if (a->sweep && !a->per_run_given) a->vo.max_per_run = 256;
    if (a->sweep && !a->n_sw_fractions) {
        memcpy(a->sw_fractions, fractions, sizeof fractions);
        a->n_sw_fractions = sizeof fractions / sizeof fractions[0];
    }
    if (a->sweep && !a->n_sw_min_tokens) {
        memcpy(a->sw_min_tokens, cuts, sizeof cuts);
        a->n_sw_min_tokens = sizeof cuts / sizeof cuts[0];
    }

    /* Read the data with what validation needs (N, D, loss) and what the
     * law reads. */
    sf_error err;
    sf_error_clear(&err);
    sf_data *d = NULL;
    sf_data_options dopt = a->fa.data;
    dopt.required |= SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    dopt.skip_zero |= SF_ROLE_BIT(SF_ROLE_D);
    /* A formula law (--law FORMULA, --law-file) joins --compare. */
    int user = !a->compare || a->fa.law_file || cli_is_formula(a->fa.law);
    sf_law *probe = NULL;
    if (user) {
        if (cli_law_make(&a->fa, a->path, &probe) != CLI_OK) {
            free(a);
            return CLI_ERROR;
        }
        if (!a->compare) dopt.required |= sf_law_roles(probe);
        dopt.n_extra = sf_law_n_extra(probe);
        for (size_t k = 0; k < dopt.n_extra; k++) dopt.extra[k] = sf_law_extra_name(probe, k);
    }
    int drc = sf_data_read(a->path, &dopt, &d, &err);
    sf_law_free(probe);
    if (drc != SF_OK) {
        free(a);
        return cli_lib_error(&err);
    }
    sf_data *raw = NULL;  /* the data as logged, when d was corrected */
    size_t n_corr = 0;
    if (!a->fa.no_schedule) status = schedule_data(a, &d, &raw, &n_corr);

    size_t nl = a->compare ? sf_law_count() + (user ? 1 : 0) : 1, nv = 0, nraw = 0;
    sf_law **laws = calloc(2 * nl, sizeof *laws);
    sf_validation **vs = calloc(2 * nl, sizeof *vs);
    if (!laws || !vs) status = cli_error("out of memory");
    if (status == CLI_OK) status = run_all(a, d, raw, nl, laws, vs, &nv, &nraw);
    if (status == CLI_OK && nv == 0) status = cli_error("no law in the catalogue can read these data");
    if (status == CLI_OK && a->sweep && a->csv) {
        char *csv = NULL;
        int rc = sf_validation_cells_csv(vs[0], &csv, &err);
        status = cli_write_made(a->csv, rc, csv, &err);
    }
    if (status == CLI_OK && a->plot) {
        char *svg = NULL;
        int rc = sf_validation_svg((const sf_validation *const *)vs, nv, d, NULL, &svg, &err);
        status = cli_write_made(a->plot, rc, svg, &err);
    }
    if (status == CLI_OK && a->json) {
        char *js = NULL;
        int rc = a->compare
                     ? sf_validation_compare_json((const sf_validation *const *)vs, nv, &js, &err)
                     : sf_validation_json(vs[0], &js, &err);
        status = cli_write_made("-", rc, js, &err);
    } else if (status == CLI_OK && !(a->csv && strcmp(a->csv, "-") == 0)) {
        char b[32];
        cli_print_data(stdout, d);
        print_protocol(&a->vo);
        if (raw) print_schedule(n_corr);
        if (a->compare) {
            printf("\n  %-14s %10s %10s%s\n", "law", "ARE", "max RE", raw ? "  schedule" : "");
            for (size_t k = 0; k < nv + nraw; k++) {
                char b2[32];
                printf("  %-14s %10s %10s%s\n", sf_law_name(sf_validation_law(vs[k])),
                       pct(sf_validation_are(vs[k]), b, sizeof b),
                       pct(sf_validation_max_re(vs[k]), b2, sizeof b2),
                       !raw ? "" : k < nv ? "  corrected" : "  as logged");
            }
            /* The lowest ARE, first on ties (as the JSON's "best"). */
            size_t best = 0;
            for (size_t k = 1; k < nv; k++)
                if (sf_validation_are(vs[k]) < sf_validation_are(vs[best])) best = k;
            printf("\nlowest ARE: %s\n", sf_law_name(sf_validation_law(vs[best])));
            for (size_t k = 0; k < nv; k++) cli_print_coverage(stdout, vs[k], 0);
        } else if (a->sweep) {
            printf("law:        %s   %s\n\n", sf_law_name(sf_validation_law(vs[0])),
                   cli_law_formula(sf_validation_law(vs[0])));
            print_sweep(vs[0], a);
            cli_print_coverage(stdout, vs[0], 1);
        } else {
            const sf_validation *v = vs[0];
            printf("law:        %s   %s\n", sf_law_name(sf_validation_law(v)),
                   cli_law_formula(sf_validation_law(v)));
            if (a->vo.loo) {
                print_loo(v);
                cli_print_coverage(stdout, v, 0);
            } else {
                const sf_validation_target *t = sf_validation_target_at(v, 0);
                print_target(t);
                cli_print_final(stdout, sf_validation_target_final(v, 0));
                print_fit_params(t->fit);
                for (size_t k = 0; k < sf_fit_n_warnings(t->fit); k++)
                    cli_warning("%s", sf_fit_warning(t->fit, k));
            }
        }
    }
    for (size_t i = 0; i < nv + nraw; i++) sf_validation_free(vs[i]);
    for (size_t i = 0; laws && i < 2 * nl; i++) sf_law_free(laws[i]);
    free(vs);
    free(laws);
    sf_data_free(d);
    sf_data_free(raw);
    free(a);
    return status;
}
