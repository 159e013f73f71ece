#!/bin/sh
# api_doc.sh [HEADER]: the C API reference, docs/api.md, on stdout, made from
# the public header (default include/scalefit.h) by api_doc.awk.
#   sh scripts/api_doc.sh > docs/api.md
# tests/test_api_doc.c checks docs/api.md against the header.
set -eu
awk -f "$(dirname "$0")/api_doc.awk" "${1:-include/scalefit.h}"
