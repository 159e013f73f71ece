/* scalefit forecast: a run's loss at steps not trained yet, from its
 * checkpoints and learning-rate schedule (docs/curves.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli/curves.h"

static const char usage[] =
    "scalefit forecast DATA.csv [--law anneal|multipower|steps] [--schedule SPEC] "
    "[--compare-schedules SPEC,...] [--col ROLE=COLUMN] [--json] [--plot FILE.svg]";

static const char help[] =
    "Usage: scalefit forecast DATA.csv [options]\n"
    "\n"
    "Forecast a training run's loss at steps not trained yet from its\n"
    "checkpoints and its learning-rate schedule.  DATA has columns step, lr and\n"
    "loss (and optionally run, tokens); rows whose loss is empty are the steps to\n"
    "forecast.  With a run column, the other runs (finished runs of the same model\n"
    "size) are fitted jointly with the one that has rows to forecast.\n"
    "\n"
    "  --law NAME             anneal (default: Tissue et al. 2024), multipower\n"
    "                         (Luo et al. 2025), steps (E + A t^-alpha)\n"
    "  --schedule SPEC        the target run's schedule, replacing the lr column\n"
    "                         and the future rows: cosine:peak=P,warmup=W,steps=T\n"
    "                         [,final=F] | wsd:peak=P,warmup=W,steps=T[,decay=K]\n"
    "                         [,final=F] | constant:peak=P,steps=T\n"
    "  --points K             forecast steps with --schedule (default 10)\n"
    "  --compare-schedules S1,S2,...  also the final loss under other schedules\n"
    "  --col ROLE=COLUMN      ROLE: step, lr, loss, run (e.g. --col\n"
    "                         loss=eval/c4_en-validation/CrossEntropyLoss)\n"
    "  --lambda X             annealing momentum decay (default 0.999)\n"
    "  --min-step S           leave out checkpoints before step S (default 5\n"
    "                         times the warm-up; 0 keeps all)\n"
    "  --level X              interval level (default 0.95)\n"
    "  --json                 {\"law\", \"params\", \"rows\": [{\"step\", \"loss\",\n"
    "                         \"lo\", \"hi\"}], \"schedules\": [...]}\n"
    "  --plot FILE.svg        the observed curve, the forecast with its band, and\n"
    "                         the learning-rate schedule under it\n"
    "  -h, --help             show this help\n"
    "\n"
    "Intervals: Gauss-Newton covariance of the parameters, widened for the\n"
    "autocorrelation of residuals along a run, by the delta method, plus the\n"
    "scatter of one checkpoint (docs/curves.md).\n"
    "\n"
    "Example:\n"
    "  scalefit forecast run.csv --schedule cosine:peak=3e-4,warmup=1000,steps=100000\n";

enum { O_HELP = 'h', O_LAW = 256, O_SCHED, O_CMP, O_POINTS, O_COL, O_LAMBDA, O_MIN,
       O_LEVEL, O_JSON, O_INTERVAL, O_ONCE, O_PLOT };

static const cli_opt opts[] = {
    {"help", 'h', 0, O_HELP},      {"law", 0, 1, O_LAW},
    {"schedule", 0, 1, O_SCHED},   {"compare-schedules", 0, 1, O_CMP},
    {"points", 0, 1, O_POINTS},    {"col", 0, 1, O_COL},
    {"lambda", 0, 1, O_LAMBDA},    {"min-step", 0, 1, O_MIN},
    {"level", 0, 1, O_LEVEL},      {"json", 0, 0, O_JSON},
    {"interval", 0, 1, O_INTERVAL}, {"once", 0, 0, O_ONCE},
    {"plot", 0, 1, O_PLOT},
    {0, 0, 0, 0}};

extern const char watch_usage[], watch_help[];

static int col_arg(const cli_parser *p, const char *v, cli_curve_cols *c)
{
    const char *eq = strchr(v, '=');
    if (!eq || !eq[1]) return cli_usage_error(p, "--col needs ROLE=COLUMN, not '%s'", v);
    size_t k = (size_t)(eq - v);
    const char **dst = k == 4 && !strncmp(v, "step", 4)   ? &c->step
                       : k == 2 && !strncmp(v, "lr", 2)   ? &c->lr
                       : k == 4 && !strncmp(v, "loss", 4) ? &c->loss
                       : k == 3 && !strncmp(v, "run", 3)  ? &c->run
                                                          : NULL;
    if (!dst) return cli_usage_error(p, "--col: ROLE is step, lr, loss or run, not '%.*s'",
                                     (int)k, v);
    *dst = eq + 1;
    return CLI_OK;
}

static int fc_option(cli_parser *p, int id, const char *v, fc_args *a)
{
    long k;
    double x;
    int rc = CLI_OK;
    switch (id) {
    case O_LAW:
        if (!sf_curve_law_formula(v))
            return cli_usage_error(p, "unknown curve law '%s' (anneal, multipower, steps)", v);
        a->law = v;
        break;
    case O_SCHED: a->schedule = v; break;
    case O_CMP: a->compare = v; break;
    case O_POINTS:
        rc = cli_int(p, v, 1, 100000, &k);
        a->points = k;
        break;
    case O_COL: rc = col_arg(p, v, &a->cols); break;
    case O_LAMBDA:
        rc = cli_double(p, v, &x);
        if (rc == CLI_OK && !(x >= 0 && x < 1))
            return cli_usage_error(p, "--lambda must be in [0, 1)");
        a->opt.lambda = x;
        break;
    case O_MIN:
        rc = cli_double(p, v, &x);
        if (rc == CLI_OK && !(x >= 0)) return cli_usage_error(p, "--min-step must be >= 0");
        a->opt.min_step = x;
        break;
    case O_LEVEL:
        rc = cli_double(p, v, &x);
        if (rc == CLI_OK && !(x > 0 && x < 1))
            return cli_usage_error(p, "--level must be in (0, 1)");
        a->opt.level = x;
        break;
    case O_JSON: a->json = 1; break;
    case O_INTERVAL: rc = cli_positive(p, v, &a->interval); break;
    case O_ONCE: a->once = 1; break;
    case O_PLOT: a->plot = v; break;
    default: return cli_usage_error(p, "unexpected option");
    }
    return rc;
}

int fc_parse(int argc, char **argv, fc_args *a, int watch)
{
    memset(a, 0, sizeof *a);
    a->law = "anneal";
    a->points = 10;
    a->interval = 2.0;
    sf_curve_options_init(&a->opt);
    cli_parser p;
    cli_init(&p, watch ? "watch" : "forecast", watch ? watch_usage : usage, opts, argc, argv);
    const char *v;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_ARG_END) {
        if (id == CLI_ARG_BAD) return CLI_USAGE;
        if (id == O_HELP) {
            fputs(watch ? watch_help : help, stdout);
            return -1;
        }
        if (id == CLI_ARG_POSITIONAL) {
            if (a->path) return cli_usage_error(&p, "unexpected argument '%s'", v);
            a->path = v;
            continue;
        }
        if (!watch && (id == O_INTERVAL || id == O_ONCE))
            return cli_usage_error(&p, "--%s is an option of scalefit watch", p.name);
        if (watch && id == O_PLOT)
            return cli_usage_error(&p, "--plot is an option of scalefit forecast");
        int rc = fc_option(&p, id, v, a);
        if (rc != CLI_OK) return rc;
    }
    if (!a->path) return cli_usage_error(&p, "missing %s", watch ? "FILE" : "DATA.csv");
    return CLI_OK;
}

void fc_result_free(fc_result *r)
{
    sf_curve_fit_free(r->fit);
    free(r->step);
    free(r->loss);
    free(r->lo);
    free(r->hi);
    sf_schedule_free(r->sched);
    for (size_t k = 0; k < r->n_cmp; k++) free(r->cmp_spec[k]);
    free(r->cmp_spec);
    free(r->cmp_step);
    free(r->cmp_loss);
    free(r->cmp_lo);
    free(r->cmp_hi);
    memset(r, 0, sizeof *r);
}

/* The steps to forecast: the target's empty-loss rows, or with --schedule
 * `points` steps spread from its last checkpoint to the schedule's end. */
static int fc_steps(const fc_args *a, const cli_crun *t, fc_result *r, sf_error *err)
{
    size_t m = a->schedule ? (size_t)a->points : t->n_fut;
    r->step = malloc((m ? m : 1) * sizeof(double));
    r->loss = malloc((m ? m : 1) * sizeof(double));
    r->lo = malloc((m ? m : 1) * sizeof(double));
    r->hi = malloc((m ? m : 1) * sizeof(double));
    if (!r->step || !r->loss || !r->lo || !r->hi)
        return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    if (!a->schedule) {
        memcpy(r->step, t->fut_step, m * sizeof(double));
    } else {
        double T = (double)sf_schedule_steps(r->sched);
        double s0 = t->n_obs ? t->obs_step[t->n_obs - 1] : 0.0;
        if (s0 >= T)
            return sf_fail(err, SF_EINVAL, "", 0, 0,
                           "--schedule ends at step %g, not after the last checkpoint (%g)", T,
                           s0);
        for (size_t k = 0; k < m; k++)
            r->step[k] = round(s0 + (T - s0) * (double)(k + 1) / (double)m);
    }
    r->m = m;
    return SF_OK;
}

/* Split "cosine:a=1,b=2,wsd:c=3" into specs: an item with ':' starts one. */
static int fc_compare(const fc_args *a, fc_result *r, sf_error *err)
{
    size_t cap = 1;
    for (const char *s = a->compare; *s; s++) cap += *s == ':';
    r->cmp_spec = calloc(cap, sizeof *r->cmp_spec);
    r->cmp_step = malloc(cap * sizeof(double));
    r->cmp_loss = malloc(cap * sizeof(double));
    r->cmp_lo = malloc(cap * sizeof(double));
    r->cmp_hi = malloc(cap * sizeof(double));
    char *copy = sf_strdup(a->compare);
    if (!r->cmp_spec || !r->cmp_step || !r->cmp_loss || !r->cmp_lo || !r->cmp_hi || !copy) {
        free(copy);
        return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    sf_buf b = {0};
    int rc = SF_OK;
    for (char *save = NULL, *it = strtok_r(copy, ",", &save); rc == SF_OK;
         it = strtok_r(NULL, ",", &save)) {
        if ((!it || strchr(it, ':')) && b.len) {
            sf_schedule *s = NULL;
            rc = sf_schedule_parse(b.data, &s, err);
            size_t k = r->n_cmp;
            if (rc == SF_OK) {
                r->cmp_step[k] = (double)sf_schedule_steps(s);
                rc = sf_curve_predict(r->fit, s, &r->cmp_step[k], 1, &r->cmp_loss[k],
                                      &r->cmp_lo[k], &r->cmp_hi[k], err);
            }
            sf_schedule_free(s);
            r->cmp_spec[k] = sf_strdup(b.data);
            r->n_cmp++;
            b.len = 0;
        }
        if (!it) break;
        if (b.len ? sf_buf_printf(&b, ",%s", it) : sf_buf_printf(&b, "%s", it))
            rc = sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    sf_buf_free(&b);
    free(copy);
    return rc;
}

int fc_compute(const fc_args *a, const cli_curves *c, fc_result *r, sf_error *err)
{
    memset(r, 0, sizeof *r);
    long ti = c->target >= 0 ? c->target : a->schedule ? (long)c->n_runs - 1 : -1;
    if (ti < 0)
        return sf_fail(err, SF_EINVAL, a->path, 0, 0,
                       "no steps to forecast: leave the loss empty at the steps to forecast, "
                       "or give --schedule");
    const cli_crun *t = &c->run[ti];
    r->target = t;
    int rc = a->schedule ? sf_schedule_parse(a->schedule, &r->sched, err) : SF_OK;
    if (rc == SF_OK && !a->schedule)
        rc = sf_schedule_from_points(t->step, t->lr, t->n, 0, &r->sched, err);
    if (rc == SF_OK) rc = fc_steps(a, t, r, err);
    sf_curve_run *runs = rc == SF_OK ? calloc(c->n_runs, sizeof *runs) : NULL;
    if (rc == SF_OK && !runs) rc = sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    size_t nr = 0;
    for (size_t k = 0; rc == SF_OK && k < c->n_runs; k++) {
        const cli_crun *q = &c->run[k];
        if (!q->n_obs) continue;
        runs[nr].schedule = (long)k == ti ? r->sched : q->sched;
        runs[nr].n = q->n_obs;
        runs[nr].step = q->obs_step;
        runs[nr].loss = q->obs_loss;
        nr++;
    }
    r->n_runs_fit = nr;
    if (rc == SF_OK) rc = sf_curve_fit_run(a->law, runs, nr, &a->opt, &r->fit, err);
    free(runs);
    if (rc == SF_OK)
        rc = sf_curve_predict(r->fit, r->sched, r->step, r->m, r->loss, r->lo, r->hi, err);
    if (rc == SF_OK && a->compare) rc = fc_compare(a, r, err);
    if (rc != SF_OK && !err->file[0]) sf_strlcpy(err->file, a->path, sizeof err->file);
    return rc;
}

static void print_json(const fc_args *a, const fc_result *r)
{
    const size_t np = sf_curve_fit_n_params(r->fit);
    const double *p = sf_curve_fit_params(r->fit);
    printf("{\"law\": \"%s\", \"params\": {", a->law);
    for (size_t j = 0; j < np; j++)
        printf("%s\"%s\": %.17g", j ? ", " : "", sf_curve_law_param_name(a->law, j), p[j]);
    printf("}, \"objective\": %.17g, \"n_points\": %zu, \"runs\": %zu, \"sigma\": %.17g, "
           "\"rho\": %.17g, \"level\": %.17g, \"interval\": \"delta\", \"rows\": [",
           sf_curve_fit_objective(r->fit), sf_curve_fit_n_points(r->fit), r->n_runs_fit,
           sf_curve_fit_sigma(r->fit), sf_curve_fit_rho(r->fit), a->opt.level);
    for (size_t i = 0; i < r->m; i++)
        printf("%s{\"step\": %.17g, \"loss\": %.17g, \"lo\": %.17g, \"hi\": %.17g}",
               i ? ", " : "", r->step[i], r->loss[i], r->lo[i], r->hi[i]);
    printf("]");
    if (a->compare) {
        printf(", \"schedules\": [");
        for (size_t k = 0; k < r->n_cmp; k++) {
            printf("%s{\"schedule\": \"", k ? ", " : "");
            for (const char *s = r->cmp_spec[k]; s && *s; s++)
                if (*s == '"' || *s == '\\') printf("\\%c", *s);
                else if ((unsigned char)*s >= 0x20) putchar(*s);
            printf("\", \"step\": %.17g, \"loss\": %.17g, \"lo\": %.17g, \"hi\": %.17g}",
                   r->cmp_step[k], r->cmp_loss[k], r->cmp_lo[k], r->cmp_hi[k]);
        }
        printf("]");
    }
    printf("}\n");
}

static void print_text(const fc_args *a, const fc_result *r)
{
    printf("law %s: %s\n", a->law, sf_curve_law_formula(a->law));
    printf("fitted on %zu checkpoints of %zu run%s; %.0f%% intervals (parameter covariance "
           "x AR(1) + residual)\n",
           sf_curve_fit_n_points(r->fit), r->n_runs_fit, r->n_runs_fit == 1 ? "" : "s",
           100 * a->opt.level);
    printf("%12s  %10s  %10s  %10s\n", "step", "loss", "lo", "hi");
    for (size_t i = 0; i < r->m; i++)
        printf("%12.0f  %10.4f  %10.4f  %10.4f\n", r->step[i], r->loss[i], r->lo[i], r->hi[i]);
    for (size_t k = 0; k < r->n_cmp; k++)
        printf("%s%s\n  final loss %.4f [%.4f, %.4f] at step %.0f\n", k ? "" : "\nschedules:\n",
               r->cmp_spec[k], r->cmp_loss[k], r->cmp_lo[k], r->cmp_hi[k], r->cmp_step[k]);
}

/* The forecast chart (sf_plot_forecast) of the target run into a->plot. */
static int write_plot(const fc_args *a, const fc_result *r)
{
    const cli_crun *t = r->target;
    sf_curve_run run = {.schedule = r->sched, .n = t->n_obs, .step = t->obs_step,
                        .loss = t->obs_loss};
    sf_curve_plot pd;
    sf_error err;
    sf_error_clear(&err);
    char *svg = NULL;
    int rc = sf_curve_plot_data(r->fit, &run, r->step, r->m, &pd, &err);
    if (rc == SF_OK) {
        sf_plot_options o;
        sf_plot_options_init(&o);
        o.level = a->opt.level;
        rc = sf_plot_forecast(&pd, &o, &svg, &err);
        sf_curve_plot_free(&pd);
    }
    return cli_write_made(a->plot, rc, svg, &err);
}

int cmd_forecast(int argc, char **argv)
{
    fc_args a;
    int rc = fc_parse(argc, argv, &a, 0);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
    if (a.plot && cli_check_paths((const char *const[]){a.path}, 1,
                                  (const char *const[]){a.plot},
                                  (const char *const[]){"--plot"}, 1) != CLI_OK)
        return CLI_ERROR;
    cli_curves c = {0};
    fc_result r = {0};
    sf_error err;
    sf_error_clear(&err);
    int s = cli_curves_read(a.path, &a.cols, &c, &err);
    if (s == SF_OK) s = cli_curves_finish(&c, a.path, &err);
    if (s == SF_OK && !c.has_lr && !a.schedule && strcmp(a.law, "steps"))
        cli_warning("%s: no lr column: a constant learning rate is assumed", a.path);
    if (s == SF_OK) s = fc_compute(&a, &c, &r, &err);
    int status = s == SF_OK ? CLI_OK : cli_lib_error(&err);
    if (status == CLI_OK && a.plot) status = write_plot(&a, &r);
    if (status == CLI_OK) {
        if (a.json) print_json(&a, &r);
        else print_text(&a, &r);
    }
    fc_result_free(&r);
    cli_curves_free(&c);
    return status;
}
