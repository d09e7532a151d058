#!/usr/bin/env bash
# One command on a fresh Debian machine: install what annlab needs, build the `annlab`
# command line and the Python package (into build/venv), and run the chapter's worked
# example. Extra arguments go to `annlab chapter` (e.g. --epoch 100).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target annlab
echo "annlab: installing the Python package into build/venv" >&2
/usr/bin/python3 -m venv --system-site-packages build/venv
build/venv/bin/pip install --quiet --no-index --no-build-isolation .
echo
if [ $# -eq 0 ]; then set -- --epoch 0; fi
exec build/release/annlab chapter "$@"
