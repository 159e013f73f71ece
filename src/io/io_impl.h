/* Helpers shared by the JSON writers in src/io (defined in json.c). */
#ifndef SF_IO_IMPL_H
#define SF_IO_IMPL_H

#include <cjson/cJSON.h>

/* Add a number when finite (NaN and infinity never reach JSON); returns 0
 * on allocation failure, 1 otherwise. */
int sf_json_num(cJSON *o, const char *key, double v);

/* Print root (when ok) as the returned malloc'd text with a final newline,
 * and delete it; NULL when !ok or out of memory. */
char *sf_json_finish(cJSON *root, int ok);

#endif /* SF_IO_IMPL_H */
