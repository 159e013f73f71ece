/*
 * CSV read as a stream of rows (table.c), so that reading run data keeps
 * no cell text: sf_data_read parses each row's cells into its typed
 * columns as the row arrives, and a file is read in fixed-size pieces.
 * The reader checks what sf_table documents (field counts, unique
 * non-empty header names, quoting, NUL bytes) with the same messages.
 */
#ifndef SF_DATA_TABLE_IMPL_H
#define SF_DATA_TABLE_IMPL_H

#include "scalefit.h"

typedef struct sf_row_sink {
    /* The header row: n names (valid during the call only), its line.
     * Returns SF_OK, or an error status with err filled. */
    int (*header)(void *ctx, const char *const *names, size_t n, long line, sf_error *err);
    /* A data row: as many cells as the header (valid during the call
     * only), the line where the row begins. */
    int (*row)(void *ctx, const char *const *cells, size_t n, long line, sf_error *err);
    void *ctx;
} sf_row_sink;

/* Stream `path` ("-" = standard input; `name` in messages "<stdin>") or a
 * buffer into sink.  SF_OK, or the first error (the sink's, or the
 * reader's) with err filled. */
int sf_csv_stream_file(const char *path, const sf_row_sink *sink, sf_error *err);
int sf_csv_stream_buffer(const char *text, size_t len, const char *name,
                         const sf_row_sink *sink, sf_error *err);

/* A table holding only a header (no rows), for resolving columns while
 * rows stream past; names are copied. */
int sf_table_header_only(const char *name, const char *const *names, size_t n,
                         sf_table **out, sf_error *err);

#endif
