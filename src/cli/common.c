/* Option parsing, messages and files shared by the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_init(cli_parser *p, const char *cmd, const char *usage, const cli_opt *opts, int argc,
              char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->usage = usage;
    p->opts = opts;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
}

void cli_add_options(cli_parser *p, const cli_opt *more) { p->more = more; }

int cli_usage_error(const cli_parser *p, const char *fmt, ...)
{
    fprintf(stderr, "scalefit %s: ", p->cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nUsage: %s\nTry 'scalefit %s --help' for more information.\n", p->usage,
            p->cmd);
    return CLI_USAGE;
}

int cli_error(const char *fmt, ...)
{
    fputs("scalefit: error: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_ERROR;
}

int cli_lib_error(const sf_error *err)
{
    /* Interrupted: cli_finish says so, in one line. */
    if (err->status == SF_ECANCELED || cli_interrupted) return CLI_INTERRUPTED;
    char buf[2048];
    sf_error_format(err, buf, sizeof buf);
    return cli_error("%s", buf[0] ? buf : sf_strerror(err->status));
}

void cli_warning(const char *fmt, ...)
{
    fputs("scalefit: warning: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Options that may be given more than once (each adds a value); any
 * other option with a value given twice would silently keep the last. */
static const char *const repeatable[] = {"col", "filter", "fix", "tie", "set", "at", "prior",
                                         "borrow", "bound", "var", "chance", NULL};

/* 0 after a usage message when option o takes one value and was given
 * before. */
static int cli_once(cli_parser *p, const cli_opt *o)
{
    for (size_t k = 0; repeatable[k]; k++)
        if (strcmp(o->name, repeatable[k]) == 0) return 1;
    for (int k = 0; k < p->n_seen; k++)
        if (p->seen[k] == o) {
            cli_usage_error(p, "option '--%s' given twice: it takes one value", o->name);
            return 0;
        }
    if (p->n_seen < (int)(sizeof p->seen / sizeof p->seen[0])) p->seen[p->n_seen++] = o;
    return 1;
}

int cli_next(cli_parser *p, const char **value)
{
    *value = NULL;
    if (p->i >= p->argc) return CLI_ARG_END;
    char *a = p->argv[p->i++];
    if (p->only_positional || a[0] != '-' || a[1] == '\0') {
        *value = a;
        return CLI_ARG_POSITIONAL;
    }
    if (strcmp(a, "--") == 0) {
        p->only_positional = 1;
        return cli_next(p, value);
    }
    const cli_opt *o = NULL;
    const char *inline_val = NULL;
    if (a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (int t = 0; t < 2; t++)
            for (const cli_opt *q = t ? p->more : p->opts; q && q->name; q++)
                if (strlen(q->name) == len && strncmp(q->name, name, len) == 0) o = q;
        if (!o) {
            cli_usage_error(p, "unknown option '--%.*s'", (int)len, name);
            return CLI_ARG_BAD;
        }
        if (eq) inline_val = eq + 1;
    } else {
        for (int t = 0; t < 2; t++)
            for (const cli_opt *q = t ? p->more : p->opts; q && q->name; q++)
                if (q->short_name && q->short_name == a[1]) o = q;
        /* A negative number is a value, not an option: '-3' as positional. */
        if (!o && ((a[1] >= '0' && a[1] <= '9') || a[1] == '.')) {
            *value = a;
            return CLI_ARG_POSITIONAL;
        }
        if (!o) {
            cli_usage_error(p, "unknown option '%s'", a);
            return CLI_ARG_BAD;
        }
        if (a[2]) inline_val = a + 2;
    }
    p->name = o->name;
    if (o->has_arg && !cli_once(p, o)) return CLI_ARG_BAD;
    if (o->has_arg) {
        if (inline_val) *value = inline_val;
        else if (p->i < p->argc) *value = p->argv[p->i++];
        else {
            cli_usage_error(p, "option '--%s' needs a value", o->name);
            return CLI_ARG_BAD;
        }
    } else if (inline_val) {
        cli_usage_error(p, "option '--%s' takes no value", o->name);
        return CLI_ARG_BAD;
    }
    return o->id;
}

int cli_double(const cli_parser *p, const char *s, double *out)
{
    int rc = sf_parse_double(s, out);
    if (rc == SF_OK) return CLI_OK;
    return cli_usage_error(p, "--%s: '%s' is not a %snumber", p->name ? p->name : "?", s,
                           rc == SF_ENONFINITE ? "finite " : "");
}

int cli_positive(const cli_parser *p, const char *s, double *out)
{
    int rc = cli_double(p, s, out);
    if (rc != CLI_OK) return rc;
    if (!(*out > 0)) return cli_usage_error(p, "--%s: must be > 0, got %s", p->name, s);
    return CLI_OK;
}

int cli_int(const cli_parser *p, const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return cli_usage_error(p, "--%s: '%s' is not an integer", p->name, s);
    if (v < lo || v > hi)
        return cli_usage_error(p, "--%s: %ld is outside %ld..%ld", p->name, v, lo, hi);
    *out = v;
    return CLI_OK;
}

int cli_seed(const cli_parser *p, const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || errno == ERANGE)
        return cli_usage_error(p, "--%s: '%s' is not a non-negative integer", p->name, s);
    *out = (uint64_t)v;
    return CLI_OK;
}

int cli_list(const cli_parser *p, const char *s, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 1;
    for (const char *q = s; *q; q++) cap += *q == ',';
    double *v = malloc(cap * sizeof *v);
    if (!v) return cli_error("out of memory");
    for (const char *q = s;;) {
        const char *c = strchr(q, ',');
        size_t len = c ? (size_t)(c - q) : strlen(q);
        char item[128];
        if (len >= sizeof item) {
            free(v);
            return cli_usage_error(p, "--%s: list item too long", p->name);
        }
        memcpy(item, q, len);
        item[len] = '\0';
        int rc = cli_positive(p, item, &v[*n]);
        if (rc != CLI_OK) {
            free(v);
            return rc;
        }
        (*n)++;
        if (!c) break;
        q = c + 1;
    }
    *out = v;
    return CLI_OK;
}

int cli_name_value(const cli_parser *p, const char *s, char *buf, size_t size, double *value)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return cli_usage_error(p, "--%s: expected NAME=VALUE, got '%s'", p->name, s);
    size_t len = (size_t)(eq - s);
    if (len >= size) return cli_usage_error(p, "--%s: name too long in '%s'", p->name, s);
    memcpy(buf, s, len);
    buf[len] = '\0';
    return value ? cli_double(p, eq + 1, value) : CLI_OK;
}

int cli_finish(int status)
{
    /* Outputs are written only when the whole command succeeded and was
     * not interrupted (files.c). */
    if (cli_interrupted) {
        cli_drop_outputs();
        status = cli_canceled();
    } else if (status == CLI_OK) {
        status = cli_commit_outputs();
    } else {
        cli_drop_outputs();
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno;
        fclose(stdout);
        cli_error("write error on standard output: %s", strerror(e));
        return CLI_ERROR;
    }
    if (fclose(stdout) != 0) {
        cli_error("write error on standard output: %s", strerror(errno));
        return CLI_ERROR;
    }
    return status;
}

void cli_model_args_init(cli_model_args *m)
{
    memset(m, 0, sizeof *m);
    sf_law_options_init(&m->law_opt);
}

int cli_model_arg(const cli_parser *p, int id, const char *v, cli_model_args *m)
{
    switch (id) {
    case CLI_ARG_POSITIONAL:
        if (m->fit_path) return cli_usage_error(p, "more than one fit file");
        m->fit_path = v;
        return CLI_OK;
    case CLI_MODEL_LAW: m->law = v; return CLI_OK;
    case CLI_MODEL_X: return cli_x_arg(p, v, &m->law_opt, &m->law_opt_given);
    case CLI_MODEL_BREAKS: return cli_breaks_arg(p, v, &m->law_opt, &m->law_opt_given);
    case CLI_MODEL_SET:
        if (m->n_set == SF_MAX_PARAMS) return cli_usage_error(p, "--set: too many");
    {
        int rc = cli_name_value(p, v, m->set_name[m->n_set], SF_NAME_MAX, &m->set_value[m->n_set]);
        for (size_t k = 0; rc == CLI_OK && k < m->n_set; k++)
            if (strcmp(m->set_name[k], m->set_name[m->n_set]) == 0)
                return cli_usage_error(p, "--set %s given twice: give each parameter once",
                                       m->set_name[k]);
        if (rc == CLI_OK) m->n_set++;
        return rc;
    }
    default: return -1;
    }
}

int cli_load_model(const cli_parser *p, const cli_model_args *m, sf_fit **out, sf_draws **draws,
                   sf_law **owned)
{
    *out = NULL;
    if (draws) *draws = NULL;
    *owned = NULL;
    sf_error err;
    sf_error_clear(&err);
    if (m->fit_path && m->law)
        return cli_usage_error(p, "give either FIT.json or --law with --set, not both");
    if (m->fit_path) {
        if (m->n_set)
            return cli_usage_error(p, "--set goes with --law; a fit file has its parameters");
        if (m->law_opt_given)
            return cli_usage_error(p, "--x and --breaks go with --law; a fit file has its "
                                   "law options");
        /* The draws are read (and checked) even when not wanted. */
        sf_draws *dr = NULL;
        if (sf_fit_json_read(m->fit_path, out, &dr, &err) != SF_OK) return cli_lib_error(&err);
        if (draws) *draws = dr;
        else sf_draws_free(dr);
        return CLI_OK;
    }
    if (!m->law) return cli_usage_error(p, "missing FIT.json (or --law NAME --set NAME=VALUE...)");
    int rc = cli_law_options_check(p, m->law, m->law_opt_given);
    if (rc != CLI_OK) return rc;
    sf_law *law;
    if (sf_law_new(m->law, &m->law_opt, &law, &err) != SF_OK) return cli_lib_error(&err);
    size_t np = sf_law_n_params(law);
    double params[SF_MAX_PARAMS];
    int have[SF_MAX_PARAMS] = {0};
    for (size_t k = 0; k < m->n_set; k++) {
        int j = sf_law_param_index(law, m->set_name[k]);
        if (j < 0) {
            sf_law_free(law);
            return cli_usage_error(p, "--set: law '%s' has no parameter '%s'", m->law,
                                   m->set_name[k]);
        }
        params[j] = m->set_value[k];
        have[j] = 1;
    }
    for (size_t j = 0; j < np; j++) {
        if (have[j]) continue;
        rc = cli_usage_error(p, "--set: law '%s' needs a value for %s", m->law,
                             sf_law_param_name(law, j));
        sf_law_free(law);
        return rc;
    }
    if (sf_fit_from_params(law, params, out) != SF_OK) {
        sf_law_free(law);
        return cli_error("out of memory");
    }
    *owned = law;
    return CLI_OK;
}

const char *cli_num(double x, char *buf, size_t size)
{
    snprintf(buf, size, "%.6g", x);
    return buf;
}
