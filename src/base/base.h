/*
 * Internal helpers shared by every module: error filling, strings, the
 * random number generator.  Not part of the public API.
 */
#ifndef SF_BASE_H
#define SF_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "scalefit.h"

#if defined(__GNUC__)
#define SF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SF_PRINTF(f, a)
#endif

/* Fill *err (when not NULL) and return status, so callers can write
 * `return sf_fail(err, SF_EPARSE, file, line, col, "...", ...)`. */
int sf_fail(sf_error *err, int status, const char *file, long line, long col,
            const char *fmt, ...) SF_PRINTF(6, 7);

/* Copy at most size-1 bytes and NUL-terminate; returns strlen(src). */
size_t sf_strlcpy(char *dst, const char *src, size_t size);
/* ASCII case-insensitive equality. */
int sf_streq_nocase(const char *a, const char *b);
/* malloc'd copy of s (NULL for NULL or out of memory). */
char *sf_strdup(const char *s);
/* snprintf into a growing buffer: appends; returns 0 or -1 on ENOMEM. */
typedef struct sf_buf {
    char *data;
    size_t len, cap;
} sf_buf;
int sf_buf_printf(sf_buf *b, const char *fmt, ...) SF_PRINTF(2, 3);
/* Append len raw bytes (NUL bytes included) and keep a NUL after them. */
int sf_buf_append(sf_buf *b, const void *data, size_t len);
void sf_buf_free(sf_buf *b);
/* Append text escaped for XML and HTML (& < > " ' as entities), dropping
 * the control characters XML 1.0 forbids (all below 0x20 but tab and
 * newline).  NULL appends nothing.  Returns 0 or -1 on ENOMEM. */
int sf_buf_escape_xml(sf_buf *b, const char *text);

/* Locale-independent "%.17g"-style formatting into buf; returns buf. */
char *sf_format_double(double x, char *buf, size_t size);
/* The shortest of %.15g, %.16g and %.17g (C locale) that reads back as
 * exactly x: what the JSON writers print, so every number round-trips
 * (cJSON's own printer may drop the last digit).  buf: 32 bytes. */
char *sf_format_shortest(double x, char *buf, size_t size);

/* Sort ascending, NaNs last (a total order, so qsort is well defined). */
void sf_sort_doubles(double *v, size_t n);
/* The p-quantile (0 <= p <= 1) of n sorted values, interpolating linearly
 * between order statistics (Hyndman & Fan type 7, NumPy's default); NaN
 * when n = 0. */
double sf_quantile_sorted(const double *sorted, size_t n, double p);

/* Counter-based random numbers: every stream is a pure function of
 * (seed, stream index), so results do not depend on how work is split
 * across threads.  xoshiro256** seeded through splitmix64. */
typedef struct sf_rng {
    uint64_t s[4];
} sf_rng;

void sf_rng_seed(sf_rng *r, uint64_t seed, uint64_t stream);
uint64_t sf_rng_u64(sf_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double sf_rng_uniform(sf_rng *r);
/* Uniform integer in [0, n), unbiased (n > 0). */
uint64_t sf_rng_below(sf_rng *r, uint64_t n);
/* Standard normal (Marsaglia polar method; no cached second value, so the
 * stream position depends only on the number of calls). */
double sf_rng_normal(sf_rng *r);

/* Set a variable shared by the threads of a parallel region (a failure
 * status) without a data race. */
#ifdef _OPENMP
#define SF_SHARED_SET(var, value) _Pragma("omp atomic write") var = (value)
#else
#define SF_SHARED_SET(var, value) var = (value)
#endif

/* Threads to use for a request of `threads` (0 = all cores), never more
 * than `work` items, at least 1. */
int sf_threads_for(int threads, size_t work);

/* Cholesky solve of the k x k symmetric positive definite system A x = b
 * (row-major, k <= SF_MAX_PARAMS) after Jacobi scaling.  Returns 0 when A
 * is not numerically positive definite (x is then undefined). */
int sf_spd_solve(size_t k, const double *A, const double *b, double *x);

#endif /* SF_BASE_H */
