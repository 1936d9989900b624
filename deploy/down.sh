#!/usr/bin/env bash
# Stops a run started with `deploy/up.sh --detach`: SIGTERM to its process group (honcho passes it on to every
# service and relay), SIGKILL after --timeout seconds (default 30). Does nothing when nothing runs.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PID_FILE="$REPO_ROOT/var/run/up.pid"
TIMEOUT=30

while [[ $# -gt 0 ]]; do
    case "$1" in
        --timeout) TIMEOUT="$2"; shift ;;
        --timeout=*) TIMEOUT="${1#*=}" ;;
        -h|--help) sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "[down] unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '[down] %s\n' "$*"; }

if [[ ! -f "$PID_FILE" ]]; then
    say "nothing to stop (no ${PID_FILE#"$REPO_ROOT"/})"
    exit 0
fi
pgid="$(cat "$PID_FILE")"
if ! [[ "$pgid" =~ ^[0-9]+$ ]] || ! kill -0 -- "-$pgid" 2>/dev/null; then
    say "process group ${pgid:-?} is gone: removing the stale pid file"
    rm -f "$PID_FILE"
    exit 0
fi

say "stopping process group $pgid (SIGTERM)"
kill -TERM -- "-$pgid" 2>/dev/null || true
deadline=$(( $(date +%s) + TIMEOUT ))
while kill -0 -- "-$pgid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
        say "still running after ${TIMEOUT}s: SIGKILL"
        kill -KILL -- "-$pgid" 2>/dev/null || true
        sleep 1
        break
    fi
    sleep 0.5
done
rm -f "$PID_FILE"
say "stopped"
