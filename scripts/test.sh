#!/usr/bin/env bash
# One command: install what annlab needs, build, and run every test:
#   1. formatting (.clang-format) of every C++ file,
#   2. the release build's tests (GoogleTest executables + the fixture check) with ctest,
#      then the Python package installed into build/venv and its tests (pytest), then the
#      dashboard's end-to-end tests in headless Chromium (web/e2e, screenshots in
#      build/e2e-screenshots),
#   3. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
# Set ANNLAB_SKIP_ASAN=1 to skip step 3 on a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== clang-format check"
scripts/format.sh --check

jobs=$(nproc)
echo "== release build and tests"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== Python package: venv, pip install (offline), pytest"
/usr/bin/python3 -m venv --system-site-packages build/venv
ANNLAB_BUILD_JOBS="$jobs" build/venv/bin/pip install --quiet --no-index --no-build-isolation .
ANNLAB_CLI="$PWD/build/release/annlab" build/venv/bin/python -m pytest -q tests/python

echo "== dashboard end-to-end tests (headless Chromium)"
ANNLAB_BIN="$PWD/build/release/annlab" ANNLAB_E2E_OUT="$PWD/build/e2e-screenshots" \
  npm run --silent e2e --prefix web

if [ "${ANNLAB_SKIP_ASAN:-0}" != 1 ]; then
  echo "== ASan + UBSan build and tests"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --preset asan -j "$jobs"
fi
echo "== all tests passed"
