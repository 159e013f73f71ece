/* scalefit optimal TASKS.json --maximize-acc TASK: the allocation that
 * maximises a task's accuracy, or the budget that reaches one
 * (docs/tasks.md).  cmd_optimal hands a command line with --maximize-acc
 * here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/task_print.h"

static const char opt_usage[] =
    "scalefit optimal TASKS.json --maximize-acc TASK (--compute C[,C...] | --target-acc A[,A...]) "
    "[--ci L] [--json]";

enum { P_HELP = 'h', P_TASK = 256, P_COMPUTE, P_TARGET, P_CI, P_JSON };

static const cli_opt opt_opts[] = {
    {"help", 'h', 0, P_HELP},         {"maximize-acc", 0, 1, P_TASK}, {"compute", 0, 1, P_COMPUTE},
    {"target-acc", 0, 1, P_TARGET},   {"ci", 0, 1, P_CI},             {"json", 0, 0, P_JSON},
    {0, 0, 0, 0}};

static int print_target_acc(int json, const sf_task_fit *f, size_t t, const double *acc, size_t n)
{
    sf_alloc_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows) return cli_error("out of memory");
    int status = CLI_OK;
    for (size_t i = 0; i < n && status == CLI_OK; i++) {
        sf_error err;
        sf_error_clear(&err);
        if (sf_task_target_acc(f, t, acc[i], &rows[i], &err) != SF_OK) status = cli_lib_error(&err);
    }
    if (status == CLI_OK) status = task_print_target_acc(json, sf_task_fit_task(f, t), acc, rows, n);
    free(rows);
    return status;
}

int cmd_optimal_task(int argc, char **argv)
{
    cli_parser p;
    cli_init(&p, "optimal", opt_usage, opt_opts, argc, argv);
    const char *path = NULL, *task = NULL, *v;
    double *C = NULL, *acc = NULL, level = 0.9;
    size_t nC = 0, nA = 0;
    int json = 0, status = CLI_OK, id;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        switch (id) {
        case CLI_ARG_BAD: status = CLI_USAGE; break;
        case CLI_ARG_POSITIONAL:
            if (path) status = cli_usage_error(&p, "unexpected argument '%s'", v);
            path = v;
            break;
        case P_HELP: printf("Usage: %s\n(see scalefit optimal --help)\n", opt_usage); goto done;
        case P_TASK: task = v; break;
        case P_COMPUTE: free(C); status = cli_list(&p, v, &C, &nC); break;
        case P_TARGET: free(acc); status = cli_list(&p, v, &acc, &nA); break;
        case P_CI:
            if ((status = cli_double(&p, v, &level)) == CLI_OK && !(level > 0.0 && level < 1.0))
                status = cli_usage_error(&p, "--ci: %s is not in (0, 1)", v);
            break;
        case P_JSON: json = 1; break;
        default: status = cli_usage_error(&p, "internal: unhandled option");
        }
    }
    if (status == CLI_OK && !path) status = cli_usage_error(&p, "expected a task fit file");
    if (status == CLI_OK && (!C) == (!acc))
        status = cli_usage_error(&p, "give exactly one of --compute and --target-acc");
    sf_task_fit *f = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (status == CLI_OK && sf_task_fit_json_read(path, &f, &err) != SF_OK)
        status = cli_lib_error(&err);
    size_t t = 0;
    while (status == CLI_OK && t < sf_task_fit_n_tasks(f) && strcmp(sf_task_fit_task(f, t), task))
        t++;
    if (status == CLI_OK && t == sf_task_fit_n_tasks(f))
        status = cli_error("%s: no task '%s'", path, task);
    if (status == CLI_OK && C)
        status = task_predict_all(json, f, task, NULL, 0, NULL, 0, C, nC, level);
    else if (status == CLI_OK)
        status = print_target_acc(json, f, t, acc, nA);
    sf_task_fit_free(f);
done:
    free(C);
    free(acc);
    return status;
}
