#!/usr/bin/env bash
# Installs the Debian packages annlab needs to build, test and benchmark. Skips apt when
# everything is already there, so it is quick (and works offline) on a prepared machine.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libeigen3-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-sklearn clang-format
  python3-dev python3-venv python3-pip python3-setuptools python3-wheel pybind11-dev
  python3-pandas python3-matplotlib python3-pytest
  libcpp-httplib-dev  # the dashboard's HTTP server
  chromium            # the dashboard's end-to-end tests (driven by playwright-core)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "annlab: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js and npm build the dashboard's page (web/); the machine's own Node.js is used when
# there is one, else Debian's.
if ! command -v npm >/dev/null 2>&1; then
  echo "annlab: installing nodejs npm" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
# The page's npm packages (d3, esbuild, playwright-core), exactly as package-lock.json pins
# them; skipped when web/node_modules already holds that lock file's packages.
web="$(dirname "$0")/../web"
stamp="$web/node_modules/.annlab-lock"
if ! [ -f "$stamp" ] || ! cmp -s "$web/package-lock.json" "$stamp"; then
  echo "annlab: npm ci (web/)" >&2
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$web/package-lock.json" "$stamp"
fi
