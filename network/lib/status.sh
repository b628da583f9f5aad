# shellcheck shell=bash
# `status [--check]`: what runs, on which ports, the ledger height on every peer and orderer,
# and the deployed chaincode. Exit status: 1 when the network is not set up; otherwise 0,
# or with --check 3 when some process is stopped or unhealthy.

# ports_of NAME: the ports a process listens on, as configured.
ports_of() {
  local name="$1" org
  case "$name" in
    ca-*)
      org="${name#ca-}"
      printf '%s ops:%s' "$(cfg "orgs.$org.ca.port")" "$(cfg "orgs.$org.ca.operationsPort")"
      ;;
    peer0-*)
      org="${name#peer0-}"
      printf '%s cc:%s ops:%s' "$(cfg "orgs.$org.peer.port")" "$(cfg "orgs.$org.peer.chaincodePort")" \
        "$(cfg "orgs.$org.peer.operationsPort")"
      ;;
    chaincode-*) printf '%s' "${CC_STATE[PORT]:-?}" ;;
    *)
      printf '%s admin:%s ops:%s' "$(cfg "orderers.$name.port")" "$(cfg "orderers.$name.adminPort")" \
        "$(cfg "orderers.$name.operationsPort")"
      ;;
  esac
}

# height_of NAME: the channel height on a peer or orderer ("-" for other processes).
height_of() {
  local name="$1" height=""
  case "$name" in
    ca-* | chaincode-*) height="-" ;;
    peer0-*) height="$(peer_height "${name#peer0-}")" ;;
    *) height="$(orderer_height "$name")" ;;
  esac
  printf '%s' "${height:-?}"
}

cmd_status() {
  local check="${1:-}" name pid state rss
  local -a problems=()
  if [ ! -f "$(ready_file)" ]; then
    say "CityLedger network: not set up (no $(ready_file)). Run: network/cityledger-network.sh up"
    [ -z "$(known_processes)" ] || say "  but PID files exist in $PID_DIR: run 'down' to clean up"
    return 1
  fi
  read_cc_state || true
  say "CityLedger network in $DATA_DIR"
  say "  channel: $CHANNEL   ordering: $(cfg ordering.type) (${ORDERERS[*]})   host: $HOST   mutual TLS: $(cfg mutualTls)"
  printf '%-20s %-8s %-9s %-8s %-28s %s\n' PROCESS PID STATE RSS_MB PORTS HEIGHT
  local -a names=()
  mapfile -t names < <(node_processes)
  [ -z "${CC_STATE[SEQUENCE]:-}" ] || names+=("$(chaincode_process "${CC_STATE[SEQUENCE]}")")
  for name in "${names[@]}"; do
    rss="-"
    if pid="$(process_pid "$name")"; then
      rss="$(awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || printf '?')"
      if node_healthy "$name"; then state=healthy; else state=unhealthy; fi
    else
      pid="-"
      state=stopped
    fi
    [ "$state" = healthy ] || problems+=("$name $state")
    local height="-"
    [ "$state" != healthy ] || height="$(height_of "$name")"
    printf '%-20s %-8s %-9s %-8s %-28s %s\n' "$name" "$pid" "$state" "$rss" "$(ports_of "$name")" "$height"
  done
  if [ -n "${CC_STATE[PACKAGE_ID]:-}" ]; then
    say "chaincode '$(cfg chaincode.name)': sequence ${CC_STATE[SEQUENCE]}, package ${CC_STATE[PACKAGE_ID]}, deployed ${CC_STATE[DEPLOYED_AT]}"
  else
    say "chaincode '$(cfg chaincode.name)': not deployed"
    problems+=("chaincode not deployed")
  fi
  say "logs: $LOG_DIR   connection profiles: $(cfg paths.connections)"
  if [ "${#problems[@]}" -eq 0 ]; then
    say "overall: healthy"
    return 0
  fi
  local IFS=','
  say "overall: degraded (${problems[*]})"
  [ "$check" != --check ] || return 3
}
