#!/usr/bin/env bash
# Installs the peers that bench/peers/run.py compares annlab with (Debian packages), when
# missing: PyTorch, scikit-learn (and threadpoolctl, to pin and report its BLAS threads),
# FANN 2.2 (C library), OpenBLAS (the sgemm "hardware limit" program, and the BLAS that
# NumPy, scikit-learn and Debian's PyTorch then load through libblas.so.3), linux-perf
# (optional, for `perf record` on bench_workloads). Skips apt when everything is there.
#
# Note: installing libopenblas-dev makes OpenBLAS the system's libblas.so.3 (Debian's
# alternatives, priority above the reference BLAS), which is what Debian's python3-torch and
# python3-numpy load. Without it PyTorch's Linear layers run on the reference BLAS.
set -euo pipefail
packages=(
  python3 python3-numpy python3-torch python3-sklearn python3-threadpoolctl
  libfann-dev libopenblas-dev pkg-config
)
optional=(linux-perf)
missing=() missing_optional=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${optional[@]}"; do installed "$p" || missing_optional+=("$p"); done
if ((${#missing[@]} + ${#missing_optional[@]} == 0)); then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if ((${#missing[@]})); then
  echo "annlab bench: installing ${missing[*]}" >&2
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Optional packages on their own, so one this kernel lacks does not stop the rest.
if ((${#missing_optional[@]})); then
  echo "annlab bench: installing (optional) ${missing_optional[*]}" >&2
  $SUDO apt-get install -y -q --no-install-recommends "${missing_optional[@]}" ||
    echo "annlab bench: ${missing_optional[*]} not installed (optional: perf record only)" >&2
fi
