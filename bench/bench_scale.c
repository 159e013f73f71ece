/*
 * Scaling of the fit with the number of rows (issue 22): generate a
 * Chinchilla-shaped sweep in memory through the library API (no CSV
 * reading in the measurement), fit it, and time the fit against a floor
 * measured in the same process.
 *
 *   bench_scale --rows N [--threads T] [--runs R] [--seed S] [--repeat K]
 *               [--full] [--large-rows M] [--floor-evals E]
 *
 * The data: R runs (default 30) at model sizes log-spaced over 1e7..1e10,
 * each logging N/R steps with tokens log-spaced over 2e8..2e11 (times a
 * run-dependent shift), loss from Besiroglu et al.'s (2024) Chinchilla
 * fit (E 1.8172, A 482.01, B 2085.43, alpha 0.3478, beta 0.3658) times
 * exp(0.02 z), z standard normal (a fixed xorshift generator, seed S).
 * The data set holds N, D, C = 6ND and loss, as the CSV reader would
 * give it.
 *
 * The floor: a plain-C loop that computes the Huber objective of the
 * log-sum-exp law and its 5-component gradient over the rows (what one
 * evaluation of the optimiser's objective costs, without the library's
 * generality), on the first 1e6 rows at most, the fastest of E passes on
 * one thread; reported in ns per row.
 *
 * Prints one JSON object: rows, threads, seconds (median fit time, wall),
 * cpu_seconds (CPU time of the fit, all threads), objective, params,
 * floor_ns_per_row (CPU time of the floor's pass), full_evals (the fit's
 * CPU time divided by one floor pass over the table: its cost in full
 * evaluations; CPU time on both sides, so a busy machine moves neither),
 * array_bytes (the data set's arrays), rss_after_data_bytes and
 * peak_rss_bytes (getrusage), and with --full the same fit with the
 * large-table path switched off ("full_seconds", "full_objective",
 * "rel_diff").
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "scalefit.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss * 1024L;
}

static uint64_t xs_state;

static double uniform01(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return ((double)(xs_state >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    double u = uniform01(), v = uniform01();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static int generate(size_t n, size_t runs, uint64_t seed, sf_data **out)
{
    unsigned roles = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) |
                     SF_ROLE_BIT(SF_ROLE_C) | SF_ROLE_BIT(SF_ROLE_LOSS);
    if (sf_data_new(n, roles, out) != SF_OK) return 1;
    sf_data *d = *out;
    xs_state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    const double E = 1.8172, A = 482.01, B = 2085.43, al = 0.3478, be = 0.3658;
    size_t steps = (n + runs - 1) / runs;
    for (size_t i = 0; i < n; i++) {
        size_t r = i / steps, s = i % steps;
        double N = 1e7 * pow(1e3, (double)r / (double)(runs > 1 ? runs - 1 : 1));
        double D = 2e8 * pow(1e3, (double)(s + 1) / (double)steps) * (1.0 + 0.1 * (double)(r % 3));
        d->N[i] = N;
        d->D[i] = D;
        d->C[i] = 6.0 * N * D;
        d->loss[i] = (E + A / pow(N, al) + B / pow(D, be)) * exp(0.02 * normal());
        d->line[i] = (long)i + 2;
    }
    return 0;
}

/* One evaluation of the Huber objective and its gradient, plain C. */
static double floor_eval(const double *lN, const double *lD, const double *ly, size_t n,
                         const double *th, double delta, double *g)
{
    double f = 0, E = exp(th[0]);
    for (int j = 0; j < 5; j++) g[j] = 0;
    for (size_t i = 0; i < n; i++) {
        double e1 = exp(th[1] - th[3] * lN[i]), e2 = exp(th[2] - th[4] * lD[i]);
        double s = E + e1 + e2, inv = 1.0 / s, r = ly[i] - log(s), psi;
        if (r > delta) f += delta * (r - 0.5 * delta), psi = delta;
        else if (r < -delta) f += delta * (-r - 0.5 * delta), psi = -delta;
        else f += 0.5 * r * r, psi = r;
        double c = psi * inv;
        g[0] -= c * E;
        g[1] -= c * e1;
        g[2] -= c * e2;
        g[3] += c * e1 * lN[i];
        g[4] += c * e2 * lD[i];
    }
    return f;
}

/* On the first million rows at most: the cost per row is what counts, and
 * a copy of a 1e7-row table's logs would add to the peak memory. */
static double measure_floor(const sf_data *d, int evals)
{
    size_t n = d->n < 1000000 ? d->n : 1000000;
    double *lN = malloc(n * sizeof *lN), *lD = malloc(n * sizeof *lD), *ly = malloc(n * sizeof *ly);
    if (!lN || !lD || !ly) return NAN;
    for (size_t i = 0; i < n; i++) {
        lN[i] = log(d->N[i]);
        lD[i] = log(d->D[i]);
        ly[i] = log(d->loss[i]);
    }
    double th[5] = {0.6, 6.2, 7.6, 0.35, 0.37}, g[5], sink = 0, best = INFINITY;
    for (int e = 0; e < evals; e++) {
        double t0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
        sink += floor_eval(lN, lD, ly, n, th, 1e-3, g) + g[0];
        double t = cpu_now(CLOCK_THREAD_CPUTIME_ID) - t0;
        if (t < best) best = t;
        th[3] += 1e-9;
    }
    free(lN);
    free(lD);
    free(ly);
    if (!(sink == sink)) return NAN;
    return best / (double)n * 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fit_timed(const sf_law *law, const sf_data *d, const sf_fit_options *o, int repeat,
                     double *sec, double *cpu, sf_fit **fit)
{
    double t[16], c[16];
    sf_error err;
    char buf[1024];
    if (repeat > 16) repeat = 16;
    for (int r = 0; r < repeat; r++) {
        sf_fit_free(*fit);
        *fit = NULL;
        double t0 = now(), c0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
        if (sf_fit_run(law, d, o, fit, &err) != SF_OK) {
            fprintf(stderr, "bench_scale: %s\n", sf_error_format(&err, buf, sizeof buf));
            return 1;
        }
        t[r] = now() - t0;
        c[r] = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    qsort(t, (size_t)repeat, sizeof *t, cmp);
    qsort(c, (size_t)repeat, sizeof *c, cmp);
    *sec = t[repeat / 2];
    *cpu = c[repeat / 2];
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = 0, runs = 30, large = 0;
    int repeat = 1, full = 0, floor_evals = 0;
    uint64_t seed = 1;
    sf_fit_options fo;
    sf_fit_options_init(&fo);
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (strcmp(k, "--full") == 0) {
            full = 1;
            continue;
        }
        i++;
        if (strcmp(k, "--rows") == 0) n = (size_t)strtod(v, NULL);
        else if (strcmp(k, "--threads") == 0) fo.threads = atoi(v);
        else if (strcmp(k, "--runs") == 0) runs = (size_t)atoi(v);
        else if (strcmp(k, "--seed") == 0) seed = (uint64_t)atoll(v);
        else if (strcmp(k, "--repeat") == 0) repeat = atoi(v);
        else if (strcmp(k, "--large-rows") == 0) large = (size_t)strtod(v, NULL);
        else if (strcmp(k, "--floor-evals") == 0) floor_evals = atoi(v);
        else {
            fprintf(stderr, "bench_scale: unknown option %s\n", k);
            return 2;
        }
    }
    if (n < 100 || runs < 2 || repeat < 1) {
        fprintf(stderr, "usage: bench_scale --rows N [--threads T] [--runs R] [--seed S] "
                        "[--repeat K] [--full] [--large-rows M] [--floor-evals E]\n");
        return 2;
    }
    if (large) fo.large_rows = large;
    if (floor_evals < 1) floor_evals = n >= 1000000 ? 10 : n >= 100000 ? 20 : 100;
    sf_data *d;
    if (generate(n, runs, seed, &d)) return 1;
    long rss_data = peak_rss();
    double arrays = (double)n * (4 * sizeof(double) + sizeof(long));
    double floor_ns = measure_floor(d, floor_evals);
    sf_law *law;
    sf_error err;
    if (sf_law_new("chinchilla", NULL, &law, &err) != SF_OK) return 1;
    sf_fit *fit = NULL;
    double sec, cpu;
    if (fit_timed(law, d, &fo, repeat, &sec, &cpu, &fit)) return 1;
    long rss = peak_rss();
    printf("{\"rows\": %zu, \"threads\": %d, \"seconds\": %.6g, \"cpu_seconds\": %.6g, "
           "\"objective\": %.17g, \"floor_ns_per_row\": %.6g, \"full_evals\": %.6g, "
           "\"array_bytes\": %.0f, \"rss_after_data_bytes\": %ld, \"peak_rss_bytes\": %ld, "
           "\"params\": {",
           n, fo.threads, sec, cpu, sf_fit_objective(fit), floor_ns,
           cpu / (floor_ns * 1e-9 * (double)n), arrays, rss_data, rss);
    for (size_t j = 0; j < sf_law_n_params(law); j++)
        printf("%s\"%s\": %.17g", j ? ", " : "", sf_law_param_name(law, j), sf_fit_params(fit)[j]);
    printf("}");
    if (full) {
        sf_fit *ff = NULL;
        double fsec, fcpu;
        fo.large_rows = (size_t)-1;
        if (fit_timed(law, d, &fo, 1, &fsec, &fcpu, &ff)) return 1;
        double a = sf_fit_objective(fit), b = sf_fit_objective(ff);
        printf(", \"full_seconds\": %.6g, \"full_objective\": %.17g, \"rel_diff\": %.3g", fsec, b,
               fabs(a - b) / fabs(b));
        sf_fit_free(ff);
    }
    printf("}\n");
    sf_fit_free(fit);
    sf_law_free(law);
    sf_data_free(d);
    return 0;
}
