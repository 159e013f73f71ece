/* The command-line code shared by the two commands that estimate the
 * compute-optimal exponents from a sweep (scalefit isoflop, Chinchilla's
 * Approach 2; scalefit envelope, Approach 1): their common options,
 * reading the runs, the table of fitted power laws, writing the JSON. */
#ifndef SF_CLI_EXPONENTS_H
#define SF_CLI_EXPONENTS_H

#include <stdio.h>

#include "cli/cli.h"

/* Option ids shared by isoflop and envelope; commands number their own
 * from CLI_EXPONENT_OWN. */
enum {
    CLI_EXPONENT_HELP = 'h',
    CLI_EXPONENT_OUT = 'o',
    CLI_EXPONENT_BOOTSTRAP = 300,
    CLI_EXPONENT_LEVEL,
    CLI_EXPONENT_SEED,
    CLI_EXPONENT_THREADS,
    CLI_EXPONENT_KEEP_EDGE,
    CLI_EXPONENT_JSON,
    CLI_EXPONENT_PLOT,
    CLI_EXPONENT_OWN = 400
};

/* Entries for those options, to be copied into a command's table. */
#define CLI_EXPONENT_OPTS                                                                  \
    {"help", 'h', 0, CLI_EXPONENT_HELP}, {"output", 'o', 1, CLI_EXPONENT_OUT},              \
        {"bootstrap", 0, 1, CLI_EXPONENT_BOOTSTRAP}, {"level", 0, 1, CLI_EXPONENT_LEVEL},  \
        {"seed", 0, 1, CLI_EXPONENT_SEED}, {"threads", 0, 1, CLI_EXPONENT_THREADS},        \
        {"keep-edge", 0, 0, CLI_EXPONENT_KEEP_EDGE},                                      \
        {"json", 0, 0, CLI_EXPONENT_JSON}, {"plot", 0, 1, CLI_EXPONENT_PLOT}

/* Their help text. */
extern const char cli_exponent_help[];

typedef struct cli_exponent_args {
    cli_fit_args fa;        /* data options (--col, --filter, --drop-missing) */
    const char *path;       /* DATA.csv */
    const char *out_path;   /* -o */
    const char *plot_path;  /* --plot */
    int bootstrap, threads, keep_edge, json;
    double level;
    uint64_t seed;
} cli_exponent_args;

/* A command's own options: CLI_OK, CLI_USAGE after a message, or -1 for
 * an id that is not its own. */
typedef int (*cli_own_arg)(const cli_parser *p, int id, const char *v, void *ctx);

/* Parse the whole command line of `cmd` (options `opts` plus the data
 * options): shared options into *a, the command's own through own(ctx).
 * Returns CLI_OK to go on, CLI_ARG_END after --help (exit 0), or
 * CLI_USAGE after a message (also for a missing DATA.csv). */
int cli_exponent_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc,
                       char **argv, const char *help_head, const char *help_tail,
                       cli_exponent_args *a, cli_own_arg own, void *ctx);

/* Read DATA.csv with the roles `required` (plus loss).  A perplexity
 * column is read as a loss with --col 'loss=log(ppl)'.  Prints errors. */
int cli_exponent_read(const cli_exponent_args *a, unsigned required, sf_data **d);

/* The three power laws as a table, with intervals when computed. */
void cli_print_powerlaws(FILE *out, const sf_powerlaw *const pl[3], double level);

/* Write the JSON a writer made (status rc, text js, error err) to -o
 * and/or stdout (--json), and free it. */
int cli_exponent_emit(const cli_exponent_args *a, int rc, char *js, const sf_error *err);

#endif /* SF_CLI_EXPONENTS_H */
