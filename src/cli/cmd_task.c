/* scalefit task fit | predict | validate: downstream task accuracy
 * (docs/tasks.md). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit task fit DATA.csv [options] | task predict TASKS.json --params N --tokens D "
    "| task validate DATA.csv [options]";

static const char help[] =
    "Usage: scalefit task fit DATA.csv [options] [-o TASKS.json]\n"
    "       scalefit task predict TASKS.json (--params N --tokens D | --compute C) [options]\n"
    "       scalefit task validate DATA.csv [options]\n"
    "\n"
    "Downstream task accuracy from a long table with one row per checkpoint and\n"
    "task: columns N, D (or C), task, loss (the task loss, e.g. bits per byte of\n"
    "the correct answer), acc (accuracy in [0, 1]) and optionally run (group).\n"
    "Two methods (docs/tasks.md):\n"
    "  two-step  step 1: the law (--law, default chinchilla) for task loss on\n"
    "            each run's last checkpoint; step 2: accuracy as a sigmoid of\n"
    "            task loss on every checkpoint (Bhagia et al. 2024)\n"
    "  direct    -log acc = E + A / C^alpha on each run's last checkpoint\n"
    "Intervals resample whole runs and refit both steps (--draws), plus the\n"
    "scatter of a single evaluation.\n"
    "\n"
    "task fit and task validate:\n"
    "  --col task=COLUMN, --col acc=COLUMN   the task and accuracy columns\n"
    "                      (default 'task' and 'acc'); other roles as below\n"
    "  --method M          two-step, direct or both (default both)\n"
    "  --step1-all         step 1 on every checkpoint, not each run's last\n"
    "  --chance X          fix every sigmoid's floor at X (default: fitted)\n"
    "  --chance TASK=X     fix one task's floor; repeatable\n"
    "  --draws K           resamples of runs for intervals (default 200; 0 = none)\n"
    "  -o, --output FILE   write the task fit as JSON (task fit)\n"
    "  --plot PREFIX       task fit: one SVG per task, PREFIX-TASK.svg (accuracy\n"
    "                      against task loss with the sigmoid and its band at\n"
    "                      --ci; task loss against compute with the law)\n"
    "  --report FILE.html  task fit: one HTML page ('-': standard output, in place\n"
    "                      of the table; docs/tasks.md): per task the\n"
    "                      parameters with intervals, the no-signal diagnosis,\n"
    "                      predictions at --params/--tokens and --compute, and\n"
    "                      the plot of --plot inline\n"
    "  --holdout-N N       task validate: fit the runs with smaller N, predict\n"
    "                      the last checkpoint of runs with this N (default: the\n"
    "                      largest N)\n"
    "\n"
    "task predict (and task fit --report):\n"
    "  --params N[,N...] --tokens D[,D...]   where to predict (paired)\n"
    "  --compute C[,C...]  at the allocation (N, D) with 6ND = C that maximises\n"
    "                      each task's accuracy (minimises its step-1 loss)\n"
    "  --task NAME         only this task (default all)\n"
    "\n"
    "All:\n"
    "  --ci L              interval level (default 0.9)\n"
    "  --json              one JSON object on stdout\n"
    "  -h, --help          show this help\n"
    "\n"
    "%s\n"
    "Examples:\n"
    "  python3 scripts/olmo_ladder_tasks.py ../shared/data/olmo_ladder > tasks.csv\n"
    "  scalefit task fit tasks.csv --filter 'N<3e9' --col group=run -o tasks.json\n"
    "  scalefit task fit tasks.csv --col group=run --compute 1e22 --report tasks.html\n"
    "  scalefit task predict tasks.json --params 7e9 --tokens 4e12\n"
    "  scalefit task validate tasks.csv --col group=run\n";

enum {
    O_HELP = 'h', O_OUT = 'o', O_METHOD = 256, O_STEP1_ALL, O_CHANCE, O_DRAWS, O_HOLDOUT,
    O_N, O_D, O_C, O_TASK, O_CI, O_JSON, O_PLOT, O_REPORT
};

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},       {"output", 'o', 1, O_OUT},  {"method", 0, 1, O_METHOD},
    {"step1-all", 0, 0, O_STEP1_ALL}, {"chance", 0, 1, O_CHANCE}, {"draws", 0, 1, O_DRAWS},
    {"holdout-N", 0, 1, O_HOLDOUT}, {"params", 0, 1, O_N},      {"tokens", 0, 1, O_D},
    {"compute", 0, 1, O_C},         {"task", 0, 1, O_TASK},     {"ci", 0, 1, O_CI},
    {"json", 0, 0, O_JSON},         {"plot", 0, 1, O_PLOT},     {"report", 0, 1, O_REPORT},
    {0, 0, 0, 0}};

typedef struct task_args {
    const char *sub, *path, *out, *only_task, *plot, *report;
    int argc;
    char **argv;
    cli_fit_args fa;
    sf_task_options to;
    const char *task_col, *acc_col;
    double level, holdout;
    int json;
    double *N, *D, *C;
    size_t nN, nD, nC;
} task_args;

static int chance_arg(const cli_parser *p, const char *v, sf_task_options *o)
{
    if (!strchr(v, '=')) {
        double x;
        int rc = cli_double(p, v, &x);
        if (rc != CLI_OK) return rc;
        if (!(x >= 0.0 && x < 1.0)) return cli_usage_error(p, "--chance: %s is not in [0, 1)", v);
        o->chance = x;
        return CLI_OK;
    }
    char name[SF_NAME_MAX];
    double x;
    int rc = cli_name_value(p, v, name, sizeof name, &x);
    if (rc != CLI_OK) return rc;
    if (!(x >= 0.0 && x < 1.0)) return cli_usage_error(p, "--chance: %s is not in [0, 1)", v);
    for (size_t i = 0; i < o->n_chance; i++)
        if (strcmp(o->chance_task[i], name) == 0)
            return cli_usage_error(p, "--chance: task '%s' given twice", name);
    if (o->n_chance == SF_TASK_MAX_CHANCE) return cli_usage_error(p, "--chance: too many");
    snprintf(o->chance_task[o->n_chance], SF_NAME_MAX, "%s", name);
    o->chance_value[o->n_chance++] = x;
    return CLI_OK;
}

static int method_arg(const cli_parser *p, const char *v, sf_task_options *o)
{
    if (strcmp(v, "two-step") == 0) o->method = SF_TASK_TWO_STEP;
    else if (strcmp(v, "direct") == 0) o->method = SF_TASK_DIRECT;
    else if (strcmp(v, "both") == 0) o->method = SF_TASK_BOTH;
    else return cli_usage_error(p, "--method: expected two-step, direct or both, got '%s'", v);
    return CLI_OK;
}

/* --col task=X and --col acc=X are this command's; other --col go on. */
static int col_arg(const cli_parser *p, const char *v, task_args *a)
{
    if (!p->name || strcmp(p->name, "col") != 0) return -1;
    if (strncmp(v, "task=", 5) == 0 && v[5]) a->task_col = v + 5;
    else if (strncmp(v, "acc=", 4) == 0 && v[4]) a->acc_col = v + 4;
    else return -1;
    return CLI_OK;
}

static int one_arg(const cli_parser *p, int id, const char *v, task_args *a)
{
    long k;
    int rc;
    switch (id) {
    case O_OUT: a->out = v; return CLI_OK;
    case O_METHOD: return method_arg(p, v, &a->to);
    case O_STEP1_ALL: a->to.step1_all = 1; return CLI_OK;
    case O_CHANCE: return chance_arg(p, v, &a->to);
    case O_DRAWS:
        if ((rc = cli_int(p, v, 0, 1000000, &k)) != CLI_OK) return rc;
        a->to.draws = (size_t)k;
        return CLI_OK;
    case O_HOLDOUT: return cli_positive(p, v, &a->holdout);
    case O_N: free(a->N); return cli_list(p, v, &a->N, &a->nN);
    case O_D: free(a->D); return cli_list(p, v, &a->D, &a->nD);
    case O_C: free(a->C); return cli_list(p, v, &a->C, &a->nC);
    case O_TASK: a->only_task = v; return CLI_OK;
    case O_CI:
        if ((rc = cli_double(p, v, &a->level)) != CLI_OK) return rc;
        if (!(a->level > 0.0 && a->level < 1.0))
            return cli_usage_error(p, "--ci: %s is not in (0, 1)", v);
        return CLI_OK;
    case O_JSON: a->json = 1; return CLI_OK;
    case O_PLOT: a->plot = v; return CLI_OK;
    case O_REPORT: a->report = v; return CLI_OK;
    default: return cli_usage_error(p, "internal: unhandled option");
    }
}

/* Parse argv; returns CLI_OK, a failure status, or -2 after --help. */
static int parse(int argc, char **argv, task_args *a)
{
    cli_parser p;
    cli_init(&p, "task", usage, opts, argc, argv);
    cli_add_options(&p, cli_fit_opts);
    const char *v;
    int id, status = CLI_OK;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        if (id == CLI_ARG_BAD) return CLI_USAGE;
        if (id == O_HELP) {
            printf(help, cli_fit_help);
            return -2;
        }
        if (id == CLI_ARG_POSITIONAL) {
            if (!a->sub) a->sub = v;
            else if (!a->path) a->path = v;
            else status = cli_usage_error(&p, "unexpected argument '%s'", v);
            continue;
        }
        if ((status = col_arg(&p, v, a)) != -1) continue;
        if ((status = cli_fit_arg(&p, id, v, &a->fa)) != -1) continue;
        status = one_arg(&p, id, v, a);
    }
    if (status != CLI_OK) return status;
    if (!a->sub) return cli_usage_error(&p, "expected fit, predict or validate");
    if (strcmp(a->sub, "fit") && strcmp(a->sub, "predict") && strcmp(a->sub, "validate"))
        return cli_usage_error(&p, "unknown task command '%s' (fit, predict, validate)", a->sub);
    if (!a->path) return cli_usage_error(&p, "task %s needs a file", a->sub);
    if (a->plot && strcmp(a->sub, "fit") != 0)
        return cli_usage_error(&p, "--plot is an option of task fit");
    if (a->report && strcmp(a->sub, "fit") != 0)
        return cli_usage_error(&p, "--report is an option of task fit");
    if (a->report && strcmp(a->report, "-") == 0 &&
        (a->json || (a->out && strcmp(a->out, "-") == 0)))
        return cli_usage_error(&p, "--report - and %s both write to standard output",
                               a->json ? "--json" : "-o -");
    a->to.law = a->fa.law;
    a->to.fit = a->fa.fit;
    a->to.seed = a->fa.fit.seed;
    a->to.threads = a->fa.fit.threads;
    if ((a->N || a->D || a->C) && strcmp(a->sub, "predict") != 0 && !a->report)
        return cli_usage_error(&p, "--params, --tokens and --compute are for task predict, or "
                                   "task fit with --report");
    if (!a->N != !a->D && (strcmp(a->sub, "predict") == 0 || a->report))
        return cli_usage_error(&p, "--params and --tokens go together");
    if (strcmp(a->sub, "predict") == 0 && !a->C && (!a->N || !a->D))
        return cli_usage_error(&p, "task predict needs --params and --tokens, or --compute");
    if (a->N && a->D && a->nN != a->nD && a->nN != 1 && a->nD != 1)
        return cli_usage_error(&p, "--params and --tokens lists of different lengths");
    return CLI_OK;
}

/* Read DATA as a task table with the command's columns and filters. */
static int load_tasks(const task_args *a, const char *extra_filter, sf_task_data **out)
{
    sf_error err;
    sf_error_clear(&err);
    sf_table *t = NULL;
    if (sf_table_read(a->path, &t, &err) != SF_OK) return cli_lib_error(&err);
    sf_data_options o = a->fa.data;
    if (extra_filter && o.n_filters < SF_MAX_FILTERS) o.filters[o.n_filters++] = extra_filter;
    int rc = sf_task_data_from_table(t, &o, a->task_col, a->acc_col, out, &err);
    sf_table_free(t);
    return rc == SF_OK ? CLI_OK : cli_lib_error(&err);
}

static int fit_tasks(const task_args *a, const sf_task_data *d, sf_task_fit **f)
{
    sf_error err;
    sf_error_clear(&err);
    if (sf_task_fit_run(d, &a->to, f, &err) != SF_OK) return cli_lib_error(&err);
    for (size_t i = 0; i < sf_task_fit_n_tasks(*f); i++) {
        const char *msg = NULL;
        if (sf_task_fit_diagnosis(*f, i, &msg) != SF_TASK_OK)
            cli_warning("task '%s': %s", sf_task_fit_task(*f, i), msg);
    }
    return CLI_OK;
}

#include "cli/task_print.h"

/* --plot PREFIX: PREFIX-TASK.svg for every task (characters other than
 * letters, digits, '.', '-' and '_' in the task name become '_'). */
static int write_plots(const task_args *a, const sf_task_fit *f, const sf_task_data *d)
{
    sf_plot_options po;
    sf_plot_options_init(&po);
    po.level = a->level;
    for (size_t i = 0; i < sf_task_fit_n_tasks(f); i++) {
        char path[4096], name[SF_NAME_MAX];
        snprintf(name, sizeof name, "%s", sf_task_fit_task(f, i));
        for (char *q = name; *q; q++)
            if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-' && *q != '_') *q = '_';
        if (snprintf(path, sizeof path, "%s-%s.svg", a->plot, name) >= (int)sizeof path)
            return cli_error("--plot: the path %s-... is too long", a->plot);
        char *svg = NULL;
        sf_error err;
        sf_error_clear(&err);
        int rc = sf_plot_task(f, d, i, &po, &svg, &err);
        int status = cli_write_made(path, rc, svg, &err);
        if (status != CLI_OK) return status;
    }
    return CLI_OK;
}

/* --report FILE.html: the task report page, with predictions at the paired
 * --params/--tokens (a single value pairs with every one of the other
 * list) and at each --compute budget. */
static int write_report(const task_args *a, const sf_task_fit *f, const sf_task_data *d)
{
    size_t n = a->N && a->D ? (a->nN > a->nD ? a->nN : a->nD) : 0;
    double *N = malloc((n ? n : 1) * sizeof *N), *D = malloc((n ? n : 1) * sizeof *D);
    char *cmd = cli_command_line(a->argc, a->argv);
    if (!N || !D || !cmd) {
        free(N);
        free(D);
        free(cmd);
        return cli_error("out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        N[i] = a->N[a->nN == 1 ? 0 : i];
        D[i] = a->D[a->nD == 1 ? 0 : i];
    }
    sf_task_report r;
    sf_task_report_init(&r);
    r.fit = f;
    r.data = d;
    r.level = a->level;
    r.command = cmd;
    r.N = N;
    r.D = D;
    r.n_points = n;
    r.compute = a->C;
    r.n_compute = a->nC;
    char *page = NULL;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_task_report_html(&r, &page, &err);
    int status = cli_write_made(a->report, rc, page, &err);
    free(N);
    free(D);
    free(cmd);
    return status;
}

static int run_fit(task_args *a)
{
    int status = cli_check_paths((const char *const[]){a->path}, 1,
                                 (const char *const[]){a->out, a->report},
                                 (const char *const[]){"-o", "--report"}, 2);
    if (status != CLI_OK) return status;
    sf_task_data *d = NULL;
    sf_task_fit *f = NULL;
    status = load_tasks(a, NULL, &d);
    if (status == CLI_OK) status = fit_tasks(a, d, &f);
    char *json = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (status == CLI_OK && (a->out || a->json) && sf_task_fit_json(f, &json, &err) != SF_OK)
        status = cli_lib_error(&err);
    if (status == CLI_OK && a->out) status = cli_write_file(a->out, json);
    if (status == CLI_OK && a->json) status = cli_write_file("-", json);
    else if (status == CLI_OK && !(a->report && strcmp(a->report, "-") == 0))
        task_print_fit(stdout, f, d);
    if (status == CLI_OK && a->plot) status = write_plots(a, f, d);
    if (status == CLI_OK && a->report) status = write_report(a, f, d);
    free(json);
    sf_task_fit_free(f);
    sf_task_data_free(d);
    return status;
}

static int run_predict(task_args *a)
{
    sf_error err;
    sf_error_clear(&err);
    sf_task_fit *f = NULL;
    if (sf_task_fit_json_read(a->path, &f, &err) != SF_OK) return cli_lib_error(&err);
    int status = task_predict_all(a->json, f, a->only_task, a->N, a->nN, a->D, a->nD, a->C,
                                  a->nC, a->level);
    sf_task_fit_free(f);
    return status;
}

static int run_validate(task_args *a)
{
    sf_task_data *all = NULL, *fit_d = NULL;
    sf_task_fit *f = NULL;
    int status = load_tasks(a, NULL, &all);
    double hold = a->holdout;
    if (status == CLI_OK && !(hold > 0.0))
        for (size_t i = 0; i < all->n; i++) hold = fmax(hold, all->N[i]);
    char filter[64];
    snprintf(filter, sizeof filter, "N<%.17g", hold);
    if (status == CLI_OK) status = load_tasks(a, filter, &fit_d);
    if (status == CLI_OK) status = fit_tasks(a, fit_d, &f);
    if (status == CLI_OK) status = task_validate_report(a->json, f, all, hold, a->level);
    sf_task_fit_free(f);
    sf_task_data_free(fit_d);
    sf_task_data_free(all);
    return status;
}

int cli_task_load_fit(const char *path, uint64_t seed, int threads, sf_task_data **d,
                      sf_task_fit **f)
{
    task_args a;
    memset(&a, 0, sizeof a);
    cli_fit_args_init(&a.fa);
    sf_task_options_init(&a.to);
    a.path = path;
    a.to.seed = seed;
    a.to.threads = threads;
    *d = NULL;
    *f = NULL;
    sf_error err;
    sf_error_clear(&err);
    sf_table *t = NULL;
    if (sf_table_read(path, &t, &err) != SF_OK) return cli_lib_error(&err);
    if (sf_table_find(t, "run") >= 0) a.fa.data.column[SF_ROLE_GROUP] = "run";
    int rc = sf_task_data_from_table(t, &a.fa.data, NULL, NULL, d, &err);
    sf_table_free(t);
    if (rc != SF_OK) return cli_lib_error(&err);
    return fit_tasks(&a, *d, f);
}

int cmd_task(int argc, char **argv)
{
    task_args a;
    memset(&a, 0, sizeof a);
    cli_fit_args_init(&a.fa);
    sf_task_options_init(&a.to);
    a.level = 0.9;
    a.argc = argc;
    a.argv = argv;
    int status = parse(argc, argv, &a);
    if (status == -2) status = CLI_OK;
    else if (status == CLI_OK && strcmp(a.sub, "fit") == 0) status = run_fit(&a);
    else if (status == CLI_OK && strcmp(a.sub, "predict") == 0) status = run_predict(&a);
    else if (status == CLI_OK) status = run_validate(&a);
    free(a.N);
    free(a.D);
    free(a.C);
    return status;
}
