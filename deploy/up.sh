#!/usr/bin/env bash
# The local runner: the platform as local processes, supervised by supervisord, against local brokers and PostgreSQL.
#
#   bash deploy/up.sh [--topology single|multi-region] [--instance ID | --env-file FILE] [--detach]
#                     [--timeout SECONDS] [--no-bootstrap] [--no-demo] [--print-config] [--replicas N]
#
#   --topology T      single (default): one instance against the machine's RabbitMQ (5672) and PostgreSQL;
#                     multi-region: region-1084, region-1085, region-1081, region-1082 and national, each with
#                     its own RabbitMQ node (ports 5684/5685/5681/5682/5690) linked by the shovels of
#                     deploy/multi-region/rabbitmq/
#   --instance ID     (single) the profile deploy/instances/ID.env (default: INSTANCE_ID, else region-1084)
#   --env-file FILE   (single) load FILE (KEY=value lines) instead of the profile
#                     ./.env (git-ignored: local overrides and secrets) counts over the profile, the caller's
#                     environment over both: the order runtime/config.py resolves in (one source)
#   --detach          return once every service answers GET /health (stop it with deploy/down.sh);
#                     without it, up.sh follows the logs and Ctrl-C stops everything
#   --timeout S       how long to wait for the brokers and the health endpoints (default 120)
#   --no-bootstrap    skip deploy/bootstrap.sh (broker, database and venv are known to be there)
#   --no-demo         do not load the seeds' demo data (`peer-admin demo load`, idempotent: a second run adds nothing)
#   --print-config    (single) print the configuration the processes would get (`peer-admin config`) and exit
#   --replicas N      (single) N copies of every service and relay (PEER_REPLICAS, default 1): `roles-2` on 8011, ...
#
# A development runner: PEER_DEV_MODE=1 unless the caller set it, so secrets missing from the environment are
# generated once per instance into var/dev-secrets/<INSTANCE_ID>.env (git-ignored) and reused.
# Steps: deploy/bootstrap.sh, supervisord (brokers of the topology first), `peer-admin migrate` and
# `peer-admin declare-topology` per instance, then every service of deploy/Procfile and its outbox relay.
# A process that dies is restarted (with back-off while it keeps failing at start-up) and logged in
# var/log/up.log; the others keep serving. State in $PEER_RUN_DIR (default var/): run/ and log/.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

TOPOLOGY=single
DETACH=0
BOOTSTRAP=1
DEMO=1
TIMEOUT=120
ENV_FILE=""
INSTANCE_FLAG=""
PRINT_CONFIG=0
STATE_DIR="${PEER_RUN_DIR:-$REPO_ROOT/var}"
RUN_DIR="$STATE_DIR/run"
LOG_DIR="$STATE_DIR/log"
LOG_FILE="$LOG_DIR/up.log"

say()  { printf '[up] %s\n' "$*"; }
die()  { printf '[up] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --detach|-d) DETACH=1 ;;
        --no-bootstrap) BOOTSTRAP=0 ;;
        --no-demo) DEMO=0 ;;
        --print-config) PRINT_CONFIG=1 ;;
        --topology) [[ $# -ge 2 ]] || die "--topology needs single or multi-region"; TOPOLOGY="$2"; shift ;;
        --topology=*) TOPOLOGY="${1#*=}" ;;
        --instance) [[ $# -ge 2 ]] || die "--instance needs an id"; INSTANCE_FLAG="$2"; shift ;;
        --instance=*) INSTANCE_FLAG="${1#*=}" ;;
        --env-file) [[ $# -ge 2 ]] || die "--env-file needs a path"; ENV_FILE="$2"; shift ;;
        --env-file=*) ENV_FILE="${1#*=}" ;;
        --timeout) [[ $# -ge 2 ]] || die "--timeout needs seconds"; TIMEOUT="$2"; shift ;;
        --timeout=*) TIMEOUT="${1#*=}" ;;
        --replicas) [[ $# -ge 2 ]] || die "--replicas needs a number"; export PEER_REPLICAS="$2"; shift ;;
        --replicas=*) export PEER_REPLICAS="${1#*=}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done
case "$TOPOLOGY" in
    single) ;;
    multi-region) [[ -z "$ENV_FILE$INSTANCE_FLAG" && "$PRINT_CONFIG" == 0 ]] || die "--instance/--env-file are for --topology single (multi-region uses deploy/instances/{region-1084,region-1085,region-1081,region-1082,national}.env)" ;;
    *) die "unknown topology: $TOPOLOGY (single or multi-region)" ;;
esac

# ------------------------------------------------------------------------------------------ environment
# One source of configuration (runtime/config.py): the caller's environment, then ./.env, then the profile.
# No defaults here: a value the profile lacks is an error of runtime/config.py, the same for every process.
load_env_file() {  # load_env_file FILE: KEY=value lines, without overriding what is already set
    local line key value
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
        [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || die "$1: not a KEY=value line: $line"
        key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
        [[ -n "${!key:-}" ]] || export "$key=$value"
    done <"$1"
}
[[ -z "$INSTANCE_FLAG" ]] || export INSTANCE_ID="$INSTANCE_FLAG"
if [[ -f .env ]]; then say "environment from .env"; load_env_file .env; fi
if [[ "$TOPOLOGY" == single ]]; then
    [[ -n "$ENV_FILE" ]] || ENV_FILE="deploy/instances/${INSTANCE_ID:-region-1084}.env"
    [[ -f "$ENV_FILE" ]] || die "no such env file: $ENV_FILE (instances: $(cd deploy/instances 2>/dev/null && printf '%s ' *.env))"
    say "environment from $ENV_FILE"
    load_env_file "$ENV_FILE"
fi
export PEER_DEV_MODE="${PEER_DEV_MODE:-1}"
[[ "$PEER_DEV_MODE" != 1 ]] || say "development mode (PEER_DEV_MODE=1): missing secrets come from ${PEER_DEV_SECRETS_FILE:-var/dev-secrets/<INSTANCE_ID>.env}"
export PYTHONUNBUFFERED=1
# The eventlet trap (ARCHITECTURE.md): psycopg's C wait would block the hub. The runtime sets it too.
export PSYCOPG_WAIT_FUNC="${PSYCOPG_WAIT_FUNC:-wait_select}"

if [[ "$PRINT_CONFIG" == 1 ]]; then
    [[ -x .venv/bin/peer-admin ]] || die ".venv/bin/peer-admin missing: run deploy/bootstrap.sh"
    exec .venv/bin/peer-admin config
fi

# ------------------------------------------------------------------------------------------ checks
# A run is alive while any process carrying its PEER_RUN_ID lives (deploy/down.sh finds them the same way).
run_alive() {
    local id pid
    [[ -f "$RUN_DIR/up.run" ]] || return 1
    id="$(cat "$RUN_DIR/up.run")"
    [[ -n "$id" ]] || return 1
    for pid in /proc/[0-9]*; do
        if grep -qxz "PEER_RUN_ID=$id" "$pid/environ" 2>/dev/null; then return 0; fi
    done
    return 1
}
if run_alive; then
    die "a run is already up (${RUN_DIR#"$REPO_ROOT"/}/up.run): stop it with deploy/down.sh"
fi
[[ -f deploy/Procfile ]] || die "deploy/Procfile missing"
[[ -f deploy/nameko.yaml ]] || die "deploy/nameko.yaml missing (the nameko config of the services)"
[[ -f runtime/messaging/relay.py || -f runtime/relay/__main__.py ]] || die "runtime.messaging.relay missing: no outbox relay to run yet"
absent=()
for svc in roles courses network notifications; do
    [[ -f "services/$svc/service.py" ]] || absent+=("$svc")
done
if [[ ${#absent[@]} -gt 0 ]]; then
    printf '[up] WARNING: not started (no services/<name>/service.py yet): %s\n' "${absent[*]}" >&2
fi

# ------------------------------------------------------------------------------------------ infrastructure
if [[ "$BOOTSTRAP" == 1 ]]; then
    bash deploy/bootstrap.sh
fi
[[ -x .venv/bin/peer-admin ]] || die ".venv/bin/peer-admin missing: run deploy/bootstrap.sh (needs pyproject.toml)"
[[ -x .venv/bin/supervisord ]] || die ".venv/bin/supervisord missing: run deploy/bootstrap.sh"
RUNNER=(.venv/bin/python -m admin.runner --topology "$TOPOLOGY" --run-dir "$RUN_DIR" --log-dir "$LOG_DIR")

if [[ "$TOPOLOGY" == single ]]; then
    "${RUNNER[@]}" migrate
fi

busy=()
while IFS= read -r entry; do
    port="${entry##*:}"
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then busy+=("$entry"); fi
done < <("${RUNNER[@]}" ports)
[[ ${#busy[@]} -eq 0 ]] || die "ports already in use: ${busy[*]} (another run? deploy/down.sh, or set HTTP_PORT_<SERVICE> / RELAY_METRICS_PORT_<SERVICE>)"

# ------------------------------------------------------------------------------------------ supervisord
mkdir -p "$RUN_DIR" "$LOG_DIR"
"${RUNNER[@]}" config >"$RUN_DIR/supervisord.conf"
RUN_ID="peer-run-$(date +%s)-$$-$RANDOM"
echo "$RUN_ID" >"$RUN_DIR/up.run"
: >"$LOG_FILE"
# setsid: its own session, so closing this terminal does not hang the run up. Every process supervisord starts
# inherits PEER_RUN_ID: deploy/down.sh stops them by it even after supervisord itself was killed.
setsid env PEER_RUN_ID="$RUN_ID" .venv/bin/supervisord -c "$RUN_DIR/supervisord.conf" </dev/null \
    >>"$LOG_DIR/supervisord.out" 2>&1 &
manager_pid=$!
echo "$manager_pid" >"$RUN_DIR/up.pid"
CTL=(.venv/bin/supervisorctl -c "$RUN_DIR/supervisord.conf")
say "supervisord started (pid $manager_pid), logs in ${LOG_DIR#"$REPO_ROOT"/}/<process>.log; status: ${CTL[*]} status"

fail() {
    printf '[up] ERROR: %s\n' "$*" >&2
    echo "[up] last lines of ${LOG_FILE#"$REPO_ROOT"/}:" >&2
    tail -n 30 "$LOG_FILE" >&2 || true
    bash "$REPO_ROOT/deploy/down.sh" >&2 || true
    exit 1
}

deadline=$(( $(date +%s) + 20 ))
until "${CTL[@]}" pid >/dev/null 2>&1; do
    kill -0 "$manager_pid" 2>/dev/null || fail "supervisord exited: see ${LOG_DIR#"$REPO_ROOT"/}/supervisord.out"
    (( $(date +%s) < deadline )) || fail "supervisord does not answer on its socket"
    sleep 0.3
done

if [[ "$TOPOLOGY" == multi-region ]]; then
    say "waiting for the RabbitMQ nodes of the four regions and the national instance and their links"
    .venv/bin/python -m admin.localnode wait --timeout "$TIMEOUT" || fail "the brokers did not come up"
    "${RUNNER[@]}" migrate || fail "migrations failed"
fi

"${CTL[@]}" start 'apps:*' >/dev/null || fail "supervisord could not start the services"
"${RUNNER[@]}" wait-healthy --timeout "$TIMEOUT" || fail "not every service became healthy"
say "topology $TOPOLOGY is up (stop it with: bash deploy/down.sh)"

# What a newcomer sees: the seeds' demo data through the public APIs, then what answers where, tokens and curls.
NEWCOMER=("${RUNNER[@]}" newcomer)
[[ "$DEMO" == 1 ]] || NEWCOMER+=(--no-demo)
"${NEWCOMER[@]}" || fail "the demo data could not be loaded (bash deploy/up.sh --no-demo skips it)"

if [[ "$DETACH" == 0 ]]; then
    say "following the logs (Ctrl-C stops everything)"
    tail -n 0 -F "$LOG_DIR"/*.log &
    follower=$!
    trap 'kill "$follower" 2>/dev/null; bash "$REPO_ROOT/deploy/down.sh"; exit 0' INT TERM
    wait "$follower"
fi
