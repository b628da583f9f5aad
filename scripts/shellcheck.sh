#!/usr/bin/env bash
# Runs shellcheck on every shell script the repository tracks or is about to track.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  echo "shellcheck is not installed: run 'bash scripts/setup.sh' first" >&2
  exit 1
fi

mapfile -t scripts < <(git ls-files --cached --others --exclude-standard -- '*.sh' '.ci/run' 'network/builders/ccaas/bin/*')
if [ "${#scripts[@]}" -eq 0 ]; then
  echo "no shell scripts found"
  exit 0
fi
shellcheck --external-sources "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
