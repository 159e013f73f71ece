/*
 * From a CSV table to run data: map columns to roles (by alias or --col),
 * filter rows, parse and check numbers, derive D = C/(6N) or C = 6ND.
 *
 * Only the cells a fit uses are parsed: the roles it reads and the columns
 * named in filters, and only on rows that reach them (filters are evaluated
 * in order and stop at the first that rejects a row).  Every failure names
 * the file, the line and the field.
 */
#include <ctype.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/strmap.h"
#include "data/data_impl.h"
#include "data/table_impl.h"

static const char *const role_names[SF_ROLE_COUNT] = {
    "N", "D", "C", "loss", "U", "group", "weight"};

static const char *const role_words[SF_ROLE_COUNT] = {
    "parameters", "tokens", "FLOPs", "loss", "unique tokens", "run id", "weight"};

/* Header aliases per role, best first, compared after normalising (lower
 * case, spaces, '_' and '-' removed): "Model Size" matches "modelsize". */
static const char *const aliases[SF_ROLE_COUNT][12] = {
    [SF_ROLE_N] = {"n", "params", "parameters", "modelsize", "nparams", "numparams",
                   "paramcount", NULL},
    [SF_ROLE_D] = {"d", "tokens", "trainingtokens", "dtokens", "numtokens", "ntokens",
                   "tokensseen", "tokennum", NULL},
    [SF_ROLE_C] = {"c", "flops", "trainingflop", "trainingflops", "compute", NULL},
    [SF_ROLE_LOSS] = {"loss", "l", "valloss", "validationloss", "evalloss", "testloss",
                      "trainloss", "trainingloss", NULL},
    [SF_ROLE_U] = {"u", "uniquetokens", "uuniquetokens", NULL},
    [SF_ROLE_GROUP] = {"group", "run", "runid", "model", "modelname", NULL},
    [SF_ROLE_WEIGHT] = {"weight", "weights", NULL},
};

const char *sf_role_name(sf_role role)
{
    return (unsigned)role < SF_ROLE_COUNT ? role_names[role] : NULL;
}

int sf_role_parse(const char *name, sf_role *role)
{
    if (!name) return SF_EINVAL;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (sf_streq_nocase(name, role_names[r])) {
            *role = (sf_role)r;
            return SF_OK;
        }
    if (sf_streq_nocase(name, "L")) {
        *role = SF_ROLE_LOSS;
        return SF_OK;
    }
    return SF_EINVAL;
}

void sf_data_options_init(sf_data_options *o)
{
    memset(o, 0, sizeof *o);
    o->required = SF_ROLE_BIT(SF_ROLE_LOSS);
}

static void normalise(const char *s, char *out, size_t size)
{
    size_t k = 0;
    for (; *s && k + 1 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
        out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
}

/* ---- column resolution ---------------------------------------------------- */

static int find_by_alias(const sf_table *t, sf_role r, long *col, sf_error *err)
{
    *col = -1;
    size_t nc = sf_table_cols(t);
    for (int a = 0; aliases[r][a]; a++) {
        long hit = -1;
        for (size_t j = 0; j < nc; j++) {
            char norm[128];
            normalise(sf_table_header(t, j), norm, sizeof norm);
            if (strcmp(norm, aliases[r][a]) != 0) continue;
            if (hit >= 0)
                return sf_fail(err, SF_ENOCOLUMN, sf_table_name(t), 1, (long)j + 1,
                               "columns '%s' and '%s' could both be %s (%s); "
                               "choose one with --col %s=NAME",
                               sf_table_header(t, (size_t)hit), sf_table_header(t, j),
                               role_names[r], role_words[r], role_names[r]);
            hit = (long)j;
        }
        if (hit >= 0) {
            *col = hit;
            return SF_OK;
        }
    }
    return SF_OK;
}

static int find_explicit(const sf_table *t, sf_role r, const char *name, long *col,
                         sf_error *err)
{
    *col = sf_table_find(t, name);
    if (*col >= 0) return SF_OK;
    long hit = -1;
    for (size_t j = 0; j < sf_table_cols(t); j++)
        if (sf_streq_nocase(sf_table_header(t, j), name)) {
            if (hit >= 0) {
                hit = -2;
                break;
            }
            hit = (long)j;
        }
    if (hit >= 0) {
        *col = hit;
        return SF_OK;
    }
    sf_buf list = {0};
    for (size_t j = 0; j < sf_table_cols(t) && j < 40; j++)
        sf_buf_printf(&list, "%s'%s'", j ? ", " : "", sf_table_header(t, j));
    int rc = sf_fail(err, SF_ENOCOLUMN, sf_table_name(t), 0, 0,
                     "no column named '%s' for %s (columns: %s)", name, role_names[r],
                     list.data ? list.data : "");
    sf_buf_free(&list);
    return rc;
}

/* A column named as a function of a header, "log(ppl)": perplexity
 * columns give a loss in nats as log(ppl), log10 token counts give D as
 * exp10(num_token).  Returns the function (FN_*) and the header name inside
 * the parentheses, or FN_NONE. */
enum { FN_NONE = 0, FN_LOG, FN_EXP, FN_EXP10 };
static const char *const fn_names[] = {"", "log", "exp", "exp10"};

static int parse_transform(const char *spec, char *inner, size_t size)
{
    size_t len = strlen(spec);
    for (int f = FN_LOG; f <= FN_EXP10; f++) {
        size_t k = strlen(fn_names[f]);
        if (len > k + 2 && strncmp(spec, fn_names[f], k) == 0 && spec[k] == '(' &&
            spec[len - 1] == ')' && len - k - 2 < size) {
            memcpy(inner, spec + k + 1, len - k - 2);
            inner[len - k - 2] = '\0';
            return f;
        }
    }
    return FN_NONE;
}

static double apply_transform(int fn, double x)
{
    switch (fn) {
    case FN_LOG: return x > 0 ? log(x) : NAN;
    case FN_EXP: return exp(x);
    case FN_EXP10: return pow(10.0, x);
    default: return x;
    }
}

static void alias_list(sf_role r, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int a = 0; aliases[r][a] && k + 1 < size; a++) {
        int n = snprintf(buf + k, size - k, "%s%s", a ? ", " : "", aliases[r][a]);
        if (n < 0) break;
        k += (size_t)n;
    }
}

/* ---- filters ------------------------------------------------------------ */

typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } filter_op;

typedef struct filter {
    const char *text;    /* as given, for messages */
    int role;            /* role compared, or -1 */
    long col;            /* header column compared when role < 0 */
    filter_op op;
    int numeric;
    double value;
    char str[256];
} filter;

static int parse_filter(const sf_table *t, const char *text, filter *f, sf_error *err)
{
    memset(f, 0, sizeof *f);
    f->text = text;
    f->role = -1;
    f->col = -1;
    const char *p = text;
    while (*p == ' ') p++;
    const char *name_end = strpbrk(p, "<>=!");
    if (!name_end || name_end == p)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "filter '%s': expected NAME OP VALUE with OP one of < <= > >= == != "
                       "(e.g. 'loss<4.5')", text);
    char name[256];
    size_t nl = (size_t)(name_end - p);
    while (nl > 0 && p[nl - 1] == ' ') nl--;
    if (nl >= sizeof name)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "filter '%s': name too long", text);
    memcpy(name, p, nl);
    name[nl] = '\0';
    const char *q = name_end;
    if (q[0] == '<' && q[1] == '=') f->op = OP_LE, q += 2;
    else if (q[0] == '>' && q[1] == '=') f->op = OP_GE, q += 2;
    else if (q[0] == '=' && q[1] == '=') f->op = OP_EQ, q += 2;
    else if (q[0] == '!' && q[1] == '=') f->op = OP_NE, q += 2;
    else if (q[0] == '<') f->op = OP_LT, q += 1;
    else if (q[0] == '>') f->op = OP_GT, q += 1;
    else if (q[0] == '=') f->op = OP_EQ, q += 1;
    else
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "filter '%s': unknown operator (use < <= > >= == !=)", text);
    while (*q == ' ') q++;
    if (*q == '\0')
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "filter '%s': no value after the operator",
                       text);
    int prc = sf_parse_double(q, &f->value);
    f->numeric = prc == SF_OK || prc == SF_ENONFINITE;
    /* Every comparison with NaN is false: refused like a NaN cell. */
    if (f->numeric && isnan(f->value))
        return sf_fail(err, SF_ENONFINITE, NULL, 0, 0,
                       "filter '%s': NaN is not a value to compare with", text);
    if (!f->numeric) {
        if (f->op != OP_EQ && f->op != OP_NE)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "filter '%s': '%s' is not a number (text compares only with == "
                           "and !=)", text, q);
        sf_strlcpy(f->str, q, sizeof f->str);
        size_t k = strlen(f->str);
        while (k > 0 && f->str[k - 1] == ' ') f->str[--k] = '\0';
    }
    /* A header name wins for text comparisons (a "model" column holds run
     * names); a role name wins for numbers (D may be derived). */
    sf_role r;
    long col = sf_table_find(t, name);
    if (f->numeric && sf_role_parse(name, &r) == SF_OK) f->role = (int)r;
    else if (col >= 0) f->col = col;
    else if (sf_role_parse(name, &r) == SF_OK) f->role = (int)r;
    else
        return sf_fail(err, SF_EINVAL, sf_table_name(t), 0, 0,
                       "filter '%s': no column or role named '%s'", text, name);
    return SF_OK;
}

static int compare(filter_op op, double a, double b)
{
    switch (op) {
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_EQ: return a == b;
    case OP_NE: return a != b;
    }
    return 0;
}

/* ---- reading values ------------------------------------------------------ */

typedef struct ctx {
    const sf_table *t;        /* the header (and name); rows stream past */
    const char *const *cells; /* the current row's cells */
    long line;                /* and its line */
    const sf_data_options *o;
    long col[SF_ROLE_COUNT];  /* column per role, -1 when absent */
    int fn[SF_ROLE_COUNT];    /* FN_* applied to the column's values */
    sf_error *err;
} ctx;

enum { CELL_OK = 0, CELL_EMPTY = 1 };

/* Parse cell (row, col) as a number for role r (r < 0: a filter column),
 * applying the role's transform.  Returns CELL_OK, CELL_EMPTY (empty cell
 * and drop_missing, or a zero the options skip), or an error. */
static int read_cell(const ctx *c, long col, int r, double *v)
{
    const sf_table *t = c->t;
    const char *cell = c->cells[col];
    const char *hdr = sf_table_header(t, (size_t)col);
    long line = c->line;
    const char *p = cell;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0') {
        if (c->o->drop_missing) return CELL_EMPTY;
        return sf_fail(c->err, SF_EPARSE, sf_table_name(t), line, col + 1,
                       "column '%s': empty cell (use --drop-missing to skip such rows)", hdr);
    }
    int rc = sf_parse_double(cell, v);
    if (rc == SF_EPARSE)
        return sf_fail(c->err, SF_EPARSE, sf_table_name(t), line, col + 1,
                       "column '%s': '%s' is not a number", hdr, cell);
    if (rc == SF_ENONFINITE)
        return sf_fail(c->err, SF_ENONFINITE, sf_table_name(t), line, col + 1,
                       "column '%s': %s is not finite", hdr, cell);
    if (r < 0) return CELL_OK;
    char shown[300];
    if (c->fn[r]) {
        snprintf(shown, sizeof shown, "%s(%s)", fn_names[c->fn[r]], hdr);
        hdr = shown;
        double x = *v;
        *v = apply_transform(c->fn[r], x);
        if (!isfinite(*v))
            return sf_fail(c->err, SF_EDOMAIN, sf_table_name(t), line, col + 1,
                           "column '%s': not finite for %s", hdr, cell);
    }
    if (*v == 0 && (c->o->skip_zero & SF_ROLE_BIT(r))) return CELL_EMPTY;
    if (r == SF_ROLE_WEIGHT) {
        if (*v < 0)
            return sf_fail(c->err, SF_EDOMAIN, sf_table_name(t), line, col + 1,
                           "column '%s' (weight): must be >= 0, got %s", hdr, cell);
    } else if (!(*v > 0)) {
        if (c->fn[r])
            return sf_fail(c->err, SF_EDOMAIN, sf_table_name(t), line, col + 1,
                           "column '%s' (%s, %s): must be > 0, got %g (from %s)", hdr,
                           role_names[r], role_words[r], *v, cell);
        return sf_fail(c->err, SF_EDOMAIN, sf_table_name(t), line, col + 1,
                       "column '%s' (%s, %s): must be > 0, got %s", hdr, role_names[r],
                       role_words[r], cell);
    }
    return CELL_OK;
}

/* Value of role r on a row, deriving D = C/(6N) or C = 6ND if needed. */
static int role_value(const ctx *c, int r, double *v)
{
    if (c->col[r] >= 0) return read_cell(c, c->col[r], r, v);
    double a, b;
    int rc;
    if (r == SF_ROLE_D && c->col[SF_ROLE_C] >= 0 && c->col[SF_ROLE_N] >= 0) {
        if ((rc = read_cell(c, c->col[SF_ROLE_C], SF_ROLE_C, &a)) != CELL_OK) return rc;
        if ((rc = read_cell(c, c->col[SF_ROLE_N], SF_ROLE_N, &b)) != CELL_OK) return rc;
        *v = a / (6.0 * b);
        return CELL_OK;
    }
    if (r == SF_ROLE_C && c->col[SF_ROLE_N] >= 0 && c->col[SF_ROLE_D] >= 0) {
        if ((rc = read_cell(c, c->col[SF_ROLE_N], SF_ROLE_N, &a)) != CELL_OK) return rc;
        if ((rc = read_cell(c, c->col[SF_ROLE_D], SF_ROLE_D, &b)) != CELL_OK) return rc;
        *v = 6.0 * a * b;
        return CELL_OK;
    }
    return sf_fail(c->err, SF_ENOCOLUMN, sf_table_name(c->t), 0, 0,
                   "no column for %s (%s)", role_names[r], role_words[r]);
}

static int available(const long *col, int r)
{
    if (col[r] >= 0) return 1;
    if (r == SF_ROLE_D) return col[SF_ROLE_C] >= 0 && col[SF_ROLE_N] >= 0;
    if (r == SF_ROLE_C) return col[SF_ROLE_N] >= 0 && col[SF_ROLE_D] >= 0;
    return 0;
}

/* Returns 1 when the row passes, 0 when filtered out, CELL_EMPTY-style
 * drop as 0, negative on error. */
static int row_passes(const ctx *c, const filter *fs, size_t nf)
{
    for (size_t k = 0; k < nf; k++) {
        const filter *f = &fs[k];
        if (f->numeric) {
            double v;
            int rc = f->role >= 0 ? role_value(c, f->role, &v) : read_cell(c, f->col, -1, &v);
            if (rc == CELL_EMPTY) return 0;
            if (rc != CELL_OK) {
                if (c->err && c->err->message[0]) {
                    size_t used = strlen(c->err->message);
                    snprintf(c->err->message + used, sizeof c->err->message - used,
                             " (in filter '%s')", f->text);
                }
                return rc;
            }
            if (!compare(f->op, v, f->value)) return 0;
        } else {
            long col = f->col >= 0 ? f->col : c->col[f->role];
            if (col < 0)
                return sf_fail(c->err, SF_ENOCOLUMN, sf_table_name(c->t), 0, 0,
                               "filter '%s': no column for %s", f->text,
                               role_names[f->role]);
            const char *cell = c->cells[col];
            while (*cell == ' ') cell++;
            size_t len = strlen(cell);
            while (len > 0 && cell[len - 1] == ' ') len--;
            int eq = len == strlen(f->str) && memcmp(cell, f->str, len) == 0;
            if (eq != (f->op == OP_EQ)) return 0;
        }
    }
    return 1;
}

/* ---- data sets ------------------------------------------------------------ */

static const double *role_values(const sf_data *d, int r)
{
    switch (r) {
    case SF_ROLE_N: return d->N;
    case SF_ROLE_D: return d->D;
    case SF_ROLE_C: return d->C;
    case SF_ROLE_LOSS: return d->loss;
    case SF_ROLE_U: return d->U;
    case SF_ROLE_WEIGHT: return d->weight;
    default: return NULL;
    }
}

static double **role_array(sf_data *d, int r)
{
    switch (r) {
    case SF_ROLE_N: return &d->N;
    case SF_ROLE_D: return &d->D;
    case SF_ROLE_C: return &d->C;
    case SF_ROLE_LOSS: return &d->loss;
    case SF_ROLE_U: return &d->U;
    case SF_ROLE_WEIGHT: return &d->weight;
    default: return NULL;
    }
}

int sf_data_new(size_t n, unsigned roles, sf_data **out)
{
    *out = NULL;
    sf_data *d = calloc(1, sizeof *d);
    if (!d) return SF_ENOMEM;
    d->n = n;
    size_t m = n ? n : 1;
    d->line = calloc(m, sizeof *d->line);
    int ok = d->line != NULL;
    for (int r = 0; r < SF_ROLE_COUNT && ok; r++) {
        double **a = role_array(d, r);
        if (!a || !(roles & SF_ROLE_BIT(r))) continue;
        *a = calloc(m, sizeof **a);
        ok = *a != NULL;
    }
    d->roles = roles & ~SF_ROLE_BIT(SF_ROLE_GROUP);
    if (!ok) {
        sf_data_free(d);
        return SF_ENOMEM;
    }
    *out = d;
    return SF_OK;
}

void sf_data_free(sf_data *d)
{
    if (!d) return;
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        double **a = role_array(d, r);
        if (a) free(*a);
        free(d->column[r]);
    }
    free(d->group);
    for (size_t g = 0; g < d->n_groups; g++) free(d->group_names[g]);
    free(d->group_names);
    for (size_t k = 0; k < d->n_filters; k++) free(d->filters[k]);
    free(d->filters);
    for (size_t k = 0; k < d->n_extra; k++) {
        free(d->extra_name[k]);
        free(d->extra[k]);
    }
    free(d->extra_name);
    free(d->extra);
    free(d->line);
    free(d->source);
    free(d);
}

/* Room for n_extra extra columns of m rows, names copied. */
static int extra_alloc(sf_data *d, const char *const *names, size_t n_extra, size_t m)
{
    if (n_extra == 0) return SF_OK;
    d->extra_name = calloc(n_extra, sizeof *d->extra_name);
    d->extra = calloc(n_extra, sizeof *d->extra);
    if (!d->extra_name || !d->extra) return SF_ENOMEM;
    d->n_extra = n_extra;
    for (size_t k = 0; k < n_extra; k++) {
        d->extra_name[k] = sf_strdup(names[k]);
        d->extra[k] = calloc(m ? m : 1, sizeof *d->extra[k]);
        if (!d->extra_name[k] || !d->extra[k]) return SF_ENOMEM;
    }
    return SF_OK;
}

int sf_data_extras_like(sf_data *dst, const sf_data *src, size_t m)
{
    return extra_alloc(dst, (const char *const *)src->extra_name, src->n_extra, m);
}

long sf_data_extra_index(const sf_data *d, const char *name)
{
    for (size_t k = 0; d && name && k < d->n_extra; k++)
        if (strcmp(d->extra_name[k], name) == 0) return (long)k;
    return -1;
}

static int copy_filters(sf_data *s, const char *const *filters, size_t n)
{
    if (n == 0) return SF_OK;
    if (!(s->filters = calloc(n, sizeof *s->filters))) return SF_ENOMEM;
    s->n_filters = n;
    for (size_t k = 0; k < n; k++)
        if (!(s->filters[k] = sf_strdup(filters[k]))) return SF_ENOMEM;
    return SF_OK;
}

static int copy_meta(const sf_data *d, sf_data *s)
{
    s->derived = d->derived;
    s->rows_read = d->rows_read;
    if (copy_filters(s, (const char *const *)d->filters, d->n_filters) != SF_OK) return SF_ENOMEM;
    if (d->source && !(s->source = sf_strdup(d->source))) return SF_ENOMEM;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (d->column[r] && !(s->column[r] = sf_strdup(d->column[r]))) return SF_ENOMEM;
    if (d->group) {
        s->group_names = calloc(d->n_groups ? d->n_groups : 1, sizeof *s->group_names);
        if (!s->group_names) return SF_ENOMEM;
        s->n_groups = d->n_groups;
        for (size_t g = 0; g < d->n_groups; g++)
            if (!(s->group_names[g] = sf_strdup(d->group_names[g]))) return SF_ENOMEM;
        s->roles |= SF_ROLE_BIT(SF_ROLE_GROUP);
    }
    return SF_OK;
}

int sf_data_subset(const sf_data *d, const size_t *idx, size_t m, sf_data **out)
{
    *out = NULL;
    sf_data *s;
    int rc = sf_data_new(m, d->roles, &s);
    if (rc != SF_OK) return rc;
    if (d->group && !(s->group = calloc(m ? m : 1, sizeof *s->group))) rc = SF_ENOMEM;
    if (rc == SF_OK) rc = copy_meta(d, s);
    if (rc == SF_OK) rc = extra_alloc(s, (const char *const *)d->extra_name, d->n_extra, m);
    if (rc != SF_OK) {
        sf_data_free(s);
        return rc;
    }
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        for (int r = 0; r < SF_ROLE_COUNT; r++) {
            const double *src = role_values(d, r);
            if (src) (*role_array(s, r))[k] = src[i];
        }
        if (d->group) s->group[k] = d->group[i];
        for (size_t x = 0; x < d->n_extra; x++) s->extra[x][k] = d->extra[x][i];
        s->line[k] = d->line[i];
    }
    *out = s;
    return SF_OK;
}

/* ---- reading: rows streamed into typed columns ----------------------------- */

/* One read: the columns resolved from the header, then each row parsed into
 * the role arrays as it arrives (no cell text is kept).  The arrays grow
 * geometrically and are trimmed at the end, so the peak is about the
 * parsed arrays themselves. */
typedef struct loader {
    ctx c;
    const sf_data_options *o;
    const char *name;
    unsigned read;            /* roles read */
    filter fs[SF_MAX_FILTERS];
    sf_data *d;
    size_t cap;               /* rows the arrays hold */
    size_t nr, kept;          /* data rows seen, kept */
    sf_strmap groups;         /* run id -> group index */
    sf_table *header;         /* header-only table when streaming */
    long xcol[SF_MAX_EXTRA];  /* columns of the extra variables (formula laws) */
} loader;

/* Which column serves each role (by --col or by alias), which roles are
 * read, and the filters. */
static int resolve_columns(loader *L, sf_error *err)
{
    ctx *c = &L->c;
    const sf_table *t = c->t;
    const sf_data_options *o = L->o;
    unsigned explicit_roles = 0;
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        int rc;
        char inner[256];
        if (o->column[r] && sf_table_find(t, o->column[r]) < 0 &&
            (c->fn[r] = parse_transform(o->column[r], inner, sizeof inner)) != FN_NONE) {
            if (r == SF_ROLE_GROUP)
                return sf_fail(err, SF_EINVAL, L->name, 0, 0, "--col group=%s: a run id is "
                               "text; %s() applies to numbers", o->column[r], fn_names[c->fn[r]]);
            rc = find_explicit(t, (sf_role)r, inner, &c->col[r], err);
            explicit_roles |= SF_ROLE_BIT(r);
        } else if (o->column[r]) {
            rc = find_explicit(t, (sf_role)r, o->column[r], &c->col[r], err);
            explicit_roles |= SF_ROLE_BIT(r);
        } else {
            rc = find_by_alias(t, (sf_role)r, &c->col[r], err);
        }
        if (rc != SF_OK) return rc;
    }
    /* One column serves one role: a role named with --col takes it from a
     * role that found it by alias; between two aliases the earlier role
     * keeps it (the alias lists do not overlap, so this is a safeguard). */
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        for (int q = 0; q < r; q++) {
            if (c->col[r] < 0 || c->col[r] != c->col[q]) continue;
            int er = (explicit_roles & SF_ROLE_BIT(r)) != 0;
            int eq = (explicit_roles & SF_ROLE_BIT(q)) != 0;
            if (er && eq)
                return sf_fail(err, SF_EINVAL, L->name, 0, 0,
                               "column '%s' is named for both %s and %s",
                               sf_table_header(t, (size_t)c->col[r]), role_names[q],
                               role_names[r]);
            if (er) c->col[q] = -1;
            else c->col[r] = -1;
        }

    unsigned required = o->required | SF_ROLE_BIT(SF_ROLE_LOSS);
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        if (!(required & SF_ROLE_BIT(r)) || available(c->col, r)) continue;
        char al[256];
        alias_list((sf_role)r, al, sizeof al);
        const char *extra = r == SF_ROLE_D   ? "; D can also be derived from C and N"
                            : r == SF_ROLE_C ? "; C can also be derived from N and D"
                                             : "";
        return sf_fail(err, SF_ENOCOLUMN, L->name, 0, 0,
                       "no column for %s (%s): looked for %s%s; name it with --col %s=COLUMN",
                       role_names[r], role_words[r], al, extra, role_names[r]);
    }

    /* Roles to read: required, named with --col, weight and group when
     * present.  D and C are completed whenever they can be. */
    unsigned read = required | explicit_roles;
    if (c->col[SF_ROLE_WEIGHT] >= 0) read |= SF_ROLE_BIT(SF_ROLE_WEIGHT);
    if (c->col[SF_ROLE_GROUP] >= 0) read |= SF_ROLE_BIT(SF_ROLE_GROUP);
    if (read & (SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_C) | SF_ROLE_BIT(SF_ROLE_N))) {
        if (available(c->col, SF_ROLE_N)) read |= SF_ROLE_BIT(SF_ROLE_N);
        if (available(c->col, SF_ROLE_D)) read |= SF_ROLE_BIT(SF_ROLE_D);
        if (available(c->col, SF_ROLE_C)) read |= SF_ROLE_BIT(SF_ROLE_C);
    }
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if ((read & SF_ROLE_BIT(r)) && !available(c->col, r)) read &= ~SF_ROLE_BIT(r);
    L->read = read;

    if (o->n_filters > SF_MAX_FILTERS)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "too many filters (at most %d)",
                       SF_MAX_FILTERS);
    for (size_t k = 0; k < o->n_filters; k++) {
        int rc = parse_filter(t, o->filters[k], &L->fs[k], err);
        if (rc != SF_OK) return rc;
    }
    return SF_OK;
}

/* Room for `need` rows in every array (geometric growth; realloc of large
 * blocks moves pages, not bytes). */
static int reserve_rows(loader *L, size_t need)
{
    if (need <= L->cap) return SF_OK;
    size_t cap = L->cap ? L->cap : 256;
    while (cap < need) cap *= 2;
    sf_data *d = L->d;
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        double **a = role_array(d, r);
        if (!a || !*a) continue;
        double *p = realloc(*a, cap * sizeof **a);
        if (!p) return SF_ENOMEM;
        *a = p;
    }
    long *ln = realloc(d->line, cap * sizeof *ln);
    if (!ln) return SF_ENOMEM;
    d->line = ln;
    if (d->group) {
        int *g = realloc(d->group, cap * sizeof *g);
        if (!g) return SF_ENOMEM;
        d->group = g;
    }
    for (size_t x = 0; x < d->n_extra; x++) {
        double *e = realloc(d->extra[x], cap * sizeof *e);
        if (!e) return SF_ENOMEM;
        d->extra[x] = e;
    }
    L->cap = cap;
    return SF_OK;
}

/* Columns of the extra variables (formula laws): each must exist. */
static int extra_columns(const sf_table *t, const sf_data_options *o, long *xcol,
                         sf_error *err)
{
    if (o->n_extra > SF_MAX_EXTRA)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "too many extra columns (at most %d)",
                       SF_MAX_EXTRA);
    for (size_t k = 0; k < o->n_extra; k++)
        if ((xcol[k] = sf_table_find(t, o->extra[k])) < 0)
            return sf_fail(err, SF_ENOCOLUMN, sf_table_name(t), 0, 0,
                           "no column '%s' (the law reads it)", o->extra[k]);
    return SF_OK;
}

static int loader_start(loader *L, const sf_table *t, const sf_data_options *o, sf_error *err)
{
    L->c.t = t;
    L->c.o = o;
    L->c.err = err;
    L->o = o;
    L->name = sf_table_name(t);
    int rc = resolve_columns(L, err);
    if (rc != SF_OK) return rc;
    if (sf_data_new(1, L->read, &L->d) != SF_OK)
        return sf_fail(err, SF_ENOMEM, L->name, 0, 0, "out of memory");
    sf_data *d = L->d;
    L->cap = 1;
    int status = SF_OK;
    if (!(d->source = sf_strdup(L->name)) || copy_filters(d, o->filters, o->n_filters) != SF_OK)
        status = SF_ENOMEM;
    for (int r = 0; r < SF_ROLE_COUNT && status == SF_OK; r++)
        if ((L->read & SF_ROLE_BIT(r)) && L->c.col[r] >= 0 &&
            !(d->column[r] = sf_strdup(L->c.fn[r] ? o->column[r]
                                                   : sf_table_header(t, (size_t)L->c.col[r]))))
            status = SF_ENOMEM;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if ((L->read & SF_ROLE_BIT(r)) && L->c.col[r] < 0) d->derived |= SF_ROLE_BIT(r);
    if (status == SF_OK && (L->read & SF_ROLE_BIT(SF_ROLE_GROUP))) {
        if (!(d->group = calloc(1, sizeof *d->group))) status = SF_ENOMEM;
        d->roles |= SF_ROLE_BIT(SF_ROLE_GROUP);
    }
    if (status != SF_OK) return sf_fail(err, SF_ENOMEM, L->name, 0, 0, "out of memory");
    if ((rc = extra_columns(t, o, L->xcol, err)) != SF_OK) return rc;
    if (extra_alloc(d, o->extra, o->n_extra, 1) != SF_OK)
        return sf_fail(err, SF_ENOMEM, L->name, 0, 0, "out of memory");
    return SF_OK;
}

/* The group index of run id `name`, adding it when new: -1 out of memory. */
static int group_index(loader *L, const char *name)
{
    sf_data *d = L->d;
    size_t g = sf_strmap_get(&L->groups, name);
    if (g != SF_STRMAP_NONE) return (int)g;
    if ((d->n_groups & (d->n_groups - 1)) == 0) {
        /* Capacity: the powers of two. */
        char **p = realloc(d->group_names, (d->n_groups ? 2 * d->n_groups : 1) * sizeof *p);
        if (!p) return -1;
        d->group_names = p;
    }
    if (d->n_groups >= (size_t)INT32_MAX) return -1;
    char *s = sf_strdup(name);
    if (!s) return -1;
    d->group_names[d->n_groups] = s;
    if (sf_strmap_put(&L->groups, s, d->n_groups) != SF_OK) {
        free(s);
        return -1;
    }
    return (int)d->n_groups++;
}

static int loader_row(loader *L, const char *const *cells, long line)
{
    ctx *c = &L->c;
    c->cells = cells;
    c->line = line;
    L->nr++;
    int pass = row_passes(c, L->fs, L->o->n_filters);
    if (pass <= 0) return pass;
    if (reserve_rows(L, L->kept + 1) != SF_OK)
        return sf_fail(c->err, SF_ENOMEM, L->name, 0, 0, "out of memory");
    sf_data *d = L->d;
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        double **a = role_array(d, r);
        if (!a || !*a) continue;
        double v;
        int rc = role_value(c, r, &v);
        if (rc == CELL_EMPTY) return SF_OK;
        if (rc != CELL_OK) return rc;
        (*a)[L->kept] = v;
    }
    for (size_t x = 0; x < d->n_extra; x++) {
        int rc = read_cell(c, L->xcol[x], -1, &d->extra[x][L->kept]);
        if (rc == CELL_EMPTY) return SF_OK;
        if (rc != CELL_OK) return rc;
    }
    if (d->group) {
        int g = group_index(L, cells[c->col[SF_ROLE_GROUP]]);
        if (g < 0) return sf_fail(c->err, SF_ENOMEM, L->name, 0, 0, "out of memory");
        d->group[L->kept] = g;
    }
    d->line[L->kept++] = line;
    return SF_OK;
}

/* Ends a read: *out gets the data on success; everything is freed. */
static int loader_end(loader *L, int status, sf_data **out, sf_error *err)
{
    sf_data *d = L->d;
    if (status == SF_OK && L->nr == 0)
        status = sf_fail(err, SF_ENODATA, L->name, 0, 0, "no data rows after the header");
    if (status == SF_OK && L->kept == 0)
        status = sf_fail(err, SF_ENODATA, L->name, 0, 0,
                         "no rows left: all %zu data rows were filtered out%s%s", L->nr,
                         L->o->drop_missing ? " or had empty cells" : "",
                         L->o->skip_zero ? " or skipped for a zero value" : "");
    sf_strmap_free(&L->groups);
    sf_table_free(L->header);
    if (status != SF_OK) {
        sf_data_free(d);
        return status;
    }
    d->rows_read = L->nr;
    d->n = L->kept;
    /* Give back the growth margin (shrinking never fails in practice; a
     * failed shrink keeps the larger block). */
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        double **a = role_array(d, r);
        double *p = a && *a ? realloc(*a, d->n * sizeof **a) : NULL;
        if (p) *a = p;
    }
    for (size_t x = 0; x < d->n_extra; x++) {
        double *e = realloc(d->extra[x], d->n * sizeof *e);
        if (e) d->extra[x] = e;
    }
    long *ln = realloc(d->line, d->n * sizeof *ln);
    if (ln) d->line = ln;
    *out = d;
    return SF_OK;
}

int sf_data_from_table(const sf_table *t, const sf_data_options *o, sf_data **out,
                       sf_error *err)
{
    *out = NULL;
    sf_data_options defaults;
    if (!o) {
        sf_data_options_init(&defaults);
        o = &defaults;
    }
    loader L = {0};
    int rc = loader_start(&L, t, o, err);
    if (rc != SF_OK) {
        sf_data_free(L.d);
        return rc;
    }
    size_t nc = sf_table_cols(t);
    const char **cells = malloc((nc ? nc : 1) * sizeof *cells);
    if (!cells) rc = sf_fail(err, SF_ENOMEM, L.name, 0, 0, "out of memory");
    for (size_t i = 0; i < sf_table_rows(t) && rc == SF_OK; i++) {
        for (size_t j = 0; j < nc; j++) cells[j] = sf_table_cell(t, i, j);
        rc = loader_row(&L, cells, sf_table_line(t, i));
    }
    free(cells);
    return loader_end(&L, rc, out, err);
}

/* Streaming: the sink's callbacks. */
typedef struct stream_ctx {
    loader L;
    const sf_data_options *o;
    const char *name;
    int started;
} stream_ctx;

static int on_header(void *ctx_, const char *const *names, size_t n, long line, sf_error *err)
{
    (void)line;
    stream_ctx *s = ctx_;
    int rc = sf_table_header_only(s->name, names, n, &s->L.header, err);
    if (rc != SF_OK) return rc;
    s->started = 1;
    return loader_start(&s->L, s->L.header, s->o, err);
}

static int on_row(void *ctx_, const char *const *cells, size_t n, long line, sf_error *err)
{
    (void)n;
    (void)err;
    stream_ctx *s = ctx_;
    return loader_row(&s->L, cells, line);
}

int sf_data_read(const char *path, const sf_data_options *o, sf_data **out, sf_error *err)
{
    *out = NULL;
    sf_data_options defaults;
    if (!o) {
        sf_data_options_init(&defaults);
        o = &defaults;
    }
    if (!path) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no file name given");
    stream_ctx s = {.o = o, .name = strcmp(path, "-") == 0 ? "<stdin>" : path};
    sf_row_sink sink = {on_header, on_row, &s};
    int rc = sf_csv_stream_file(path, &sink, err);
    if (!s.started) {
        sf_table_free(s.L.header);
        return rc;
    }
    return loader_end(&s.L, rc, out, err);
}
