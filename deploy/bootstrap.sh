#!/usr/bin/env bash
# Idempotent infrastructure bootstrap for the local runner, the tests and CI.
#
#   bash deploy/bootstrap.sh [--skip-infra] [--skip-venv]
#
# Run as root on Debian 12. For each piece it first checks whether it is already there and only then installs,
# configures or starts it:
#   1. RabbitMQ at AMQP_URI        (apt package rabbitmq-server, started with `rabbitmq-server -detached`; of a
#      cluster's `;`-separated nodes the first that answers), the plugins of deploy/rabbitmq/enabled_plugins,
#      the vhost of AMQP_URI, the policies of deploy/rabbitmq/definitions.json (and cluster/ for a cluster);
#   2. PostgreSQL at PG_URL        (apt package postgresql, trust auth on loopback, started with pg_ctlcluster);
#   3. the Python venv .venv       (python3.11 -m venv, requirements.lock, then `pip install -e . --no-deps`);
#   4. Debian's chromium           (apt package chromium, for the page tests: Playwright drives /usr/bin/chromium
#                                   and downloads no browser of its own; skipped with --skip-infra);
#   5. the checking tools          (apt package shellcheck, which tests/deploy/test_scripts.py runs on deploy/*.sh).
# Readiness means really ready: `rabbitmq-diagnostics check_running` + `check_port_connectivity` (never `ping`),
# `pg_isready` + a real `select 1`. A second run on a ready machine does nothing and takes a few seconds.
# The broker and the database are only installed or started when their URL points at this machine; a remote
# one is waited for, never touched.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

# Broker and database of the instance profile (the one source of configuration) unless the caller set them.
profile_value() {  # profile_value KEY: its value in deploy/instances/<INSTANCE_ID or region-1084>.env
    sed -n "s/^$1=//p" "$REPO_ROOT/deploy/instances/${INSTANCE_ID:-region-1084}.env" 2>/dev/null | tail -n 1
}
AMQP_URI="${AMQP_URI:-$(profile_value AMQP_URI)}"
PG_URL="${PG_URL:-$(profile_value PG_URL)}"
[[ -n "$AMQP_URI" && -n "$PG_URL" ]] || { echo "[bootstrap] ERROR: AMQP_URI / PG_URL: not set and no profile deploy/instances/${INSTANCE_ID:-region-1084}.env" >&2; exit 1; }
PYTHON="${PYTHON:-}"
VENV="${VENV:-$REPO_ROOT/.venv}"
READY_TIMEOUT="${BOOTSTRAP_READY_TIMEOUT:-120}"
RABBIT_DEFINITIONS="$REPO_ROOT/deploy/rabbitmq/definitions.json"
RABBIT_CLUSTER_DEFINITIONS="$REPO_ROOT/deploy/rabbitmq/cluster/definitions.json"
RABBIT_PLUGINS_FILE="$REPO_ROOT/deploy/rabbitmq/enabled_plugins"
SKIP_INFRA=0
SKIP_VENV=0

for arg in "$@"; do
    case "$arg" in
        --skip-infra) SKIP_INFRA=1 ;;
        --skip-venv) SKIP_VENV=1 ;;
        -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bootstrap: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

START_TS=$(date +%s)
say()  { printf '[bootstrap] %s\n' "$*"; }
warn() { printf '[bootstrap] WARNING: %s\n' "$*" >&2; }
die()  { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------- helpers

# parse_url URL -> sets U_USER U_PASS U_HOST U_PORT U_PATH (no URL-decoding except for the path)
parse_url() {
    local url="$1" default_port="$2" rest hostport userinfo
    rest="${url#*://}"
    rest="${rest%%\?*}"
    hostport="${rest%%/*}"
    if [[ "$rest" == */* ]]; then U_PATH="${rest#*/}"; else U_PATH=""; fi
    U_USER="" U_PASS=""
    if [[ "$hostport" == *@* ]]; then
        userinfo="${hostport%@*}"
        hostport="${hostport##*@}"
        U_USER="${userinfo%%:*}"
        [[ "$userinfo" == *:* ]] && U_PASS="${userinfo#*:}"
    fi
    if [[ "$hostport" == \[* ]]; then                  # [::1]:5672
        U_HOST="${hostport%%]*}"; U_HOST="${U_HOST#[}"
        U_PORT="${hostport##*]}"; U_PORT="${U_PORT#:}"
    elif [[ "$hostport" == *:* ]]; then
        U_HOST="${hostport%%:*}"; U_PORT="${hostport##*:}"
    else
        U_HOST="$hostport"; U_PORT=""
    fi
    [[ -n "$U_HOST" ]] || U_HOST="127.0.0.1"
    [[ -n "$U_PORT" ]] || U_PORT="$default_port"
}

urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

is_local_host() {
    case "$1" in
        localhost|127.*|::1|"$(hostname 2>/dev/null || echo localhost)") return 0 ;;
        *) return 1 ;;
    esac
}

# tcp_open HOST PORT: true when something accepts connections there (bash /dev/tcp, 2 s cap)
tcp_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi
as_root() { if [[ -n "$SUDO" || "$(id -u)" == 0 ]]; then $SUDO "$@"; else die "need root for: $*"; fi; }

APT_UPDATED=0
POLICY_RC_CREATED=0
cleanup() {
    if [[ "$POLICY_RC_CREATED" == 1 ]]; then as_root rm -f /usr/sbin/policy-rc.d || true; fi
}
trap cleanup EXIT

# apt_install PKG...: noninteractive, keeps our config files, and stops package scripts from starting daemons
# (there is no systemd here: this script starts them itself, the way it wants).
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    if [[ "$APT_UPDATED" == 0 ]]; then
        say "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
            || warn "apt-get update failed: trying with the package lists already on this machine"
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >/dev/null 9>&-
    if [[ "$POLICY_RC_CREATED" == 1 ]]; then as_root rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
}

# wait_quietly SECONDS COMMAND...: retries COMMAND every second; false when it never succeeded
wait_quietly() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        (( $(date +%s) < deadline )) || return 1
        sleep 1
    done
}

# wait_for DESCRIPTION SECONDS COMMAND...: retries COMMAND every second
wait_for() {
    local what="$1" limit="$2"; shift 2
    local deadline=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        if (( $(date +%s) >= deadline )); then
            warn "last attempt of: $*"; "$@" || true
            die "$what: not ready after ${limit}s"
        fi
        sleep 1
    done
}

# ---------------------------------------------------------------------------------------------------- RabbitMQ

# The plugins of deploy/rabbitmq/enabled_plugins (the same file the containers mount).
read -r -a REQUIRED_PLUGINS <<<"$(tr -d '[]. \t\n' <"$RABBIT_PLUGINS_FILE" 2>/dev/null | tr ',' ' ')"
if [[ ${#REQUIRED_PLUGINS[@]} -eq 0 ]]; then
    REQUIRED_PLUGINS=(rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management rabbitmq_federation
                      rabbitmq_federation_management)
fi

rabbit_ready() {
    rabbitmq-diagnostics -q check_running && rabbitmq-diagnostics -q check_port_connectivity
}

rabbit_missing_plugins() {
    # Reads the enabled-plugins file (fast); falls back to asking the node.
    local file="${RABBITMQ_ENABLED_PLUGINS_FILE:-/etc/rabbitmq/enabled_plugins}" enabled p
    if [[ -r "$file" ]]; then
        enabled="$(tr -d '[:space:]' <"$file")"
    else
        enabled="$(rabbitmq-plugins -q list -E -m 2>/dev/null | tr '\n' ',')"
    fi
    for p in "${REQUIRED_PLUGINS[@]}"; do
        [[ ",${enabled//[\[\].]/,}," == *",$p,"* ]] || printf '%s ' "$p"
    done
}

ensure_localhost_resolves() {  # Erlang distribution (rabbit@localhost, the CLI tools) needs it
    if ! getent hosts localhost >/dev/null 2>&1; then
        say "adding localhost to /etc/hosts"
        printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' | as_root tee -a /etc/hosts >/dev/null
    fi
}

# AMQP_URI may list a cluster's nodes, ';'-separated, as the runtime reads it (runtime/messaging/publisher.py
# broker_uris; deploy/README.md, "A three-node RabbitMQ cluster"). Read as one URL, the other nodes became the
# vhost. The bootstrap works on one node: the first that accepts connections, as the runtime's clients connect,
# else the first listed (the one a fresh machine installs and starts). One node is enough for the vhost, its
# permissions and the policies: a cluster keeps them in its shared metadata, so every member has them at once.
pick_amqp_node() {  # sets AMQP_NODE (and AMQP_NODES, the list); true when AMQP_NODE accepts connections
    local node listed
    IFS=';' read -r -a listed <<<"${AMQP_URI//[[:space:]]/}"
    AMQP_NODES=()
    for node in "${listed[@]}"; do [[ -z "$node" ]] || AMQP_NODES+=("$node"); done
    AMQP_NODE="${AMQP_NODES[0]:-$AMQP_URI}"
    for node in "${AMQP_NODES[@]}"; do
        parse_url "$node" 5672
        if tcp_open "$U_HOST" "$U_PORT"; then AMQP_NODE="$node"; return 0; fi
    done
    return 1
}

rabbit_fresh_config() {
    # Only for a broker this script has just installed: a node name that resolves without DNS, loopback listeners.
    local envf=/etc/rabbitmq/rabbitmq-env.conf conf=/etc/rabbitmq/rabbitmq.conf
    as_root mkdir -p /etc/rabbitmq
    if ! grep -qs '^NODENAME=' "$envf"; then
        echo 'NODENAME=rabbit@localhost' | as_root tee -a "$envf" >/dev/null
    fi
    if [[ ! -s "$conf" ]]; then
        printf '%s\n' "# written by deploy/bootstrap.sh (development / CI broker)" \
            "listeners.tcp.local = 127.0.0.1:$AMQP_PORT" \
            "management.tcp.ip = 127.0.0.1" | as_root tee "$conf" >/dev/null
    fi
}

bootstrap_rabbitmq() {
    pick_amqp_node || true
    parse_url "$AMQP_NODE" 5672
    AMQP_HOST="$U_HOST" AMQP_PORT="$U_PORT" AMQP_USER="${U_USER:-guest}" AMQP_PASS="${U_PASS:-guest}"
    AMQP_VHOST="$(urldecode "${U_PATH}")"; [[ -n "$AMQP_VHOST" ]] || AMQP_VHOST="/"
    AMQP_USER="$(urldecode "$AMQP_USER")" AMQP_PASS="$(urldecode "$AMQP_PASS")"

    if ! is_local_host "$AMQP_HOST"; then
        say "rabbitmq: $AMQP_HOST:$AMQP_PORT is remote: waiting for it, not managing it"
        wait_for "rabbitmq at $AMQP_HOST:$AMQP_PORT (or another node of AMQP_URI)" "$READY_TIMEOUT" pick_amqp_node
        warn "plugins and policies of a remote broker are not applied (use its definitions file)"
        return
    fi

    local installed_now=0 started_now=0 missing
    if tcp_open "$AMQP_HOST" "$AMQP_PORT"; then
        if ! command -v rabbitmq-diagnostics >/dev/null 2>&1; then
            # e.g. the broker of docker-compose.yml published on this machine: its definitions configure it
            say "rabbitmq: $AMQP_HOST:$AMQP_PORT answers but no rabbitmq CLI here: not managing it"
            return
        fi
        say "rabbitmq: $AMQP_HOST:$AMQP_PORT answers"
    elif command -v rabbitmq-diagnostics >/dev/null 2>&1 && rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
        # The node runs but its listeners do not: it is booting, or someone stopped the app (the fault
        # tests do, for a while). Wait for it; start the app only if it stays stopped.
        say "rabbitmq: node is up but $AMQP_HOST:$AMQP_PORT does not answer yet: waiting"
        if ! wait_quietly 60 rabbit_ready; then
            say "rabbitmq: still stopped: rabbitmqctl start_app"
            rabbitmqctl -q start_app
        fi
    else
        if ! command -v rabbitmq-server >/dev/null 2>&1; then
            apt_install rabbitmq-server
            installed_now=1
        fi
        if [[ "$installed_now" == 1 ]]; then rabbit_fresh_config; fi
        missing="$(rabbit_missing_plugins)"
        if [[ -n "$missing" ]]; then
            say "rabbitmq: enabling plugins offline: $missing"
            # shellcheck disable=SC2086
            rabbitmq-plugins -q enable --offline $missing >/dev/null
        fi
        ensure_localhost_resolves
        say "rabbitmq: starting (rabbitmq-server -detached)"
        as_root rabbitmq-server -detached 9>&-   # the daemon must not inherit the bootstrap lock
        started_now=1
    fi
    wait_for "rabbitmq (check_running + check_port_connectivity)" "$READY_TIMEOUT" rabbit_ready
    [[ "$started_now" == 1 ]] && say "rabbitmq: ready"

    missing="$(rabbit_missing_plugins)"
    if [[ -n "$missing" ]]; then
        say "rabbitmq: enabling plugins online: $missing"
        # shellcheck disable=SC2086
        rabbitmq-plugins -q enable --online $missing >/dev/null
        wait_for "rabbitmq after enabling plugins" "$READY_TIMEOUT" rabbit_ready
    else
        say "rabbitmq: plugins enabled (${#REQUIRED_PLUGINS[@]})"
    fi

    if ! rabbitmqctl -q list_vhosts name 2>/dev/null | grep -qxF -- "$AMQP_VHOST"; then
        say "rabbitmq: creating vhost $AMQP_VHOST"
        rabbitmqctl -q add_vhost "$AMQP_VHOST"
        if rabbitmqctl -q list_users 2>/dev/null | awk '{print $1}' | grep -qxF -- "$AMQP_USER"; then
            rabbitmqctl -q set_permissions -p "$AMQP_VHOST" "$AMQP_USER" '.*' '.*' '.*'
        else
            warn "rabbitmq: user $AMQP_USER does not exist; create it and grant it $AMQP_VHOST"
        fi
    fi

    # Several nodes: a cluster, whose nameko RPC queues need the cluster's own policy as well (deploy/README.md)
    if [[ ${#AMQP_NODES[@]} -gt 1 ]]; then
        apply_rabbit_policies "$RABBIT_DEFINITIONS" "$RABBIT_CLUSTER_DEFINITIONS"
    else
        apply_rabbit_policies "$RABBIT_DEFINITIONS"
    fi
}

# apply_rabbit_policies FILE...: the "policies" of each definitions file, applied to the vhost of AMQP_URI only
# where they differ.
apply_rabbit_policies() {
    local files=() file current wanted line name pattern apply_to priority definition changed=0
    for file in "$@"; do
        if [[ -r "$file" ]]; then files+=("$file"); else warn "no $file: its policies are not applied"; fi
    done
    [[ ${#files[@]} -gt 0 ]] || return 0
    current="$(rabbitmqctl -q list_policies -p "$AMQP_VHOST" --formatter json 2>/dev/null || echo '[]')"
    wanted="$(CURRENT="$current" python3 - "${files[@]}" <<'PY'
import json, os, sys
current = {p["name"]: p for p in json.loads(os.environ.get("CURRENT") or "[]")}
policies = []
for path in sys.argv[1:]:
    with open(path) as f:
        policies += json.load(f).get("policies", [])
for p in policies:
    definition = json.dumps(p["definition"], sort_keys=True, separators=(",", ":"))
    have = current.get(p["name"])
    same = False
    if have is not None:
        have_def = have.get("definition")
        if isinstance(have_def, str):
            have_def = json.loads(have_def)
        same = (have.get("pattern") == p["pattern"]
                and have.get("apply-to") == p.get("apply-to", "all")
                and int(have.get("priority", 0)) == int(p.get("priority", 0))
                and have_def == p["definition"])
    print("\t".join(["same" if same else "set", p["name"], p["pattern"], p.get("apply-to", "all"),
                     str(p.get("priority", 0)), definition]))
PY
)"
    while IFS=$'\t' read -r line name pattern apply_to priority definition; do
        [[ -n "$line" ]] || continue
        if [[ "$line" == set ]]; then
            say "rabbitmq: set policy $name on vhost $AMQP_VHOST ($pattern -> $definition)"
            rabbitmqctl -q set_policy -p "$AMQP_VHOST" --apply-to "$apply_to" --priority "$priority" \
                "$name" "$pattern" "$definition" >/dev/null
            changed=1
        fi
    done <<<"$wanted"
    [[ "$changed" == 1 ]] || say "rabbitmq: policies up to date on vhost $AMQP_VHOST"
}

# ---------------------------------------------------------------------------------------------------- PostgreSQL

pg_server_url() {
    # PG_URL is a server URL; connect to the maintenance database "postgres" unless it names a database.
    if [[ -n "$PG_PATH" ]]; then printf '%s' "$PG_URL"; else printf '%s/postgres' "${PG_URL%/}"; fi
}
pg_select1() { psql "$(pg_server_url)" -XAtqc 'select 1' 2>&1; }
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && [[ "$(pg_select1)" == 1 ]]; }

pg_version() { find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n 1; }

pg_ensure_trust() {
    # Development/CI only: trust on the loopback addresses, inserted before the first rule of pg_hba.conf.
    local v="$1" hba="/etc/postgresql/$1/main/pg_hba.conf" marker="# peer-platform deploy/bootstrap.sh: trust on loopback"
    [[ -f "$hba" ]] || return 0
    grep -qF "$marker" "$hba" && return 0
    say "postgresql: adding loopback trust rules to $hba"
    as_root cp -p "$hba" "$hba.bak-bootstrap"
    as_root awk -v marker="$marker" '
        !done && /^[[:space:]]*(local|host)/ {
            print marker
            print "host    all             all             127.0.0.1/32            trust"
            print "host    all             all             ::1/128                 trust"
            print ""
            done = 1
        }
        { print }
        END { if (!done) { print marker; print "host all all 127.0.0.1/32 trust"; print "host all all ::1/128 trust" } }
    ' "$hba.bak-bootstrap" | as_root tee "$hba" >/dev/null
    if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload || true
    fi
}

bootstrap_postgres() {
    parse_url "$PG_URL" 5432
    PG_HOST="$U_HOST" PG_PORT="$U_PORT" PG_USER="${U_USER:-postgres}" PG_PATH="$U_PATH"

    if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
        if is_local_host "$PG_HOST"; then apt_install postgresql; else apt_install postgresql-client; fi
    fi

    if ! is_local_host "$PG_HOST"; then
        say "postgresql: $PG_HOST:$PG_PORT is remote: waiting for it, not managing it"
        wait_for "postgresql at $PG_HOST:$PG_PORT" "$READY_TIMEOUT" pg_ready
        return
    fi

    local v out
    if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
        say "postgresql: $PG_HOST:$PG_PORT answers"
    else
        if [[ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]]; then
            apt_install postgresql
        fi
        v="$(pg_version)"
        if [[ -z "$v" || ! -d "/etc/postgresql/$v/main" ]]; then
            v="${v:-$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1)}"
            say "postgresql: creating cluster $v/main on port $PG_PORT"
            as_root pg_createcluster --port "$PG_PORT" "$v" main >/dev/null
        fi
        pg_ensure_trust "$v"
        as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
        say "postgresql: starting cluster $v/main (pg_ctlcluster)"
        as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start 9>&-
    fi
    wait_for "postgresql (pg_isready)" "$READY_TIMEOUT" pg_isready -q -h "$PG_HOST" -p "$PG_PORT"

    out="$(pg_select1)" || true
    if [[ "$out" != 1 ]]; then
        v="$(pg_version)"
        if [[ "$out" == *"authentication failed"* || "$out" == *"no pg_hba.conf entry"* ]]; then
            pg_ensure_trust "$v"
        elif [[ "$out" == *"role \"$PG_USER\" does not exist"* ]]; then
            say "postgresql: creating superuser role $PG_USER"
            as_root runuser -u postgres -- psql -XAtqc "create role \"$PG_USER\" login superuser" >/dev/null
        fi
        wait_for "postgresql (select 1 as $PG_USER)" 30 pg_ready
    fi
    say "postgresql: ready (select 1 as $PG_USER)"
}

# ---------------------------------------------------------------------------------------------------- Python venv

find_python() {
    local c
    for c in "$PYTHON" python3.11 python3; do
        [[ -n "$c" ]] || continue
        if command -v "$c" >/dev/null 2>&1 \
            && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$c"; return 0
        fi
    done
    return 1
}

# pip's stderr without the noise of find-links folders that do not exist on this machine
quiet_pip() { grep -v "is ignored: it is neither a file nor a directory" || true; }

stamp_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

bootstrap_venv() {
    local py lock_stamp proj_stamp
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        py="$(find_python)" || { apt_install python3 python3-venv; py="$(find_python)"; } \
            || die "no Python >= 3.11 found (set PYTHON=/path/to/python3.11)"
        say "venv: creating $VENV with $py"
        if ! "$py" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            apt_install python3-venv "python3.11-venv"
            "$py" -m venv "$VENV"
        fi
    fi
    "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || die "$VENV has Python < 3.11: remove it and run again"

    lock_stamp="$(stamp_of requirements.lock <("$VENV/bin/python" -VV))"
    if [[ "$(cat "$VENV/.requirements.lock.sha256" 2>/dev/null)" != "$lock_stamp" ]]; then
        say "venv: installing requirements.lock"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock 2> >(quiet_pip >&2)
        echo "$lock_stamp" >"$VENV/.requirements.lock.sha256"
    else
        say "venv: requirements.lock already installed"
    fi

    if [[ -f pyproject.toml ]]; then
        proj_stamp="$(stamp_of pyproject.toml)"
        if [[ "$(cat "$VENV/.pyproject.sha256" 2>/dev/null)" != "$proj_stamp" || ! -x "$VENV/bin/peer-admin" ]]; then
            say "venv: pip install -e . --no-deps"
            "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e . --no-deps 2> >(quiet_pip >&2)
            echo "$proj_stamp" >"$VENV/.pyproject.sha256"
        else
            say "venv: project installed in editable mode"
        fi
    else
        warn "venv: no pyproject.toml yet: skipping the editable install"
    fi
}

# ---------------------------------------------------------------------------------------------------- Chromium

# The browser of the page tests (tests/support/browser.py): Debian's, so nothing is downloaded at test time.
bootstrap_chromium() {
    if [[ -x /usr/bin/chromium ]]; then
        say "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
        return
    fi
    apt_install chromium
    say "chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
}

# ---------------------------------------------------------------------------------------------------- tools

# The tools the tests check the repository with: installed when missing (CI gets them from here), never
# required to run the product; without a package source it warns and the tests that need one skip.
bootstrap_tools() {
    if command -v shellcheck >/dev/null 2>&1; then
        say "shellcheck: present ($(shellcheck --version | sed -n 's/^version: //p'))"
    elif command -v apt-get >/dev/null 2>&1 && apt_install shellcheck && command -v shellcheck >/dev/null 2>&1; then
        say "shellcheck: installed"
    else
        warn "shellcheck: could not be installed; tests/deploy/test_scripts.py skips its check"
    fi
}

# ---------------------------------------------------------------------------------------------------- main

mkdir -p "$REPO_ROOT/var"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$REPO_ROOT/var/.bootstrap.lock"
    flock -w 600 9 || die "another bootstrap is still running"
fi

if [[ "$SKIP_INFRA" == 0 ]]; then
    bootstrap_rabbitmq
    bootstrap_postgres
    bootstrap_chromium
fi
if [[ "$SKIP_VENV" == 0 ]]; then
    bootstrap_venv
fi
bootstrap_tools
say "done in $(( $(date +%s) - START_TS ))s"
