#!/usr/bin/env bash
# Builds the Fabric binaries CityLedger runs natively (peer, orderer, osnadmin, configtxgen,
# fabric-ca-server, fabric-ca-client) from source with the Go toolchain, into
#   ${CITYLEDGER_FABRIC_HOME:-$HOME/.cache/cityledger/fabric-<version>}/bin
# and copies Fabric's default core.yaml/orderer.yaml into .../config (every setting the
# network needs is overridden by environment variables at start).
# Fabric is built from a private copy of the pinned module source with our patches applied
# (network/fabric-build/patches/fabric/*.patch; see network/README.md, "Patched Fabric").
# Skipped when a stamp file says the same versions, build modules and patches are installed.
# Usage: network/install-fabric.sh [--force]
set -euo pipefail

NETWORK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=network/lib/common.sh
source "$NETWORK_DIR/lib/common.sh"
# shellcheck source=network/lib/config.sh
source "$NETWORK_DIR/lib/config.sh"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *)
      echo "usage: network/install-fabric.sh [--force]" >&2
      exit 2
      ;;
  esac
done

load_config
FABRIC_VERSION="$(cfg fabric.version)"
FABRIC_COMMIT="$(cfg fabric.commit)"
CA_VERSION="$(cfg fabric.caVersion)"
BUILD_MODULES="$NETWORK_DIR/fabric-build"
BINARIES=(peer orderer osnadmin configtxgen fabric-ca-server fabric-ca-client)
FABRIC_MODULE=github.com/hyperledger/fabric
STAMP="$FABRIC_HOME/.cityledger-installed"

# Our patches to the Fabric source, applied in name order.
fabric_patches() {
  find "$BUILD_MODULES/patches/fabric" -maxdepth 1 -name '*.patch' -type f 2>/dev/null | LC_ALL=C sort
}

# What the stamp must say: versions plus hashes of the pinned build modules and the patches
# (names and contents), so a changed, added or removed patch rebuilds.
expected_stamp() {
  local modules_hash patches_hash patch
  modules_hash="$(cat "$BUILD_MODULES"/fabric/go.mod "$BUILD_MODULES"/fabric/go.sum \
    "$BUILD_MODULES"/ca/go.mod "$BUILD_MODULES"/ca/go.sum | sha256sum | cut -c1-16)"
  patches_hash="$(while read -r patch; do
    printf '%s\n' "$(basename "$patch")"
    cat "$patch"
  done < <(fabric_patches) | sha256sum | cut -c1-16)"
  printf 'fabric=%s ca=%s modules=%s patches=%s\n' "$FABRIC_VERSION" "$CA_VERSION" "$modules_hash" "$patches_hash"
}

installed() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(expected_stamp)" ] || return 1
  local bin
  for bin in "${BINARIES[@]}"; do
    [ -x "$FABRIC_BIN/$bin" ] || return 1
  done
  [ -f "$FABRIC_CONFIG/core.yaml" ] && [ -f "$FABRIC_CONFIG/orderer.yaml" ]
}

if [ "$force" -eq 0 ] && installed; then
  say "Fabric $FABRIC_VERSION and Fabric CA $CA_VERSION already installed in $FABRIC_BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed (Fabric is built from source; see scripts/setup.sh)"
command -v cc >/dev/null 2>&1 || die "no C compiler: fabric-ca-server needs cgo for SQLite (apt-get install gcc libc6-dev)"
command -v patch >/dev/null 2>&1 || die "patch is not installed: Fabric is built with our patches (apt-get install patch)"

WORK="$FABRIC_HOME/build"
LOGS="$FABRIC_HOME/build-logs"
# A build that failed half-way may have left read-only files (copied from the module cache).
[ ! -d "$WORK" ] || chmod -R u+w "$WORK"
rm -rf "$WORK"
mkdir -p "$WORK" "$LOGS" "$FABRIC_BIN" "$FABRIC_CONFIG"

# The build runs in a copy of each pinned module so the committed go.mod/go.sum stay as
# they are; the committed go.sum pins every hash, and the Hyperledger modules (absent from
# the public checksum database for these versions) are excluded from sumdb lookups.
# Fabric builds static (CGO off); fabric-ca-server needs cgo for its SQLite registry.
go_env=(env GONOSUMDB=github.com/hyperledger GOFLAGS=-mod=mod)

# patch_fabric DIR: in the build copy DIR of the fabric module, copies the downloaded Fabric
# source (read-only in the module cache) to DIR-src, applies our patches to that copy and points
# DIR/go.mod at it with a `replace`. Runs after `go mod download`, so it needs no network.
patch_fabric() {
  local dir="$1" src="$1-src" orig patch
  orig="$(cd "$dir" && "${go_env[@]}" go list -m -f '{{.Dir}}' "$FABRIC_MODULE")"
  if [ -z "$orig" ] || [ ! -d "$orig" ]; then
    die "the $FABRIC_MODULE source was not downloaded"
  fi
  cp -R "$orig" "$src"
  chmod -R u+w "$src"
  while read -r patch; do
    printf '$ patch -p1 < %s\n' "$patch"
    patch -d "$src" -p1 --forward --batch --no-backup-if-mismatch <"$patch"
  done < <(fabric_patches)
  (cd "$dir" && go mod edit -replace "$FABRIC_MODULE=$src")
}

# build_module NAME CGO LDFLAGS PACKAGES...: downloads and compiles one module's commands.
build_module() {
  local name="$1" cgo="$2" ldflags="$3"
  shift 3
  local dir="$WORK/$name" log="$LOGS/$name.log"
  cp -R "$BUILD_MODULES/$name" "$dir"
  : >"$log"
  (
    cd "$dir"
    printf '$ go mod download\n' >>"$log"
    "${go_env[@]}" go mod download >>"$log" 2>&1
    [ "$name" != fabric ] || patch_fabric "$dir" >>"$log" 2>&1
    local pkg
    for pkg in "$@"; do
      printf '$ go build %s\n' "$pkg" >>"$log"
      "${go_env[@]}" CGO_ENABLED="$cgo" go build -v -trimpath -ldflags "$ldflags" -o "$FABRIC_BIN/" "$pkg" >>"$log" 2>&1
    done
  )
  [ "$name" != fabric ] || (cd "$dir" && go mod edit -dropreplace "$FABRIC_MODULE")
  if ! cmp -s "$dir/go.mod" "$BUILD_MODULES/$name/go.mod" || ! cmp -s "$dir/go.sum" "$BUILD_MODULES/$name/go.sum"; then
    warn "go changed $name/go.mod or go.sum while building; compare $dir with $BUILD_MODULES/$name and commit the difference"
  fi
}

fabric_ldflags="-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION -X github.com/hyperledger/fabric/common/metadata.CommitSHA=$FABRIC_COMMIT"
ca_ldflags="-X github.com/hyperledger/fabric-ca/lib/metadata.Version=$CA_VERSION"

start_ms="$(now_ms)"
say "==> Building Fabric $FABRIC_VERSION and Fabric CA $CA_VERSION into $FABRIC_BIN (cold: several minutes)"
say "    logs: $LOGS/fabric.log, $LOGS/ca.log"
build_module fabric 0 "$fabric_ldflags" \
  github.com/hyperledger/fabric/cmd/peer github.com/hyperledger/fabric/cmd/orderer \
  github.com/hyperledger/fabric/cmd/osnadmin github.com/hyperledger/fabric/cmd/configtxgen &
fabric_pid=$!
build_module ca 1 "$ca_ldflags" \
  github.com/hyperledger/fabric-ca/cmd/fabric-ca-server github.com/hyperledger/fabric-ca/cmd/fabric-ca-client &
ca_pid=$!

# Progress: every 10 s, the number of packages each build has compiled so far.
while kill -0 "$fabric_pid" 2>/dev/null || kill -0 "$ca_pid" 2>/dev/null; do
  sleep 10
  say "    ... $(elapsed_since "$start_ms")s: fabric $(grep -c '^[a-z]' "$LOGS/fabric.log" || true) packages, ca $(grep -c '^[a-z]' "$LOGS/ca.log" || true) packages"
done
build_failed=0
wait "$fabric_pid" || {
  warn "Fabric build failed: see $LOGS/fabric.log"
  tail -n 20 "$LOGS/fabric.log" >&2
  build_failed=1
}
wait "$ca_pid" || {
  warn "Fabric CA build failed: see $LOGS/ca.log"
  tail -n 20 "$LOGS/ca.log" >&2
  build_failed=1
}
[ "$build_failed" -eq 0 ] || die "building the Fabric binaries failed"

# Fabric's default node configuration, from the (patched) source that was just built.
fabric_src="$WORK/fabric-src"
for file in core.yaml orderer.yaml; do
  cp "$fabric_src/sampleconfig/$file" "$FABRIC_CONFIG/$file"
  chmod u+w "$FABRIC_CONFIG/$file"
done

"$FABRIC_BIN/peer" version | grep -q "Version: $FABRIC_VERSION" || die "built peer does not report version $FABRIC_VERSION"
chmod -R u+w "$WORK"
rm -rf "$WORK"
expected_stamp >"$STAMP"
say "==> Fabric binaries installed in $(elapsed_since "$start_ms")s: ${BINARIES[*]}"
