/*
 * docs/api.md, the C API reference (issue 21), against the public header:
 * every SF_API function of include/scalefit.h is listed there with the
 * header's signature, under the header's section (its layer), and the
 * reference lists no function the header no longer declares.  The
 * reference is made by `sh scripts/api_doc.sh > docs/api.md`; run it again
 * when this test fails.  The tests run from the repository root.
 */
#include "common.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FUNCS 1024

typedef struct func {
    char name[96];
    char sig[512];       /* whitespace collapsed, without SF_API and ';' */
    char section[160];   /* the layer: the header's banner title */
} func;

typedef struct funcs {
    func v[MAX_FUNCS];
    size_t n;
} funcs;


/* Collapse runs of blanks, drop blanks inside the parentheses' edges, trim. */
static void normalise(const char *s, size_t len, char *out, size_t size)
{
    size_t k = 0;
    int space = 0;
    for (size_t i = 0; i < len && k + 1 < size; i++) {
        char c = s[i];
        if (isspace((unsigned char)c)) {
            space = 1;
            continue;
        }
        if (space && k > 0 && out[k - 1] != '(' && c != ')') out[k++] = ' ';
        space = 0;
        if (k + 1 < size) out[k++] = c;
    }
    out[k] = '\0';
}

/* The function's name: the identifier before the first '('. */
static void name_of(const char *sig, char *out, size_t size)
{
    const char *p = strchr(sig, '(');
    out[0] = '\0';
    if (!p) return;
    const char *s = p;
    while (s > sig && (isalnum((unsigned char)s[-1]) || s[-1] == '_')) s--;
    snprintf(out, size, "%.*s", (int)(p - s), s);
}

static void add(funcs *f, const char *sig, const char *section)
{
    cr_assert(f->n < MAX_FUNCS, "more than %d public functions", MAX_FUNCS);
    func *e = &f->v[f->n++];
    snprintf(e->sig, sizeof e->sig, "%s", sig);
    snprintf(e->section, sizeof e->section, "%s", section);
    name_of(e->sig, e->name, sizeof e->name);
    cr_assert(e->name[0], "no function name in '%s'", sig);
}

static int is_rule(const char *line)
{
    return strncmp(line, "/* -----------------------", 26) == 0;
}

static void header_funcs(funcs *f)
{
    char *h = read_text("include/scalefit.h");
    cr_assert(h != NULL, "cannot read include/scalefit.h (the tests run from the repository root)");
    char section[160] = "";
    int after_rule = 0;
    f->n = 0;
    for (char *line = h; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        /* a layer's banner: a rule, "/\* Title *\/", a rule */
        if (is_rule(line)) {
            after_rule = 1;
            continue;
        }
        if (after_rule && strncmp(line, "/* ", 3) == 0) {
            char *end = strstr(line, "*/");
            cr_assert(end != NULL);
            normalise(line + 3, (size_t)(end - line - 3), section, sizeof section);
        }
        after_rule = 0;
        if (strncmp(line, "SF_API ", 7) != 0) continue;
        char *semi = strchr(line, ';');
        cr_assert(semi != NULL, "an SF_API declaration without ';'");
        char sig[512];
        normalise(line + 7, (size_t)(semi - line - 7), sig, sizeof sig);
        add(f, sig, section);
    }
    free(h);
}

static void doc_funcs(funcs *f, const char *path)
{
    char *d = read_text(path);
    cr_assert(d != NULL, "cannot read %s", path);
    char section[160] = "";
    f->n = 0;
    for (char *line = d; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, "## ", 3) == 0) {
            char *eol = strchr(line, '\n');
            normalise(line + 3, eol ? (size_t)(eol - line - 3) : strlen(line + 3), section,
                      sizeof section);
            continue;
        }
        if (strncmp(line, "- `", 3) != 0) continue;
        char *end = strchr(line + 3, '`');
        cr_assert(end != NULL, "%s: an entry without its closing backquote", path);
        char *stop = end;
        if (stop > line + 3 && stop[-1] == ';') stop--;
        char sig[512];
        normalise(line + 3, (size_t)(stop - line - 3), sig, sizeof sig);
        add(f, sig, section);
    }
    free(d);
}

static const func *find(const funcs *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0) return &f->v[i];
    return NULL;
}

/* What differs between the header's functions and the reference's. */
static void compare(const funcs *header, const funcs *doc, test_report *rep)
{
    for (size_t i = 0; i < header->n; i++) {
        const func *h = &header->v[i], *e = find(doc, h->name);
        cr_assert(h->section[0], "%s comes before the header's first section", h->name);
        if (!e) {
            problem(rep, "%s is public (SF_API) but missing from the reference\n", h->name);
            continue;
        }
        if (strcmp(e->sig, h->sig) != 0)
            problem(rep, "%s: the reference has `%s`, the header `%s`\n", h->name, e->sig, h->sig);
        if (strcmp(e->section, h->section) != 0)
            problem(rep, "%s: the reference lists it under '%s', the header under '%s'\n", h->name,
                    e->section, h->section);
    }
    for (size_t i = 0; i < doc->n; i++)
        if (!find(header, doc->v[i].name))
            problem(rep, "the reference lists %s, which the header no longer declares\n",
                    doc->v[i].name);
    for (size_t i = 0; i < doc->n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(doc->v[i].name, doc->v[j].name) == 0)
                problem(rep, "the reference lists %s twice\n", doc->v[i].name);
}

Test(api_doc, every_public_function_listed_as_declared)
{
    static funcs header, doc;
    static test_report rep;
    header_funcs(&header);
    doc_funcs(&doc, "docs/api.md");
    /* the header was read: the API has hundreds of functions in ten or
     * more layers */
    cr_assert_geq(header.n, 200, "only %zu SF_API declarations read from the header", header.n);
    size_t sections = 0;
    for (size_t i = 0; i < header.n; i++)
        if (i == 0 || strcmp(header.v[i].section, header.v[i - 1].section) != 0) sections++;
    cr_assert_geq(sections, 10, "only %zu sections read from the header", sections);
    compare(&header, &doc, &rep);
    cr_assert(rep.text[0] == '\0',
              "docs/api.md is out of step with include/scalefit.h (make it again with "
              "`sh scripts/api_doc.sh > docs/api.md`):\n%s",
              rep.text);
}

/* The check can fail: a reference missing a function, listing one that is
 * gone, with another signature or in another section is reported. */
Test(api_doc, a_stale_reference_is_refused)
{
    static funcs header, doc;
    static test_report rep;
    header_funcs(&header);
    const char *path = tmp_file("api.md");
    char *text = read_text("docs/api.md");
    cr_assert(text != NULL);
    char *at = strstr(text, "\n- `int sf_law_new(");
    cr_assert(at != NULL, "docs/api.md has no entry for sf_law_new");
    at[3] = 'x';   /* "- x..." is no entry */
    at = strstr(text, "\n- `void sf_law_free(sf_law *law);`");
    cr_assert(at != NULL, "docs/api.md has no entry for sf_law_free");
    at[strlen("\n- `void sf_law_free(sf_law *la")] = 'x';   /* another signature */
    at = strstr(text, "\n- `const char *sf_law_name_at(");
    cr_assert(at != NULL, "docs/api.md has no entry for sf_law_name_at");
    at[3] = 'x';   /* listed below under Errors instead */
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    fputs("\n## Errors\n\n- `int sf_gone(void);`\n- `size_t sf_law_count(void);`\n"
          "- `const char *sf_law_name_at(size_t i);`\n", f);
    fclose(f);
    free(text);
    doc_funcs(&doc, path);
    compare(&header, &doc, &rep);
    cr_assert(strstr(rep.text, "sf_law_new is public (SF_API) but missing"), "%s", rep.text);
    cr_assert(strstr(rep.text, "lists sf_gone, which the header no longer"), "%s", rep.text);
    cr_assert(strstr(rep.text, "sf_law_count twice"), "%s", rep.text);
    cr_assert(strstr(rep.text, "sf_law_free: the reference has"), "%s", rep.text);
    cr_assert(strstr(rep.text, "sf_law_name_at: the reference lists it under 'Errors', the header "
                               "under 'Laws'"), "%s", rep.text);
}
