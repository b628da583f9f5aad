# shellcheck shell=bash
# Chaincode as a service: build, snapshot, deterministic package, install on every peer,
# approve for every org, commit, and the chaincode server process (TLS, client auth).
#
# <data>/state/chaincode.env records the deployed definition (HASH, LABEL, PACKAGE_ID,
# SEQUENCE, PORT, SNAPSHOT). A redeploy starts the new server on the other of the two
# configured ports before committing the new definition, then stops the old one, so the
# chaincode stays reachable throughout.

CC_LOG_DIR_NAME=setup
cc_log() { printf '%s/%s/chaincode-deploy.log' "$LOG_DIR" "$CC_LOG_DIR_NAME"; }
cc_state_file() { printf '%s/chaincode.env' "$STATE_DIR"; }

declare -gA CC_STATE=()

# Reads the deployed definition into CC_STATE; fails when nothing is deployed.
read_cc_state() {
  local file key value
  CC_STATE=()
  file="$(cc_state_file)"
  [ -f "$file" ] || return 1
  while IFS='=' read -r key value; do
    [ -n "$key" ] && CC_STATE["$key"]="$value"
  done <"$file"
  [ -n "${CC_STATE[PACKAGE_ID]:-}" ]
}

write_cc_state() {
  local file
  file="$(cc_state_file)"
  mkdir -p "$STATE_DIR"
  printf 'HASH=%s\nLABEL=%s\nPACKAGE_ID=%s\nSEQUENCE=%s\nPORT=%s\nSNAPSHOT=%s\nDEPLOYED_AT=%s\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$(date -u +%FT%TZ)" >"$file.tmp"
  mv "$file.tmp" "$file"
}

# Compiles chaincode/ (and the workspace packages it references) with the repository's tsc.
build_chaincode() {
  step "Compiling the chaincode (tsc -b chaincode)" "$(cc_log)"
  run "$(cc_log)" node "$REPO_DIR/node_modules/typescript/bin/tsc" -b "$REPO_DIR/chaincode"
}

chaincode_hash() { node "$NETWORK_DIR/lib/chaincode.js" hash; }

# make_package DIR LABEL PORT: writes DIR/package.tar.gz and prints the package id.
# Every tar and gzip option that could vary (order, times, owners, gzip name/time) is fixed,
# so the same inputs always give the same bytes and the same package id.
make_package() {
  local dir="$1" label="$2" port="$3" sum
  local tar_opts=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu)
  rm -rf "$dir/files"
  mkdir -p "$dir/files"
  node "$NETWORK_DIR/lib/chaincode.js" package-files "$dir/files" "$label" "$port"
  tar -C "$dir/files" "${tar_opts[@]}" -cf - connection.json | gzip -n -9 >"$dir/files/code.tar.gz"
  tar -C "$dir/files" "${tar_opts[@]}" -cf - code.tar.gz metadata.json | gzip -n -9 >"$dir/package.tar.gz"
  sum="$(sha256sum "$dir/package.tar.gz" | cut -d' ' -f1)"
  printf '%s:%s' "$label" "$sum"
}

chaincode_process() { printf 'chaincode-%s' "$1"; }

# stop_stale_chaincode_servers KEEP: stops chaincode servers left by an interrupted deploy.
stop_stale_chaincode_servers() {
  local name
  for name in $(known_processes); do
    case "$name" in
      chaincode-*) [ "$name" = "$1" ] || stop_process "$name" ;;
    esac
  done
}

# start_chaincode_server SNAPSHOT PACKAGE_ID PORT SEQUENCE
start_chaincode_server() {
  local snap="$1" package_id="$2" port="$3" sequence="$4" node_path
  ! port_open "$port" || die "port $port of the chaincode server is already in use (see 'ss -ltnp')"
  node_path="$REPO_DIR/node_modules"
  [ ! -d "$REPO_DIR/chaincode/node_modules" ] || node_path="$REPO_DIR/chaincode/node_modules:$node_path"
  start_process "$(chaincode_process "$sequence")" "$LOG_DIR/chaincode-$sequence.log" env \
    -C "$snap/chaincode" \
    NODE_PATH="$node_path" \
    NODE_ENV=production \
    CORE_CHAINCODE_LOGGING_LEVEL="$(cfg fabric.chaincodeLogging)" \
    CORE_CHAINCODE_LOGGING_SHIM="$(cfg fabric.chaincodeLogging)" \
    node "$REPO_DIR/node_modules/fabric-shim/cli.js" server \
    --chaincode-address "$HOST:$port" \
    --chaincode-id "$package_id" \
    --module-path "$snap/chaincode" \
    --chaincode-tls-cert-file "$(cfg chaincode.tls.server.cert)" \
    --chaincode-tls-key-file "$(cfg chaincode.tls.server.key)" \
    --chaincode-tls-client-cacert-file "$(cfg chaincode.tls.rootCert)"
  wait_healthy "$(chaincode_process "$sequence")" "$LOG_DIR/chaincode-$sequence.log" 30 port_open "$port"
}

# The sequence of the committed definition, 0 when none is committed.
committed_sequence() {
  local out
  out="$(peer_cli "${PEER_ORGS[0]}" lifecycle chaincode querycommitted -C "$CHANNEL" \
    -n "$(cfg chaincode.name)" -O json 2>&1)" || {
    case "$out" in
      *"404"* | *"not defined"* | *"not found"*) printf '0' && return 0 ;;
      *) printf '%s\n' "$out" >>"$(cc_log)" && return 1 ;;
    esac
  }
  printf '%s' "$out" | sed -n 's/.*"sequence": *\([0-9]*\).*/\1/p' | head -n 1
}

install_on_peer() {
  local org="$1" pkg="$2" out
  if ! out="$(peer_cli "$org" lifecycle chaincode install "$pkg" 2>&1)"; then
    case "$out" in
      *"already successfully installed"*) ;;
      *)
        printf '%s\n' "$out" >>"$(cc_log)"
        die_log "$(cc_log)" "install on the $org peer failed"
        ;;
    esac
  fi
}

# Flags that define the chaincode (identical for approve and commit).
definition_flags() {
  local sequence="$1" version="$2"
  printf '%s\n' --channelID "$CHANNEL" --name "$(cfg chaincode.name)" --version "$version" \
    --sequence "$sequence" --signature-policy "$(cfg chaincode.endorsementPolicy)" \
    --collections-config "$(cfg chaincode.collectionsPath)"
}

approve_for_org() {
  local org="$1" package_id="$2" sequence="$3" version="$4" out
  local -a flags orderer
  mapfile -t flags < <(definition_flags "$sequence" "$version")
  mapfile -t orderer < <(orderer_flags "$org")
  if ! out="$(peer_cli "$org" lifecycle chaincode approveformyorg "${orderer[@]}" "${flags[@]}" \
    --package-id "$package_id" 2>&1)"; then
    case "$out" in
      *"unchanged content"*) ;;
      *)
        printf '%s\n' "$out" >>"$(cc_log)"
        die_log "$(cc_log)" "approveformyorg for $org failed"
        ;;
    esac
  fi
}

commit_definition() {
  local sequence="$1" version="$2" org
  local -a flags orderer peers=()
  mapfile -t flags < <(definition_flags "$sequence" "$version")
  mapfile -t orderer < <(orderer_flags "${PEER_ORGS[0]}")
  for org in "${PEER_ORGS[@]}"; do
    peers+=(--peerAddresses "$HOST:$(cfg "orgs.$org.peer.port")" --tlsRootCertFiles "$(cfg "orgs.$org.paths.caCert")")
  done
  run "$(cc_log)" peer_cli "${PEER_ORGS[0]}" lifecycle chaincode commit "${orderer[@]}" "${flags[@]}" "${peers[@]}"
}

# chaincode_answers ORG: the smoke query succeeds on ORG's peer.
chaincode_answers() {
  peer_cli "$1" chaincode query -C "$CHANNEL" -n "$(cfg chaincode.name)" -c "$(cfg chaincode.smokeQuery)" >/dev/null 2>&1
}

# deploy_chaincode [--force]: builds chaincode/, and unless the running definition already
# has the same code, packages, installs, approves and commits it with the next sequence.
deploy_chaincode() {
  local force="${1:-}" hash label sequence version port package_id dir pkg old_process=""
  local -a ports
  local start_ms
  start_ms="$(now_ms)"
  build_chaincode
  hash="$(chaincode_hash)" || die "cannot hash the compiled chaincode"
  if [ "$force" != --force ] && read_cc_state && [ "${CC_STATE[HASH]}" = "$hash" ] &&
    process_alive "$(chaincode_process "${CC_STATE[SEQUENCE]}")"; then
    say "    chaincode up to date (sequence ${CC_STATE[SEQUENCE]}, ${CC_STATE[PACKAGE_ID]})"
    return 0
  fi

  step "Reading the committed chaincode definition" "$(cc_log)"
  sequence="$(committed_sequence)" || die "cannot query the committed chaincode definition"
  sequence=$((sequence + 1))
  version="${hash:0:12}"
  label="$(cfg chaincode.name)_${version}"
  # The new server listens on the configured port the running one does not use.
  read -r -a ports <<<"$(cfg chaincode.ports)"
  port="${ports[0]}"
  if read_cc_state && [ "${CC_STATE[PORT]}" = "$port" ]; then port="${ports[1]}"; fi
  dir="$(cfg paths.chaincode)/seq-$sequence"
  rm -rf "$dir"
  mkdir -p "$dir"

  step "Packaging $label (sequence $sequence, port $port)" "$(cc_log)"
  node "$NETWORK_DIR/lib/chaincode.js" snapshot "$dir/code" || die "cannot snapshot the compiled chaincode"
  package_id="$(make_package "$dir" "$label" "$port")"
  pkg="$dir/package.tar.gz"
  say "    package id $package_id"

  step "Installing on ${PEER_ORGS[*]}" "$(cc_log)"
  in_parallel "${PEER_ORGS[*]}" install_on_peer "$pkg"

  step "Starting the chaincode server on $HOST:$port" "$LOG_DIR/chaincode-$sequence.log"
  if read_cc_state; then old_process="$(chaincode_process "${CC_STATE[SEQUENCE]}")"; fi
  stop_stale_chaincode_servers "$old_process"
  start_chaincode_server "$dir/code" "$package_id" "$port" "$sequence"

  step "Approving for ${PEER_ORGS[*]}" "$(cc_log)"
  in_parallel "${PEER_ORGS[*]}" approve_for_org "$package_id" "$sequence" "$version"

  step "Committing the definition (sequence $sequence)" "$(cc_log)"
  commit_definition "$sequence" "$version"

  step "Waiting for every peer to answer $(cfg chaincode.smokeQuery)" "$LOG_DIR/chaincode-$sequence.log"
  local org
  for org in "${PEER_ORGS[@]}"; do
    wait_until "the chaincode on the $org peer" 60 chaincode_answers "$org"
  done
  # Clients submit through a peer's gateway, which needs every org's peer in its gossip view
  # to satisfy the endorsement policy: wait until each gateway can endorse.
  step "Waiting for every peer's gateway to endorse under the endorsement policy" "$(cc_log)"
  node "$NETWORK_DIR/lib/ready.js" 60 2>>"$(cc_log)" || die "a peer's gateway cannot endorse the chaincode"
  write_cc_state "$hash" "$label" "$package_id" "$sequence" "$port" "$dir/code"
  if [ -n "$old_process" ] && [ "$old_process" != "$(chaincode_process "$sequence")" ]; then
    stop_process "$old_process"
  fi
  say "    chaincode $label deployed as sequence $sequence in $(elapsed_since "$start_ms")s"
}

# Restarts the chaincode server of the deployed definition (after a machine restart).
resume_chaincode_server() {
  read_cc_state || return 0
  process_alive "$(chaincode_process "${CC_STATE[SEQUENCE]}")" && return 0
  step "Restarting the chaincode server (sequence ${CC_STATE[SEQUENCE]})" "$LOG_DIR/chaincode-${CC_STATE[SEQUENCE]}.log"
  start_chaincode_server "${CC_STATE[SNAPSHOT]}" "${CC_STATE[PACKAGE_ID]}" "${CC_STATE[PORT]}" "${CC_STATE[SEQUENCE]}"
}
