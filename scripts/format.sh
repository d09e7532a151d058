#!/usr/bin/env bash
# Formats every C++ file with .clang-format; with --check, changes nothing and fails if any
# file is not formatted (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp')
if [ "${1:-}" = --check ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "formatted: ${#files[@]} files"
else
  clang-format -i "${files[@]}"
fi
