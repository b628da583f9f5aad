# shellcheck shell=bash
# Shared helpers for the network scripts: messages, failing steps, waiting, random secrets.
# Sourced by cityledger-network.sh and install-fabric.sh; defines functions only.

# The step in progress and the log file that explains it; `die` names both.
CURRENT_STEP=""
CURRENT_LOG=""
# When the current command started (milliseconds), for the times `step` prints.
COMMAND_START_MS="$(date +%s%3N)"
# A last line for `die` to print (e.g. how to clean up); set with set_die_hint.
DIE_HINT=""
set_die_hint() { DIE_HINT="$1"; }

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# die_log LOG MESSAGE: dies pointing at LOG instead of the step's log.
die_log() {
  CURRENT_LOG="$1"
  die "$2"
}

# Prints the failing step, the log to read and the end of that log, then exits.
die() {
  printf '\nFAILED: %s\n' "$*" >&2
  if [ -n "$CURRENT_STEP" ]; then
    printf '  step: %s\n' "$CURRENT_STEP" >&2
  fi
  if [ -n "$CURRENT_LOG" ]; then
    printf '  log:  %s\n' "$CURRENT_LOG" >&2
    if [ -s "$CURRENT_LOG" ]; then
      printf '  last lines of the log:\n' >&2
      tail -n 15 "$CURRENT_LOG" | sed 's/^/    | /' >&2
    fi
  fi
  [ -z "$DIE_HINT" ] || printf '%s\n' "$DIE_HINT" >&2
  exit 1
}

# step DESCRIPTION [LOG]: announces a step; later failures are reported against it.
step() {
  CURRENT_STEP="$1"
  CURRENT_LOG="${2:-}"
  printf '==> [%5ss] %s\n' "$(elapsed_since "$COMMAND_START_MS")" "$CURRENT_STEP"
}

# run LOG CMD...: runs CMD with its output appended to LOG; on failure dies naming LOG.
run() {
  local log="$1"
  shift
  mkdir -p "$(dirname "$log")"
  printf '\n$ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 || die_log "$log" "command failed: $*"
}

# wait_until DESCRIPTION TIMEOUT_SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_until() {
  local what="$1" timeout="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "timed out after ${timeout}s waiting for ${what}"
    fi
    sleep 0.2
  done
}

# A random hexadecimal secret of 16 bytes (used as CA enrollment secrets).
random_secret() {
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# http_ok PORT PATH: a plain-HTTP GET on 127.0.0.1:PORT answers 200 (operations endpoints).
http_ok() {
  local port="$1" path="$2" status_line=""
  {
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
    IFS= read -r -t 2 status_line <&3 || true
    exec 3<&-
  } 2>/dev/null
  case "$status_line" in
    "HTTP/1."?" 200"*) return 0 ;;
    *) return 1 ;;
  esac
}

# elapsed_since START_EPOCH_MS: seconds with one decimal.
now_ms() { date +%s%3N; }
elapsed_since() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%01d' $((ms / 1000)) $(((ms % 1000) / 100))
}

# in_parallel "ITEM..." FUNCTION [ARG...]: runs FUNCTION ITEM ARG... for every ITEM (a
# space-separated list) at once; dies naming the items that failed.
in_parallel() {
  local fn="$2" i
  local -a items pids=() failed_items=()
  read -r -a items <<<"$1"
  shift 2
  for i in "${!items[@]}"; do
    "$fn" "${items[$i]}" "$@" &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed_items+=("${items[$i]}")
  done
  [ "${#failed_items[@]}" -eq 0 ] || die "$fn failed for: ${failed_items[*]}"
}
