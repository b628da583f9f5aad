# shellcheck shell=bash
# Registers and enrolls every identity through its org's CA and lays out the MSP folders:
#   crypto/<org>/msp                   the org's MSP as the channel sees it (cacerts,
#                                      tlscacerts, NodeOU config.yaml)
#   crypto/<org>/users/<name>/msp      signcerts/cert.pem, keystore/key.pem, cacerts/ca.pem
#   crypto/<org>/users/admin/tls       client.crt/.key: TLS client certificate of the admin
#   crypto/<org>/nodes/<node>/{msp,tls} peers, orderers, the chaincode server
# Enrollment secrets are random, used once and not stored.

crypto_log() { printf '%s/setup/crypto-%s.log' "$LOG_DIR" "$1"; }

# ca_client ORG ARGS...: fabric-ca-client against ORG's CA; secrets are masked in the log.
ca_client() {
  local org="$1"
  shift
  local log
  log="$(crypto_log "$org")"
  mkdir -p "$(dirname "$log")"
  printf '\n$ fabric-ca-client %s\n' "$*" | sed -E 's#//[^@/]+@#//***@#; s#(--id.secret )[^ ]+#\1***#' >>"$log"
  if ! "$FABRIC_BIN/fabric-ca-client" "$@" \
    --caname "$(cfg "orgs.$org.ca.name")" \
    --tls.certfiles "$(cfg "orgs.$org.paths.caCert")" >>"$log" 2>&1; then
    die_log "$log" "fabric-ca-client $1 failed for org $org"
  fi
}

ca_url() { printf 'https://%s%s:%s' "${2:+$2@}" "$HOST" "$(cfg "orgs.$1.ca.port")"; }

# Node OU classification: the OU the CA writes from the identity type says admin, peer,
# client or orderer.
write_nodeou_config() {
  local msp="$1" ou
  {
    printf 'NodeOUs:\n  Enable: true\n'
    for ou in Client Peer Admin Orderer; do
      printf '  %sOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: %s\n' \
        "$ou" "${ou,,}"
    done
  } >"$msp/config.yaml"
}

# Renames what fabric-ca-client wrote into stable names: cacerts/ca.pem, keystore/key.pem.
normalize_msp() {
  local msp="$1" file
  for file in "$msp"/cacerts/*.pem; do
    [ "$file" = "$msp/cacerts/ca.pem" ] || mv "$file" "$msp/cacerts/ca.pem"
  done
  for file in "$msp"/keystore/*_sk; do
    mv "$file" "$msp/keystore/key.pem"
  done
  rm -rf "$msp/user" "$msp/IssuerPublicKey" "$msp/IssuerRevocationPublicKey"
  write_nodeou_config "$msp"
}

enroll_registrar() {
  local org="$1" home
  home="$(cfg "orgs.$org.paths.registrar")"
  mkdir -p "$home"
  ca_client "$org" enroll --home "$home" --mspdir msp \
    -u "$(ca_url "$org" "registrar:$(cat "$(cfg "orgs.$org.paths.caHome")/bootstrap.secret")")"
}

# register ORG NAME SECRET TYPE [ATTRS]
register() {
  local org="$1" name="$2" secret="$3" type="$4" attrs="${5:-}"
  local args=(register --home "$(cfg "orgs.$org.paths.registrar")" --mspdir msp -u "$(ca_url "$org")"
    --id.name "$name" --id.secret "$secret" --id.type "$type")
  [ -z "$attrs" ] || args+=(--id.attrs "$attrs")
  ca_client "$org" "${args[@]}"
}

# enroll_msp ORG NAME SECRET MSP_DIR: an enrollment certificate into MSP_DIR.
enroll_msp() {
  local org="$1" name="$2" secret="$3" msp="$4"
  mkdir -p "$msp"
  ca_client "$org" enroll --home "$(dirname "$msp")" --mspdir "$(basename "$msp")" \
    -u "$(ca_url "$org" "$name:$secret")" --csr.names "O=CityLedger $(cfg "orgs.$org.mspId")"
  normalize_msp "$msp"
}

# enroll_tls ORG NAME SECRET CERT KEY HOSTS: a TLS certificate (profile "tls") for HOSTS.
enroll_tls() {
  local org="$1" name="$2" secret="$3" cert="$4" key="$5" hosts="$6"
  local dir tmp file
  dir="$(dirname "$cert")"
  tmp="$dir/enroll-$(basename "$cert")"
  mkdir -p "$dir"
  ca_client "$org" enroll --home "$dir" --mspdir "$(basename "$tmp")" \
    -u "$(ca_url "$org" "$name:$secret")" --enrollment.profile tls --csr.hosts "$hosts" \
    --csr.names "O=CityLedger $(cfg "orgs.$org.mspId")"
  cp "$tmp/signcerts/cert.pem" "$cert"
  for file in "$tmp"/keystore/*_sk; do
    (umask 077 && cp "$file" "$key")
  done
  cp "$(cfg "orgs.$org.paths.caCert")" "$dir/ca.crt"
  rm -rf "$tmp" "$dir/fabric-ca-client-config.yaml"
}

# The org MSP that goes into the channel configuration.
write_org_msp() {
  local org="$1" msp
  msp="$(cfg "orgs.$org.paths.msp")"
  mkdir -p "$msp/cacerts" "$msp/tlscacerts"
  cp "$(cfg "orgs.$org.paths.caCert")" "$msp/cacerts/ca.pem"
  cp "$(cfg "orgs.$org.paths.caCert")" "$msp/tlscacerts/ca.pem"
  write_nodeou_config "$msp"
}

# enroll_user ORG NAME: registers NAME with its role/department attributes and enrolls it.
enroll_user() {
  local org="$1" name="$2" secret attrs role department prefix="orgs.$1.identities.$2"
  secret="$(random_secret)"
  role="$(cfg "$prefix.role")"
  department="$(cfg "$prefix.department")"
  attrs="cityledger.role=$role:ecert"
  [ -z "$department" ] || attrs+=",cityledger.department=$department:ecert"
  register "$org" "$name" "$secret" "$(cfg "$prefix.type")" "$attrs"
  enroll_msp "$org" "$name" "$secret" "$(cfg "$prefix.msp")"
  if [ "$name" = admin ]; then
    enroll_tls "$org" "$name" "$secret" "$(cfg "$prefix.tls.cert")" "$(cfg "$prefix.tls.key")" "$name"
  fi
}

# enroll_node ORG NAME TYPE MSP_DIR TLS_PREFIX HOSTNAME: a peer or orderer node.
enroll_node() {
  local org="$1" name="$2" type="$3" msp="$4" tls_prefix="$5" hostname="$6" secret
  secret="$(random_secret)"
  register "$org" "$name" "$secret" "$type"
  enroll_msp "$org" "$name" "$secret" "$msp"
  enroll_tls "$org" "$name" "$secret" "$(cfg "$tls_prefix.cert")" "$(cfg "$tls_prefix.key")" \
    "$hostname,$HOST,localhost"
}

# The chaincode server's TLS server certificate and the client certificate the peers
# present to it (both from the org named by chaincode.runsIn).
enroll_chaincode_tls() {
  local org="$1" secret
  secret="$(random_secret)"
  register "$org" chaincode "$secret" client
  enroll_tls "$org" chaincode "$secret" "$(cfg chaincode.tls.server.cert)" "$(cfg chaincode.tls.server.key)" \
    "$(cfg chaincode.hostname),$HOST,localhost"
  enroll_tls "$org" chaincode "$secret" "$(cfg chaincode.tls.client.cert)" "$(cfg chaincode.tls.client.key)" \
    "$(cfg chaincode.hostname)"
}

# setup_org_crypto ORG: everything ORG needs, from its (running) CA.
setup_org_crypto() {
  local org="$1" name kind
  kind="$(cfg "orgs.$org.kind")"
  enroll_registrar "$org"
  write_org_msp "$org"
  for name in $(cfg "orgs.$org.identityNames"); do
    enroll_user "$org" "$name"
  done
  case "$kind" in
    peer)
      enroll_node "$org" peer0 peer "$(cfg "orgs.$org.peer.msp")" "orgs.$org.peer.tls" \
        "$(cfg "orgs.$org.peer.hostname")"
      ;;
    orderer)
      for name in "${ORDERERS[@]}"; do
        enroll_node "$org" "$name" orderer "$(cfg "orderers.$name.msp")" "orderers.$name.tls" \
          "$(cfg "orderers.$name.hostname")"
      done
      ;;
  esac
  if [ "$(cfg chaincode.runsIn)" = "$org" ]; then
    enroll_chaincode_tls "$org"
  fi
}
