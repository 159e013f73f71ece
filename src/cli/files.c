/*
 * Output files: nothing lost.
 *
 * A command's files (-o, --plot, --plot-draws, --samples, the report, the
 * plan CSV, ...) are kept in memory while it works and written only once
 * all its work has succeeded (cli_finish -> cli_commit_outputs).  Each goes
 * to a temporary file in the target's own folder, is flushed, fsync'd and
 * closed with every result checked, and only when every output of the
 * command is safely on disk are they renamed into place.  Any failure (a
 * full disk, a file-size limit, a missing folder, Ctrl-C) removes the
 * temporary files and leaves every old file byte-identical.
 *
 * A target that exists and is not a regular file (/dev/null, /dev/full, a
 * FIFO) cannot be replaced by a rename: it is written directly, as before.
 *
 * The paths are also checked before any work (cli_check_paths): a command
 * never writes over one of its own inputs, nor two outputs to one path.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct pending {
    char *path;   /* target */
    char *text;   /* owned */
    char *tmp;    /* temporary file while committing, else NULL */
} pending;

static pending *outs;
static size_t n_outs, cap_outs;

volatile sig_atomic_t cli_interrupted;

static void on_signal(int sig)
{
    /* A second signal while the first is being honoured: stop now.  No
     * output file exists yet except temporary ones, which the first
     * signal's path removes; _exit leaves at most a dot-file behind. */
    if (cli_interrupted) _exit(130);
    cli_interrupted = sig;
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_canceled(void)
{
    fputs("scalefit: interrupted; no file written\n", stderr);
    return CLI_INTERRUPTED;
}

static void discard_outputs(void)
{
    for (size_t k = 0; k < n_outs; k++) {
        if (outs[k].tmp) unlink(outs[k].tmp);
        free(outs[k].tmp);
        free(outs[k].path);
        free(outs[k].text);
    }
    free(outs);
    outs = NULL;
    n_outs = cap_outs = 0;
}

static int queue(const char *path, char *text)
{
    if (n_outs == cap_outs) {
        size_t cap = cap_outs ? 2 * cap_outs : 8;
        pending *p = realloc(outs, cap * sizeof *p);
        if (!p) {
            free(text);
            return cli_error("out of memory");
        }
        outs = p;
        cap_outs = cap;
    }
    char *pc = malloc(strlen(path) + 1);
    if (!pc) {
        free(text);
        return cli_error("out of memory");
    }
    strcpy(pc, path);
    outs[n_outs++] = (pending){.path = pc, .text = text, .tmp = NULL};
    return CLI_OK;
}

/* Takes ownership of text (malloc'd). */
static int write_owned(const char *path, char *text)
{
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        free(text);
        return CLI_OK;
    }
    return queue(path, text);
}

int cli_write_file(const char *path, const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (!copy) return cli_error("out of memory");
    memcpy(copy, text, n + 1);
    return write_owned(path, copy);
}

int cli_write_made(const char *path, int rc, char *text, const sf_error *err)
{
    if (rc != SF_OK) {
        free(text);
        return cli_lib_error(err);
    }
    return write_owned(path, text);
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, s, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A target that exists and is not a regular file: written in place. */
static int write_special(const pending *o)
{
    FILE *f = fopen(o->path, "w");
    if (!f) return cli_error("%s: cannot open for writing: %s", o->path, strerror(errno));
    size_t n = strlen(o->text);
    int bad = fwrite(o->text, 1, n, f) != n;
    bad |= fflush(f) != 0;
    int e = errno;
    bad |= fclose(f) != 0;
    if (bad) return cli_error("%s: write error: %s", o->path, strerror(e ? e : errno));
    return CLI_OK;
}

/* Write o's text to a new temporary file beside o->path (o->tmp). */
static int write_temp(pending *o)
{
    const char *slash = strrchr(o->path, '/');
    size_t dlen = slash ? (size_t)(slash - o->path) + 1 : 0;
    const char *base = slash ? slash + 1 : o->path;
    if (!(o->tmp = malloc(dlen + strlen(base) + 16))) return cli_error("out of memory");
    memcpy(o->tmp, o->path, dlen);
    sprintf(o->tmp + dlen, ".%s.XXXXXX", base);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return cli_error("%s: cannot open for writing: %s", o->path, strerror(e));
    }
    /* The file's mode: the old file's, or what open(2) would give a new one. */
    struct stat st;
    mode_t mode;
    if (stat(o->path, &st) == 0) mode = st.st_mode & 07777;
    else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    int bad = fchmod(fd, mode) != 0;
    bad |= write_all(fd, o->text, strlen(o->text)) != 0;
    int e = errno;
    if (!bad && fsync(fd) != 0 && errno != EINVAL && errno != EROFS) bad = 1, e = errno;
    if (close(fd) != 0 && !bad) bad = 1, e = errno;
    if (bad) return cli_error("%s: write error: %s", o->path, strerror(e));
    return CLI_OK;
}

int cli_commit_outputs(void)
{
    int status = CLI_OK;
    /* First every file to its temporary twin; the old files stay as they
     * are until all are written. */
    for (size_t k = 0; k < n_outs && status == CLI_OK; k++) {
        struct stat st;
        if (stat(outs[k].path, &st) == 0 && !S_ISREG(st.st_mode)) continue;
        status = write_temp(&outs[k]);
    }
    if (status == CLI_OK && cli_interrupted) status = cli_canceled();
    /* Then the renames, which do not fail on a full disk. */
    for (size_t k = 0; k < n_outs && status == CLI_OK; k++) {
        if (!outs[k].tmp) {
            status = write_special(&outs[k]);
            continue;
        }
        if (rename(outs[k].tmp, outs[k].path) != 0) {
            status = cli_error("%s: cannot replace: %s", outs[k].path, strerror(errno));
            break;
        }
        free(outs[k].tmp);
        outs[k].tmp = NULL;
    }
    discard_outputs();
    return status;
}

void cli_drop_outputs(void) { discard_outputs(); }

/* ---- one path, one role ------------------------------------------------- */

typedef struct path_id {
    int exists;
    dev_t dev;
    ino_t ino;
    char *resolved;   /* malloc'd canonical path (of the folder + name when absent) */
} path_id;

/* The canonical form of a path whose file may not exist: its folder
 * resolved, then its last component. */
static char *resolve(const char *path)
{
    char *r = realpath(path, NULL);
    if (r) return r;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    const char *base = path;
    if (slash) {
        size_t dl = (size_t)(slash - path);
        if (dl == 0) dl = 1;   /* "/name" */
        if (dl >= sizeof dir) return NULL;
        memcpy(dir, path, dl);
        dir[dl] = '\0';
        base = slash + 1;
    } else {
        strcpy(dir, ".");
    }
    char *rd = realpath(dir, NULL);
    if (!rd) return NULL;
    size_t n = strlen(rd) + strlen(base) + 2;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%s/%s", strcmp(rd, "/") == 0 ? "" : rd, base);
    free(rd);
    return out;
}

static void identify(const char *path, path_id *id)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    int found = stat(path, &st) == 0;
    /* /dev/null and friends can take any number of outputs. */
    if (found && !S_ISREG(st.st_mode)) {
        memset(id, 0, sizeof *id);
        return;
    }
    *id = (path_id){.exists = found, .dev = st.st_dev, .ino = st.st_ino, .resolved = NULL};
    id->resolved = resolve(path);
}

static int same_file(const path_id *a, const path_id *b)
{
    if (a->exists && b->exists) return a->dev == b->dev && a->ino == b->ino;
    return a->resolved && b->resolved && strcmp(a->resolved, b->resolved) == 0;
}

int cli_check_paths(const char *const *inputs, size_t n_in, const char *const *outputs,
                    const char *const *out_opts, size_t n_out)
{
    path_id in[8], out[8];
    int status = CLI_OK;
    size_t ni = 0, no = 0;
    for (size_t k = 0; k < n_in && ni < 8; k++)
        if (inputs[k] && strcmp(inputs[k], "-") != 0) identify(inputs[k], &in[ni++]);
    const char *names[8], *opts[8];
    for (size_t k = 0; k < n_out && no < 8; k++)
        if (outputs[k] && strcmp(outputs[k], "-") != 0) {
            names[no] = outputs[k];
            opts[no] = out_opts[k];
            identify(outputs[k], &out[no++]);
        }
    for (size_t k = 0; k < no && status == CLI_OK; k++) {
        if (!out[k].exists && !out[k].resolved) continue;
        for (size_t j = 0; j < ni && status == CLI_OK; j++)
            if (same_file(&out[k], &in[j]))
                status = cli_error("%s %s: that is an input of this command; it would be "
                                   "overwritten (choose another output file)", opts[k], names[k]);
        for (size_t j = 0; j < k && status == CLI_OK; j++)
            if (same_file(&out[k], &out[j]))
                status = cli_error("%s %s and %s %s: two outputs to one file", opts[j],
                                   names[j], opts[k], names[k]);
    }
    for (size_t k = 0; k < ni; k++) free(in[k].resolved);
    for (size_t k = 0; k < no; k++) free(out[k].resolved);
    return status;
}
