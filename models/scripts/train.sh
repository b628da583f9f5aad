#!/usr/bin/env bash
# Trains, exports, evaluates and documents every default model (seeded; ~1.5-3 min on 2 cores).
# Needs, besides Python: Node with the repository's packages installed (npm ci) and softflowd, because
# training also uses the IoT-23 pcaps as the gateway sees them (models/flowml/gateway_view.py), computed
# by the gateway's own code, which this builds first.
# Writes models/feature-spec.json, artifacts/*.onnx, cards/, metrics.json, manifest.json, fixtures/, samples/.
# Data: ../shared/data beside the repository, or CITYLEDGER_SHARED_DATA. Extra arguments go to flowml.train
# (e.g. --smoke --out /tmp/x for a quick run that leaves the committed files alone).
set -euo pipefail
models_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "${models_dir}/.." && pwd)"
data_dir="${CITYLEDGER_SHARED_DATA:-${repo_dir}/../shared/data}"

bash "${models_dir}/scripts/setup-venv.sh"
if [ ! -x "${repo_dir}/node_modules/.bin/tsc" ]; then
  echo "train.sh: run npm ci in ${repo_dir} first (training runs the gateway's feature code)" >&2
  exit 1
fi
(cd "${repo_dir}" && node_modules/.bin/tsc -b gateway)
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export PYTHONHASHSEED=0
cd "${models_dir}"
"${models_dir}/.venv/bin/python" -m flowml.train --data "${data_dir}" --out "${models_dir}" "$@"

# Format the human-readable JSON as the repository's Prettier expects (large fixtures are prettier-ignored).
if [ "$#" -eq 0 ] && [ -x "${repo_dir}/node_modules/.bin/prettier" ]; then
  (cd "${repo_dir}" && node_modules/.bin/prettier --log-level warn --write \
    models/feature-spec.json models/manifest.json models/metrics.json models/cards/*.card.json)
fi
