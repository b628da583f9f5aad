#!/usr/bin/env bash
# Python tests of models/ (feature extraction per input format, spec hash, training smoke test).
# Creates or refreshes models/.venv first. Used by `npm run test:models`.
set -euo pipefail
models_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "${models_dir}/scripts/setup-venv.sh"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
cd "${models_dir}"
exec "${models_dir}/.venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
