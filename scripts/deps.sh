#!/usr/bin/env bash
# Install the Debian packages scalefit needs, when they are missing.
#
#   scripts/deps.sh           build and run: compiler, liblbfgs, cJSON, libcsv
#   scripts/deps.sh --test    also what the tests, benchmarks and fuzzers use:
#                             Criterion, SciPy (the reference), valgrind,
#                             clang (libFuzzer: make fuzz),
#                             and for the browser test of the plots:
#                             Chromium (headless), xmllint, DejaVu fonts,
#                             and for the install test: pkg-config, man
#                             and for the Python package's tests: pandas,
#                             pip and setuptools (python/tests)
#
# Uses apt-get (through sudo when not root).  Installs nothing when every
# package is already there, so it is cheap to run before every build.
set -euo pipefail

build=(gcc make libc6-dev liblbfgs-dev libcjson-dev libcsv-dev)
test=(libcriterion-dev python3 python3-numpy python3-scipy valgrind clang
      chromium libxml2-utils fonts-dejavu-core pkg-config man-db
      python3-pandas python3-pip python3-setuptools)

want=("${build[@]}")
case "${1:-}" in
    --test) want+=("${test[@]}") ;;
    "") ;;
    *) echo "usage: scripts/deps.sh [--test]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "scripts/deps.sh: not a Debian system; install these packages (or their equivalents):" >&2
    echo "  ${want[*]}" >&2
    exit 1
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "scripts/deps.sh: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "scripts/deps.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
