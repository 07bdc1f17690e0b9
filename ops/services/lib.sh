# shellcheck shell=bash disable=SC2034 # ROOT, DIR and PORT are read by the scripts that source this file
# Shared helpers of the service scripts (sourced, not run).
# Each service keeps its whole state in one directory given by the caller: data, log, pid file.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

die() { echo "error: $*" >&2; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_until() {
  local limit="$1" what="$2"; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "error: $what not ready after ${limit}s" >&2
      return 1
    fi
    sleep 0.2
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# stop_pidfile FILE: SIGTERM the process group named in FILE, wait up to 15 s, then SIGKILL; remove FILE.
stop_pidfile() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if pid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if pid_alive "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# spawn PIDFILE LOGFILE COMMAND...: starts COMMAND in its own session (so stop_pidfile can end its whole
# process group), detached from the caller's stdio.
spawn() {
  local pidfile="$1" logfile="$2"; shift 2
  setsid "$@" </dev/null >"$logfile" 2>&1 &
  echo $! >"$pidfile"
}

parse_common_args() {
  DIR=""; PORT=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) DIR="$2"; shift 2 ;;
      --port) PORT="$2"; shift 2 ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  [ -n "$DIR" ] || die "--dir DIR is required"
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
}
