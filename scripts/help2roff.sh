#!/bin/sh
# help2roff.sh BIN CMD VERSION DATE: the man page scalefit-CMD(1) on stdout,
# made from `BIN CMD --help` (the one source of both) by help2roff.awk, with
# the NAME line from the command table of `BIN --help`.  The Makefile runs
# it for each subcommand into $(BUILD)/man/ (docs/install.md).
set -eu
bin=$1 cmd=$2 version=$3 date=$4
here=$(dirname "$0")
main=$("$bin" --help)
# The subcommands: the lines of the Commands: section, "  NAME  text".
cmds=$(printf '%s\n' "$main" | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
    on { print $1 }' | tr '\n' ' ')
desc=$(printf '%s\n' "$main" | awk -v c="$cmd" '/^Commands:/ { on = 1; next } on && /^$/ { exit }
    on && $1 == c { sub(/^ *[^ ]+ +/, ""); print; exit }')
if [ -z "$desc" ]; then
    echo "help2roff.sh: '$cmd' is not a command of '$bin --help'" >&2
    exit 1
fi
help=$("$bin" "$cmd" --help)
printf '%s\n' "$help" | awk -v cmd="$cmd" -v desc="$desc" -v version="$version" \
    -v date="$date" -v cmds="$cmds" -f "$here/help2roff.awk"
