#!/usr/bin/env bash
# Installs everything CityLedger needs on a fresh Debian machine with Go, Node 20 and
# Python 3.11: Debian tools, npm packages (versions pinned by the lockfile), the compiled TypeScript,
# the Fabric binaries (built once into a cache outside the repo) and, with --models,
# the Python environment of the training pipeline. Safe to run again: each step is
# skipped when already done.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

with_models=0
for arg in "$@"; do
  case "$arg" in
    --models) with_models=1 ;;
    *)
      echo "usage: scripts/setup.sh [--models]" >&2
      exit 2
      ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

# Debian tools: a C toolchain (Fabric CA's SQLite driver needs cgo; better-sqlite3 compiles
# its addon), patch (network/fabric-build/patches), shellcheck (lint), softflowd (a real
# NetFlow/IPFIX exporter), nfdump and tshark (independent flow decoders used as test oracles),
# chromium (browser tests).
debian_packages=(gcc g++ make libc6-dev patch shellcheck softflowd nfdump tshark chromium)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "Installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  step "Debian packages present"
fi

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.cityledger-lock-hash"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  step "Installing npm packages (from package-lock.json)"
  # onnxruntime-node's install script only fetches optional CUDA files, which cannot be
  # reached offline; its CPU binaries ship inside the package.
  # `npm install`, not `npm ci`: npm 11 leaves the optional per-platform packages of
  # unrs-resolver (a jest dependency) out of the lockfile it writes, and `npm ci` then refuses
  # that same lockfile as out of sync. `npm install` installs the versions the lockfile pins.
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
  echo "$lock_hash" >"$stamp"
else
  step "npm packages up to date"
fi

step "Compiling TypeScript"
npm run --silent build

step "Fabric binaries"
bash network/install-fabric.sh

if [ "$with_models" -eq 1 ]; then
  step "Python environment for models/"
  bash models/scripts/setup-venv.sh
fi

step "Setup complete"
