#!/usr/bin/env bash
# Creates models/.venv with Python 3.11 and the pinned models/requirements.txt.
# Idempotent: skips the install when the venv's stamp matches the requirements' sha256.
set -euo pipefail
models_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${models_dir}/.venv"
req="${models_dir}/requirements.txt"
stamp="${venv}/.requirements.sha256"

python_bin="${PYTHON:-}"
if [ -z "${python_bin}" ]; then
  for candidate in python3.11 python3; do
    if command -v "${candidate}" >/dev/null 2>&1; then
      python_bin="${candidate}"
      break
    fi
  done
fi
if [ -z "${python_bin}" ]; then
  echo "setup-venv: no python3.11 found; install Python 3.11 or set PYTHON" >&2
  exit 1
fi
version="$("${python_bin}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "${version}" != "3.11" ]; then
  echo "setup-venv: ${python_bin} is Python ${version}; Python 3.11 is required (set PYTHON)" >&2
  exit 1
fi

want="$(sha256sum "${req}" | cut -d' ' -f1)"
if [ -x "${venv}/bin/python" ] && [ -f "${stamp}" ] && [ "$(cat "${stamp}")" = "${want}" ]; then
  exit 0
fi

echo "setup-venv: installing ${req} into ${venv}" >&2
"${python_bin}" -m venv "${venv}"
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${req}"
echo "${want}" >"${stamp}"
