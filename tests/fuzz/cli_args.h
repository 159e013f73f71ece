/*
 * The CLI's option parsing as the fuzzers drive it: each input line is the
 * value of one occurrence of OPTION, parsed by cli_next and the command's
 * own handler (they report misuse and return; nothing exits).
 */
#ifndef SF_FUZZ_CLI_ARGS_H
#define SF_FUZZ_CLI_ARGS_H

#include <fcntl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "fuzz.h"

/* The parsers report misuse on stderr, thousands of lines a second; the
 * fuzzer's own report goes there too, so stderr is muted only around a
 * parse: fuzz_mute(1) before, fuzz_mute(0) after. */
static inline void fuzz_mute(int on)
{
    static int null_fd = -1, saved = -1;
    fflush(stderr);
    if (on) {
        if (null_fd < 0) null_fd = open("/dev/null", O_WRONLY);
        saved = dup(2);
        if (null_fd >= 0) dup2(null_fd, 2);
    } else if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
        saved = -1;
    }
}

#define FUZZ_MAX_ARGS 8

/* argv = {cmd, lead..., "--OPTION", line1, "--OPTION", line2, ...}. */
static inline int fuzz_argv(const char *cmd, const char *const *lead, size_t n_lead,
                            const char *option, char *s, char **argv)
{
    char *lines[FUZZ_MAX_ARGS];
    size_t n = fuzz_lines(s, lines, FUZZ_MAX_ARGS);
    int argc = 0;
    argv[argc++] = (char *)(uintptr_t)cmd;
    for (size_t k = 0; k < n_lead; k++) argv[argc++] = (char *)(uintptr_t)lead[k];
    for (size_t k = 0; k < n; k++) {
        argv[argc++] = (char *)(uintptr_t)option;
        argv[argc++] = lines[k];
    }
    argv[argc] = NULL;
    return argc;
}

/* The fit options (--col, --fix, ...) as cmd_fit parses them. */
static inline void fuzz_fit_options(const char *option, const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    if (!s) return;
    char *argv[2 * FUZZ_MAX_ARGS + 8];
    int argc = fuzz_argv("fit", NULL, 0, option, s, argv);
    cli_parser p;
    cli_init(&p, "fit", "fuzz", cli_fit_opts, argc, argv);
    cli_fit_args fa;
    cli_fit_args_init(&fa);
    fuzz_mute(1);
    const char *v;
    int id, status = CLI_OK;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        if (id == CLI_ARG_BAD || id == CLI_ARG_POSITIONAL) break;
        status = cli_fit_arg(&p, id, v, &fa);
    }
    fuzz_mute(0);
    free(s);
}

#endif /* SF_FUZZ_CLI_ARGS_H */
