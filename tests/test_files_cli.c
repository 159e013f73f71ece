/*
 * Nothing lost (issue 18): output files are written by temporary file +
 * rename only after the whole command succeeded; a command refuses to
 * write over its own input or two outputs to one file; Ctrl-C stops long
 * work with exit 130 and no file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

static const char *bin(void)
{
    const char *b = getenv("SCALEFIT_BIN");
    return b && *b ? b : "build/scalefit";
}

/* A fresh folder for one test (so that leftover temporary files show). */
static const char *fresh_dir(const char *name)
{
    const char *dir = tmp_file(name);
    mkdir(dir, 0700);
    return dir;
}

static const char *in_dir(const char *dir, const char *name)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return tmp_file(buf + strlen(tmp_file("")));
}

/* 81 runs simulated from Hoffmann et al.'s law (scalefit demo). */
static const char *make_runs(const char *dir)
{
    const char *runs = in_dir(dir, "runs.csv");
    cli_run r = RUN("demo", "--write-data", runs, "--threads", "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    return runs;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void assert_same(const char *path, const char *before)
{
    char *now = read_text(path);
    cr_assert(now != NULL, "%s disappeared", path);
    cr_assert_str_eq(now, before, "%s changed", path);
    free(now);
}

Test(files, refuses_to_write_over_its_input)
{
    const char *dir = fresh_dir("own-input");
    const char *runs = make_runs(dir);
    char *before = read_text(runs);
    cr_assert(before != NULL);

    cli_run r = RUN("fit", runs, "-o", runs);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "scalefit: error: -o ") && strstr(r.err, "input of this command"),
              "%s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert_str_eq(r.out, "", "refused before any work");
    cli_run_free(&r);
    assert_same(runs, before);

    r = RUN("fit", runs, "--plot", runs);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cli_run_free(&r);
    r = RUN("report", runs, "-o", runs);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cli_run_free(&r);
    assert_same(runs, before);

    /* The same file under another name: by device and inode. */
    const char *hard = in_dir(dir, "hard.csv"), *soft = in_dir(dir, "soft.csv");
    cr_assert_eq(link(runs, hard), 0);
    cr_assert_eq(symlink(runs, soft), 0);
    r = RUN("fit", hard, "-o", runs);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", runs, "--samples", soft, "--bootstrap", "3");
    cr_assert_eq(r.status, 1, "%s", r.err);
    cli_run_free(&r);
    assert_same(runs, before);
    free(before);
}

Test(files, refuses_two_outputs_to_one_file)
{
    const char *dir = fresh_dir("two-outputs");
    const char *runs = make_runs(dir);
    const char *x = in_dir(dir, "x.out");
    /* x does not exist: compared by resolved path ("dir/./x.out"). */
    char other[700];
    snprintf(other, sizeof other, "%s/./x.out", dir);
    cli_run r = RUN("fit", runs, "-o", x, "--plot", other);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "two outputs to one file"), "%s", r.err);
    cli_run_free(&r);
    cr_assert_neq(access(x, F_OK), 0, "nothing written");
    /* /dev/null takes any number of outputs. */
    r = RUN("fit", runs, "-o", "/dev/null", "--plot", "/dev/null");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
}

Test(files, a_failed_output_leaves_the_old_file_and_no_other)
{
    const char *dir = fresh_dir("failed-output");
    const char *runs = make_runs(dir);
    const char *out = in_dir(dir, "out.json"), *plot = in_dir(dir, "fit.svg");
    write_text(out, "{\"an\": \"old fit file\"}\n");
    /* -o succeeds but --plot cannot be written: neither is written. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/no-such-folder/fit.svg", dir);
    cli_run r = RUN("fit", runs, "-o", out, "--plot", bad);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "no-such-folder/fit.svg: cannot open for writing"), "%s", r.err);
    cli_run_free(&r);
    assert_same(out, "{\"an\": \"old fit file\"}\n");
    /* A failing output does not leave a fresh --plot behind either. */
    snprintf(bad, sizeof bad, "%s/no-such-folder/out.json", dir);
    r = RUN("fit", runs, "-o", bad, "--plot", plot);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cli_run_free(&r);
    cr_assert_neq(access(plot, F_OK), 0, "--plot written although -o failed");
    cr_assert_eq(count_entries(dir), 2, "runs.csv and out.json only: no temporary file left");
}

/* Run scalefit with a file-size limit of one 512-byte block (the fit file
 * is over 1 kB), SIGXFSZ ignored so that write(2) fails with EFBIG: what a
 * full disk does to a write. */
/* Start argv (NULL-terminated) with stdout to /dev/null and stderr to
 * tmp_file(err_name); its pid. */
static pid_t spawn_quiet(const char *const *argv, const char *err_name)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, tmp_file(err_name), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid;
    char *const *av;
    memcpy(&av, &argv, sizeof av);
    cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, av, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static int run_limited(const char *const *args)
{
    const char *argv[32] = {"/bin/sh", "-c",
                            "ulimit -f 1 && trap '' XFSZ && exec \"$0\" \"$@\"", bin()};
    size_t n = 4;
    for (size_t k = 0; args[k] && n < 31; k++) argv[n++] = args[k];
    argv[n] = NULL;
    pid_t pid = spawn_quiet(argv, "limited.err");
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(files, a_full_disk_leaves_the_old_fit_file_byte_identical)
{
    skip_under_valgrind("a file-size limit also limits valgrind's own files");
    const char *dir = fresh_dir("full-disk");
    const char *runs = make_runs(dir);
    const char *out = in_dir(dir, "out.json");
    /* A valid fit file from an earlier run, the one a researcher keeps. */
    cli_run r = RUN("fit", runs, "--loss", "ls", "-o", out);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *before = read_text(out);
    cr_assert(before && strlen(before) > 1024, "the fit file is larger than the limit");

    int status = run_limited((const char *const[]){"fit", runs, "-o", out, NULL});
    char *err = read_text(tmp_file("limited.err"));
    cr_assert_eq(status, 1, "exit %d: %s", status, err);
    cr_assert(strstr(err, "out.json: write error: File too large"), "%s", err);
    cr_assert_eq(count_lines(err), 1, "%s", err);
    free(err);
    assert_same(out, before);
    cr_assert_eq(count_entries(dir), 2, "no temporary file left");
    /* The same run without the limit replaces it. */
    r = RUN("fit", runs, "-o", out);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *after = read_text(out);
    cr_assert(after && strcmp(after, before) != 0);
    free(after);
    free(before);
}

Test(files, a_replaced_file_keeps_its_mode)
{
    const char *dir = fresh_dir("mode");
    const char *runs = make_runs(dir);
    const char *out = in_dir(dir, "out.json");
    write_text(out, "old\n");
    cr_assert_eq(chmod(out, 0640), 0);
    cli_run r = RUN("fit", runs, "-o", out);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    struct stat st;
    cr_assert_eq(stat(out, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0640);
}

/* ---- Ctrl-C ---------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start scalefit with args, let it work for `after` seconds, send SIGINT
 * (or sig), and return its exit status; *stop_s is how long it took to
 * stop after the signal. */
static int interrupt_run(const char *const *args, double after, int sig, double *stop_s)
{
    const char *argv[32] = {bin()};
    size_t n = 1;
    for (size_t k = 0; args[k] && n < 31; k++) argv[n++] = args[k];
    argv[n] = NULL;
    pid_t pid = spawn_quiet(argv, "interrupted.err");
    struct timespec ts = {(time_t)after, (long)((after - (double)(time_t)after) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "the run ended before the signal: make it longer");
    double t0 = now_s();
    kill(pid, sig);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    *stop_s = now_s() - t0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The bound on the time to stop is a sanity bound far above the ~0.1 s it
 * takes (one refit or sampler step), so that a loaded machine or a
 * sanitizer build cannot make it flake; the figure that matters is that it
 * stops at all instead of finishing minutes of work. */
#define STOP_BOUND_S 10.0

static void check_interrupted(const char *dir, const char *const *args, int sig)
{
    size_t before = count_entries(dir);
    double stop;
    int status = interrupt_run(args, 1.0, sig, &stop);
    char *err = read_text(tmp_file("interrupted.err"));
    cr_assert_eq(status, 130, "exit %d: %s", status, err);
    cr_assert_lt(stop, STOP_BOUND_S, "took %.1f s to stop", stop);
    cr_assert(strstr(err, "scalefit: interrupted"), "%s", err);
    cr_assert_eq(count_lines(err), 1, "one line: %s", err);
    free(err);
    cr_assert_eq(count_entries(dir), before, "no output and no temporary file");
}

Test(files, ctrl_c_stops_long_work_with_exit_130_and_no_file)
{
    skip_under_valgrind("timing of a signal against a traced child");
    const char *dir = fresh_dir("sigint");
    const char *runs = make_runs(dir);
    const char *out = in_dir(dir, "out.json"), *plot = in_dir(dir, "p.svg");
    check_interrupted(dir, (const char *const[]){"fit", runs, "--bootstrap", "1000000", "-o",
                                                 out, "--plot", plot, NULL}, SIGINT);
    check_interrupted(dir, (const char *const[]){"bayes", runs, "--burn", "100000000", "-o",
                                                 out, NULL}, SIGINT);
    check_interrupted(dir, (const char *const[]){"report", runs, "--bootstrap", "1000000",
                                                 "-o", out, NULL}, SIGTERM);
}

Test(files, ctrl_c_stops_a_validation_sweep)
{
    skip_under_valgrind("timing of a signal against a traced child");
    const char *dir = fresh_dir("sigint-sweep");
    const char *csv = shared_file("chinchilla_epoch/svg_extracted_data.csv");
    const char *cells = in_dir(dir, "cells.csv");
    check_interrupted(dir, (const char *const[]){"validate", csv, "--sweep", "--grid", "full",
                                                 "--threads", "1", "--csv", cells, NULL},
                      SIGINT);
}
