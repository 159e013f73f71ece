/* Status strings, error filling, strings, locale-free numbers, threads. */
#include "base.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

const char *sf_strerror(int status)
{
    switch (status) {
    case SF_OK: return "success";
    case SF_EINVAL: return "invalid argument";
    case SF_ENOMEM: return "out of memory";
    case SF_EIO: return "input/output error";
    case SF_EPARSE: return "malformed input";
    case SF_ENONFINITE: return "value is not finite";
    case SF_EUNIDENTIFIABLE: return "parameters cannot be identified from the data";
    case SF_EDOMAIN: return "value outside its domain";
    case SF_ENOCOLUMN: return "missing column";
    case SF_ENODATA: return "too few rows";
    case SF_ENOTSUP: return "not supported by this law";
    case SF_ENOCONV: return "optimiser failed from every start";
    case SF_ECANCELED: return "interrupted";
    case SF_STOP_GRADIENT: return "converged (gradient test)";
    case SF_STOP_NO_PROGRESS: return "stopped: no further decrease possible";
    case SF_STOP_MAX_ITER: return "stopped: iteration limit";
    default: return "unknown status";
    }
}

void sf_error_clear(sf_error *err)
{
    if (!err) return;
    err->status = SF_OK;
    err->file[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->message[0] = '\0';
}

/* Cut s (a buffer of `size` bytes, full) with "..." at its end, on a
 * UTF-8 character boundary. */
static void cut_with_ellipsis(char *s, size_t size)
{
    if (size < 4) return;
    size_t k = size - 4;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    memcpy(s + k, "...", 4);
}

int sf_fail(sf_error *err, int status, const char *file, long line, long col,
            const char *fmt, ...)
{
    if (!err) return status;
    err->status = status;
    sf_strlcpy(err->file, file ? file : "", sizeof err->file);
    err->line = line;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof err->message) cut_with_ellipsis(err->message, sizeof err->message);
    return status;
}

/* The longest message sf_error_format shows (a cell of megabytes quoted
 * in a message stays readable). */
#define SHOWN_MAX 400

/* Append text to buf (at *k, of size), escaping what would break the
 * one-line message: newlines and other control characters as \n, \r,
 * \t or \xNN.  Stops at `limit` bytes of output with "...".  Returns 0
 * when it had to cut. */
static int put_escaped(char *buf, size_t size, size_t *k, const char *text, size_t limit)
{
    size_t start = *k;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char esc[8];
        if (*p == '\n') strcpy(esc, "\\n");
        else if (*p == '\r') strcpy(esc, "\\r");
        else if (*p == '\t') strcpy(esc, "\\t");
        else if (*p < 0x20 || *p == 0x7F) snprintf(esc, sizeof esc, "\\x%02X", *p);
        else esc[0] = (char)*p, esc[1] = '\0';
        size_t n = strlen(esc);
        if (*k + n + 4 > size || *k - start + n > limit) {
            /* Back to a UTF-8 boundary, then the ellipsis. */
            while (*k > start && ((unsigned char)buf[*k] & 0xC0) == 0x80) (*k)--;
            if (*k + 4 <= size) {
                memcpy(buf + *k, "...", 4);
                *k += 3;
            }
            return 0;
        }
        memcpy(buf + *k, esc, n + 1);
        *k += n;
    }
    return 1;
}

/* One line, whatever the message holds: control characters escaped, a long
 * message cut with "...". */
char *sf_error_format(const sf_error *err, char *buf, size_t size)
{
    if (!buf || size == 0) return buf;
    buf[0] = '\0';
    if (!err) return buf;
    const char *msg = err->message[0] ? err->message : sf_strerror(err->status);
    char where[1100] = "";
    if (err->file[0] && err->line > 0 && err->column > 0)
        snprintf(where, sizeof where, "%.1024s:%ld:%ld: ", err->file, err->line, err->column);
    else if (err->file[0] && err->line > 0)
        snprintf(where, sizeof where, "%.1024s:%ld: ", err->file, err->line);
    else if (err->file[0])
        snprintf(where, sizeof where, "%.1024s: ", err->file);
    size_t k = 0;
    if (put_escaped(buf, size, &k, where, (size_t)-1)) put_escaped(buf, size, &k, msg, SHOWN_MAX);
    return buf;
}

size_t sf_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

int sf_streq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

char *sf_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* One "C" locale object for the process, made once.  uselocale() switches
 * only the calling thread, so parsing and printing are locale-free even when
 * the host program (a Python session, say) set LC_NUMERIC. */
static locale_t c_locale_obj = (locale_t)0;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
    c_locale_obj = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t c_locale(void)
{
    pthread_once(&c_locale_once, c_locale_make);
    return c_locale_obj;
}

int sf_buf_printf(sf_buf *b, const char *fmt, ...)
{
    locale_t c = c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    int rc = 0;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            rc = -1;
            break;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            break;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len <= (size_t)n) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            rc = -1;
            break;
        }
        b->data = p;
        b->cap = cap;
    }
    if (c) uselocale(old);
    return rc;
}

int sf_buf_append(sf_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

void sf_buf_free(sf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int sf_buf_escape_xml(sf_buf *b, const char *text)
{
    if (!text) return 0;
    int bad = 0;
    const char *run = text;
    for (const char *c = text;; c++) {
        const char *rep = NULL;
        switch (*c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        int drop = (unsigned char)*c < 0x20 && *c != '\0' && *c != '\t' && *c != '\n';
        if (rep || drop || *c == '\0') {
            if (c > run && sf_buf_append(b, run, (size_t)(c - run)) != 0) bad = -1;
            if (rep && sf_buf_append(b, rep, strlen(rep)) != 0) bad = -1;
            run = c + 1;
        }
        if (*c == '\0') break;
    }
    return bad;
}

char *sf_format_double(double x, char *buf, size_t size)
{
    locale_t c = c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    snprintf(buf, size, "%.17g", x);
    if (c) uselocale(old);
    return buf;
}

char *sf_format_shortest(double x, char *buf, size_t size)
{
    locale_t c = c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        if (prec == 17 || strtod(buf, NULL) == x) break;
    }
    if (c) uselocale(old);
    return buf;
}

int sf_parse_double(const char *s, double *out)
{
    if (!s) return SF_EPARSE;
    while (*s == ' ' || *s == '\t') s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len == 0 || len > 255) return SF_EPARSE;
    char tmp[256];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    /* Reject hexadecimal floats: a data file with "0x10" is a mistake. */
    for (size_t i = 0; i < len; i++)
        if (tmp[i] == 'x' || tmp[i] == 'X') return SF_EPARSE;
    locale_t c = c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    char *end = NULL;
    errno = 0;
    double v = strtod(tmp, &end);
    int e = errno;
    if (c) uselocale(old);
    if (end == tmp || *end != '\0') return SF_EPARSE;
    *out = v;
    if (!isfinite(v)) return SF_ENONFINITE;
    /* ERANGE on overflow gives +-HUGE_VAL (caught above); on underflow the
     * value is tiny but exact enough: accept it. */
    (void)e;
    return SF_OK;
}

int sf_default_threads(void)
{
#ifdef _OPENMP
    int n = omp_get_num_procs();
    return n > 0 ? n : 1;
#else
    return 1;
#endif
}

int sf_threads_for(int threads, size_t work)
{
    int t = threads > 0 ? threads : sf_default_threads();
    if (work < (size_t)t) t = (int)work;
    return t < 1 ? 1 : t;
}

/* ---- random numbers ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void sf_rng_seed(sf_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream index through splitmix before combining, so
     * neighbouring (seed, stream) pairs give unrelated states. */
    uint64_t x = seed;
    uint64_t k = splitmix64(&x);
    uint64_t y = stream ^ 0x6A09E667F3BCC909ull;
    k ^= splitmix64(&y);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&k);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sf_rng_u64(sf_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sf_rng_uniform(sf_rng *r)
{
    return (double)(sf_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t sf_rng_below(sf_rng *r, uint64_t n)
{
    /* Rejection of the short top range keeps the draw unbiased. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = sf_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double sf_rng_normal(sf_rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * sf_rng_uniform(r) - 1.0;
        v = 2.0 * sf_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* Cholesky solve of the k x k system A x = b (row-major, k <= SF_MAX_PARAMS),
 * after Jacobi scaling (the basis columns differ in size by many orders of
 * magnitude).  Returns 0 when A is not numerically positive definite. */
int sf_spd_solve(size_t k, const double *A, const double *b, double *x)
{
    double s[SF_MAX_PARAMS], L[SF_MAX_PARAMS * SF_MAX_PARAMS], y[SF_MAX_PARAMS];
    for (size_t i = 0; i < k; i++) {
        if (!(A[i * k + i] > 0)) return 0;
        s[i] = 1.0 / sqrt(A[i * k + i]);
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = A[i * k + j] * s[i] * s[j];
            for (size_t q = 0; q < j; q++) v -= L[i * k + q] * L[j * k + q];
            if (i == j) {
                if (!(v > 1e-12)) return 0;
                L[i * k + i] = sqrt(v);
            } else {
                L[i * k + j] = v / L[j * k + j];
            }
        }
    for (size_t i = 0; i < k; i++) {
        double v = b[i] * s[i];
        for (size_t q = 0; q < i; q++) v -= L[i * k + q] * y[q];
        y[i] = v / L[i * k + i];
    }
    for (size_t i = k; i-- > 0;) {
        double v = y[i];
        for (size_t q = i + 1; q < k; q++) v -= L[q * k + i] * x[q];
        x[i] = v / L[i * k + i];
    }
    for (size_t i = 0; i < k; i++) x[i] *= s[i];
    return 1;
}

/* ---- order statistics ------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x)) return isnan(y) ? 0 : 1;
    if (isnan(y)) return -1;
    return (x > y) - (x < y);
}

void sf_sort_doubles(double *v, size_t n)
{
    if (n > 1) qsort(v, n, sizeof *v, cmp_double);
}

double sf_quantile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0) return NAN;
    double h = (double)(n - 1) * p;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n) return sorted[n - 1];
    return sorted[i] + (h - (double)i) * (sorted[i + 1] - sorted[i]);
}
