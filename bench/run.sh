#!/usr/bin/env bash
# Runs one benchmark: `npm run bench -- NAME` compiles bench/ and runs bench/NAME.ts, which
# writes bench/results/NAME.json (figures, units, machine, date) and prints a table.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

name="${1:-}"
if [ -z "$name" ] || [ ! -f "bench/${name}.ts" ]; then
  echo "usage: npm run bench -- NAME   (one of: $(find bench -maxdepth 1 -name '*.ts' ! -name '*.d.ts' -exec basename {} .ts \; | grep -v '^lib' | sort | tr '\n' ' '))" >&2
  exit 2
fi
shift
npx tsc -b core client chaincode gateway auditor bench
node "bench/dist/${name}.js" "$@"
