#!/usr/bin/env bash
# The cityledger-gateway command: Node with the gateway's V8 flags (gateway/node-options), then
# dist/cli.js. The flags keep the heap small under a flow flood (RSS target 200 MB, see
# gateway/README.md "Memory"); `exec` leaves no wrapper process behind.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
read -r -a flags <"${here}/node-options"
exec node "${flags[@]}" "${here}/dist/cli.js" "$@"
