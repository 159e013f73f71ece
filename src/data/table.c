/*
 * CSV files as rows of text cells (libcsv does the RFC 4180 parsing).
 *
 * The reader streams: a file is read in fixed-size pieces and each row is
 * handed to a sink as soon as it is complete, so nothing but the current
 * row is held (sf_data_read parses the cells it needs straight into typed
 * columns; sf_table_read keeps every cell in one arena).  Everything is
 * linear in the input: header names are checked for duplicates with a hash
 * map, and libcsv's field buffer, which grows by a fixed block, is given a
 * block as large as the buffer already is before each piece (geometric
 * growth: a 4 MB field no longer costs 32,000 reallocations).
 *
 * libcsv reports fields and rows through callbacks but not where they were.
 * We feed it at most one physical line at a time and count line feeds, so a
 * row's line is known when its fields arrive: a field that ends while line
 * k is being fed started on line k minus the line feeds inside its (quoted)
 * text.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/strmap.h"
#include "data/table_impl.h"

struct sf_table {
    char *name;
    size_t n_cols, n_rows;
    char **header;         /* n_cols names (point into arena) */
    size_t *cell;          /* n_rows * n_cols offsets into arena */
    long *line;            /* n_rows */
    char *arena;           /* all cell text, NUL-separated */
    size_t arena_len, arena_cap;
    size_t cell_cap, row_cap;
    size_t *hdr_off;       /* header offsets until the arena stops moving */
};

/* Bytes fed to libcsv at a time (and its least field-buffer block). */
enum { PIECE = 1 << 16 };

/* Parser state shared with the libcsv callbacks. */
typedef struct reader {
    const char *name;
    const sf_row_sink *sink;
    sf_error *err;
    int status;            /* first error, SF_OK while all is well */
    long cur_line;         /* physical line being fed (1-based) */
    long row_line;         /* line where the current row began */
    int have_header;
    size_t n_cols;         /* the header's width, once read */
    size_t n_fields;       /* fields seen in the current row */
    char *buf;             /* the current row's text, NUL-separated */
    size_t len, cap;
    size_t *off;           /* field offsets into buf */
    const char **cells;    /* field pointers for the sink */
    size_t off_cap, cells_cap;
    struct csv_parser p;
} reader;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return SF_OK;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return SF_ENOMEM;
    *p = q;
    *cap = c;
    return SF_OK;
}

static long count_lf(const char *s, size_t len)
{
    long k = 0;
    for (const char *q = s; (q = memchr(q, '\n', len - (size_t)(q - s))); q++) k++;
    return k;
}

static int oom(reader *rd)
{
    return sf_fail(rd->err, SF_ENOMEM, rd->name, 0, 0, "out of memory");
}

static void on_field(void *data, size_t len, void *rd_)
{
    reader *rd = rd_;
    if (rd->status != SF_OK) return;
    const char *s = data ? data : "";
    if (rd->n_fields == 0) rd->row_line = rd->cur_line - count_lf(s, len);
    if (rd->have_header && rd->n_fields >= rd->n_cols) {
        /* Too many fields: reported at the row end with the count. */
        rd->n_fields++;
        return;
    }
    if (grow((void **)&rd->buf, &rd->cap, rd->len + len + 1, 1) != SF_OK ||
        grow((void **)&rd->off, &rd->off_cap, rd->n_fields + 1, sizeof *rd->off) != SF_OK ||
        grow((void **)&rd->cells, &rd->cells_cap, rd->n_fields + 1, sizeof *rd->cells) != SF_OK) {
        rd->status = oom(rd);
        return;
    }
    if (len) memcpy(rd->buf + rd->len, s, len);
    rd->buf[rd->len + len] = '\0';
    rd->off[rd->n_fields++] = rd->len;
    rd->len += len + 1;
}

/* Non-empty header names must be unique (an empty one is allowed: pandas
 * writes its index column unnamed; it cannot be named in --col). */
static int check_header(reader *rd)
{
    sf_strmap seen = {0};
    int status = SF_OK;
    for (size_t j = 0; j < rd->n_fields && status == SF_OK; j++) {
        const char *h = rd->cells[j];
        if (h[0] == '\0') continue;
        size_t k = sf_strmap_get(&seen, h);
        if (k != SF_STRMAP_NONE)
            status = sf_fail(rd->err, SF_EPARSE, rd->name, rd->row_line, (long)j + 1,
                             "duplicate column name '%s' (also column %zu)", h, k + 1);
        else if (sf_strmap_put(&seen, h, j) != SF_OK)
            status = oom(rd);
    }
    sf_strmap_free(&seen);
    return status;
}

static int row_end(reader *rd)
{
    /* Fields past the header's width were counted, not kept. */
    size_t kept = rd->have_header && rd->n_fields > rd->n_cols ? rd->n_cols : rd->n_fields;
    for (size_t j = 0; j < kept; j++) rd->cells[j] = rd->buf + rd->off[j];
    if (!rd->have_header) {
        int rc = check_header(rd);
        if (rc == SF_OK)
            rc = rd->sink->header(rd->sink->ctx, rd->cells, rd->n_fields, rd->row_line, rd->err);
        rd->n_cols = rd->n_fields;
        rd->have_header = 1;
        return rc;
    }
    if (rd->n_fields > rd->n_cols)
        return sf_fail(rd->err, SF_EPARSE, rd->name, rd->row_line, (long)rd->n_cols + 1,
                       "row has %zu fields, the header has %zu", rd->n_fields, rd->n_cols);
    if (rd->n_fields < rd->n_cols)
        return sf_fail(rd->err, SF_EPARSE, rd->name, rd->row_line, (long)rd->n_fields + 1,
                       "row has %zu field%s, the header has %zu", rd->n_fields,
                       rd->n_fields == 1 ? "" : "s", rd->n_cols);
    return rd->sink->row(rd->sink->ctx, rd->cells, rd->n_cols, rd->row_line, rd->err);
}

static void on_row(int term, void *rd_)
{
    (void)term;
    reader *rd = rd_;
    if (rd->status != SF_OK) return;
    rd->status = row_end(rd);
    rd->n_fields = 0;
    rd->len = 0;
}

/* Feed text to libcsv: at most one line, and at most PIECE bytes, at a
 * time. */
static void feed(reader *rd, const char *text, size_t len)
{
    size_t pos = 0;
    while (pos < len && rd->status == SF_OK) {
        size_t rest = len - pos < PIECE ? len - pos : PIECE;
        const char *lf = memchr(text + pos, '\n', rest);
        size_t chunk = lf ? (size_t)(lf - (text + pos)) + 1 : rest;
        if (memchr(text + pos, '\0', chunk)) {
            rd->status = sf_fail(rd->err, SF_EPARSE, rd->name, rd->cur_line, 0,
                                 "NUL byte: this is not a text (CSV) file");
            return;
        }
        size_t blk = rd->p.entry_size > PIECE ? rd->p.entry_size : PIECE;
        csv_set_blk_size(&rd->p, blk);
        size_t done = csv_parse(&rd->p, text + pos, chunk, on_field, on_row, rd);
        if (rd->status == SF_OK && done != chunk) {
            int e = csv_error(&rd->p);
            rd->status = sf_fail(rd->err, e == CSV_ENOMEM ? SF_ENOMEM : SF_EPARSE, rd->name,
                                 rd->cur_line, (long)rd->n_fields + 1,
                                 "malformed CSV: %s (a quote inside an unquoted field, "
                                 "or text after a closing quote)", csv_strerror(e));
        }
        pos += chunk;
        if (lf) rd->cur_line++;
    }
}

static int reader_init(reader *rd, const char *name, const sf_row_sink *sink, sf_error *err)
{
    *rd = (reader){.name = name, .sink = sink, .err = err, .status = SF_OK, .cur_line = 1};
    if (csv_init(&rd->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    return SF_OK;
}

static int reader_finish(reader *rd)
{
    if (rd->status == SF_OK && csv_fini(&rd->p, on_field, on_row, rd) != 0 &&
        rd->status == SF_OK)
        rd->status = sf_fail(rd->err, SF_EPARSE, rd->name, rd->row_line, (long)rd->n_fields + 1,
                             "malformed CSV: a quoted field is not closed before the end of "
                             "the file");
    csv_free(&rd->p);
    if (rd->status == SF_OK && !rd->have_header)
        rd->status = sf_fail(rd->err, SF_EPARSE, rd->name, 0, 0, "empty file: no header row");
    free(rd->buf);
    free(rd->off);
    free(rd->cells);
    return rd->status;
}

/* An UTF-8 byte order mark is not part of the first column's name. */
static size_t bom(const char *text, size_t len)
{
    return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

int sf_csv_stream_buffer(const char *text, size_t len, const char *name,
                         const sf_row_sink *sink, sf_error *err)
{
    if (!name) name = "<input>";
    reader rd;
    int rc = reader_init(&rd, name, sink, err);
    if (rc != SF_OK) return rc;
    size_t skip = bom(text, len);
    feed(&rd, text + skip, len - skip);
    return reader_finish(&rd);
}

int sf_csv_stream_file(const char *path, const sf_row_sink *sink, sf_error *err)
{
    if (!path) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no file name given");
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return sf_fail(err, SF_EIO, name, 0, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(PIECE);
    reader rd;
    int rc = buf ? reader_init(&rd, name, sink, err) : sf_fail(err, SF_ENOMEM, name, 0, 0,
                                                               "out of memory");
    if (rc != SF_OK) {
        free(buf);
        if (!is_stdin) fclose(f);
        return rc;
    }
    for (int first = 1; rd.status == SF_OK; first = 0) {
        size_t k = fread(buf, 1, PIECE, f);
        if (k == 0) {
            if (ferror(f))
                rd.status = sf_fail(err, SF_EIO, name, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        size_t skip = first ? bom(buf, k) : 0;
        feed(&rd, buf + skip, k - skip);
    }
    free(buf);
    if (!is_stdin) fclose(f);
    return reader_finish(&rd);
}

/* ---- whole tables ------------------------------------------------------- */

static int arena_add(sf_table *t, const char *s, size_t *off)
{
    size_t len = strlen(s);
    if (grow((void **)&t->arena, &t->arena_cap, t->arena_len + len + 1, 1) != SF_OK)
        return SF_ENOMEM;
    *off = t->arena_len;
    memcpy(t->arena + t->arena_len, s, len + 1);
    t->arena_len += len + 1;
    return SF_OK;
}

static int table_header(void *ctx, const char *const *names, size_t n, long line, sf_error *err)
{
    (void)line;
    sf_table *t = ctx;
    t->n_cols = n;
    t->header = calloc(n ? n : 1, sizeof *t->header);
    t->hdr_off = malloc((n ? n : 1) * sizeof *t->hdr_off);
    if (!t->header || !t->hdr_off) return sf_fail(err, SF_ENOMEM, t->name, 0, 0, "out of memory");
    for (size_t j = 0; j < n; j++)
        if (arena_add(t, names[j], &t->hdr_off[j]) != SF_OK)
            return sf_fail(err, SF_ENOMEM, t->name, 0, 0, "out of memory");
    return SF_OK;
}

static int table_row(void *ctx, const char *const *cells, size_t n, long line, sf_error *err)
{
    sf_table *t = ctx;
    size_t rc = t->row_cap;
    if (grow((void **)&t->cell, &t->cell_cap, (t->n_rows + 1) * n, sizeof *t->cell) != SF_OK ||
        grow((void **)&t->line, &rc, t->n_rows + 1, sizeof *t->line) != SF_OK)
        return sf_fail(err, SF_ENOMEM, t->name, 0, 0, "out of memory");
    t->row_cap = rc;
    for (size_t j = 0; j < n; j++)
        if (arena_add(t, cells[j], &t->cell[t->n_rows * n + j]) != SF_OK)
            return sf_fail(err, SF_ENOMEM, t->name, 0, 0, "out of memory");
    t->line[t->n_rows++] = line;
    return SF_OK;
}

static sf_table *table_new(const char *name)
{
    sf_table *t = calloc(1, sizeof *t);
    if (t && !(t->name = sf_strdup(name))) {
        free(t);
        t = NULL;
    }
    return t;
}

/* The arena has stopped moving: header offsets become pointers. */
static int table_done(sf_table *t, int rc, sf_table **out)
{
    if (rc == SF_OK)
        for (size_t j = 0; j < t->n_cols; j++) t->header[j] = t->arena + t->hdr_off[j];
    free(t->hdr_off);
    t->hdr_off = NULL;
    if (rc != SF_OK) {
        sf_table_free(t);
        return rc;
    }
    *out = t;
    return SF_OK;
}

int sf_table_read_buffer(const char *text, size_t len, const char *name,
                         sf_table **out, sf_error *err)
{
    *out = NULL;
    if (!name) name = "<input>";
    sf_table *t = table_new(name);
    if (!t) return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    sf_row_sink sink = {table_header, table_row, t};
    return table_done(t, sf_csv_stream_buffer(text, len, name, &sink, err), out);
}

int sf_table_read(const char *path, sf_table **out, sf_error *err)
{
    *out = NULL;
    if (!path) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no file name given");
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    sf_table *t = table_new(name);
    if (!t) return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    sf_row_sink sink = {table_header, table_row, t};
    return table_done(t, sf_csv_stream_file(path, &sink, err), out);
}

int sf_table_header_only(const char *name, const char *const *names, size_t n,
                         sf_table **out, sf_error *err)
{
    *out = NULL;
    sf_table *t = table_new(name);
    if (!t) return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    return table_done(t, table_header(t, names, n, 0, err), out);
}

void sf_table_free(sf_table *t)
{
    if (!t) return;
    free(t->name);
    free(t->header);
    free(t->hdr_off);
    free(t->cell);
    free(t->line);
    free(t->arena);
    free(t);
}

size_t sf_table_rows(const sf_table *t) { return t->n_rows; }
size_t sf_table_cols(const sf_table *t) { return t->n_cols; }
const char *sf_table_name(const sf_table *t) { return t->name; }

const char *sf_table_header(const sf_table *t, size_t col)
{
    return col < t->n_cols ? t->header[col] : NULL;
}

const char *sf_table_cell(const sf_table *t, size_t row, size_t col)
{
    if (row >= t->n_rows || col >= t->n_cols) return NULL;
    return t->arena + t->cell[row * t->n_cols + col];
}

long sf_table_line(const sf_table *t, size_t row)
{
    return row < t->n_rows ? t->line[row] : 0;
}

long sf_table_find(const sf_table *t, const char *name)
{
    for (size_t j = 0; j < t->n_cols; j++)
        if (strcmp(t->header[j], name) == 0) return (long)j;
    return -1;
}
