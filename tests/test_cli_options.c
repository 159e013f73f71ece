/*
 * Every long option a subcommand accepts is named in its --help, in the
 * man page scalefit(1) and in the subcommand's own page (issue 21).  The
 * accepted options are read from the sources, so a new option is checked
 * as soon as it is in a table:
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
 *
 * Each subcommand's own page, $(BUILD)/man/scalefit-CMD.1 (made from its
 * --help at build time by scripts/help2roff.sh), must document exactly the
 * accepted set: none missing, none extra.  Every command of `scalefit
 * --help` must have options read here and a page, and each subcommand of
 * `scalefit task` (the names cmd_task.c accepts) must take --help naming
 * every option and have its line in the page's synopsis.
 */
#include "common.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
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

/* The folder of the man pages the build made from each --help:
 * $(BUILD)/man beside $SCALEFIT_BIN. */
static void man_path(const char *cmd, char *out, size_t size)
{
    const char *bin = getenv("SCALEFIT_BIN");
    if (!bin || !*bin) bin = "build/scalefit";
    const char *slash = strrchr(bin, '/');
    int dir = slash ? (int)(slash - bin) : 1;
    snprintf(out, size, "%.*s/man/scalefit-%s.1", dir, slash ? bin : ".", cmd);
}

/* The long options a man page documents: those its OPTIONS section names
 * in the term lines of .TP entries (\-\-name, a '-' in a name as \-). */
static void man_options(const char *page, names *o)
{
    o->n = 0;
    const char *sec = strstr(page, "\n.SH OPTIONS\n");
    if (!sec) return;
    const char *end = strstr(sec + 1, "\n.SH ");
    if (!end) end = sec + strlen(sec);
    for (const char *p = strstr(sec, "\n.TP\n"); p && p < end; p = strstr(p + 1, "\n.TP\n")) {
        const char *term = p + 5, *eol = strchr(term, '\n');
        if (!eol) break;
        for (const char *q = strstr(term, "\\-\\-"); q && q < eol; q = strstr(q + 1, "\\-\\-")) {
            char name[64];
            size_t k = 0;
            for (q += 4; k < sizeof name - 1;) {
                if (is_id(*q)) name[k++] = *q++;
                else if (q[0] == '\\' && q[1] == '-' && is_id(q[2])) name[k++] = '-', q += 2;
                else break;
            }
            if (k) add_name(o, name, k);
        }
    }
}

static int has_name(const names *o, const char *s)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->v[i], s) == 0) return 1;
    return 0;
}

typedef struct command {
    char name[32];
    names opts;   /* accepted: every file's table, less the refused */
} command;


/* The commands of `scalefit --help`: the first word of each line of its
 * Commands: section. */
static void listed_commands(names *o)
{
    const char *argv[] = {"--help", NULL};
    cli_run r = run_cli(NULL, argv);
    cr_assert_eq(r.status, 0, "scalefit --help: exit %d", r.status);
    const char *p = strstr(r.out, "\nCommands:\n");
    cr_assert(p != NULL, "scalefit --help has no Commands: section");
    o->n = 0;
    for (p = strchr(p + 1, '\n') + 1; p[0] == ' ' && p[1] == ' '; p = strchr(p, '\n') + 1) {
        const char *w = p + 2, *e = w;
        while (is_id(*e)) e++;
        add_name(o, w, (size_t)(e - w));
        if (!strchr(p, '\n')) break;
    }
    cli_run_free(&r);
}

/* The accepted options of every command, from the sources. */
static size_t collect_commands(const source *src, command *cmds, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < src->n_files; i++) {
        const named_text *f = &src->files[i];
        size_t len = strlen(f->name);
        if ((strncmp(f->name, "cmd_", 4) != 0 || strcmp(f->name + len - 2, ".c") != 0) &&
            strcmp(f->name, "main.c") != 0)
            continue;
        names opts, names_of;
        if (!file_options(src, f->text, &opts)) continue;
        file_commands(f->name, f->text, &names_of);
        for (size_t c = 0; c < names_of.n; c++) {
            size_t k = 0;
            while (k < n && strcmp(cmds[k].name, names_of.v[c]) != 0) k++;
            if (k == n) {
                cr_assert(n < max);
                memset(&cmds[n], 0, sizeof cmds[n]);
                snprintf(cmds[n++].name, sizeof cmds[0].name, "%s", names_of.v[c]);
            }
            for (size_t o = 0; o < opts.n; o++)
                if (!is_refused(names_of.v[c], opts.v[o]))
                    add_name(&cmds[k].opts, opts.v[o], strlen(opts.v[o]));
        }
    }
    return n;
}

static void free_source(source *src)
{
    for (size_t i = 0; i < src->n_files; i++) free(src->files[i].text);
    for (size_t i = 0; i < src->n_macros; i++) free(src->macros[i].text);
    for (size_t i = 0; i < src->n_tables; i++) free(src->tables[i].text);
    for (size_t i = 0; i < src->n_helpers; i++) free(src->helpers[i].text);
}

/* Each option of `opts` is named in the help text `help` and, as roff, in
 * docs/scalefit.1 (`man`, when given). */
static void check_help(const char *what, const char *help, const char *man, const names *opts,
                       test_report *rep, size_t *checked)
{
    for (size_t k = 0; k < opts->n; k++) {
        char dashed[80], roff[160];
        snprintf(dashed, sizeof dashed, "--%s", opts->v[k]);
        size_t m = (size_t)snprintf(roff, sizeof roff, "\\-\\-");
        for (const char *s = opts->v[k]; *s && m < sizeof roff - 3; s++) {
            if (*s == '-') roff[m++] = '\\';
            roff[m++] = *s;
        }
        roff[m] = '\0';
        (*checked)++;
        if (!names_option(help, dashed, "-"))
            problem(rep, "--%s is accepted but not in `scalefit %s --help`\n", opts->v[k], what);
        if (man && !names_option(man, roff, "\\-"))
            problem(rep, "--%s is accepted by scalefit %s but not in docs/scalefit.1 (as %s)\n",
                    opts->v[k], what, roff);
    }
}

/* The subcommands of `scalefit task`: the names cmd_task.c compares its
 * first argument with (strcmp(a->sub, "NAME")). */
static void task_subcommands(const source *src, names *o)
{
    o->n = 0;
    for (size_t i = 0; i < src->n_files; i++) {
        if (strcmp(src->files[i].name, "cmd_task.c") != 0) continue;
        const char *key = "strcmp(a->sub, \"";
        for (const char *p = strstr(src->files[i].text, key); p; p = strstr(p + 1, key)) {
            const char *w = p + strlen(key), *e = strchr(w, '"');
            if (e) add_name(o, w, (size_t)(e - w));
        }
    }
}

Test(cli_options, help_and_man_name_every_option)
{
    static source src;
    static command cmds[32];
    load(&src);
    char *man = read_text("docs/scalefit.1");
    cr_assert(man != NULL, "cannot read docs/scalefit.1");
    size_t n = collect_commands(&src, cmds, sizeof cmds / sizeof cmds[0]);
    size_t checked = 0;
    static test_report rep;
    rep.used = 0;
    rep.text[0] = '\0';
    for (size_t c = 0; c < n; c++) {
        const char *argv[] = {cmds[c].name, "--help", NULL};
        cli_run r = run_cli(NULL, argv);
        cr_assert_eq(r.status, 0, "scalefit %s --help: exit %d\n%s", cmds[c].name, r.status, r.err);
        check_help(cmds[c].name, r.out, man, &cmds[c].opts, &rep, &checked);
        cli_run_free(&r);
    }
    /* The sources were read: every command with options was found. */
    cr_assert_geq(n, 14, "only %zu commands with option tables found in src/cli", n);
    cr_assert_geq(checked, 150, "only %zu options checked", checked);
    cr_assert(rep.text[0] == '\0', "options missing from the help or the man page:\n%s", rep.text);
    free(man);
    free_source(&src);
}

/* Each command's own page, made from its --help at build time, documents
 * exactly the options the command accepts: none missing, none extra; and
 * every command of `scalefit --help` has its page and its options read
 * from the sources. */
Test(cli_options, subcommand_pages_document_the_accepted_options)
{
    static source src;
    static command cmds[32];
    load(&src);
    size_t n = collect_commands(&src, cmds, sizeof cmds / sizeof cmds[0]);
    names listed;
    listed_commands(&listed);
    cr_assert_geq(listed.n, 14, "only %zu commands in scalefit --help", listed.n);
    size_t checked = 0;
    static test_report rep;
    rep.used = 0;
    rep.text[0] = '\0';
    char *main_page = read_text("docs/scalefit.1");
    cr_assert(main_page != NULL, "cannot read docs/scalefit.1");
    const char *see_also = strstr(main_page, "\n.SH SEE ALSO\n");
    cr_assert(see_also != NULL, "docs/scalefit.1 has no SEE ALSO");
    for (size_t l = 0; l < listed.n; l++) {
        size_t c = 0;
        while (c < n && strcmp(cmds[c].name, listed.v[l]) != 0) c++;
        if (c == n) {
            problem(&rep, "scalefit %s: no option table found in src/cli\n", listed.v[l]);
            continue;
        }
        char ref[64];
        snprintf(ref, sizeof ref, "scalefit-%s (1)", listed.v[l]);
        if (!strstr(see_also, ref)) problem(&rep, "docs/scalefit.1: SEE ALSO does not name %s\n", ref);
        char path[1024];
        man_path(listed.v[l], path, sizeof path);
        char *page = read_text(path);
        if (!page) {
            problem(&rep, "scalefit %s: no man page %s (make builds it from --help)\n", listed.v[l], path);
            continue;
        }
        names doc;
        man_options(page, &doc);
        for (size_t k = 0; k < cmds[c].opts.n; k++, checked++)
            if (!has_name(&doc, cmds[c].opts.v[k]))
                problem(&rep, "%s: --%s is accepted but not documented\n", path, cmds[c].opts.v[k]);
        for (size_t k = 0; k < doc.n; k++)
            if (!has_name(&cmds[c].opts, doc.v[k]))
                problem(&rep, "%s: documents --%s, which scalefit %s does not accept\n", path, doc.v[k],
                        listed.v[l]);
        free(page);
    }
    cr_assert_geq(checked, 150, "only %zu options checked", checked);
    cr_assert(rep.text[0] == '\0', "man pages and accepted options differ:\n%s", rep.text);
    free(main_page);
    free_source(&src);
}

/* scalefit task fit|predict|validate: each takes the command's --help,
 * which names every option, and the page's synopsis shows each. */
Test(cli_options, task_subcommands_covered)
{
    static source src;
    static command cmds[32];
    load(&src);
    size_t n = collect_commands(&src, cmds, sizeof cmds / sizeof cmds[0]);
    size_t c = 0;
    while (c < n && strcmp(cmds[c].name, "task") != 0) c++;
    cr_assert(c < n, "no option table of scalefit task found");
    names subs;
    task_subcommands(&src, &subs);
    cr_assert_geq(subs.n, 3, "only %zu task subcommands found in cmd_task.c", subs.n);
    char path[1024];
    man_path("task", path, sizeof path);
    char *page = read_text(path);
    cr_assert(page != NULL, "no man page %s (make builds it from --help)", path);
    const char *syn = strstr(page, "\n.SH SYNOPSIS\n"), *desc = syn ? strstr(syn, "\n.SH DESCRIPTION") : NULL;
    cr_assert(syn && desc, "%s: no SYNOPSIS and DESCRIPTION", path);
    size_t checked = 0;
    static test_report rep;
    rep.used = 0;
    rep.text[0] = '\0';
    for (size_t s = 0; s < subs.n; s++) {
        const char *argv[] = {"task", subs.v[s], "--help", NULL};
        cli_run r = run_cli(NULL, argv);
        cr_assert_eq(r.status, 0, "scalefit task %s --help: exit %d\n%s", subs.v[s], r.status, r.err);
        char what[64], usage[96], syn_line[96];
        snprintf(what, sizeof what, "task %s", subs.v[s]);
        check_help(what, r.out, NULL, &cmds[c].opts, &rep, &checked);
        snprintf(usage, sizeof usage, "scalefit task %s ", subs.v[s]);
        if (!strstr(r.out, usage)) problem(&rep, "`scalefit task %s --help` shows no usage of it\n", subs.v[s]);
        snprintf(syn_line, sizeof syn_line, "\\fBscalefit task %s\\fR", subs.v[s]);
        const char *at = strstr(syn, syn_line);
        if (!at || at > desc) problem(&rep, "%s: the synopsis has no line for scalefit task %s\n", path, subs.v[s]);
        cli_run_free(&r);
    }
    /* an unknown one is refused, so the list read above is the whole set */
    const char *argv[] = {"task", "fits", "x.csv", NULL};
    cli_run r = run_cli(NULL, argv);
    cr_assert(r.status == 2 && strstr(r.err, "unknown task command"),
              "scalefit task fits x.csv: expected a usage error, got exit %d: %s", r.status, r.err);
    cli_run_free(&r);
    cr_assert_geq(checked, 3 * 20, "only %zu options checked", checked);
    cr_assert(rep.text[0] == '\0', "task subcommands:\n%s", rep.text);
    free(page);
    free_source(&src);
}
