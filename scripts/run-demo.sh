#!/usr/bin/env bash
# `npm run demo`: network up (idempotent; redeploys the chaincode if it changed), then the
# demo program (demo/main.ts).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
npx tsc -b core client chaincode gateway auditor demo
bash network/cityledger-network.sh up
bash network/cityledger-network.sh deploy
node demo/dist/main.js
