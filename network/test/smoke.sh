#!/usr/bin/env bash
# Smoke test of the network as a whole, through the Fabric CLI only:
#   1. `up` (reuses a healthy network);
#   2. every identity of every peer org queries system:whoAmI on its org's peer and sees its
#      own MSP id, role and department;
#   3. a transaction (system:whoAmI submitted through ordering, endorsed by two orgs) commits;
#   4. the outsider CA's steward is refused by a channel peer;
#   5. `down` leaves no process it started and no port of network.config.json listening.
# Usage: network/test/smoke.sh [--keep]   (--keep: skip step 5 and leave the network up)
set -euo pipefail

NETWORK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$NETWORK_DIR/cityledger-network.sh"
# shellcheck source=network/lib/common.sh
source "$NETWORK_DIR/lib/common.sh"
# shellcheck source=network/lib/config.sh
source "$NETWORK_DIR/lib/config.sh"
# shellcheck source=network/lib/processes.sh
source "$NETWORK_DIR/lib/processes.sh"
# shellcheck source=network/lib/orderers.sh
source "$NETWORK_DIR/lib/orderers.sh"
# shellcheck source=network/lib/peers.sh
source "$NETWORK_DIR/lib/peers.sh"
# shellcheck source=network/lib/network.sh
source "$NETWORK_DIR/lib/network.sh"

keep=0
[ "${1:-}" != --keep ] || keep=1
failures=0
pass() { printf '  ok    %s\n' "$*"; }
fail() {
  printf '  FAIL  %s\n' "$*"
  failures=$((failures + 1))
}

# as_identity ORG NAME PEER_ORG ARGS...: the peer CLI as identity NAME of ORG on PEER_ORG's
# peer (with ORG's TLS client certificate when the network uses mutual TLS).
as_identity() {
  local org="$1" name="$2" peer_org="$3"
  shift 3
  env FABRIC_CFG_PATH="$FABRIC_CONFIG" FABRIC_LOGGING_SPEC=error \
    CORE_PEER_LOCALMSPID="$(cfg "orgs.$org.mspId")" \
    CORE_PEER_MSPCONFIGPATH="$(cfg "orgs.$org.identities.$name.msp")" \
    CORE_PEER_ADDRESS="$HOST:$(cfg "orgs.$peer_org.peer.port")" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$(cfg "orgs.$peer_org.paths.caCert")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$(cfg mutualTls)" \
    CORE_PEER_TLS_CLIENTCERT_FILE="${CFG[orgs.$org.identities.admin.tls.cert]:-}" \
    CORE_PEER_TLS_CLIENTKEY_FILE="${CFG[orgs.$org.identities.admin.tls.key]:-}" \
    "$FABRIC_BIN/peer" "$@"
}

load_config
bash "$SCRIPT" up

say "==> whoAmI from every identity"
query='{"Args":["system:whoAmI"]}'
for org in "${PEER_ORGS[@]}"; do
  for name in $(cfg "orgs.$org.identityNames"); do
    expected="$(cfg "orgs.$org.mspId") $(cfg "orgs.$org.identities.$name.role") $(cfg "orgs.$org.identities.$name.department")"
    out="$(as_identity "$org" "$name" "$org" chaincode query -C "$CHANNEL" -n "$(cfg chaincode.name)" -c "$query" 2>&1)" || true
    got="$(node -e 'try { const r = JSON.parse(process.argv[1]); console.log([r.mspId, r.role, r.department].join(" ")); } catch { console.log("unparsable"); }' "$out")"
    if [ "$got" = "$expected" ]; then
      pass "$org/$name: $got"
    else
      fail "$org/$name: expected '$expected', got: $out"
    fi
  done
done

say "==> a transaction through ordering"
mapfile -t orderer < <(orderer_flags "${PEER_ORGS[0]}")
endorsers=()
for org in "${PEER_ORGS[@]:0:2}"; do
  endorsers+=(--peerAddresses "$HOST:$(cfg "orgs.$org.peer.port")" --tlsRootCertFiles "$(cfg "orgs.$org.paths.caCert")")
done
before="$(peer_height "${PEER_ORGS[0]}")"
if out="$(as_identity "${PEER_ORGS[0]}" steward "${PEER_ORGS[0]}" chaincode invoke "${orderer[@]}" \
  -C "$CHANNEL" -n "$(cfg chaincode.name)" -c "$query" "${endorsers[@]}" --waitForEvent 2>&1)"; then
  pass "invoke committed (height $before -> $(peer_height "${PEER_ORGS[0]}"))"
else
  fail "invoke: $out"
fi

say "==> the outsider is refused"
outsider="${CFG[orgList.outsider]}"
if out="$(as_identity "$outsider" steward "$(cfg "orgs.$outsider.profilePeerOrg")" chaincode query \
  -C "$CHANNEL" -n "$(cfg chaincode.name)" -c "$query" 2>&1)"; then
  fail "outsider query succeeded: $out"
else
  pass "outsider refused: $(printf '%s' "$out" | tail -n 1 | cut -c1-160)"
fi

if [ "$keep" -eq 0 ]; then
  say "==> down leaves nothing behind"
  mapfile -t pids < <(for name in $(known_processes); do process_pid "$name" && printf '\n'; done)
  bash "$SCRIPT" down
  alive=()
  for pid in "${pids[@]}"; do
    [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || alive+=("$pid")
  done
  if [ "${#alive[@]}" -eq 0 ]; then pass "all ${#pids[@]} processes gone"; else fail "still running: ${alive[*]}"; fi
  mapfile -t busy < <(busy_ports)
  if [ "${#busy[@]}" -eq 0 ]; then pass "no configured port listening"; else fail "still listening: ${busy[*]}"; fi
  pattern="$(configured_ports | cut -d' ' -f1 | sed 's/^/:/; s/$/ /' | paste -sd'|')"
  if ss -ltnp | grep -E "$pattern"; then
    fail "ss -ltnp shows ports of the network"
  else
    pass "ss -ltnp shows none of the network's ports"
  fi
  if [ -e "$DATA_DIR" ]; then fail "$DATA_DIR still exists"; else pass "$DATA_DIR removed"; fi
fi

if [ "$failures" -gt 0 ]; then
  say "smoke test: $failures failure(s)"
  exit 1
fi
say "smoke test: all checks passed"
