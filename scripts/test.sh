#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, then runs `npm test`
# (lint, format, shellcheck, build, unit tests, model tests, integration tests against
# the real Fabric network). This is the command README.md gives and .ci/run calls.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh --models
npm test
