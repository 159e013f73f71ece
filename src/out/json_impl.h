/*
 * Helpers shared by the JSON writers in src/out (cJSON).
 */
#ifndef SF_JSON_IMPL_H
#define SF_JSON_IMPL_H

#include <cjson/cJSON.h>

/* Add a number when finite (NaN and infinity are left out); returns 0 on
 * allocation failure. */
int sf_json_add_num(cJSON *o, const char *k, double v);
/* Print root with a trailing newline and delete it; NULL when !ok or out
 * of memory.  The caller frees the text. */
char *sf_json_finish(cJSON *root, int ok);

#endif /* SF_JSON_IMPL_H */
