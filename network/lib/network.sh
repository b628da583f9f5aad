# shellcheck shell=bash
# Whole-network operations: up (fresh or resumed), down, and single-node stop/start.

ready_file() { printf '%s/network.ready' "$STATE_DIR"; }
marker_file() { printf '%s/.cityledger-data' "$DATA_DIR"; }

# Every long-running process of the network, in start order (chaincode server excluded).
node_processes() {
  local org name
  for org in "${ALL_ORGS[@]}"; do printf 'ca-%s\n' "$org"; done
  for name in "${ORDERERS[@]}"; do printf '%s\n' "$name"; done
  for org in "${PEER_ORGS[@]}"; do cfg "orgs.$org.peer.process" && printf '\n'; done
}

# node_healthy NAME: the process runs and its health check passes.
node_healthy() {
  local name="$1"
  process_alive "$name" || return 1
  case "$name" in
    ca-*) ca_healthy "${name#ca-}" ;;
    peer0-*) peer_healthy "${name#peer0-}" ;;
    chaincode-*) port_open "${CC_STATE[PORT]}" ;;
    *) orderer_healthy "$name" ;;
  esac
}

# The network was fully set up once, and every process is running and healthy.
network_healthy() {
  local name
  [ -f "$(ready_file)" ] || return 1
  while read -r name; do
    node_healthy "$name" || return 1
  done < <(node_processes)
  read_cc_state || return 1
  node_healthy "$(chaincode_process "${CC_STATE[SEQUENCE]}")"
}

# start_node NAME: starts one process and waits until it is healthy.
start_node() {
  local name="$1"
  case "$name" in
    ca-*)
      start_ca "${name#ca-}"
      wait_ca "${name#ca-}"
      ;;
    peer0-*)
      start_peer "${name#peer0-}"
      wait_peer "${name#peer0-}"
      ;;
    chaincode | chaincode-*)
      resume_chaincode_server
      ;;
    *)
      [ -n "${CFG[orderers.$name.port]+set}" ] || die "unknown node '$name'"
      start_orderer "$name"
      wait_orderer "$name"
      ;;
  esac
}

# Every port of network.config.json as "PORT (setting)", one a line.
configured_ports() {
  local key port
  for key in "${!CFG[@]}"; do
    case "$key" in
      *.port | *.adminPort | *.operationsPort | *.chaincodePort) printf '%s (%s)\n' "${CFG[$key]}" "$key" ;;
    esac
  done
  for port in ${CFG[chaincode.ports]}; do printf '%s (chaincode.ports)\n' "$port"; done
}

# Prints the configured ports on which something listens.
busy_ports() {
  local line
  while read -r line; do
    port_open "${line%% *}" && printf '%s\n' "$line"
  done < <(configured_ports | sort -n)
  return 0
}

# Fails fast when a configured port is already taken by something else.
check_ports_free() {
  local -a busy=()
  mapfile -t busy < <(busy_ports)
  if [ "${#busy[@]}" -gt 0 ]; then
    printf '  in use: %s\n' "${busy[@]}" >&2
    die "ports of network.config.json are already in use (another network? see 'ss -ltnp')"
  fi
}

# Removes the data directory, refusing to touch a folder the scripts did not create.
wipe_data_dir() {
  [ -d "$DATA_DIR" ] || return 0
  if [ -f "$(marker_file)" ] || [ -z "$(find "$DATA_DIR" -mindepth 1 -maxdepth 1 ! -name .lock)" ]; then
    find "$DATA_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
  else
    die "$DATA_DIR exists but was not created by cityledger-network.sh; remove it yourself or set CITYLEDGER_DATA_DIR"
  fi
}

stop_all() {
  local -a names=()
  mapfile -t names < <(known_processes)
  [ "${#names[@]}" -eq 0 ] || in_parallel "${names[*]}" stop_process
}

fresh_up() {
  local org name
  step "Preparing $DATA_DIR"
  stop_all
  wipe_data_dir
  # Settings recorded by a previous network no longer apply: read the configuration afresh.
  load_config
  check_ports_free
  mkdir -p "$DATA_DIR" "$LOG_DIR/setup" "$STATE_DIR"
  date -u +%FT%TZ >"$(marker_file)"
  printf '{ "ordering": "%s", "mutualTls": %s, "portOffset": %s }\n' \
    "$(cfg ordering.type)" "$(cfg mutualTls)" "$(cfg portOffset)" >"$STATE_DIR/settings.json"

  step "Starting the CAs: ${ALL_ORGS[*]}" "$LOG_DIR/ca-<org>.log"
  for org in "${ALL_ORGS[@]}"; do start_ca "$org"; done
  for org in "${ALL_ORGS[@]}"; do wait_ca "$org"; done

  step "Enrolling identities (role and department attributes in the certificates)" "$LOG_DIR/setup/crypto-<org>.log"
  in_parallel "${ALL_ORGS[*]}" setup_org_crypto

  step "Creating the genesis block of channel '$CHANNEL' ($(cfg ordering.type), ${#ORDERERS[@]} orderers)" "$LOG_DIR/setup/channel.log"
  local profile
  profile="$(node "$NETWORK_DIR/lib/configtx.js")" || die "cannot write configtx.yaml"
  run "$LOG_DIR/setup/channel.log" env FABRIC_CFG_PATH="$(cfg paths.channel)" "$FABRIC_BIN/configtxgen" \
    -profile "$profile" -channelID "$CHANNEL" -outputBlock "$(cfg paths.genesisBlock)"

  step "Starting the orderers: ${ORDERERS[*]}" "$LOG_DIR/<orderer>.log"
  for name in "${ORDERERS[@]}"; do start_orderer "$name"; done
  for name in "${ORDERERS[@]}"; do wait_orderer "$name"; done

  step "Joining the orderers to '$CHANNEL' (osnadmin)" "$LOG_DIR/setup/channel.log"
  in_parallel "${ORDERERS[*]}" join_orderer

  step "Starting the peers: ${PEER_ORGS[*]}" "$LOG_DIR/peer0-<org>.log"
  for org in "${PEER_ORGS[@]}"; do start_peer "$org"; done
  for org in "${PEER_ORGS[@]}"; do wait_peer "$org"; done

  step "Waiting for the orderers to activate the channel" "$LOG_DIR/<orderer>.log"
  for name in "${ORDERERS[@]}"; do
    wait_until "channel '$CHANNEL' active on $name (log: $(orderer_log "$name"))" 30 orderer_channel_active "$name"
  done

  step "Joining the peers to '$CHANNEL'" "$LOG_DIR/setup/join-<org>.log"
  in_parallel "${PEER_ORGS[*]}" join_peer

  step "Writing connection profiles to $(cfg paths.connections)"
  node "$NETWORK_DIR/lib/profiles.js" || die "cannot write the connection profiles"
  date -u +%FT%TZ >"$(ready_file)"

  deploy_chaincode --force
}

# Starts whatever is not running of an already set-up network.
resume_up() {
  local name
  step "Restarting stopped processes of the existing network in $DATA_DIR"
  while read -r name; do
    if ! process_alive "$name"; then
      say "    starting $name"
      start_node "$name"
    elif ! node_healthy "$name"; then
      wait_until "$name to become healthy" 30 node_healthy "$name"
    fi
  done < <(node_processes)
  resume_chaincode_server
}

cmd_up() {
  local start_ms
  start_ms="$(now_ms)"
  bash "$NETWORK_DIR/install-fabric.sh" || die "installing the Fabric binaries failed"
  set_die_hint "(processes started so far keep running for inspection; 'down' stops them and removes $DATA_DIR)"
  if network_healthy; then
    say "CityLedger network already up and healthy ($DATA_DIR); nothing to do."
    return 0
  fi
  if [ -f "$(ready_file)" ] && read_cc_state; then
    resume_up
  else
    fresh_up
  fi
  network_healthy || die "the network is not healthy after start-up (see 'status')"
  say "==> CityLedger network up in $(elapsed_since "$start_ms")s. Connection profiles: $(cfg paths.connections)/<org>.json"
}

cmd_down() {
  local start_ms
  local -a leftovers=() started=()
  start_ms="$(now_ms)"
  mapfile -t started < <(known_processes)
  step "Stopping every process of the network (${#started[@]} recorded in $PID_DIR)"
  stop_all
  # Only meaningful when this data directory had processes: otherwise the ports may belong
  # to another network.
  [ "${#started[@]}" -eq 0 ] || mapfile -t leftovers < <(busy_ports)
  step "Removing $DATA_DIR"
  wipe_data_dir
  rm -f "$DATA_DIR/.lock"
  rmdir "$DATA_DIR" 2>/dev/null || true
  if [ "${#leftovers[@]}" -gt 0 ]; then
    printf '  still listening: %s\n' "${leftovers[@]}" >&2
    die "ports of the network are still in use after stopping every process it started"
  fi
  say "==> CityLedger network down in $(elapsed_since "$start_ms")s"
}
