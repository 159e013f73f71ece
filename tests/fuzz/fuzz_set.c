/* --set NAME=VALUE with --law chinchilla, as predict and optimal read
 * them, then the model they make. */
#include "cli_args.h"

static const cli_opt opts[] = {CLI_MODEL_OPTIONS, {0, 0, 0, 0}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    if (!s) return 0;
    static const char *const lead[] = {"--law", "chinchilla"};
    char *argv[2 * FUZZ_MAX_ARGS + 8];
    int argc = fuzz_argv("predict", lead, 2, "--set", s, argv);
    cli_parser p;
    cli_init(&p, "predict", "fuzz", opts, argc, argv);
    cli_model_args m;
    cli_model_args_init(&m);
    fuzz_mute(1);
    const char *v;
    int id, status = CLI_OK;
    while (status == CLI_OK && (id = cli_next(&p, &v)) != CLI_ARG_END) {
        if (id == CLI_ARG_BAD) break;
        status = cli_model_arg(&p, id, v, &m);
    }
    if (status == CLI_OK) {
        sf_fit *fit = NULL;
        sf_law *owned = NULL;
        if (cli_load_model(&p, &m, &fit, &owned) == CLI_OK) {
            sf_fit_free(fit);
            sf_law_free(owned);
        }
    }
    fuzz_mute(0);
    free(s);
    return 0;
}
