#!/usr/bin/env bash
# Build and run every test (installs what is missing first).  Prints the
# runner's summary line "N passed, N failed, N skipped"; exits non-zero on
# any failure.  WERROR=1 turns compiler warnings into errors (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
make -j"$(nproc 2>/dev/null || echo 2)" WERROR="${WERROR:-0}" all
make -j"$(nproc 2>/dev/null || echo 2)" WERROR="${WERROR:-0}" test
