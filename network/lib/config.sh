# shellcheck shell=bash
# shellcheck disable=SC2034 # the globals set here are used by the files that source this one
# Loads network/network.config.json (through config.js) into the associative array CFG and
# defines the paths every other file uses. Requires NETWORK_DIR to be set.

declare -gA CFG=()

load_config() {
  local key value output
  output="$(node "$NETWORK_DIR/lib/config.js" "$NETWORK_DIR")" || die "cannot load network/network.config.json"
  while IFS=$'\t' read -r key value; do
    CFG["$key"]="$value"
  done <<<"$output"

  REPO_DIR="${CFG[repo]}"
  DATA_DIR="${CFG[dataDir]}"
  FABRIC_HOME="${CFG[fabricHome]}"
  FABRIC_BIN="$FABRIC_HOME/bin"
  FABRIC_CONFIG="$FABRIC_HOME/config"
  CHANNEL="${CFG[channel]}"
  HOST="${CFG[host]}"
  LOG_DIR="${CFG[paths.logs]}"
  PID_DIR="${CFG[paths.pids]}"
  STATE_DIR="${CFG[paths.state]}"
  read -r -a PEER_ORGS <<<"${CFG[orgList.peer]}"
  read -r -a ALL_ORGS <<<"${CFG[orgList.all]}"
  read -r -a ORDERERS <<<"${CFG[activeOrderers]}"
  ORDERER_ORG="${CFG[orgList.orderer]}"
}

# cfg KEY: the configuration value at KEY (dotted path); dies when it is missing.
cfg() {
  [ -n "${CFG[$1]+set}" ] || die "network.config.json has no setting '$1'"
  printf '%s' "${CFG[$1]}"
}
