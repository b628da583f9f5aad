#!/usr/bin/env bash
# The main job end to end on a fresh machine: installs what is missing, brings the Fabric
# network up (or reuses it), deploys the chaincode, then runs `npm run demo`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh
npm run --silent demo
