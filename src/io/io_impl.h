/* Helpers shared by the JSON writers in src/io (defined in json.c). */
#ifndef SF_IO_IMPL_H
#define SF_IO_IMPL_H

#include <cjson/cJSON.h>

#include "base/base.h"
#include "scalefit.h"

/* Add a number when finite (NaN and infinity never reach JSON); returns 0
 * on allocation failure, 1 otherwise. */
int sf_json_num(cJSON *o, const char *key, double v);

/* Print root (when ok) as the returned malloc'd text with a final newline,
 * and delete it; NULL when !ok or out of memory. */
char *sf_json_finish(cJSON *root, int ok);
/* The writers' convention: sf_json_finish into *out, SF_OK, or SF_ENOMEM
 * with err filled (*out NULL). */
int sf_json_finish_to(cJSON *root, int ok, char **out, sf_error *err);
/* A text built in b (bad: a printf into it failed) into *out: SF_OK, or
 * SF_ENOMEM with b freed. */
int sf_buf_out(sf_buf *b, int bad, char **out, sf_error *err);
/* Hand a made text to *out: SF_OK, or SF_ENOMEM when text is NULL. */
int sf_text_out(char *text, char **out, sf_error *err);

/* Read the whole of `path` ("-" = standard input) into b (NUL-terminated);
 * an empty file or one with NUL bytes is SF_EPARSE "empty or binary file:
 * <what>".  Errors name the path. */
int sf_read_text(const char *path, const char *what, sf_buf *b, sf_error *err);

#endif /* SF_IO_IMPL_H */
