# shellcheck shell=bash
# The ordering nodes (SmartBFT or Raft): start, health, channel join through the
# channel participation API (osnadmin, mutual TLS on the admin endpoint).

orderer_log() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# All org CA certificates: every TLS client in the network is issued by one of them.
all_ca_certs_list() {
  local org list=""
  for org in "${ALL_ORGS[@]}"; do
    [ "$(cfg "orgs.$org.kind")" = outsider ] && continue
    list+="${list:+,}$(cfg "orgs.$org.paths.caCert")"
  done
  printf '[%s]' "$list"
}

start_orderer() {
  local name="$1" prefix="orderers.$1" ca data
  ca="$(cfg "orgs.$ORDERER_ORG.paths.caCert")"
  data="$(cfg "$prefix.data")"
  mkdir -p "$data"
  start_process "$name" "$(orderer_log "$name")" env \
    FABRIC_CFG_PATH="$FABRIC_CONFIG" \
    FABRIC_LOGGING_SPEC="$(cfg fabric.ordererLogging)" \
    ORDERER_GENERAL_LISTENADDRESS="$HOST" \
    ORDERER_GENERAL_LISTENPORT="$(cfg "$prefix.port")" \
    ORDERER_GENERAL_LOCALMSPID="$(cfg "orgs.$ORDERER_ORG.mspId")" \
    ORDERER_GENERAL_LOCALMSPDIR="$(cfg "$prefix.msp")" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_GENERAL_KEEPALIVE_SERVERMININTERVAL="$(cfg keepaliveMinInterval)" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_CERTIFICATE="$(cfg "$prefix.tls.cert")" \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$(cfg "$prefix.tls.key")" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$ca]" \
    ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED="$(cfg mutualTls)" \
    ORDERER_GENERAL_TLS_CLIENTROOTCAS="$(all_ca_certs_list)" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$(cfg "$prefix.tls.cert")" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$(cfg "$prefix.tls.key")" \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_ADMIN_LISTENADDRESS="$HOST:$(cfg "$prefix.adminPort")" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_CERTIFICATE="$(cfg "$prefix.tls.cert")" \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$(cfg "$prefix.tls.key")" \
    ORDERER_ADMIN_TLS_ROOTCAS="[$ca]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$ca]" \
    ORDERER_OPERATIONS_LISTENADDRESS="$HOST:$(cfg "$prefix.operationsPort")" \
    ORDERER_METRICS_PROVIDER=disabled \
    ORDERER_FILELEDGER_LOCATION="$data/ledger" \
    ORDERER_CONSENSUS_WALDIR="$data/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$data/snapshot" \
    "$FABRIC_BIN/orderer"
}

orderer_healthy() {
  http_ok "$(cfg "orderers.$1.operationsPort")" /healthz
}

wait_orderer() {
  wait_healthy "$1" "$(orderer_log "$1")" 30 orderer_healthy "$1"
}

# osnadmin_cmd ORDERER ARGS...: osnadmin against ORDERER's admin endpoint as the orderer
# org admin (mutual TLS).
osnadmin_cmd() {
  local name="$1" admin="orgs.$ORDERER_ORG.identities.admin"
  shift
  "$FABRIC_BIN/osnadmin" "$@" \
    -o "$HOST:$(cfg "orderers.$name.adminPort")" \
    --ca-file "$(cfg "orgs.$ORDERER_ORG.paths.caCert")" \
    --client-cert "$(cfg "$admin.tls.cert")" \
    --client-key "$(cfg "$admin.tls.key")"
}

join_orderer() {
  local name="$1"
  run "$LOG_DIR/setup/channel.log" osnadmin_cmd "$name" channel join \
    --channelID "$CHANNEL" --config-block "$(cfg paths.genesisBlock)"
}

# The channel's status as seen by ORDERER ("active" once it takes part in consensus).
orderer_channel_status() {
  osnadmin_cmd "$1" channel list --channelID "$CHANNEL" 2>/dev/null |
    sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' | head -n 1
}

orderer_channel_active() {
  [ "$(orderer_channel_status "$1")" = active ]
}

# orderer_height ORDERER: the channel's block height on ORDERER (empty when unknown).
orderer_height() {
  osnadmin_cmd "$1" channel list --channelID "$CHANNEL" 2>/dev/null |
    sed -n 's/.*"height": *\([0-9]*\).*/\1/p' | head -n 1
}
