#!/usr/bin/env bash
# Stops a run started with deploy/up.sh: SIGTERM to supervisord (it stops every process it runs), then every
# process still carrying the run's PEER_RUN_ID (also when supervisord itself was killed): SIGTERM, SIGKILL after
# --timeout seconds (default 60; a RabbitMQ node takes a few to stop). Does nothing when nothing runs.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${PEER_RUN_DIR:-$REPO_ROOT/var}/run"
TIMEOUT=60

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

if [[ ! -f "$RUN_DIR/up.run" ]]; then
    say "nothing to stop (no ${RUN_DIR#"$REPO_ROOT"/}/up.run)"
    exit 0
fi
RUN_ID="$(cat "$RUN_DIR/up.run")"
[[ "$RUN_ID" =~ ^peer-run-[0-9-]+$ ]] || { say "unreadable run id in $RUN_DIR/up.run: removing it"; rm -f "$RUN_DIR/up.run"; exit 0; }

run_pids() {  # every live process of this run except epmd (shared by every RabbitMQ node of the machine)
    local dir pid
    for dir in /proc/[0-9]*; do
        pid="${dir#/proc/}"
        [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
        grep -qxz "PEER_RUN_ID=$RUN_ID" "$dir/environ" 2>/dev/null || continue
        [[ "$(cat "$dir/comm" 2>/dev/null)" == epmd ]] && continue
        printf '%s\n' "$pid"
    done
}

wait_gone() {  # wait_gone SECONDS: true when no process of the run is left
    local deadline=$(( $(date +%s) + $1 ))
    while [[ -n "$(run_pids)" ]]; do
        (( $(date +%s) < deadline )) || return 1
        sleep 0.5
    done
}

manager="$(cat "$RUN_DIR/up.pid" 2>/dev/null || true)"
if [[ "$manager" =~ ^[0-9]+$ ]] && grep -qxz "PEER_RUN_ID=$RUN_ID" "/proc/$manager/environ" 2>/dev/null; then
    say "stopping supervisord (pid $manager) and its processes"
    kill -TERM "$manager" 2>/dev/null || true
    wait_gone "$TIMEOUT" || true
fi

mapfile -t left < <(run_pids)
if [[ ${#left[@]} -gt 0 ]]; then
    say "stopping ${#left[@]} processes of the run left without their manager (SIGTERM): ${left[*]}"
    kill -TERM "${left[@]}" 2>/dev/null || true
    if ! wait_gone "$TIMEOUT"; then
        mapfile -t left < <(run_pids)
        say "still running after ${TIMEOUT}s: SIGKILL ${left[*]}"
        kill -KILL "${left[@]}" 2>/dev/null || true
        wait_gone 10 || { say "ERROR: could not stop: $(run_pids | tr '\n' ' ')"; exit 1; }
    fi
fi
rm -f "$RUN_DIR/up.run" "$RUN_DIR/up.pid"
say "stopped"
