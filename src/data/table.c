/*
 * CSV files as tables of text cells (libcsv does the RFC 4180 parsing).
 *
 * libcsv reports fields and rows through callbacks but not where they were.
 * We feed it one physical line at a time and count line feeds, so a row's
 * line is known when its fields arrive: a field that ends while line k is
 * being fed started on line k minus the line feeds inside its (quoted) text.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

struct sf_table {
    char *name;
    size_t n_cols, n_rows;
    char **header;         /* n_cols names (point into arena) */
    size_t *cell;          /* n_rows * n_cols offsets into arena */
    long *line;            /* n_rows */
    char *arena;           /* all cell text, NUL-separated */
    size_t arena_len, arena_cap;
    size_t cell_cap, row_cap;
};

/* Parser state shared with the libcsv callbacks. */
typedef struct reader {
    sf_table *t;
    sf_error *err;
    int status;            /* first error, SF_OK while all is well */
    long cur_line;         /* physical line being fed (1-based) */
    long row_line;         /* line where the current row began */
    int have_header;
    size_t n_fields;       /* fields seen in the current row */
    size_t hdr_cap;
    size_t *hdr_off;       /* header cell offsets while reading the header */
} reader;

static int arena_add(sf_table *t, const char *s, size_t len, size_t *off)
{
    if (t->arena_len + len + 1 > t->arena_cap) {
        size_t cap = t->arena_cap ? t->arena_cap : 4096;
        while (cap < t->arena_len + len + 1) cap *= 2;
        char *p = realloc(t->arena, cap);
        if (!p) return SF_ENOMEM;
        t->arena = p;
        t->arena_cap = cap;
    }
    *off = t->arena_len;
    if (len) memcpy(t->arena + t->arena_len, s, len);
    t->arena[t->arena_len + len] = '\0';
    t->arena_len += len + 1;
    return SF_OK;
}

static long count_lf(const char *s, size_t len)
{
    long k = 0;
    for (size_t i = 0; i < len; i++) k += s[i] == '\n';
    return k;
}

static void on_field(void *data, size_t len, void *rd_)
{
    reader *rd = rd_;
    if (rd->status != SF_OK) return;
    sf_table *t = rd->t;
    const char *s = data ? data : "";
    if (rd->n_fields == 0) rd->row_line = rd->cur_line - count_lf(s, len);
    size_t off;
    if (arena_add(t, s, len, &off) != SF_OK) {
        rd->status = sf_fail(rd->err, SF_ENOMEM, t->name, 0, 0, "out of memory");
        return;
    }
    if (!rd->have_header) {
        if (rd->n_fields == rd->hdr_cap) {
            size_t cap = rd->hdr_cap ? rd->hdr_cap * 2 : 16;
            size_t *p = realloc(rd->hdr_off, cap * sizeof *p);
            if (!p) {
                rd->status = sf_fail(rd->err, SF_ENOMEM, t->name, 0, 0, "out of memory");
                return;
            }
            rd->hdr_off = p;
            rd->hdr_cap = cap;
        }
        rd->hdr_off[rd->n_fields++] = off;
        return;
    }
    if (rd->n_fields >= t->n_cols) {
        /* Too many fields: reported at the row end with the count. */
        rd->n_fields++;
        return;
    }
    size_t need = (t->n_rows + 1) * t->n_cols;
    if (need > t->cell_cap) {
        size_t cap = t->cell_cap ? t->cell_cap : 64 * t->n_cols;
        while (cap < need) cap *= 2;
        size_t *p = realloc(t->cell, cap * sizeof *p);
        if (!p) {
            rd->status = sf_fail(rd->err, SF_ENOMEM, t->name, 0, 0, "out of memory");
            return;
        }
        t->cell = p;
        t->cell_cap = cap;
    }
    t->cell[t->n_rows * t->n_cols + rd->n_fields++] = off;
}

static int finish_header(reader *rd)
{
    sf_table *t = rd->t;
    t->n_cols = rd->n_fields;
    t->header = malloc(t->n_cols * sizeof *t->header);
    if (!t->header) return sf_fail(rd->err, SF_ENOMEM, t->name, 0, 0, "out of memory");
    /* Offsets become pointers only after all text is in the arena (it may
     * move while growing), see sf_table_read_buffer; keep offsets for now. */
    /* An empty name is allowed (pandas writes its index column unnamed); such
     * a column cannot be named in --col or a filter.  Names must be unique. */
    for (size_t j = 0; j < t->n_cols; j++) {
        const char *h = t->arena + rd->hdr_off[j];
        if (h[0] == '\0') continue;
        for (size_t k = 0; k < j; k++)
            if (strcmp(h, t->arena + rd->hdr_off[k]) == 0)
                return sf_fail(rd->err, SF_EPARSE, t->name, rd->row_line, (long)j + 1,
                               "duplicate column name '%s' (also column %zu)", h, k + 1);
    }
    rd->have_header = 1;
    return SF_OK;
}

static void on_row(int term, void *rd_)
{
    (void)term;
    reader *rd = rd_;
    if (rd->status != SF_OK) return;
    sf_table *t = rd->t;
    if (!rd->have_header) {
        rd->status = finish_header(rd);
        rd->n_fields = 0;
        return;
    }
    if (rd->n_fields != t->n_cols) {
        if (rd->n_fields > t->n_cols)
            rd->status = sf_fail(rd->err, SF_EPARSE, t->name, rd->row_line,
                                 (long)t->n_cols + 1,
                                 "row has %zu fields, the header has %zu",
                                 rd->n_fields, t->n_cols);
        else
            rd->status = sf_fail(rd->err, SF_EPARSE, t->name, rd->row_line,
                                 (long)rd->n_fields + 1,
                                 "row has %zu field%s, the header has %zu",
                                 rd->n_fields, rd->n_fields == 1 ? "" : "s", t->n_cols);
        return;
    }
    if (t->n_rows == t->row_cap) {
        size_t cap = t->row_cap ? t->row_cap * 2 : 64;
        long *p = realloc(t->line, cap * sizeof *p);
        if (!p) {
            rd->status = sf_fail(rd->err, SF_ENOMEM, t->name, 0, 0, "out of memory");
            return;
        }
        t->line = p;
        t->row_cap = cap;
    }
    t->line[t->n_rows++] = rd->row_line;
    rd->n_fields = 0;
}

int sf_table_read_buffer(const char *text, size_t len, const char *name,
                         sf_table **out, sf_error *err)
{
    *out = NULL;
    if (!name) name = "<input>";
    sf_table *t = calloc(1, sizeof *t);
    if (!t || !(t->name = sf_strdup(name))) {
        free(t);
        return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    }
    reader rd = {.t = t, .err = err, .status = SF_OK, .cur_line = 1};

    /* An UTF-8 byte order mark is not part of the first column's name. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        sf_fail(err, SF_EPARSE, name, 1 + count_lf(text, (size_t)(nul - text)), 0,
                "NUL byte: this is not a text (CSV) file");
        sf_table_free(t);
        return SF_EPARSE;
    }

    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        sf_table_free(t);
        return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    }
    size_t pos = 0;
    while (pos < len && rd.status == SF_OK) {
        const char *lf = memchr(text + pos, '\n', len - pos);
        size_t chunk = lf ? (size_t)(lf - (text + pos)) + 1 : len - pos;
        size_t done = csv_parse(&p, text + pos, chunk, on_field, on_row, &rd);
        if (rd.status == SF_OK && done != chunk) {
            int e = csv_error(&p);
            rd.status = sf_fail(err, e == CSV_ENOMEM ? SF_ENOMEM : SF_EPARSE, name,
                                rd.cur_line, (long)rd.n_fields + 1,
                                "malformed CSV: %s (a quote inside an unquoted field, "
                                "or text after a closing quote)", csv_strerror(e));
        }
        pos += chunk;
        if (lf) rd.cur_line++;
    }
    if (rd.status == SF_OK && csv_fini(&p, on_field, on_row, &rd) != 0 && rd.status == SF_OK)
        rd.status = sf_fail(err, SF_EPARSE, name, rd.row_line, (long)rd.n_fields + 1,
                            "malformed CSV: a quoted field is not closed before the end of the file");
    csv_free(&p);

    if (rd.status == SF_OK && !rd.have_header)
        rd.status = sf_fail(err, SF_EPARSE, name, 0, 0, "empty file: no header row");
    if (rd.status == SF_OK) {
        /* The arena has stopped moving: turn header offsets into pointers. */
        for (size_t j = 0; j < t->n_cols; j++) t->header[j] = t->arena + rd.hdr_off[j];
    }
    free(rd.hdr_off);
    if (rd.status != SF_OK) {
        sf_table_free(t);
        return rd.status;
    }
    *out = t;
    return SF_OK;
}

int sf_table_read(const char *path, sf_table **out, sf_error *err)
{
    *out = NULL;
    if (!path) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no file name given");
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return sf_fail(err, SF_EIO, name, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int status = buf ? SF_OK : SF_ENOMEM;
    while (status == SF_OK) {
        if (len == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                status = SF_ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0) {
            if (ferror(f)) status = SF_EIO;
            break;
        }
    }
    int saved = errno;
    if (!is_stdin) fclose(f);
    if (status == SF_ENOMEM) {
        free(buf);
        return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
    }
    if (status == SF_EIO) {
        free(buf);
        return sf_fail(err, SF_EIO, name, 0, 0, "read error: %s", strerror(saved));
    }
    status = sf_table_read_buffer(buf, len, name, out, err);
    free(buf);
    return status;
}

void sf_table_free(sf_table *t)
{
    if (!t) return;
    free(t->name);
    free(t->header);
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
