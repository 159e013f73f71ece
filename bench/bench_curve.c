/* bench_curve: time one fit of a curve law to one run's checkpoints
 * (sf_curve_fit_run alone, schedule features included; median of K).
 *   bench_curve RUN.csv [--law anneal] [--repeat K] [--loss COLUMN]
 * prints {"law", "n", "objective", "seconds", "final"} as JSON. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scalefit.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = NULL, *law = "anneal", *loss = "eval/c4_en-validation/CrossEntropyLoss";
    int repeat = 21;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--law") && i + 1 < argc) law = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--loss") && i + 1 < argc) loss = argv[++i];
        else path = argv[i];
    }
    sf_table *t = NULL;
    sf_error err;
    if (!path || repeat < 1 || sf_table_read(path, &t, &err) != SF_OK) {
        fprintf(stderr, "usage: bench_curve RUN.csv [--law L] [--repeat K] [--loss COL]\n");
        return 2;
    }
    long cs = sf_table_find(t, "_step"), cl = sf_table_find(t, "optim/learning_rate_group0");
    long cy = sf_table_find(t, loss);
    size_t n = sf_table_rows(t);
    double *st = malloc(n * sizeof *st), *lr = malloc(n * sizeof *lr), *y = malloc(n * sizeof *y);
    double *times = malloc((size_t)repeat * sizeof *times);
    if (cs < 0 || cl < 0 || cy < 0 || !st || !lr || !y || !times) return 1;
    for (size_t i = 0; i < n; i++) {
        sf_parse_double(sf_table_cell(t, i, (size_t)cs), &st[i]);
        sf_parse_double(sf_table_cell(t, i, (size_t)cl), &lr[i]);
        sf_parse_double(sf_table_cell(t, i, (size_t)cy), &y[i]);
    }
    sf_schedule *s = NULL;
    if (sf_schedule_from_points(st, lr, n, 0, &s, &err) != SF_OK) return 1;
    sf_curve_run run = {s, n, st, y};
    sf_curve_fit *fit = NULL;
    for (int k = 0; k < repeat; k++) {
        sf_curve_fit_free(fit);
        double t0 = now();
        if (sf_curve_fit_run(law, &run, 1, NULL, &fit, &err) != SF_OK) {
            fprintf(stderr, "bench_curve: %s\n", err.message);
            return 1;
        }
        times[k] = now() - t0;
    }
    qsort(times, (size_t)repeat, sizeof *times, cmp);
    double fin;
    sf_curve_predict(fit, s, &st[n - 1], 1, &fin, NULL, NULL, &err);
    printf("{\"law\": \"%s\", \"n\": %zu, \"objective\": %.17g, \"seconds\": %.9g, "
           "\"final\": %.17g}\n",
           law, sf_curve_fit_n_points(fit), sf_curve_fit_objective(fit), times[repeat / 2], fin);
    sf_curve_fit_free(fit);
    sf_schedule_free(s);
    sf_table_free(t);
    free(st);
    free(lr);
    free(y);
    free(times);
    return 0;
}
