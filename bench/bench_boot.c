/*
 * Time sf_fit_bootstrap on a CSV file: the fit, then K resamples refitted
 * (library calls only: no process start, no printing in the timed part).
 *
 *   bench_boot DATA.csv [--filter EXPR]... [--resamples K] [--threads T] [--seed S] [--warm]
 *              [--resample rows|group] [--dump-resample K FILE.csv]
 *
 * Prints one JSON object: {"seconds", "resamples", "failed", "n_draws",
 * "params": {...}, "se": {name: SE}, "draws": [[first draw], ...first
 * 8 draws]}.  --dump-resample writes resample K's rows (repeated as drawn)
 * as CSV N,D,C,loss for the SciPy reference to fit.
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

static int fail(const sf_error *err)
{
    char buf[2048];
    fprintf(stderr, "bench_boot: %s\n", sf_error_format(err, buf, sizeof buf));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_boot DATA.csv [--filter EXPR] "
                        "[--resamples K] [--threads T] [--seed S] [--warm] "
                        "[--resample rows|group] [--dump-resample K FILE.csv]\n");
        return 2;
    }
    sf_data_options dopt;
    sf_data_options_init(&dopt);
    sf_fit_options fopt;
    sf_fit_options_init(&fopt);
    sf_bootstrap_options bopt;
    sf_bootstrap_options_init(&bopt);
    long dump_k = -1;
    const char *dump_path = NULL;
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(k, "--warm") == 0) {
            bopt.warm = 1;
            continue;
        }
        if (!v) return 2;
        i++;
        if (strcmp(k, "--filter") == 0) dopt.filters[dopt.n_filters++] = v;
        else if (strcmp(k, "--resamples") == 0) bopt.resamples = (size_t)atol(v);
        else if (strcmp(k, "--threads") == 0) fopt.threads = atoi(v);
        else if (strcmp(k, "--seed") == 0) fopt.seed = strtoull(v, NULL, 10);
        else if (strcmp(k, "--resample") == 0)
            bopt.resample = strcmp(v, "group") == 0 ? SF_RESAMPLE_GROUP : SF_RESAMPLE_ROWS;
        else if (strcmp(k, "--dump-resample") == 0 && i + 1 < argc) {
            dump_k = atol(v);
            dump_path = argv[++i];
        } else {
            fprintf(stderr, "bench_boot: unknown option %s\n", k);
            return 2;
        }
    }
    sf_error err;
    sf_law *law;
    sf_data *d;
    if (sf_law_new("chinchilla", NULL, &law, &err) != SF_OK) return fail(&err);
    dopt.required = sf_law_roles(law);
    if (sf_data_read(argv[1], &dopt, &d, &err) != SF_OK) return fail(&err);
    if (dump_path) {
        sf_data *r;
        if (sf_bootstrap_resample(d, bopt.resample, fopt.seed, (size_t)dump_k, &r, &err) != SF_OK)
            return fail(&err);
        char *csv = NULL;
        if (sf_data_csv(r, &csv, &err) != SF_OK) return fail(&err);
        FILE *f = fopen(dump_path, "w");
        if (!f || !csv || fputs(csv, f) < 0 || fclose(f) != 0) return 1;
        free(csv);
        sf_data_free(r);
    }
    double t0 = now();
    sf_fit *fit;
    sf_draws *dr;
    if (sf_fit_run(law, d, &fopt, &fit, &err) != SF_OK) return fail(&err);
    if (sf_fit_bootstrap(fit, d, &bopt, &dr, &err) != SF_OK) return fail(&err);
    double t = now() - t0;
    const char *names[32];
    sf_summary s[32];
    size_t ns = sf_draws_summarize(dr, NULL, 0, names, s, 32);
    printf("{\"seconds\": %.6g, \"resamples\": %zu, \"failed\": %zu, \"n_draws\": %zu, "
           "\"params\": {", t, sf_draws_resamples(dr), sf_draws_resamples_failed(dr),
           sf_draws_count(dr));
    for (size_t j = 0; j < sf_law_n_params(law); j++)
        printf("%s\"%s\": %.17g", j ? ", " : "", sf_law_param_name(law, j), sf_fit_params(fit)[j]);
    printf("}, \"se\": {");
    for (size_t q = 0; q < ns && q < 32; q++) printf("%s\"%s\": %.17g", q ? ", " : "", names[q], s[q].sd);
    printf("}, \"draws\": [");
    for (size_t k = 0; k < 8 && k < sf_draws_count(dr); k++) {
        printf("%s[", k ? ", " : "");
        for (size_t j = 0; j < sf_law_n_params(law); j++)
            printf("%s%.17g", j ? ", " : "", sf_draws_at(dr, k)[j]);
        printf("]");
    }
    printf("]}\n");
    sf_draws_free(dr);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
    return 0;
}
