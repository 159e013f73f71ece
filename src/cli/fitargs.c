/* The options shared by every command that fits a law. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/curves.h"

enum {
    F_LAW = CLI_FIT_OPT_BASE, F_COL, F_FILTER, F_DROP, F_LOSS, F_DELTA, F_GRID, F_REFINE,
    F_THREADS, F_SEED, F_FIX, F_TIE, F_X, F_BREAKS, F_NO_SCHEDULE, F_LAW_FILE, F_BOUND
};

const cli_opt cli_fit_opts[] = {
    {"law", 0, 1, F_LAW},         {"col", 0, 1, F_COL},       {"filter", 0, 1, F_FILTER},
    {"drop-missing", 0, 0, F_DROP}, {"loss", 0, 1, F_LOSS},   {"delta", 0, 1, F_DELTA},
    {"grid", 0, 1, F_GRID},       {"refine", 0, 1, F_REFINE}, {"threads", 0, 1, F_THREADS},
    {"seed", 0, 1, F_SEED},       {"fix", 0, 1, F_FIX},       {"tie", 0, 1, F_TIE},
    {"x", 0, 1, F_X},             {"breaks", 0, 1, F_BREAKS},
    {"no-schedule", 0, 0, F_NO_SCHEDULE}, {"law-file", 0, 1, F_LAW_FILE},
    {"bound", 0, 1, F_BOUND},     {0, 0, 0, 0}};

/* The data options' help, shared by fit and the commands that only read
 * runs (isoflop, envelope). */
#define DATA_HELP \
    "Data:\n" \
    "  --col ROLE=COLUMN   read ROLE from COLUMN; roles: N, D, C, loss, U,\n" \
    "                      group, weight (default: recognised header names,\n" \
    "                      e.g. N, params, 'Model Size'; D, tokens; C, flops,\n" \
    "                      'Training FLOP'; loss, val_loss)\n" \
    "  --filter EXPR       keep rows where EXPR holds; repeatable, ANDed.\n" \
    "                      EXPR is NAME OP VALUE, NAME a role or column,\n" \
    "                      OP one of < <= > >= == !=  (e.g. 'loss<4.5',\n" \
    "                      'D>=1e10', 'family==gpt3')\n" \
    "  --drop-missing      skip rows with an empty cell in a used column\n"

const cli_opt cli_data_opts[] = {
    {"col", 0, 1, F_COL}, {"filter", 0, 1, F_FILTER}, {"drop-missing", 0, 0, F_DROP}, {0, 0, 0, 0}};

const char cli_data_help[] = DATA_HELP;

const char cli_fit_help[] =
    DATA_HELP
    "  --no-schedule       keep the losses as logged: with an lr column and a\n"
    "                      step column, each checkpoint is otherwise corrected\n"
    "                      to the loss its run would reach annealed there\n"
    "                      (docs/curves.md)\n"
    "\n"
    "Law and objective:\n"
    "  --law NAME          law to fit (default chinchilla; 'scalefit laws')\n"
    "  --law FORMULA       a law typed as a formula, e.g.\n"
    "                      'E + A/N^alpha + B/D^beta' (docs/laws.md)\n"
    "  --law-file FILE     a named formula law with bounds (JSON, docs/laws.md)\n"
    "  --bound NAME=LO:HI  bounds of a formula law's parameter (natural scale;\n"
    "                      an empty side is open, e.g. alpha=0:2.5, E=0:)\n"
    "  --loss huber|ls     Huber (default) or least squares on log residuals\n"
    "  --delta X           Huber threshold (default 1e-3)\n"
    "  --fix NAME=VALUE    hold a parameter at VALUE (natural scale,\n"
    "                      e.g. --fix A=406.4); repeatable\n"
    "  --tie A=B           hold parameter B equal to A (e.g. alpha=beta)\n"
    "  --x N|D|C           the variable of a one-variable law (power, bnsl;\n"
    "                      default N)\n"
    "  --breaks K          breaks of bnsl, 1 to 3 (default 1)\n"
    "\n"
    "Search:\n"
    "  --grid auto         variable projection over the exponents when the law\n"
    "                      allows it, else grid screening (default)\n"
    "  --grid full         L-BFGS from every point of the law's start grid\n"
    "                      (4500 for chinchilla, as Hoffmann et al.)\n"
    "  --grid screen       evaluate the start grid, refine its best basins\n"
    "  --grid vp           variable projection (error if the law has none)\n"
    "  --refine K          starts refined by auto/screen/vp (default 8)\n"
    "  --threads T         threads (default: all cores; results do not depend\n"
    "                      on it)\n"
    "  --seed S            random seed, recorded in the output (default 0)\n";

/* --bound NAME=LO:HI, either side may be empty (open). */
static int bound_arg(const cli_parser *p, const char *v, sf_formula_options *o)
{
    const char *eq = strchr(v, '='), *colon = eq ? strchr(eq, ':') : NULL;
    char name[SF_NAME_MAX], lo_s[64], hi_s[64];
    if (!eq || !colon || eq == v || (size_t)(eq - v) >= sizeof name ||
        (size_t)(colon - eq - 1) >= sizeof lo_s || strlen(colon + 1) >= sizeof hi_s)
        return cli_usage_error(p, "--bound: expected NAME=LO:HI, got '%s'", v);
    memcpy(name, v, (size_t)(eq - v));
    name[eq - v] = '\0';
    memcpy(lo_s, eq + 1, (size_t)(colon - eq - 1));
    lo_s[colon - eq - 1] = '\0';
    strcpy(hi_s, colon + 1);
    double lo = -INFINITY, hi = INFINITY;
    if ((lo_s[0] && sf_parse_double(lo_s, &lo) != SF_OK) ||
        (hi_s[0] && sf_parse_double(hi_s, &hi) != SF_OK) || !(lo < hi))
        return cli_usage_error(p, "--bound: expected NAME=LO:HI with numbers LO < HI, got '%s'",
                               v);
    if (sf_formula_options_bound(o, name, lo, hi) != SF_OK)
        return cli_usage_error(p, "--bound: too many bounds or name too long: '%s'", v);
    return CLI_OK;
}

const char *cli_law_formula(const sf_law *law)
{
    const char *f = sf_law_formula_text(law);
    return f ? f : sf_law_formula(sf_law_name(law));
}

int cli_is_formula(const char *law)
{
    return law && !sf_law_formula(law) && strpbrk(law, "+-*/^() ") != NULL;
}

int cli_law_make(const cli_fit_args *a, const char *path, sf_law **law)
{
    *law = NULL;
    sf_error err;
    sf_error_clear(&err);
    int formula = a->law_file || cli_is_formula(a->law);
    if (!formula) {
        if (a->formula.n_bounds)
            return cli_error("--bound goes with a formula law (--law FORMULA or --law-file)");
        int rc = cli_law_options_check(NULL, a->law, a->law_opt_given);
        if (rc != CLI_OK) return rc;
        return sf_law_new(a->law, &a->law_opt, law, &err) == SF_OK ? CLI_OK
                                                                  : cli_lib_error(&err);
    }
    if (a->law_opt_given) return cli_error("--x and --breaks are for the laws power and bnsl");
    sf_formula_options o = a->formula;
    sf_table *t = NULL;
    const char *cols[256];
    if (path && strcmp(path, "-") != 0 && sf_table_read(path, &t, &err) == SF_OK) {
        size_t nc = sf_table_cols(t);
        o.n_columns = nc < 256 ? nc : 256;
        for (size_t k = 0; k < o.n_columns; k++) cols[k] = sf_table_header(t, k);
        o.columns = cols;
    }
    int rc = a->law_file ? sf_law_file_read(a->law_file, &o, law, &err)
                         : sf_law_parse(a->law, &o, law, &err);
    sf_table_free(t);
    return rc == SF_OK ? CLI_OK : cli_lib_error(&err);
}

void cli_fit_args_init(cli_fit_args *a)
{
    memset(a, 0, sizeof *a);
    a->law = "chinchilla";
    sf_law_options_init(&a->law_opt);
    sf_data_options_init(&a->data);
    sf_fit_options_init(&a->fit);
    a->fit.cancel = &cli_interrupted;   /* Ctrl-C stops long work (files.c) */
}

int cli_fit_arg(const cli_parser *p, int id, const char *v, cli_fit_args *a)
{
    int rc;
    double x;
    long k;
    char name[SF_NAME_MAX];
    switch (id) {
    case F_LAW: a->law = v; return CLI_OK;
    case F_NO_SCHEDULE: a->no_schedule = 1; return CLI_OK;
    case F_LAW_FILE: a->law_file = v; return CLI_OK;
    case F_BOUND: return bound_arg(p, v, &a->formula);
    case F_COL: {
        const char *eq = strchr(v, '=');
        sf_role r;
        char role[32];
        if (!eq || eq == v || (size_t)(eq - v) >= sizeof role || eq[1] == '\0')
            return cli_usage_error(p, "--col: expected ROLE=COLUMN, got '%s'", v);
        memcpy(role, v, (size_t)(eq - v));
        role[eq - v] = '\0';
        if (sf_role_parse(role, &r) != SF_OK)
            return cli_usage_error(p, "--col: unknown role '%s' (roles: N, D, C, loss, U, group, "
                                   "weight)", role);
        if (a->data.column[r])
            return cli_usage_error(p, "--col %s given twice ('%s', then '%s'): give each role "
                                   "once", sf_role_name(r), a->data.column[r], eq + 1);
        a->data.column[r] = eq + 1;
        return CLI_OK;
    }
    case F_FILTER:
        if (a->data.n_filters == SF_MAX_FILTERS)
            return cli_usage_error(p, "too many --filter options (at most %d)", SF_MAX_FILTERS);
        a->data.filters[a->data.n_filters++] = v;
        return CLI_OK;
    case F_DROP: a->data.drop_missing = 1; return CLI_OK;
    case F_LOSS:
        if (strcmp(v, "huber") == 0) a->fit.loss = SF_LOSS_HUBER;
        else if (strcmp(v, "ls") == 0) a->fit.loss = SF_LOSS_LS;
        else return cli_usage_error(p, "--loss: expected huber or ls, got '%s'", v);
        return CLI_OK;
    case F_DELTA:
        if ((rc = cli_positive(p, v, &x)) != CLI_OK) return rc;
        a->fit.delta = x;
        return CLI_OK;
    case F_GRID:
        if (strcmp(v, "auto") == 0) a->fit.grid = SF_GRID_AUTO;
        else if (strcmp(v, "full") == 0) a->fit.grid = SF_GRID_FULL;
        else if (strcmp(v, "screen") == 0) a->fit.grid = SF_GRID_SCREEN;
        else if (strcmp(v, "vp") == 0) a->fit.grid = SF_GRID_VP;
        else return cli_usage_error(p, "--grid: expected auto, full, screen or vp, got '%s'", v);
        return CLI_OK;
    case F_REFINE:
        if ((rc = cli_int(p, v, 1, 100000, &k)) != CLI_OK) return rc;
        a->fit.refine = (int)k;
        return CLI_OK;
    case F_THREADS:
        if ((rc = cli_int(p, v, 0, 4096, &k)) != CLI_OK) return rc;
        a->fit.threads = (int)k;
        return CLI_OK;
    case F_SEED: return cli_seed(p, v, &a->fit.seed);
    case F_FIX:
        if ((rc = cli_name_value(p, v, name, sizeof name, &x)) != CLI_OK) return rc;
        for (size_t j = 0; j < a->fit.n_fix; j++)
            if (strcmp(a->fit.fix_name[j], name) == 0)
                return cli_usage_error(p, "--fix %s given twice: hold each parameter once", name);
        if (sf_fit_options_fix(&a->fit, name, x) != SF_OK) return cli_usage_error(p, "--fix: too many");
        return CLI_OK;
    case F_X: return cli_x_arg(p, v, &a->law_opt, &a->law_opt_given);
    case F_BREAKS: return cli_breaks_arg(p, v, &a->law_opt, &a->law_opt_given);
    case F_TIE: {
        if ((rc = cli_name_value(p, v, name, sizeof name, NULL)) != CLI_OK) return rc;
        const char *rhs = strchr(v, '=') + 1;
        if (!*rhs || strlen(rhs) >= SF_NAME_MAX)
            return cli_usage_error(p, "--tie: expected A=B, got '%s'", v);
        for (size_t j = 0; j < a->fit.n_tie; j++)
            if (strcmp(a->fit.tie_b[j], rhs) == 0)
                return cli_usage_error(p, "--tie: %s tied twice: tie each parameter once", rhs);
        if (sf_fit_options_tie(&a->fit, name, rhs) != SF_OK) return cli_usage_error(p, "--tie: too many");
        return CLI_OK;
    }
    default: return -1;
    }
}

int cli_x_arg(const cli_parser *p, const char *v, sf_law_options *o, unsigned *given)
{
    sf_role r;
    if (sf_role_parse(v, &r) != SF_OK ||
        (r != SF_ROLE_N && r != SF_ROLE_D && r != SF_ROLE_C))
        return cli_usage_error(p, "--x: expected N, D or C, got '%s'", v);
    o->x = r;
    *given |= SF_LAW_OPT_X;
    return CLI_OK;
}

int cli_breaks_arg(const cli_parser *p, const char *v, sf_law_options *o, unsigned *given)
{
    long k;
    int rc = cli_int(p, v, 1, 3, &k);
    if (rc != CLI_OK) return rc;
    o->breaks = (int)k;
    *given |= SF_LAW_OPT_BREAKS;
    return CLI_OK;
}

int cli_law_options_check(const cli_parser *p, const char *law, unsigned given)
{
    unsigned extra = given & ~sf_law_options_used(law);
    if (!extra || sf_law_formula(law) == NULL) return CLI_OK;  /* unknown: sf_law_new says */
    const char *opt = (extra & SF_LAW_OPT_X) ? "--x" : "--breaks";
    const char *why = (extra & SF_LAW_OPT_X)
                          ? "reads fixed variables; --x is for the one-variable laws power and bnsl"
                          : "has no breaks; --breaks is for bnsl";
    return p ? cli_usage_error(p, "%s: law '%s' %s", opt, law, why)
             : cli_error("%s: law '%s' %s", opt, law, why);
}

int cli_fit_load(const cli_fit_args *a, const char *path, sf_law **law, sf_data **d)
{
    *law = NULL;
    *d = NULL;
    sf_error err;
    sf_error_clear(&err);
    int rc = cli_law_make(a, path, law);
    if (rc != CLI_OK) return rc;
    sf_data_options dopt = a->data;
    dopt.required |= sf_law_roles(*law);
    dopt.n_extra = sf_law_n_extra(*law);
    for (size_t k = 0; k < dopt.n_extra; k++) dopt.extra[k] = sf_law_extra_name(*law, k);
    if (sf_data_read(path, &dopt, d, &err) != SF_OK) {
        sf_law_free(*law);
        *law = NULL;
        return cli_lib_error(&err);
    }
    size_t n_corr = 0;
    const char *lr = NULL;
    rc = a->no_schedule ? CLI_OK : cli_schedule_correct(path, *d, &n_corr, &lr);
    if (rc != CLI_OK) {
        sf_law_free(*law);
        sf_data_free(*d);
        *law = NULL;
        *d = NULL;
        return rc;
    }
    if (lr)
        fprintf(stderr, "scalefit: note: %zu checkpoints corrected to the loss their run would "
                        "reach annealed there (column '%s'; --no-schedule: as logged)\n",
                n_corr, lr);
    return CLI_OK;
}
