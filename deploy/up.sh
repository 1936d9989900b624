#!/usr/bin/env bash
# The local runner: one instance of the platform as local processes against the local RabbitMQ and PostgreSQL.
#
#   bash deploy/up.sh [--instance ID | --env-file FILE] [--detach] [--timeout SECONDS] [--no-bootstrap]
#                     [--print-config]
#
#   --instance ID     the instance profile deploy/instances/ID.env (default: INSTANCE_ID, else region-1084)
#   --env-file FILE   load FILE (KEY=value lines) instead of the profile
#   then ./.env if it exists (git-ignored: local overrides and secrets) over the profile
#   --detach          run in the background: logs in var/log/up.log, process group id in var/run/up.pid;
#                     returns once every service answers GET /health (stop it with deploy/down.sh)
#   --timeout S       how long --detach waits for the health endpoints (default 120)
#   --no-bootstrap    skip deploy/bootstrap.sh (broker, database and venv are known to be there)
#   --print-config    print the configuration the processes would get (`peer-admin config`) and exit
#
# The local runner is a development runner: PEER_DEV_MODE=1 unless set otherwise, so secrets missing from the
# environment are generated once into var/dev-secrets/<INSTANCE_ID>.env (git-ignored) and reused.
# Steps: deploy/bootstrap.sh, `peer-admin migrate`, `peer-admin declare-topology`, then honcho runs
# deploy/Procfile (four nameko services and four outbox relays). In the foreground, Ctrl-C stops everything.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

SERVICES=(roles courses network notifications)
DETACH=0
BOOTSTRAP=1
TIMEOUT=120
ENV_FILE=""
PRINT_CONFIG=0
PID_FILE="$REPO_ROOT/var/run/up.pid"
LOG_FILE="$REPO_ROOT/var/log/up.log"

say()  { printf '[up] %s\n' "$*"; }
die()  { printf '[up] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --detach|-d) DETACH=1 ;;
        --no-bootstrap) BOOTSTRAP=0 ;;
        --print-config) PRINT_CONFIG=1 ;;
        --instance) [[ $# -ge 2 ]] || die "--instance needs an id"; export INSTANCE_ID="$2"; shift ;;
        --instance=*) export INSTANCE_ID="${1#*=}" ;;
        --env-file) [[ $# -ge 2 ]] || die "--env-file needs a path"; ENV_FILE="$2"; shift ;;
        --env-file=*) ENV_FILE="${1#*=}" ;;
        --timeout) [[ $# -ge 2 ]] || die "--timeout needs seconds"; TIMEOUT="$2"; shift ;;
        --timeout=*) TIMEOUT="${1#*=}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ------------------------------------------------------------------------------------------ environment
# One source of configuration (runtime/config.py): the instance profile, then ./.env, then what the caller set.
# No defaults here: a value the profile lacks is an error of runtime/config.py, the same for every process.
load_env_file() {  # load_env_file FILE: KEY=value lines, without overriding what the caller exported
    local key value
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
        [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || die "$1: not a KEY=value line: $line"
        key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
        [[ -n "${!key:-}" ]] || export "$key=$value"
    done <"$1"
}
[[ -n "$ENV_FILE" ]] || ENV_FILE="deploy/instances/${INSTANCE_ID:-region-1084}.env"
[[ -f "$ENV_FILE" ]] || die "no such env file: $ENV_FILE (instances: $(cd deploy/instances 2>/dev/null && printf '%s ' *.env))"
# ./.env first: its values (local overrides, secrets) win over the profile's, the caller's over both.
if [[ -f .env ]]; then say "environment from .env"; load_env_file .env; fi
say "environment from $ENV_FILE"
load_env_file "$ENV_FILE"
export PEER_DEV_MODE="${PEER_DEV_MODE:-1}"
[[ "$PEER_DEV_MODE" == 1 ]] && say "development mode (PEER_DEV_MODE=1): missing secrets come from ${PEER_DEV_SECRETS_FILE:-var/dev-secrets/$INSTANCE_ID.env}"
export PYTHONUNBUFFERED=1
# The eventlet trap (ARCHITECTURE.md): psycopg's C wait would block the hub. The runtime sets it too.
export PSYCOPG_WAIT_FUNC="${PSYCOPG_WAIT_FUNC:-wait_select}"

port_of() {  # port_of SERVICE: HTTP_PORT_<SERVICE> or the default of deploy/Procfile
    local var="HTTP_PORT_${1^^}" default
    case "$1" in roles) default=8001 ;; courses) default=8002 ;; network) default=8003 ;; notifications) default=8004 ;; esac
    printf '%s' "${!var:-$default}"
}

running_pgid() {  # prints the process group of a detached run that is still alive
    local pgid
    [[ -f "$PID_FILE" ]] || return 1
    pgid="$(cat "$PID_FILE" 2>/dev/null)"
    [[ "$pgid" =~ ^[0-9]+$ ]] && kill -0 -- "-$pgid" 2>/dev/null && printf '%s' "$pgid"
}

if [[ "$PRINT_CONFIG" == 1 ]]; then
    [[ -x .venv/bin/peer-admin ]] || die ".venv/bin/peer-admin missing: run deploy/bootstrap.sh"
    exec .venv/bin/peer-admin config
fi

# ------------------------------------------------------------------------------------------ checks
if pgid="$(running_pgid)"; then
    die "a detached run is already up (process group $pgid): stop it with deploy/down.sh"
fi
[[ -f deploy/Procfile ]] || die "deploy/Procfile missing"
[[ -f deploy/nameko.yaml ]] || die "deploy/nameko.yaml missing (the nameko config of the services)"
[[ -f runtime/relay.py || -f runtime/relay/__main__.py ]] || die "runtime.relay missing: no outbox relay to run yet"
# Run the services that exist (while the platform is being built some may not yet), each with its relay.
present=() absent=()
for svc in "${SERVICES[@]}"; do
    if [[ -f "services/$svc/service.py" ]]; then present+=("$svc"); else absent+=("$svc"); fi
done
[[ ${#present[@]} -gt 0 ]] || die "no services/*/service.py yet: nothing to run"
if [[ ${#absent[@]} -gt 0 ]]; then
    printf '[up] WARNING: not started (no services/<name>/service.py yet): %s\n' "${absent[*]}" >&2
fi
SERVICES=("${present[@]}")
PROCESSES=()
for svc in "${SERVICES[@]}"; do PROCESSES+=("$svc" "relay-$svc"); done

# ------------------------------------------------------------------------------------------ infrastructure
if [[ "$BOOTSTRAP" == 1 ]]; then
    bash deploy/bootstrap.sh
fi
[[ -x .venv/bin/peer-admin ]] || die ".venv/bin/peer-admin missing: run deploy/bootstrap.sh (needs pyproject.toml)"
[[ -x .venv/bin/honcho ]] || die ".venv/bin/honcho missing: run deploy/bootstrap.sh"

say "instance $INSTANCE_ID: peer-admin migrate"
.venv/bin/peer-admin migrate
say "instance $INSTANCE_ID: peer-admin declare-topology"
.venv/bin/peer-admin declare-topology

busy=()
for svc in "${SERVICES[@]}"; do
    port="$(port_of "$svc")"
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then busy+=("$svc:$port"); fi
    var="RELAY_METRICS_PORT_${svc^^}"; port="${!var:-}"
    if [[ -z "$port" ]]; then
        case "$svc" in roles) port=9101 ;; courses) port=9102 ;; network) port=9103 ;; notifications) port=9104 ;; esac
    fi
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then busy+=("relay-$svc:$port"); fi
done
[[ ${#busy[@]} -eq 0 ]] || die "ports already in use: ${busy[*]} (another run? deploy/down.sh, or set HTTP_PORT_<SERVICE> / RELAY_METRICS_PORT_<SERVICE>)"

# Everything is exported already; /dev/null keeps honcho from reading ./.env over it.
HONCHO=(.venv/bin/honcho -e /dev/null -d "$REPO_ROOT" -f "$REPO_ROOT/deploy/Procfile")

# ------------------------------------------------------------------------------------------ foreground
if [[ "$DETACH" == 0 ]]; then
    say "starting ${SERVICES[*]} and their relays in the foreground (Ctrl-C stops them)"
    exec "${HONCHO[@]}" start "${PROCESSES[@]}"
fi

# ------------------------------------------------------------------------------------------ detached
mkdir -p "$(dirname "$PID_FILE")" "$(dirname "$LOG_FILE")"
: >"$LOG_FILE"
# setsid: its own session and process group, so deploy/down.sh stops honcho and every child together,
# and closing this terminal does not hang it up.
setsid "${HONCHO[@]}" --no-colour start "${PROCESSES[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
honcho_pid=$!
sleep 0.2
pgid="$(ps -o pgid= -p "$honcho_pid" 2>/dev/null | tr -d ' ')" || true
pgid="${pgid:-$honcho_pid}"
echo "$pgid" >"$PID_FILE"
say "started in the background: process group $pgid, logs in ${LOG_FILE#"$REPO_ROOT"/}"

fail() {
    printf '[up] ERROR: %s\n' "$*" >&2
    echo "[up] last lines of ${LOG_FILE#"$REPO_ROOT"/}:" >&2
    tail -n 40 "$LOG_FILE" >&2 || true
    bash "$REPO_ROOT/deploy/down.sh" >&2 || true
    exit 1
}

health_ok() {  # health_ok PORT: 2xx from GET /health
    .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=2) as r:
    sys.exit(0 if 200 <= r.status < 300 else 1)
PY
}

deadline=$(( $(date +%s) + TIMEOUT ))
pending=("${SERVICES[@]}")
while [[ ${#pending[@]} -gt 0 ]]; do
    kill -0 "$honcho_pid" 2>/dev/null || fail "the processes stopped before every service was healthy"
    still=()
    for svc in "${pending[@]}"; do
        port="$(port_of "$svc")"
        if health_ok "$port"; then
            say "$svc healthy on http://127.0.0.1:$port/health"
        else
            still+=("$svc")
        fi
    done
    pending=("${still[@]+"${still[@]}"}")
    [[ ${#pending[@]} -eq 0 ]] && break
    (( $(date +%s) < deadline )) || fail "not healthy after ${TIMEOUT}s: ${pending[*]}"
    sleep 1
done
say "instance $INSTANCE_ID is up (stop it with: bash deploy/down.sh)"
