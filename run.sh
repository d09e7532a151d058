#!/usr/bin/env bash
# One command on a fresh Debian machine: install what annlab needs, build the `annlab`
# command line (with the dashboard) and the Python package (into build/venv), print the
# chapter's worked example, then start the dashboard with that example loaded
# (http://127.0.0.1:8050/, Ctrl-C stops it). Extra arguments go to `annlab chapter`
# (e.g. --epoch 100); ANNLAB_PORT picks another port.
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
build/release/annlab chapter "$@"
echo
open=()
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then open=(--open); fi
exec build/release/annlab serve --port "${ANNLAB_PORT:-8050}" "${open[@]}"
