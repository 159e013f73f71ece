#!/usr/bin/env bash
# The main job on data the project makes itself: install what is missing,
# build, then simulate a sweep from a published Chinchilla law, fit it, and
# print the compute-optimal allocation next to the truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
exec build/scalefit demo "$@"
