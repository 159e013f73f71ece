/* String -> index hash map (strmap.h). */
#include "base/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scalefit.h"

/* FNV-1a, 64 bits. */
static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

size_t sf_strmap_get(const sf_strmap *m, const char *key)
{
    if (m->cap == 0) return SF_STRMAP_NONE;
    for (size_t i = (size_t)hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->key[i]) return SF_STRMAP_NONE;
        if (strcmp(m->key[i], key) == 0) return m->val[i];
    }
}

static void insert(const char **keys, size_t *vals, size_t cap, const char *key, size_t val)
{
    size_t i = (size_t)hash(key) & (cap - 1);
    while (keys[i]) i = (i + 1) & (cap - 1);
    keys[i] = key;
    vals[i] = val;
}

int sf_strmap_put(sf_strmap *m, const char *key, size_t val)
{
    /* Keep the load at most one half: probes stay short. */
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        const char **keys = calloc(cap, sizeof *keys);
        size_t *vals = malloc(cap * sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return SF_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->key[i]) insert(keys, vals, cap, m->key[i], m->val[i]);
        free(m->key);
        free(m->val);
        m->key = keys;
        m->val = vals;
        m->cap = cap;
    }
    insert(m->key, m->val, m->cap, key, val);
    m->n++;
    return SF_OK;
}

void sf_strmap_free(sf_strmap *m)
{
    free(m->key);
    free(m->val);
    m->key = NULL;
    m->val = NULL;
    m->cap = m->n = 0;
}
