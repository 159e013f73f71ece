/* What scalefit isoflop and envelope share: options, reading, printing. */
#ifndef SF_CLI_APPROACH_H
#define SF_CLI_APPROACH_H

#include <stdio.h>

#include "cli/cli.h"

/* Option ids shared by isoflop and envelope; commands number their own
 * from CLI_APPROACH_OWN. */
enum {
    CLI_APPROACH_HELP = 'h',
    CLI_APPROACH_OUT = 'o',
    CLI_APPROACH_BOOTSTRAP = 300,
    CLI_APPROACH_LEVEL,
    CLI_APPROACH_SEED,
    CLI_APPROACH_THREADS,
    CLI_APPROACH_KEEP_EDGE,
    CLI_APPROACH_JSON,
    CLI_APPROACH_PLOT,
    CLI_APPROACH_OWN = 400
};

/* Entries for those options, to be copied into a command's table. */
#define CLI_APPROACH_OPTS                                                                  \
    {"help", 'h', 0, CLI_APPROACH_HELP}, {"output", 'o', 1, CLI_APPROACH_OUT},              \
        {"bootstrap", 0, 1, CLI_APPROACH_BOOTSTRAP}, {"level", 0, 1, CLI_APPROACH_LEVEL},  \
        {"seed", 0, 1, CLI_APPROACH_SEED}, {"threads", 0, 1, CLI_APPROACH_THREADS},        \
        {"keep-edge", 0, 0, CLI_APPROACH_KEEP_EDGE},                                      \
        {"json", 0, 0, CLI_APPROACH_JSON}, {"plot", 0, 1, CLI_APPROACH_PLOT}

/* Their help text. */
extern const char cli_approach_help[];

typedef struct cli_approach_args {
    cli_fit_args fa;        /* data options (--col, --filter, --drop-missing) */
    const char *path;       /* DATA.csv */
    const char *out_path;   /* -o */
    const char *plot_path;  /* --plot */
    int bootstrap, threads, keep_edge, json;
    double level;
    uint64_t seed;
} cli_approach_args;

/* A command's own options: CLI_OK, CLI_USAGE after a message, or -1 for
 * an id that is not its own. */
typedef int (*cli_own_arg)(const cli_parser *p, int id, const char *v, void *ctx);

/* Parse the whole command line of `cmd` (options `opts` plus the data
 * options): shared options into *a, the command's own through own(ctx).
 * Returns CLI_OK to go on, CLI_ARG_END after --help (exit 0), or
 * CLI_USAGE after a message (also for a missing DATA.csv). */
int cli_approach_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc,
                       char **argv, const char *help_head, const char *help_tail,
                       cli_approach_args *a, cli_own_arg own, void *ctx);

/* Read DATA.csv with the roles `required` (plus loss).  A perplexity
 * column is read as a loss with --col 'loss=log(ppl)'.  Prints errors. */
int cli_approach_read(const cli_approach_args *a, unsigned required, sf_data **d);

/* The three power laws as a table, with intervals when computed. */
void cli_print_powerlaws(FILE *out, const sf_powerlaw *const pl[3], double level);

/* Write the JSON to -o and/or stdout (--json), and free it (NULL: out of
 * memory). */
int cli_approach_emit(const cli_approach_args *a, char *js);

#endif /* SF_CLI_APPROACH_H */
