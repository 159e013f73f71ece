/*
 * bench_read: time and peak memory of reading run data (sf_data_read), for
 * `make bench` (bench.py, section "read").
 *
 *   bench_read FILE.csv [--group COLUMN]
 *       read FILE.csv; print {"status", "rows", "groups", "seconds",
 *       "maxrss_kb", "array_bytes", "message"} as one JSON line.  maxrss is
 *       this process's peak resident set (VmHWM), array_bytes the
 *       parsed arrays the data set holds (8 bytes per row per role array,
 *       the line numbers, the group index).
 *   bench_read --write ROWS FILE.csv
 *       write a sweep-like CSV (N, D, loss; about 33 bytes a row, as the
 *       issue's 328 MB for 1e7 rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "scalefit.h"

static int write_csv(long rows, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    fputs("N,D,loss\n", f);
    unsigned long long x = 88172645463325252ull;
    for (long i = 0; i < rows; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        double N = 1e7 * (1.0 + 999.0 * u), D = 2e9 * (1.0 + 99.0 * (1.0 - u));
        fprintf(f, "%.6g,%.6g,%.6f\n", N, D, 1.69 + 406.4 / (N * 1e-6) * 1e-3 + u * 0.1);
    }
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--write") == 0) return write_csv(atol(argv[2]), argv[3]);
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--group") == 0)) {
        fputs("usage: bench_read FILE.csv [--group COLUMN] | --write ROWS FILE.csv\n", stderr);
        return 2;
    }
    sf_data_options o;
    sf_data_options_init(&o);
    /* What a Chinchilla fit reads: N, D and loss (C = 6ND comes along). */
    o.required |= SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    if (argc == 4) {
        o.column[SF_ROLE_GROUP] = argv[3];
        o.required |= SF_ROLE_BIT(SF_ROLE_GROUP);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    sf_data *d = NULL;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_data_read(argv[1], &o, &d, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    /* Peak RSS: VmHWM (this program's own peak; getrusage's ru_maxrss
     * would include the forked parent's image before exec). */
    long maxrss = -1;
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st && fgets(line, sizeof line, st))
        if (strncmp(line, "VmHWM:", 6) == 0) maxrss = atol(line + 6);
    if (st) fclose(st);
    if (maxrss < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        maxrss = ru.ru_maxrss;
    }
    size_t arrays = 0;
    if (d) {
        const double *cols[] = {d->N, d->D, d->C, d->loss, d->U, d->weight};
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            if (cols[k]) arrays += d->n * sizeof(double);
        arrays += d->n * sizeof *d->line + (d->group ? d->n * sizeof *d->group : 0);
    }
    char msg[600] = "";
    if (rc != SF_OK) sf_error_format(&err, msg, sizeof msg);
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 32) *p = ' ';
    printf("{\"status\": %d, \"rows\": %zu, \"groups\": %zu, \"seconds\": %.6f, "
           "\"maxrss_kb\": %ld, \"array_bytes\": %zu, \"message\": \"%s\"}\n",
           rc, d ? d->n : 0, d ? d->n_groups : 0,
           (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec), maxrss,
           arrays, msg);
    sf_data_free(d);
    return 0;
}
