/* The task report (issue 15, docs/tasks.md): sf_task_report_html on a
 * synthetic ladder (a task with a sigmoid and a task at chance), the same
 * section in the fit's report through `scalefit report --tasks`, and
 * `scalefit task fit --report`.  Every inline SVG and the page's body are
 * checked by xmllint; no NaN or infinity reaches the page. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "render/plot.h"

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* xmllint --noout accepts the text (skipped without xmllint or under
 * valgrind, failed on CI without it). */
static void xmllint_ok(const char *text, const char *name)
{
    const char *vg = getenv("SF_VALGRIND"), *ci = getenv("CI");
    if (vg && strcmp(vg, "1") == 0) return;
    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        cr_assert(!(ci && strcmp(ci, "true") == 0), "xmllint is missing (CI=true)");
        return;
    }
    const char *path = tmp_file(name);
    write_text(path, text);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    cr_assert_eq(system(cmd), 0, "xmllint rejects %s", path);
}

/* Self-contained (nothing fetched), every inline SVG well formed, no NaN;
 * returns the number of SVGs. */
static size_t assert_page(const char *page)
{
    cr_assert(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    cr_assert(!strstr(page, "<script") && !strstr(page, "<link") && !strstr(page, "<img") &&
              !strstr(page, "src=") && !strstr(page, "href="));
    cr_assert(!strstr(page, "nan") && !strstr(page, "NaN") && !strstr(page, ">inf") &&
              !strstr(page, "-inf") && !strstr(page, "Infinity"), "no NaN or infinity");
    size_t n = 0;
    for (const char *s = page; (s = strstr(s, "<svg ")) != NULL; s++) {
        const char *e = strstr(s, "</svg>");
        cr_assert(e);
        char *one = strndup(s, (size_t)(e + 6 - s));
        char name[32];
        snprintf(name, sizeof name, "report-svg%zu.svg", n);
        xmllint_ok(one, name);
        free(one);
        n++;
    }
    return n;
}

/* The part of the page from "<h3 id=\"taskI\"" to the next heading. */
static char *task_part(const char *page, int i)
{
    char h[32];
    snprintf(h, sizeof h, "<h3 id=\"task%d\"", i);
    const char *s = strstr(page, h);
    cr_assert(s, "no %s", h);
    const char *e = strstr(s + 1, "<h3 ");
    if (!e) e = s + strlen(s);
    return strndup(s, (size_t)(e - s));
}


Test(task_report, a_part_per_task_with_parameters_predictions_and_plot)
{
    sf_task_fit *f;
    sf_task_data *d;
    task_ladder_fit("report", &f, &d);
    cr_assert_str_eq(sf_task_fit_task(f, 0), "signal");
    cr_assert_str_eq(sf_task_fit_task(f, 1), "flat");
    double N[1] = {7e10}, D[1] = {1e12}, C[1] = {1e21};
    sf_task_report r;
    sf_task_report_init(&r);
    cr_assert_float_eq(r.level, 0.9, 0);
    r.fit = f;
    r.data = d;
    r.N = N;
    r.D = D;
    r.n_points = 1;
    r.compute = C;
    r.n_compute = 1;
    r.command = "scalefit task fit ladder.csv --report 'a b.html'";
    char *page = NULL;
    sf_error err;
    cr_assert_eq(sf_task_report_html(&r, &page, &err), SF_OK, "%s", err.message);
    cr_assert_eq(assert_page(page), 2, "one plot (two panels) per task");
    /* The body is well-formed XML (XHTML), not only each SVG. */
    const char *b = strstr(page, "<body>"), *e = strstr(page, "</body>");
    cr_assert(b && e);
    char *body = strndup(b, (size_t)(e + 7 - b));
    xmllint_ok(body, "report-body.xml");
    free(body);
    cr_assert(strstr(page, "<h2 id=\"tasks\">Downstream tasks</h2>"));
    cr_assert(strstr(page, "&#39;a b.html&#39;"), "the command line, escaped");
    cr_assert(strstr(page, "2 tasks from <code>"));
    cr_assert(strstr(page, "400 rows, 20 runs"), "5 sizes x 4 multiples x 10 checkpoints");
    cr_assert_eq(count(page, "<h3 id=\"task"), 2);
    cr_assert_eq(count(page, "<figure>"), 2);
    cr_assert_eq(count(page, "id=\"task0-clip0\""), 1, "ids stay unique across the page");
    cr_assert_eq(count(page, "id=\"task1-clip0\""), 1);

    /* The signal task: parameters of both methods with intervals, the
     * predictions at the point and at the budget, the sigmoid drawn. */
    char *sig = task_part(page, 0);
    const char *want[] = {"Task signal", "step 1: task loss", "a (rise)", "b (floor)", "L0",
                          "direct: \xE2\x88\x92log acc", "interval, 90%", "given N, D",
                          "budget C, best allocation", "accuracy, two-step, 90%",
                          "sigmoid fit", "step-1 law at each N"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert(strstr(sig, want[i]), "no '%s' in the signal task's part", want[i]);
    const sf_sigmoid *s = sf_task_fit_sigmoid(f, 0, NULL);
    char a[32], want_acc[160];
    sf_plot_g(a, sizeof a, s->a, 5);
    cr_assert(strstr(sig, a), "the sigmoid's a = %s is shown", a);
    sf_task_prediction p;
    cr_assert_eq(sf_task_predict(f, 0, 7e10, 1e12, 0.9, &p, &err), SF_OK);
    char v[32], lo[32], hi[32];
    sf_plot_g(v, sizeof v, p.acc, 3);
    sf_plot_g(lo, sizeof lo, p.acc_lo, 3);
    sf_plot_g(hi, sizeof hi, p.acc_hi, 3);
    snprintf(want_acc, sizeof want_acc, "<td>%s <span class=\"note\">(%s \xE2\x80\x93 %s)", v, lo,
             hi);
    cr_assert(strstr(sig, want_acc), "the two-step prediction '%s'", want_acc);
    cr_assert(p.loss_beyond > 0 && strstr(sig, "task loss below the fitted range by"),
              "7e10 x 1e12 lies beyond the ladder's task loss");
    /* A parameter the data pushed to a bound of its search is marked as
     * such, exactly when it is there (the direct law's floor E >= 0). */
    double Elo, Ehi;
    sf_law_options po;
    sf_law_options_init(&po);
    po.x = SF_ROLE_C;
    sf_law *direct = NULL;
    cr_assert_eq(sf_law_new("power", &po, &direct, &err), SF_OK, "the direct law, as task.c");
    sf_law_bounds(direct, 0, &Elo, &Ehi);
    sf_law_free(direct);
    const double *dp = sf_task_fit_direct(f, 0);
    int at_lo = fabs(dp[0] - Elo) <= 1e-8 * fmax(1.0, fabs(Elo));
    const char *row = strstr(sig, "<td class=\"l\">E</td>");
    cr_assert(row, "the direct law's E row");
    row = strstr(row, "\xE2\x88\x92log acc");   /* the step-1 E comes first */
    const char *erow = row ? strstr(row, "<td class=\"l\">E</td>") : NULL;
    cr_assert(erow);
    const char *end = strstr(erow, "</tr>");
    int noted = end && strstr(erow, "at its lower bound") && strstr(erow, "at its lower bound") < end;
    cr_assert_eq(noted, at_lo, "direct E = %g (bound %g): note %s", dp[0], Elo,
                 noted ? "shown" : "missing");
    free(sig);

    /* The task at chance: its diagnosis, no sigmoid, no prediction. */
    char *flat = task_part(page, 1);
    cr_assert(strstr(flat, "<div class=\"warn\"><p><b>Diagnosis</b>: no signal"), "%s", flat);
    cr_assert(!strstr(flat, "a (rise)") && !strstr(flat, "given N, D") &&
              !strstr(flat, "sigmoid fit") && !strstr(flat, "step-1 law at each N"),
              "a no-signal task has no parameters, predictions or curves");
    cr_assert(strstr(flat, "No curves: the task has no signal."));
    free(flat);
    free(page);

    /* No targets: no prediction table; bad requests. */
    r.n_points = r.n_compute = 0;
    cr_assert_eq(sf_task_report_html(&r, &page, &err), SF_OK);
    cr_assert(!strstr(page, "given N, D") && !strstr(page, "budget C"));
    free(page);
    r.n_points = 1;
    r.N = NULL;
    cr_assert_eq(sf_task_report_html(&r, &page, &err), SF_EINVAL);
    cr_assert(page == NULL);
    r.n_points = 0;
    r.level = 1.0;
    cr_assert_eq(sf_task_report_html(&r, &page, &err), SF_EINVAL);
    r.level = 0.9;
    r.data = NULL;
    cr_assert_eq(sf_task_report_html(&r, &page, &err), SF_EINVAL);
    cr_assert_eq(sf_task_report_html(NULL, &page, &err), SF_EINVAL);
    sf_task_fit_free(f);
    sf_task_data_free(d);
}

/* Training runs for the fit's report: Hoffmann et al.'s law with 1% noise. */
static const char *runs_csv(void)
{
    const char *path = tmp_file("report_runs.csv");
    FILE *fp = fopen(path, "w");
    cr_assert(fp);
    fprintf(fp, "N,D,loss\n");
    unsigned long long seed = 3;
    const double Ns[] = {1e8, 2e8, 4e8, 8e8, 1.6e9}, mult[] = {5, 10, 20, 40};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) {
            double N = Ns[i], D = N * mult[j];
            double L = (1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28)) *
                       exp(0.01 * lcg_normal(&seed));
            fprintf(fp, "%.17g,%.17g,%.17g\n", N, D, L);
        }
    fclose(fp);
    return path;
}

Test(task_report, report_tasks_adds_the_section_to_the_fit_report)
{
    const char *runs = runs_csv(), *html = tmp_file("main_report.html");
    char tasks[512];
    snprintf(tasks, sizeof tasks, "%s", task_ladder_csv("report_ladder2.csv"));
    cli_run r = run_cli(NULL, (const char *[]){"report", runs, "--tasks", tasks, "--compute",
                                               "1e21", "--threads", "1", "-o", html, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "", "the page goes to the file only");
    cr_assert(strstr(r.err, "task 'flat': no signal"), "the diagnosis on stderr: %s", r.err);
    cli_run_free(&r);
    char *page = read_text(html);
    cr_assert(page);
    /* fit against C and N, allocation; then one per task */
    cr_assert_eq(assert_page(page), 5);
    const char *fig = strstr(page, "<h2 id=\"figures\">"), *sec = strstr(page, "<h2 id=\"tasks\">");
    cr_assert(fig && sec && fig < sec, "the task section follows the figures");
    cr_assert_eq(count(sec, "<figure>"), 2);
    cr_assert(strstr(page, "<li>task &#39;flat&#39;: no signal"), "and among the warnings");
    cr_assert(strstr(sec, "budget C, best allocation"), "predictions at --compute");
    cr_assert(strstr(sec, "20 runs"), "the run column was found");
    free(page);
    /* Errors in the task table come before any fit, and leave no page. */
    const char *html2 = tmp_file("no_report.html");
    r = run_cli(NULL, (const char *[]){"report", runs, "--tasks", "/nonexistent/t.csv", "-o",
                                       html2, NULL});
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: /nonexistent/t.csv"), "%s", r.err);
    cli_run_free(&r);
    cr_assert(read_text(html2) == NULL);
    r = run_cli(NULL, (const char *[]){"report", runs, "--tasks", tasks, "-o", tasks, NULL});
    cr_assert_eq(r.status, 1, "the task table is an input: %s", r.err);
    cr_assert(strstr(r.err, "that is an input of this command"), "%s", r.err);
    cli_run_free(&r);
}

Test(task_report, task_fit_report_option)
{
    const char *data = task_ladder_csv("report_ladder3.csv"), *html = tmp_file("tasks.html");
    cli_run plain = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                                   "--draws", "20", "--threads", "1", NULL});
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                               "--draws", "20", "--threads", "1", "--params",
                                               "7e9,1e10", "--tokens", "1e11", "--compute",
                                               "1e21,1e22", "--ci", "0.8", "--report", html,
                                               NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, plain.out, "--report changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    char *page = read_text(html);
    cr_assert(page);
    cr_assert_eq(assert_page(page), 2);
    cr_assert(strstr(page, "<title>scalefit task report: report_ladder3.csv</title>"));
    cr_assert(strstr(page, "scalefit task fit "), "the command line is shown");
    cr_assert(strstr(page, "interval, 80%"), "--ci sets the level");
    cr_assert_eq(count(page, "given N, D"), 2, "7e9 and 1e10, each with 1e11 tokens");
    cr_assert_eq(count(page, "budget C, best allocation"), 2);
    free(page);
    r = run_cli(NULL, (const char *[]){"task", "validate", data, "--report", html, NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--report is an option of task fit"), "%s", r.err);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "fit", data, "--params", "7e9", "--report", html,
                                       NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--params and --tokens go together"), "%s", r.err);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "fit", data, "--report", data, NULL});
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "--report") && strstr(r.err, "that is an input"), "%s", r.err);
    cli_run_free(&r);
    /* "-": the page on standard output, in place of the table. */
    r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run", "--draws", "0",
                                       "--threads", "1", "--report", "-", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "<!DOCTYPE html>", 15) == 0 && strstr(r.out, "</html>\n"));
    cr_assert(!strstr(r.out, "ckpts"), "no table before the page");
    cr_assert(!strstr(r.out, "interval, 90%") && !strstr(r.out, "<th>interval"),
              "no draws, no interval column");
    cr_assert(strstr(r.out, "No intervals: the fit has too few resamples"));
    cr_assert(strstr(r.out, "<th>estimate</th><th class=\"l\">note</th></tr>"));
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "fit", data, "--json", "--report", "-", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "both write to standard output"), "%s", r.err);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "--help", NULL});
    cr_assert(strstr(r.out, "--report FILE.html"));
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"report", "--help", NULL});
    cr_assert(strstr(r.out, "--tasks TASKS.csv"));
    cli_run_free(&r);
}

/* The task page in headless Chromium: not blank, ink down the page (both
 * tasks' tables and figures).  Skipped without Chromium (failed on CI). */
Test(browser_task, task_report_renders, .timeout = 300)
{
    skip_under_valgrind("Chromium is another program; the page is built by the tests above");
    const char *ci = getenv("CI");
    if (system("command -v chromium >/dev/null 2>&1") != 0 ||
        system("command -v xmllint >/dev/null 2>&1") != 0) {
        cr_assert(!(ci && strcmp(ci, "true") == 0), "chromium or xmllint is missing (CI=true)");
        cr_skip_test("chromium or xmllint not found: skipping the browser test");
    }
    const char *data = task_ladder_csv("browser_ladder.csv");
    char html[512], png[512], profile[] = "/tmp/scalefit-chromium-XXXXXX";
    snprintf(html, sizeof html, "%s", tmp_file("browser_tasks.html"));
    snprintf(png, sizeof png, "%s", tmp_file("browser_tasks.png"));
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                               "--draws", "20", "--threads", "1", "--compute",
                                               "1e21", "--report", html, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    cr_assert(mkdtemp(profile));
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--hide-scrollbars --user-data-dir='%s' --screenshot='%s' --window-size=1100,2600 "
             "'file://%s' >/dev/null 2>&1",
             profile, png, html);
    cr_assert_eq(system(cmd), 0, "chromium failed on %s", html);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", profile);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 tests/ref/png_ink.py '%s' --min-ink 0.02 --min-strips 8", png);
    cr_assert_eq(system(cmd), 0, "the screenshot of the task report looks blank: %s", png);
}
