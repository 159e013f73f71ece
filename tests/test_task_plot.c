/* The task plot (issue 15, docs/plots.md): sf_task_sigmoid_band against
 * the sigmoid's draws, sf_plot_task on a synthetic ladder (two panels, the
 * sigmoid and its band, the step-1 law; a task with no signal drawn
 * without curves), xmllint on the SVG, and `scalefit task fit --plot`. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static size_t task_named(const sf_task_fit *f, const char *name)
{
    for (size_t i = 0; i < sf_task_fit_n_tasks(f); i++)
        if (strcmp(sf_task_fit_task(f, i), name) == 0) return i;
    cr_assert_fail("no task %s", name);
    return 0;
}

/* xmllint --noout accepts the file (skipped without xmllint, failed on CI). */
static void xmllint_ok(const char *path)
{
    const char *vg = getenv("SF_VALGRIND"), *ci = getenv("CI");
    if (vg && strcmp(vg, "1") == 0) return;
    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        cr_assert(!(ci && strcmp(ci, "true") == 0), "xmllint is missing (CI=true)");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    cr_assert_eq(system(cmd), 0, "xmllint rejects %s", path);
}

Test(task_plot, band_brackets_the_sigmoid_and_narrows_inside_the_data)
{
    sf_task_fit *f = NULL;
    sf_task_data *d = NULL;
    task_ladder_fit("plot", &f, &d);
    size_t ts = task_named(f, "signal"), tf = task_named(f, "flat");
    double L[4] = {1.2, 1.3, 1.6, NAN}, lo[4], hi[4];
    sf_error err;
    cr_assert(sf_task_sigmoid_band(f, ts, L, 4, 0.9, lo, hi, &err) == SF_OK, "%s", err.message);
    const sf_sigmoid *s = sf_task_fit_sigmoid(f, ts, NULL);
    cr_assert(s);
    for (int i = 0; i < 3; i++) {
        double a = sf_sigmoid_eval(s, L[i]);
        /* the truth the ladder was drawn from */
        double t = 0.25 + 0.6 / (1.0 + exp(5.0 * (L[i] - 1.3)));
        cr_assert(lo[i] < hi[i] && hi[i] - lo[i] < 0.05, "band [%g, %g] at L=%g", lo[i], hi[i],
                  L[i]);
        cr_assert(lo[i] - 0.01 <= a && a <= hi[i] + 0.01, "fit %g outside [%g, %g]", a, lo[i],
                  hi[i]);
        cr_assert(fabs(a - t) < 0.02, "sigmoid %g, truth %g at L=%g", a, t, L[i]);
    }
    cr_assert(isnan(lo[3]) && isnan(hi[3]), "a NaN loss gives a NaN band");
    cr_assert(sf_task_sigmoid_band(f, tf, L, 3, 0.9, lo, hi, &err) == SF_ENOTSUP);
    cr_assert(sf_task_sigmoid_band(f, 99, L, 3, 0.9, lo, hi, &err) == SF_EINVAL);
    cr_assert(sf_task_sigmoid_band(f, ts, L, 3, 1.5, lo, hi, &err) == SF_EINVAL);
    sf_task_fit_free(f);
    sf_task_data_free(d);
}

Test(task_plot, draws_both_panels_and_a_no_signal_task_without_curves)
{
    sf_task_fit *f = NULL;
    sf_task_data *d = NULL;
    task_ladder_fit("plot", &f, &d);
    sf_plot_options o;
    sf_plot_options_init(&o);
    char *svg = NULL;
    sf_error err;
    cr_assert(sf_plot_task(f, d, task_named(f, "signal"), &o, &svg, &err) == SF_OK, "%s",
              err.message);
    cr_assert(svg && strstr(svg, "<svg") && strstr(svg, "</svg>"));
    const char *want[] = {"Task signal", "accuracy against task loss", "task loss against compute",
                          "sigmoid fit", "95% band", "step-1 law at each N", "N = 1.5e+08",
                          "N = 2.4e+09", "compute C = 6ND"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert(strstr(svg, want[i]), "no '%s' in the signal plot", want[i]);
    cr_assert(!strstr(svg, "nan") && !strstr(svg, "NaN") && !strstr(svg, "inf"));
    const char *path = tmp_file("signal.svg");
    write_text(path, svg);
    xmllint_ok(path);
    free(svg);
    svg = NULL;
    cr_assert(sf_plot_task(f, d, task_named(f, "flat"), &o, &svg, &err) == SF_OK, "%s",
              err.message);
    cr_assert(strstr(svg, "no signal") && strstr(svg, "last checkpoint"));
    cr_assert(!strstr(svg, "sigmoid fit") && !strstr(svg, "step-1 law at each N"),
              "a no-signal task has no curves");
    path = tmp_file("flat.svg");
    write_text(path, svg);
    xmllint_ok(path);
    free(svg);
    cr_assert(sf_plot_task(f, d, 7, &o, &svg, &err) == SF_EINVAL && svg == NULL);
    sf_task_fit_free(f);
    sf_task_data_free(d);
}

Test(task_plot, cli_writes_one_svg_per_task)
{
    const char *data = task_ladder_csv("plot_ladder.csv");
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s", tmp_file("tp"));
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                               "--draws", "20", "--threads", "1", "--plot",
                                               prefix, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    const char *names[] = {"signal", "flat"};
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s-%s.svg", prefix, names[i]);
        char *svg = read_text(path);
        cr_assert(svg && strstr(svg, "</svg>"), "no plot %s", path);
        cr_assert(strstr(svg, names[i]));
        free(svg);
        xmllint_ok(path);
    }
    r = run_cli(NULL, (const char *[]){"task", "validate", data, "--plot", prefix, NULL});
    cr_assert_eq(r.status, 2, "--plot is only for task fit: %s", r.err);
    cr_assert(strstr(r.err, "--plot"), "%s", r.err);
    cli_run_free(&r);
}
