/*
 * A string -> index hash map (open addressing, linear probing), so that
 * reading stays linear in the input: duplicate column names, run ids.
 * The map borrows its keys: each must outlive the map.
 */
#ifndef SF_BASE_STRMAP_H
#define SF_BASE_STRMAP_H

#include <stddef.h>

typedef struct sf_strmap {
    const char **key;   /* cap slots, NULL when empty */
    size_t *val;
    size_t cap, n;      /* cap: 0 or a power of two */
} sf_strmap;

#define SF_STRMAP_NONE ((size_t)-1)

/* The value stored for key, or SF_STRMAP_NONE. */
size_t sf_strmap_get(const sf_strmap *m, const char *key);
/* Store key -> val (key not yet in the map); SF_OK or SF_ENOMEM. */
int sf_strmap_put(sf_strmap *m, const char *key, size_t val);
/* Frees the slots (not the keys); the map is empty and usable again. */
void sf_strmap_free(sf_strmap *m);

#endif
