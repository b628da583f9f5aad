# shellcheck shell=bash
# The peers (one per department/audit org): start, health, the admin CLI, channel join.

peer_log() { printf '%s/%s.log' "$LOG_DIR" "$(cfg "orgs.$1.peer.process")"; }

start_peer() {
  local org="$1" prefix="orgs.$1.peer" address data
  address="$HOST:$(cfg "$prefix.port")"
  data="$(cfg "$prefix.data")"
  mkdir -p "$data"
  start_process "$(cfg "$prefix.process")" "$(peer_log "$org")" env \
    FABRIC_CFG_PATH="$FABRIC_CONFIG" \
    FABRIC_LOGGING_SPEC="$(cfg fabric.logging)" \
    CORE_PEER_ID="$(cfg "$prefix.hostname")" \
    CORE_PEER_NETWORKID="$CHANNEL" \
    CORE_PEER_KEEPALIVE_MININTERVAL="$(cfg keepaliveMinInterval)" \
    CORE_PEER_LISTENADDRESS="$address" \
    CORE_PEER_ADDRESS="$address" \
    CORE_PEER_CHAINCODELISTENADDRESS="$HOST:$(cfg "$prefix.chaincodePort")" \
    CORE_PEER_CHAINCODEADDRESS="$HOST:$(cfg "$prefix.chaincodePort")" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$address" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="$address" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL="$(cfg gossipReconnectInterval)" \
    CORE_PEER_LOCALMSPID="$(cfg "orgs.$org.mspId")" \
    CORE_PEER_MSPCONFIGPATH="$(cfg "$prefix.msp")" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$(cfg "$prefix.tls.cert")" \
    CORE_PEER_TLS_KEY_FILE="$(cfg "$prefix.tls.key")" \
    CORE_PEER_TLS_ROOTCERT_FILE="$(cfg "orgs.$org.paths.caCert")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$(cfg mutualTls)" \
    CORE_PEER_TLS_CLIENTROOTCAS_FILES="$(all_ca_certs_list | tr -d '[]' | tr ',' ' ')" \
    CORE_PEER_FILESYSTEMPATH="$data" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$data/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="$HOST:$(cfg "$prefix.operationsPort")" \
    CORE_METRICS_PROVIDER=disabled \
    CORE_VM_ENDPOINT= \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas, path: $NETWORK_DIR/builders/ccaas}]" \
    CORE_CHAINCODE_LOGGING_LEVEL="$(cfg fabric.chaincodeLogging)" \
    "$FABRIC_BIN/peer" node start
}

peer_healthy() {
  http_ok "$(cfg "orgs.$1.peer.operationsPort")" /healthz
}

wait_peer() {
  wait_healthy "$(cfg "orgs.$1.peer.process")" "$(peer_log "$1")" 40 peer_healthy "$1"
}

# peer_cli ORG ARGS...: the peer CLI as ORG's admin against ORG's peer.
peer_cli() {
  local org="$1"
  shift
  env FABRIC_CFG_PATH="$FABRIC_CONFIG" \
    FABRIC_LOGGING_SPEC=error \
    CORE_PEER_LOCALMSPID="$(cfg "orgs.$org.mspId")" \
    CORE_PEER_MSPCONFIGPATH="$(cfg "orgs.$org.identities.admin.msp")" \
    CORE_PEER_ADDRESS="$HOST:$(cfg "orgs.$org.peer.port")" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$(cfg "orgs.$org.paths.caCert")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$(cfg mutualTls)" \
    CORE_PEER_TLS_CLIENTCERT_FILE="$(cfg "orgs.$org.identities.admin.tls.cert")" \
    CORE_PEER_TLS_CLIENTKEY_FILE="$(cfg "orgs.$org.identities.admin.tls.key")" \
    "$FABRIC_BIN/peer" "$@"
}

# Flags that let the peer CLI of ORG's admin reach the first orderer (mutual TLS).
orderer_flags() {
  local org="$1" admin="orgs.$1.identities.admin"
  printf '%s\n' -o "$HOST:$(cfg "orderers.${ORDERERS[0]}.port")" \
    --tls --cafile "$(cfg "orgs.$ORDERER_ORG.paths.caCert")" \
    --clientauth --certfile "$(cfg "$admin.tls.cert")" --keyfile "$(cfg "$admin.tls.key")"
}

join_peer() {
  local org="$1"
  run "$LOG_DIR/setup/join-$org.log" peer_cli "$org" channel join -b "$(cfg paths.genesisBlock)"
}

# peer_height ORG: the channel's block height on ORG's peer (empty when unknown).
peer_height() {
  peer_cli "$1" channel getinfo -c "$CHANNEL" 2>/dev/null |
    sed -n 's/.*"height":\([0-9]*\).*/\1/p'
}
