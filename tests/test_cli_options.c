/*
 * Every long option a subcommand accepts is named in its --help and in the
 * man page (issue 21).  The accepted options are read from the sources, so
 * a new option is checked as soon as it is in a table:
 *
 *   - the cli_opt tables of each src/cli/cmd_*.c ({"name", ...} entries),
 *   - the option macros they name (CLI_MODEL_OPTIONS, CLI_UNC_OPTIONS, ...:
 *     any #define in src/cli whose body holds {"name", ...} entries),
 *   - the shared tables (cli_fit_opts, cli_data_opts) a command adds with
 *     cli_add_options, directly or through a helper in src/cli that does
 *     (cli_exponent_parse adds cli_data_opts).
 *
 * The command of a file is the name its cli_init call gives (both names
 * when it serves two, as cmd_forecast.c serves forecast and watch), else
 * the file's name without cmd_.  The tests run from the repository root.
 */
#include "common.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 256
#define MAX_NAMES 128

typedef struct named_text {
    char name[64];
    char *text;   /* malloc'd */
} named_text;

typedef struct source {
    named_text files[64];      /* src/cli/ *.c and *.h, comments blanked */
    size_t n_files;
    named_text macros[MAX_ITEMS];   /* option macros: name, body */
    size_t n_macros;
    named_text tables[MAX_ITEMS];   /* global cli_opt tables: name, body */
    size_t n_tables;
    named_text helpers[MAX_ITEMS];  /* function that adds a table: name, table */
    size_t n_helpers;
} source;

typedef struct names {
    char v[MAX_NAMES][64];
    size_t n;
} names;

static void blank_comments(char *s)
{
    for (char *p = s; *p; p++) {
        if (p[0] == '"') {   /* skip string literals */
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (!*p) break;
        } else if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            char *end = e ? e + 2 : p + strlen(p);
            for (; p < end; p++)
                if (*p != '\n') *p = ' ';
            p--;
        } else if (p[0] == '/' && p[1] == '/') {
            for (; *p && *p != '\n'; p++) *p = ' ';
            if (!*p) break;
        }
    }
}

static int is_id(int c) { return isalnum(c) || c == '_'; }

/* Text from *s up to the brace that closes the one at *s, as a new string. */
static char *braced(const char *s)
{
    int depth = 0;
    const char *p = s;
    for (; *p; p++) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (!*p) break;
        } else if (*p == '{') {
            depth++;
        } else if (*p == '}' && --depth == 0) {
            break;
        }
    }
    return strndup(s, (size_t)(p - s + (*p ? 1 : 0)));
}

static void collect_macros(source *src, const char *text)
{
    for (const char *p = strstr(text, "#define "); p; p = strstr(p + 1, "#define ")) {
        const char *q = p + 8;
        size_t k = 0;
        char name[64];
        while (is_id(q[k]) && k < sizeof name - 1) name[k] = q[k], k++;
        name[k] = '\0';
        const char *e = q + k;
        while (*e && !(*e == '\n' && e[-1] != '\\')) e++;
        char *body = strndup(q + k, (size_t)(e - q) - k);
        if (strstr(body, "{\"") && src->n_macros < MAX_ITEMS) {
            snprintf(src->macros[src->n_macros].name, 64, "%s", name);
            src->macros[src->n_macros++].text = body;
        } else {
            free(body);
        }
    }
}

/* Global tables "const cli_opt NAME[] = {...}" of a helper file. */
static void collect_tables(source *src, const char *text)
{
    for (const char *p = strstr(text, "const cli_opt "); p; p = strstr(p + 1, "const cli_opt ")) {
        if (p > text && p[-1] != '\n') continue;   /* static or local tables */
        const char *q = p + 14;
        size_t k = 0;
        char name[64];
        while (is_id(q[k]) && k < sizeof name - 1) name[k] = q[k], k++;
        name[k] = '\0';
        const char *b = strchr(q, '{');
        if (!b || strncmp(q + k, "[] =", 4) != 0 || src->n_tables == MAX_ITEMS) continue;
        snprintf(src->tables[src->n_tables].name, 64, "%s", name);
        src->tables[src->n_tables++].text = braced(b);
    }
}

/* The table named by cli_add_options(PARSER, TABLE) at p. */
static void added_table(const char *p, char *out, size_t size)
{
    const char *c = strchr(p, ',');
    size_t k = 0;
    out[0] = '\0';
    if (!c) return;
    for (c++; *c == ' '; c++) {
    }
    while (is_id(c[k]) && k < size - 1) out[k] = c[k], k++;
    out[k] = '\0';
    if (strcmp(out, "const") == 0) out[0] = '\0';   /* the declaration, not a call */
}

/* Functions of helper files that call cli_add_options: their name and the
 * table they add.  A function starts at a line beginning with a type. */
static void collect_helpers(source *src, const char *text)
{
    for (const char *p = strstr(text, "cli_add_options("); p; p = strstr(p + 1, "cli_add_options(")) {
        const char *line = p;
        for (;;) {
            while (line > text && line[-1] != '\n') line--;
            if (line == text || (isalpha((unsigned char)line[0]) && strchr(line, '(') &&
                                 strchr(line, '(') < strchr(line, '\n')))
                break;
            line--;
        }
        const char *paren = strchr(line, '(');
        const char *s = paren;
        while (s > line && is_id(s[-1])) s--;
        if (src->n_helpers == MAX_ITEMS || paren - s >= 64 || paren == s) continue;
        named_text *h = &src->helpers[src->n_helpers++];
        snprintf(h->name, sizeof h->name, "%.*s", (int)(paren - s), s);
        char table[64];
        added_table(p, table, sizeof table);
        if (!table[0]) {
            src->n_helpers--;
            continue;
        }
        h->text = strdup(table);
    }
}

static void load(source *src)
{
    memset(src, 0, sizeof *src);
    DIR *d = opendir("src/cli");
    cr_assert(d != NULL, "cannot open src/cli (the tests run from the repository root)");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") != 0 && strcmp(e->d_name + n - 2, ".h") != 0))
            continue;
        cr_assert(src->n_files < sizeof src->files / sizeof src->files[0]);
        char path[512];
        snprintf(path, sizeof path, "src/cli/%s", e->d_name);
        named_text *f = &src->files[src->n_files++];
        snprintf(f->name, sizeof f->name, "%.63s", e->d_name);
        f->text = read_text(path);
        cr_assert(f->text != NULL, "cannot read %s", path);
        blank_comments(f->text);
    }
    closedir(d);
    for (size_t i = 0; i < src->n_files; i++) {
        const named_text *f = &src->files[i];
        collect_macros(src, f->text);
        if (strncmp(f->name, "cmd_", 4) != 0) {
            collect_tables(src, f->text);
            collect_helpers(src, f->text);
        }
    }
}

static void add_name(names *o, const char *s, size_t len)
{
    for (size_t i = 0; i < o->n; i++)
        if (strlen(o->v[i]) == len && strncmp(o->v[i], s, len) == 0) return;
    cr_assert(o->n < MAX_NAMES && len < 64);
    memcpy(o->v[o->n], s, len);
    o->v[o->n++][len] = '\0';
}

/* {"name", ...} entries of a table's text, and those of the option macros
 * it names. */
static void table_names(const source *src, const char *text, names *o, int depth)
{
    cr_assert(depth < 8, "option macros nest too deep");
    for (const char *p = strstr(text, "{\""); p; p = strstr(p + 1, "{\"")) {
        const char *e = strchr(p + 2, '"');
        if (e && e > p + 2) add_name(o, p + 2, (size_t)(e - p - 2));
    }
    for (size_t i = 0; i < src->n_macros; i++) {
        size_t n = strlen(src->macros[i].name);
        for (const char *p = strstr(text, src->macros[i].name); p; p = strstr(p + 1, src->macros[i].name))
            if ((p == text || !is_id(p[-1])) && !is_id(p[n])) {
                table_names(src, src->macros[i].text, o, depth + 1);
                break;
            }
    }
}

static void shared_table(const source *src, const char *name, names *o)
{
    for (size_t i = 0; i < src->n_tables; i++)
        if (strcmp(src->tables[i].name, name) == 0) {
            table_names(src, src->tables[i].text, o, 0);
            return;
        }
    cr_assert_fail("cli_add_options names %s, not a table found in src/cli", name);
}

/* The long options the command file accepts; 0 when it has no table. */
static int file_options(const source *src, const char *text, names *o)
{
    int any = 0;
    o->n = 0;
    for (const char *p = strstr(text, "cli_opt "); p; p = strstr(p + 1, "cli_opt ")) {
        const char *b = strchr(p, '{');
        const char *semi = strchr(p, ';');
        if (!b || (semi && semi < b)) continue;
        char *body = braced(b);
        table_names(src, body, o, 0);
        free(body);
        any = 1;
    }
    for (const char *p = strstr(text, "cli_add_options("); p; p = strstr(p + 1, "cli_add_options(")) {
        char table[64];
        added_table(p, table, sizeof table);
        if (table[0]) shared_table(src, table, o);
    }
    for (size_t i = 0; i < src->n_helpers; i++) {
        char call[80];
        snprintf(call, sizeof call, "%s(", src->helpers[i].name);
        if (strstr(text, call)) shared_table(src, src->helpers[i].text, o);
    }
    return any;
}

/* The names of the commands a file runs: the string literals of its
 * cli_init calls' command argument, else the file's name less cmd_ and .c. */
static void file_commands(const char *file, const char *text, names *o)
{
    o->n = 0;
    for (const char *p = strstr(text, "cli_init("); p; p = strstr(p + 1, "cli_init(")) {
        const char *a = strchr(p, ',');
        const char *z = a ? strchr(a + 1, ',') : NULL;
        for (const char *q = a; q && q < z; q++)
            if (*q == '"') {
                const char *e = strchr(q + 1, '"');
                add_name(o, q + 1, (size_t)(e - q - 1));
                q = e;
            }
    }
    if (o->n == 0) add_name(o, file + 4, strlen(file) - 6);
}

/* Whether `opt` (its dashes already written as the text uses them) occurs
 * in text not followed by more of a longer option name. */
static int names_option(const char *text, const char *opt, const char *dash)
{
    size_t n = strlen(opt), nd = strlen(dash);
    for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt)) {
        const char *e = p + n;
        if (is_id(*e)) continue;
        if (strncmp(e, dash, nd) == 0 && isalnum((unsigned char)e[nd])) continue;
        return 1;
    }
    return 0;
}

/* Options in a file's table that one of its commands refuses (exit 2, a
 * message naming the option): cmd_forecast.c's table serves watch too. The
 * test checks that each is refused, so the list cannot go stale silently. */
static const struct {
    const char *cmd, *opt;
} refused[] = {{"forecast", "interval"}, {"forecast", "once"}, {"watch", "plot"}};

static int is_refused(const char *cmd, const char *opt)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (strcmp(refused[i].cmd, cmd) == 0 && strcmp(refused[i].opt, opt) == 0) {
            char dashed[80];
            snprintf(dashed, sizeof dashed, "--%s", opt);
            const char *argv[] = {cmd, dashed, "1", NULL};
            cli_run r = run_cli(NULL, argv);
            cr_assert(r.status == 2 && strstr(r.err, dashed),
                      "scalefit %s %s 1: expected a usage error naming %s (the test lists it as "
                      "refused), got exit %d: %s", cmd, dashed, dashed, r.status, r.err);
            cli_run_free(&r);
            return 1;
        }
    return 0;
}

Test(cli_options, help_and_man_name_every_option)
{
    source src;
    load(&src);
    char *man = read_text("docs/scalefit.1");
    cr_assert(man != NULL, "cannot read docs/scalefit.1");
    size_t checked = 0, commands = 0;
    char problems[8192] = "";
    size_t used = 0;
    for (size_t i = 0; i < src.n_files; i++) {
        const named_text *f = &src.files[i];
        size_t len = strlen(f->name);
        if (strncmp(f->name, "cmd_", 4) != 0 || strcmp(f->name + len - 2, ".c") != 0) continue;
        names opts, cmds;
        if (!file_options(&src, f->text, &opts)) continue;
        file_commands(f->name, f->text, &cmds);
        for (size_t c = 0; c < cmds.n; c++) {
            const char *argv[] = {cmds.v[c], "--help", NULL};
            cli_run r = run_cli(NULL, argv);
            cr_assert_eq(r.status, 0, "scalefit %s --help: exit %d\n%s", cmds.v[c], r.status, r.err);
            commands++;
            for (size_t k = 0; k < opts.n; k++) {
                if (is_refused(cmds.v[c], opts.v[k])) continue;
                char dashed[80], roff[160];
                snprintf(dashed, sizeof dashed, "--%s", opts.v[k]);
                size_t m = (size_t)snprintf(roff, sizeof roff, "\\-\\-");
                for (const char *s = opts.v[k]; *s && m < sizeof roff - 3; s++) {
                    if (*s == '-') roff[m++] = '\\';
                    roff[m++] = *s;
                }
                roff[m] = '\0';
                checked++;
                if (!names_option(r.out, dashed, "-"))
                    used += (size_t)snprintf(problems + used, sizeof problems - used,
                                             "%s: --%s is accepted but not in `scalefit %s --help`\n",
                                             f->name, opts.v[k], cmds.v[c]);
                if (used < sizeof problems && !names_option(man, roff, "\\-"))
                    used += (size_t)snprintf(problems + used, sizeof problems - used,
                                             "%s: --%s is accepted by scalefit %s but not in "
                                             "docs/scalefit.1 (as %s)\n",
                                             f->name, opts.v[k], cmds.v[c], roff);
                if (used >= sizeof problems) used = sizeof problems - 1;
            }
            cli_run_free(&r);
        }
    }
    /* The sources were read: every command with options was found. */
    cr_assert_geq(commands, 12, "only %zu commands with option tables found in src/cli", commands);
    cr_assert_geq(checked, 150, "only %zu options checked", checked);
    cr_assert(problems[0] == '\0', "options missing from the help or the man page:\n%s", problems);
    free(man);
    for (size_t i = 0; i < src.n_files; i++) free(src.files[i].text);
    for (size_t i = 0; i < src.n_macros; i++) free(src.macros[i].text);
    for (size_t i = 0; i < src.n_tables; i++) free(src.tables[i].text);
    for (size_t i = 0; i < src.n_helpers; i++) free(src.helpers[i].text);
}
