# shellcheck shell=bash
# Starting and stopping the network's processes. Each runs in its own session (so its
# whole process group can be signalled) and is recorded in <data>/pids/<name>.pid as
# "PID STARTTIME": the start time guards against signalling a recycled PID.

# proc_start_time PID: the kernel's start time of PID (field 22 of /proc/PID/stat).
proc_start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  # shellcheck disable=SC2086 # split the remaining fields on purpose
  set -- $stat
  printf '%s' "${20}"
}

# start_process NAME LOG CMD...: starts CMD detached, output to LOG, and records its PID.
start_process() {
  local name="$1" log="$2"
  shift 2
  mkdir -p "$PID_DIR" "$(dirname "$log")"
  printf '\n===== %s starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
  # fd 9 is the command lock (cityledger-network.sh take_lock): not inherited.
  setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
  local pid=$!
  local started
  started="$(proc_start_time "$pid")" || started=""
  printf '%s %s\n' "$pid" "$started" >"$PID_DIR/$name.pid"
}

# process_pid NAME: the PID of NAME if it is running (and is the process we started).
process_pid() {
  local file="$PID_DIR/$1.pid" pid started now
  [ -f "$file" ] || return 1
  read -r pid started <"$file" || return 1
  [ -n "$pid" ] || return 1
  now="$(proc_start_time "$pid")" || return 1
  [ -z "$started" ] || [ "$now" = "$started" ] || return 1
  printf '%s' "$pid"
}

process_alive() { process_pid "$1" >/dev/null; }

# stop_process NAME: SIGTERM to the process group, SIGKILL after 10 s; forgets the PID.
stop_process() {
  local name="$1" pid
  if pid="$(process_pid "$name")"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    # A killed child of this shell would otherwise linger as a zombie until we exit.
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_DIR/$name.pid"
}

# known_processes: names of every process with a PID file.
known_processes() {
  local file
  [ -d "$PID_DIR" ] || return 0
  for file in "$PID_DIR"/*.pid; do
    [ -e "$file" ] || continue
    basename "$file" .pid
  done
}

# wait_healthy NAME LOG TIMEOUT CMD...: waits until CMD succeeds; fails at once if NAME died.
wait_healthy() {
  local name="$1" log="$2" timeout="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    process_alive "$name" || die_log "$log" "$name exited during start-up"
    [ "$SECONDS" -lt "$deadline" ] || die_log "$log" "$name not healthy after ${timeout}s"
    sleep 0.2
  done
}
