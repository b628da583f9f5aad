#!/usr/bin/env bash
# CityLedger's Hyperledger Fabric network, run as native processes on 127.0.0.1.
# Usage: network/cityledger-network.sh COMMAND
#   up                 start everything and deploy the chaincode (idempotent; resumes a
#                      stopped network; builds the Fabric binaries on first use)
#   down               stop every process `up` started and remove the data directory
#   status [--check]   processes, ports, ledger heights, deployed chaincode (--check: exit 3
#                      when something is stopped or unhealthy)
#   deploy [--force]   rebuild chaincode/ and, if it changed, deploy it with the next sequence
#   stop-node NAME     stop one process (e.g. orderer2, peer0-energy, ca-health)
#   start-node NAME    start it again and wait until it is healthy
# Settings: network/network.config.json; data: ${CITYLEDGER_DATA_DIR:-<repo>/.cityledger}.
set -euo pipefail

NETWORK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=network/lib/common.sh
source "$NETWORK_DIR/lib/common.sh"
# shellcheck source=network/lib/config.sh
source "$NETWORK_DIR/lib/config.sh"
# shellcheck source=network/lib/processes.sh
source "$NETWORK_DIR/lib/processes.sh"
# shellcheck source=network/lib/ca.sh
source "$NETWORK_DIR/lib/ca.sh"
# shellcheck source=network/lib/identities.sh
source "$NETWORK_DIR/lib/identities.sh"
# shellcheck source=network/lib/orderers.sh
source "$NETWORK_DIR/lib/orderers.sh"
# shellcheck source=network/lib/peers.sh
source "$NETWORK_DIR/lib/peers.sh"
# shellcheck source=network/lib/chaincode.sh
source "$NETWORK_DIR/lib/chaincode.sh"
# shellcheck source=network/lib/network.sh
source "$NETWORK_DIR/lib/network.sh"
# shellcheck source=network/lib/status.sh
source "$NETWORK_DIR/lib/status.sh"

usage() {
  sed -n '3,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

# Commands that change the network run one at a time (a second caller waits).
take_lock() {
  mkdir -p "$DATA_DIR"
  exec 9>"$DATA_DIR/.lock"
  if ! flock -n 9; then
    say "another cityledger-network.sh command is running on $DATA_DIR; waiting for it"
    flock -w 900 9 || die "timed out waiting for the lock on $DATA_DIR/.lock"
  fi
}

require_up() {
  [ -f "$(ready_file)" ] || die "the network is not set up: run 'network/cityledger-network.sh up' first"
}

main() {
  local command="${1:-}"
  [ -n "$command" ] || usage
  shift
  load_config
  case "$command" in
    up)
      take_lock
      cmd_up
      ;;
    down)
      take_lock
      cmd_down
      ;;
    status)
      cmd_status "${1:-}"
      ;;
    deploy)
      take_lock
      require_up
      deploy_chaincode "${1:-}"
      ;;
    stop-node)
      [ $# -eq 1 ] || usage
      take_lock
      require_up
      read_cc_state || true
      [ "$1" != chaincode ] || set -- "$(chaincode_process "${CC_STATE[SEQUENCE]:-0}")"
      process_alive "$1" || die "$1 is not running"
      stop_process "$1"
      say "stopped $1"
      ;;
    start-node)
      [ $# -eq 1 ] || usage
      take_lock
      require_up
      read_cc_state || true
      if process_alive "$1"; then
        say "$1 is already running"
      else
        start_node "$1"
        say "started $1"
      fi
      ;;
    -h | --help | help) usage 0 ;;
    *) usage ;;
  esac
}

main "$@"
