/*
 * Time sf_fit_run on a CSV file: the library call only (no process start,
 * no printing), repeated, reporting the median and the minimum.
 *
 *   bench_fit DATA.csv [--filter EXPR]... [--col ROLE=NAME]... [--grid G]
 *             [--threads T] [--repeat K] [--law NAME] [--x ROLE] [--breaks K]
 *             [--fix NAME=VALUE]... [--plot C|N|D]
 *             [--large-rows M] [--sample-rows K]   (sf_fit_options, issue 22)
 *
 * Prints one JSON object: {"seconds_median", "seconds_min", "objective",
 * "starts", "n_points", "params": {...}}.  With --plot, also the median
 * time of drawing the fit (sf_plot_fit against that axis) and of the HTML
 * report (sf_report_html), each repeated as often as the fit:
 * "plot_seconds_median", "plot_bytes", "report_seconds_median".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scalefit.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_fit DATA.csv [--filter EXPR] [--col R=NAME] [--grid G] "
                        "[--threads T] [--repeat K] [--law NAME] [--x ROLE] [--breaks K] "
                        "[--fix NAME=VALUE]\n");
        return 2;
    }
    sf_data_options dopt;
    sf_data_options_init(&dopt);
    sf_fit_options fopt;
    sf_fit_options_init(&fopt);
    const char *law_name = "chinchilla";
    sf_law_options lopt;
    sf_law_options_init(&lopt);
    int repeat = 5, plot_x = -2;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--filter") == 0) dopt.filters[dopt.n_filters++] = v;
        else if (strcmp(k, "--col") == 0) {
            const char *eq = strchr(v, '=');
            sf_role r;
            char role[16] = "";
            if (eq && (size_t)(eq - v) < sizeof role) memcpy(role, v, (size_t)(eq - v));
            if (!eq || sf_role_parse(role, &r) != SF_OK) return 2;
            dopt.column[r] = eq + 1;
        } else if (strcmp(k, "--grid") == 0)
            fopt.grid = strcmp(v, "full") == 0 ? SF_GRID_FULL
                        : strcmp(v, "screen") == 0 ? SF_GRID_SCREEN
                        : strcmp(v, "vp") == 0 ? SF_GRID_VP : SF_GRID_AUTO;
        else if (strcmp(k, "--threads") == 0) fopt.threads = atoi(v);
        else if (strcmp(k, "--large-rows") == 0) fopt.large_rows = (size_t)strtod(v, NULL);
        else if (strcmp(k, "--sample-rows") == 0) fopt.sample_rows = (size_t)strtod(v, NULL);
        else if (strcmp(k, "--repeat") == 0) repeat = atoi(v);
        else if (strcmp(k, "--law") == 0) law_name = v;
        else if (strcmp(k, "--plot") == 0) {
            sf_role r;
            if (sf_role_parse(v, &r) != SF_OK) return 2;
            plot_x = (int)r;
        } else if (strcmp(k, "--x") == 0) {
            if (sf_role_parse(v, &lopt.x) != SF_OK) return 2;
        } else if (strcmp(k, "--breaks") == 0) lopt.breaks = atoi(v);
        else if (strcmp(k, "--fix") == 0) {
            const char *eq = strchr(v, '=');
            char name[SF_NAME_MAX] = "";
            double x;
            if (!eq || (size_t)(eq - v) >= sizeof name) return 2;
            memcpy(name, v, (size_t)(eq - v));
            if (sf_parse_double(eq + 1, &x) != SF_OK) return 2;
            if (sf_fit_options_fix(&fopt, name, x) != SF_OK) return 2;
        } else {
            fprintf(stderr, "bench_fit: unknown option %s\n", k);
            return 2;
        }
    }
    if (repeat < 1) repeat = 1;
    sf_error err;
    sf_law *law;
    sf_data *d;
    char buf[2048];
    if (sf_law_new(law_name, &lopt, &law, &err) != SF_OK) {
        fprintf(stderr, "bench_fit: %s\n", sf_error_format(&err, buf, sizeof buf));
        return 1;
    }
    dopt.required = sf_law_roles(law);
    if (sf_data_read(argv[1], &dopt, &d, &err) != SF_OK) {
        fprintf(stderr, "bench_fit: %s\n", sf_error_format(&err, buf, sizeof buf));
        return 1;
    }
    double *t = malloc((size_t)repeat * sizeof *t);
    sf_fit *fit = NULL;
    for (int r = 0; r < repeat; r++) {
        sf_fit_free(fit);
        double t0 = now();
        if (sf_fit_run(law, d, &fopt, &fit, &err) != SF_OK) {
            fprintf(stderr, "bench_fit: %s\n", sf_error_format(&err, buf, sizeof buf));
            return 1;
        }
        t[r] = now() - t0;
    }
    qsort(t, (size_t)repeat, sizeof *t, cmp);
    printf("{\"seconds_median\": %.6g, \"seconds_min\": %.6g, \"objective\": %.17g, "
           "\"starts\": %d, \"n_points\": %zu, \"params\": {",
           t[repeat / 2], t[0], sf_fit_objective(fit), sf_fit_starts(fit), sf_fit_n_points(fit));
    for (size_t j = 0; j < sf_law_n_params(law); j++)
        printf("%s\"%s\": %.17g", j ? ", " : "", sf_law_param_name(law, j), sf_fit_params(fit)[j]);
    printf("}, \"n_warnings\": %zu", sf_fit_n_warnings(fit));
    for (size_t k = 0; k < sf_fit_n_warnings(fit); k++) fprintf(stderr, "warning: %s\n", sf_fit_warning(fit, k));
    if (plot_x != -2) {
        sf_plot_options po;
        sf_plot_options_init(&po);
        po.x = plot_x;
        sf_report rep;
        sf_report_init(&rep);
        rep.fit = fit;
        rep.data = d;
        double *tr = malloc((size_t)repeat * sizeof *tr);
        size_t bytes = 0;
        for (int r = 0; r < repeat; r++) {
            char *svg, *html;
            double t0 = now();
            if (sf_plot_fit(fit, d, &po, &svg, &err) != SF_OK) {
                fprintf(stderr, "bench_fit: %s\n", sf_error_format(&err, buf, sizeof buf));
                return 1;
            }
            t[r] = now() - t0;
            bytes = strlen(svg);
            free(svg);
            t0 = now();
            if (sf_report_html(&rep, &html, &err) != SF_OK) return 1;
            tr[r] = now() - t0;
            free(html);
        }
        qsort(t, (size_t)repeat, sizeof *t, cmp);
        qsort(tr, (size_t)repeat, sizeof *tr, cmp);
        printf(", \"plot_seconds_median\": %.6g, \"plot_bytes\": %zu, "
               "\"report_seconds_median\": %.6g", t[repeat / 2], bytes, tr[repeat / 2]);
        free(tr);
    }
    printf("}\n");
    free(t);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return 0;
}
