/* scalefit report: fit a law and write the whole analysis as one HTML page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "scalefit report DATA.csv [--law NAME] [fit options] [--bootstrap K [--resample rows|group] "
    "[--warm-start]] [--compute C[,C...]] [--tasks TASKS.csv] [--title TEXT] -o REPORT.html";

static const char help_head[] =
    "Usage: scalefit report DATA.csv [options] -o REPORT.html\n"
    "\n"
    "Fit a law to training runs (as 'scalefit fit') and write one self-contained\n"
    "HTML page: every warning, a summary of the data, the fit table, the\n"
    "compute-optimal allocation for decades of compute around and beyond the\n"
    "largest run (and --compute), and the plots inline (fit against C and\n"
    "against N, allocation).  The page needs no network: CSS and SVG are\n"
    "inline, nothing is fetched.  See docs/plots.md.\n"
    "\n"
    "With --bootstrap K the fit is refitted to K resamples (as 'scalefit fit\n"
    "--bootstrap K'), and the page adds 95% percentile intervals to the\n"
    "parameters and the allocation, bands to the allocation plot, the pairwise\n"
    "plot of the draws and the identifiability warnings they show.\n"
    "\n";

static const char help_tail[] =
    "\n"
    "Report:\n"
    "  -o, --output FILE   write the page to FILE (overwritten; '-' for\n"
    "                      standard output); required\n"
    "  --compute C[,C...]  budgets in FLOPs to add to the allocation table\n"
    "  --title TEXT        the page's title\n"
    "  --tasks TASKS.csv   add a 'Downstream tasks' section: the task table\n"
    "                      (task fit's columns N, D, task, loss, acc, and run\n"
    "                      when present) fitted as 'scalefit task fit' does by\n"
    "                      default, per task its parameters, diagnosis, the\n"
    "                      predictions at each --compute budget and its plot;\n"
    "                      other columns or options: 'task fit --report'\n"
    "  --bootstrap K       intervals from K bootstrap refits, in parallel\n"
    "                      (--threads), reproducible for a --seed\n"
    "  --resample rows     draw rows with replacement (default)\n"
    "  --resample group    draw whole groups (run ids) with replacement\n"
    "  --warm-start        refit each resample from the fit's optima only\n"
    "                      (faster; docs/uncertainty.md)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Example:\n"
    "  scalefit report runs.csv --filter 'loss<3.44' --compute 5.76e23 -o report.html\n"
    "  scalefit report runs.csv --bootstrap 1000 --seed 1 -o report.html\n";

enum { O_HELP = 'h', O_OUT = 'o', O_COMPUTE = 256, O_TITLE, O_TASKS };

static const cli_opt opts[] = {{"help", 'h', 0, O_HELP},
                               {"output", 'o', 1, O_OUT},
                               {"compute", 0, 1, O_COMPUTE},
                               {"title", 0, 1, O_TITLE},
                               {"tasks", 0, 1, O_TASKS},
                               CLI_BOOT_OPTIONS,
                               {0, 0, 0, 0}};

/* The command line as a shell would take it back: arguments with spaces
 * or shell characters in single quotes.  Caller frees; NULL on ENOMEM. */
char *cli_command_line(int argc, char **argv)
{
    size_t len = strlen("scalefit") + 1;
    for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
    char *s = malloc(len);
    if (!s) return NULL;
    char *w = s;
    w += sprintf(w, "scalefit");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = *a == '\0' || strpbrk(a, " \t\n'\"\\$`!*?[]{}()<>|&;#~") != NULL;
        *w++ = ' ';
        if (quote) *w++ = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'') {
                memcpy(w, "'\\''", 4);
                w += 4;
            } else {
                *w++ = *c;
            }
        }
        if (quote) *w++ = '\'';
    }
    *w = '\0';
    return s;
}

/* How the page's intervals were made, for the report. */
static void describe_bootstrap(char *method, size_t size, const sf_draws *draws,
                               const cli_boot_args *ba, uint64_t seed)
{
    int w = snprintf(method, size,
                     "percentile bootstrap over %zu resamples of the %s, each refitted %s "
                     "(seed %llu)", sf_draws_resamples(draws),
                     ba->bo.resample == SF_RESAMPLE_GROUP ? "groups" : "rows",
                     ba->bo.warm ? "from the fit's optima" : "with the same search",
                     (unsigned long long)seed);
    if (sf_draws_resamples_failed(draws) && w > 0 && (size_t)w < size)
        snprintf(method + w, size - (size_t)w, "; %zu could not be fitted",
                 sf_draws_resamples_failed(draws));
}

int cmd_report(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "report", usage, opts, argc, argv);
    cli_add_options(&p, cli_fit_opts);
    cli_fit_args fa;
    cli_fit_args_init(&fa);
    const char *path = NULL, *out_path = NULL, *title = NULL, *tasks_path = NULL;
    double *budgets = NULL;
    size_t nb = 0;
    cli_boot_args ba;
    cli_boot_args_init(&ba);
    int status = CLI_OK;
    const char *v;
    int id;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        int rc = cli_fit_arg(&p, id, v, &fa);
        if (rc == -1) rc = cli_boot_arg(&p, id, v, &ba);
        if (rc != -1) {
            status = rc;
            continue;
        }
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case O_HELP:
            fputs(help_head, stdout);
            fputs(cli_fit_help, stdout);
            fputs(help_tail, stdout);
            free(budgets);
            return CLI_OK;
        case CLI_ARG_POSITIONAL:
            if (path) status = cli_usage_error(&p, "more than one data file ('%s', '%s')", path, v);
            path = v;
            break;
        case O_OUT: out_path = v; break;
        case O_TITLE: title = v; break;
        case O_TASKS: tasks_path = v; break;
        case O_COMPUTE:
            free(budgets);
            status = cli_list(&p, v, &budgets, &nb);
            break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status == CLI_OK && !path) status = cli_usage_error(&p, "missing DATA.csv");
    if (status == CLI_OK && !out_path)
        status = cli_usage_error(&p, "missing -o REPORT.html (the page is written to a file)");
    const char *orphan = cli_boot_orphan(&ba);
    if (status == CLI_OK && orphan)
        status = cli_usage_error(&p, "--%s goes with --bootstrap K", orphan);
    if (status != CLI_OK) {
        free(budgets);
        return status;
    }

    sf_error err;
    sf_error_clear(&err);
    sf_law *law = NULL;
    sf_data *d = NULL;
    sf_fit *fit = NULL;
    sf_draws *draws = NULL;
    char *cmd = NULL;
    sf_task_data *td = NULL;
    sf_task_fit *tf = NULL;
    char method[160] = "";
    if (ba.bo.resample == SF_RESAMPLE_GROUP) fa.data.required |= SF_ROLE_BIT(SF_ROLE_GROUP);
    status = cli_check_paths((const char *const[]){path, tasks_path}, 2,
                             (const char *const[]){out_path},
                             (const char *const[]){"-o"}, 1);
    if (status == CLI_OK) status = cli_fit_load(&fa, path, &law, &d);
    if (status == CLI_OK && tasks_path)
        status = cli_task_load_fit(tasks_path, fa.fit.seed, fa.fit.threads, &td, &tf);
    if (status != CLI_OK) goto done;
    if (sf_fit_run(law, d, &fa.fit, &fit, &err) != SF_OK) {
        status = cli_lib_error(&err);
        goto done;
    }
    if (ba.on) {
        if ((status = cli_bootstrap(fit, d, &ba.bo, &draws)) != CLI_OK) goto done;
        describe_bootstrap(method, sizeof method, draws, &ba, fa.fit.seed);
    }
    for (size_t k = 0; k < sf_fit_n_warnings(fit); k++) cli_warning("%s", sf_fit_warning(fit, k));
    for (size_t k = 0; k < sf_draws_n_warnings(draws); k++)
        cli_warning("%s", sf_draws_warning(draws, k));
    cli_warn_diagnoses(fit, NULL);
    cmd = cli_command_line(argc, argv);
    sf_report rep;
    sf_report_init(&rep);
    rep.fit = fit;
    rep.data = d;
    rep.title = title;
    rep.command = cmd;
    rep.budgets = budgets;
    rep.n_budgets = nb;
    rep.draws = draws;
    rep.interval_method = ba.on ? method : NULL;
    sf_task_report tr;
    sf_task_report_init(&tr);
    tr.fit = tf;
    tr.data = td;
    tr.compute = budgets;
    tr.n_compute = nb;
    rep.tasks = tf ? &tr : NULL;
    char *page = NULL;
    int rc = sf_report_html(&rep, &page, &err);
    status = cli_write_made(out_path, rc, page, &err);
done:
    sf_task_fit_free(tf);
    sf_task_data_free(td);
    free(cmd);
    free(budgets);
    sf_draws_free(draws);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return status;
}
