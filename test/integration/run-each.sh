#!/usr/bin/env bash
# Runs every integration test file in its own jest process, one after another (they share one
# Fabric network, and some stop its nodes). A fresh process per file means native addons such as
# onnxruntime-node are loaded once per process, never reloaded into one that already had them.
# Extra arguments narrow the files (a path fragment), as with jest. Ends with one summary line.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

filter="${1:-}"
mapfile -t files < <(find test/integration -name '*.itest.ts' | sort | grep -F -- "$filter")
if [ "${#files[@]}" -eq 0 ]; then
  echo "no integration test file matches '${filter}'" >&2
  exit 2
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
failed_files=()
for file in "${files[@]}"; do
  echo "==> ${file}"
  out="${results}/$(basename "$file").json"
  if ! npx jest --selectProjects integration --runInBand --json --outputFile="$out" "$file"; then
    failed_files+=("$file")
  fi
done

node - "$results" "${#failed_files[@]}" <<'NODE'
const fs = require('node:fs');
const path = require('node:path');
const [dir, failedFiles] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of fs.readdirSync(dir)) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests;
}
if (Number(failedFiles) > 0 && failed === 0) {
  failed = Number(failedFiles);
}
console.log(`\nintegration: ${passed} passed, ${failed} failed, ${skipped} skipped`);
NODE
if [ "${#failed_files[@]}" -gt 0 ]; then
  printf 'failed: %s\n' "${failed_files[@]}" >&2
  exit 1
fi
