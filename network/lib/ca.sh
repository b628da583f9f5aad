# shellcheck shell=bash
# The Fabric CA servers: one per org (TLS on, listening on loopback only). Each CA issues
# both the org's enrollment certificates and, with the "tls" profile, its TLS certificates.

ca_log() { printf '%s/ca-%s.log' "$LOG_DIR" "$1"; }

start_ca() {
  local org="$1" home secret
  home="$(cfg "orgs.$org.paths.caHome")"
  mkdir -p "$home"
  if [ ! -f "$home/bootstrap.secret" ]; then
    (umask 077 && random_secret >"$home/bootstrap.secret")
  fi
  secret="$(cat "$home/bootstrap.secret")"
  start_process "ca-$org" "$(ca_log "$org")" \
    env FABRIC_CA_SERVER_METRICS_PROVIDER=disabled \
    "$FABRIC_BIN/fabric-ca-server" start \
    --home "$home" \
    -b "registrar:$secret" \
    --address "$HOST" \
    --port "$(cfg "orgs.$org.ca.port")" \
    --operations.listenaddress "$HOST:$(cfg "orgs.$org.ca.operationsPort")" \
    --tls.enabled \
    --ca.name "$(cfg "orgs.$org.ca.name")" \
    --csr.cn "$(cfg "orgs.$org.ca.hostname")" \
    --csr.hosts "$(cfg "orgs.$org.ca.hostname"),$HOST,localhost"
}

ca_healthy() {
  http_ok "$(cfg "orgs.$1.ca.operationsPort")" /healthz && [ -s "$(cfg "orgs.$1.paths.caCert")" ]
}

wait_ca() {
  wait_healthy "ca-$1" "$(ca_log "$1")" 30 ca_healthy "$1"
}
