#!/usr/bin/env bash
# One command on a fresh Debian machine: install what annlab needs, build it, and run the
# chapter's worked example. Extra arguments go to `annlab chapter` (e.g. --epoch 0).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target annlab
echo
if [ $# -eq 0 ]; then set -- --epoch 0; fi
exec build/release/annlab chapter "$@"
