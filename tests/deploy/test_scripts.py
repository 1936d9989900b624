"""The local runner and its scripts: syntax, the CI entry point, the Procfile, the lock file."""
from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "deploy" / n for n in ("bootstrap.sh", "up.sh", "down.sh", "test.sh")] + [ROOT / ".ci" / "run"]
PORTS = {"roles": 8001, "courses": 8002, "network": 8003, "notifications": 8004}
# The services built so far (services/<name>/service.py exists): the runner and compose run exactly these.
SERVICES = tuple(s for s in PORTS if (Path(__file__).resolve().parents[2] / "services" / s / "service.py").exists())


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_script_syntax(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert script.read_text().startswith("#!/usr/bin/env bash\n")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shellcheck(script):
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    result = subprocess.run(["shellcheck", "-x", str(script)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout


def test_ci_entry_point_runs_the_test_command():
    assert (ROOT / ".ci" / "run").read_text() == (
        '#!/usr/bin/env bash\nset -euo pipefail\ncd "$(dirname "$0")/.."\nexec bash deploy/test.sh\n'
    )


def _bootstrap_function(name: str) -> str:
    text = (ROOT / "deploy" / "bootstrap.sh").read_text()
    match = re.search(rf"^{name}\(\) \{{.*?^\}}$", text, re.S | re.M)
    assert match, name
    return match.group(0)


@pytest.mark.parametrize(
    "url, default, expected",
    [
        ("amqp://guest:guest@127.0.0.1:5672/", "5672", "guest|guest|127.0.0.1|5672|"),
        ("amqp://peer:s3cret@rabbitmq/national", "5672", "peer|s3cret|rabbitmq|5672|national"),
        ("amqp://u:p@[::1]:5673/%2F?heartbeat=30", "5672", "u|p|::1|5673|%2F"),
        ("postgresql://postgres@127.0.0.1:5432", "5432", "postgres||127.0.0.1|5432|"),
        ("postgresql://app:pw@db.example:6543/peer_roles", "5432", "app|pw|db.example|6543|peer_roles"),
    ],
)
def test_bootstrap_parses_urls(url, default, expected):
    script = _bootstrap_function("parse_url") + f'\nparse_url "{url}" {default}\n' \
        'printf "%s|%s|%s|%s|%s" "$U_USER" "$U_PASS" "$U_HOST" "$U_PORT" "$U_PATH"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_bootstrap_decodes_the_default_vhost():
    script = _bootstrap_function("urldecode") + '\nurldecode "%2F"; echo; urldecode "kommune-0101"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert result.stdout.split("\n")[:2] == ["/", "kommune-0101"]


def _procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def test_procfile_runs_every_service_and_one_relay_each():
    """The national service (national instance only) has its relay too: it publishes the downlink."""
    entries = _procfile()
    assert set(entries) == set(SERVICES) | {f"relay-{s}" for s in SERVICES} | {"national", "relay-national"}
    assert "${HTTP_PORT_NATIONAL:-8005}" in entries["national"] and "services.national.service" in entries["national"]
    for service, port in ((s, PORTS[s]) for s in SERVICES):
        command = entries[service]
        assert f"services.{service}.service" in command and "--config deploy/nameko.yaml" in command
        assert f"${{HTTP_PORT_{service.upper()}:-{port}}}" in command
        assert command.startswith("exec "), "exec: supervisord's SIGTERM must reach the process itself"
        relay = entries[f"relay-{service}"]
        assert re.search(rf"-m runtime\.messaging\.relay {service}\b", relay) and relay.startswith("exec ")


def test_procfile_modules_exist():
    for name, command in _procfile().items():
        for module in re.findall(r"(?:services\.\w+\.service|runtime\.messaging\.relay)", command):
            path = ROOT.joinpath(*module.split("."))
            assert path.with_suffix(".py").exists() or (path / "__main__.py").exists(), f"{name}: {module} missing"
    assert (ROOT / "deploy" / "nameko.yaml").is_file()


@pytest.mark.parametrize("topology", ["single", "multi-region"])
def test_supervisord_accepts_the_rendered_config(topology, tmp_path):
    """supervisord itself parses what admin/runner.py renders from the Procfile: every process is a program
    that restarts when it dies, in the group up.sh starts (`apps`, and `brokers` for multi-region)."""
    from supervisor.options import ServerOptions

    from admin.runner import plan, supervisord_config

    (tmp_path / "run").mkdir()
    (tmp_path / "log").mkdir()
    config = tmp_path / "supervisord.conf"
    config.write_text(supervisord_config(plan(topology, tmp_path), tmp_path / "run", tmp_path / "log"))
    options = ServerOptions()
    options.realize(args=["-c", str(config)])
    groups = {group.name: group for group in options.process_group_configs}
    expected = {"apps", "brokers"} if topology == "multi-region" else {"apps"}
    assert set(groups) == expected
    programs = [p for group in groups.values() for p in group.process_configs]
    assert all(p.autorestart and p.stopasgroup and p.killasgroup for p in programs)
    apps = {p.name for p in groups["apps"].process_configs}
    if topology == "single":
        assert apps == set(SERVICES) | {f"relay-{s}" for s in SERVICES}


def test_replicas_render_a_second_copy_of_every_process_on_its_own_ports(tmp_path, monkeypatch):
    """`deploy/up.sh --replicas 2` (PEER_REPLICAS): supervisord runs every service and relay twice, the copy on
    ports ten above the first (what the compose file publishes); one replica stays the default."""
    from supervisor.options import ServerOptions

    from admin.runner import plan, supervisord_config

    monkeypatch.setenv("PEER_REPLICAS", "2")
    (tmp_path / "run").mkdir()
    (tmp_path / "log").mkdir()
    config = tmp_path / "supervisord.conf"
    config.write_text(supervisord_config(plan("single", tmp_path), tmp_path / "run", tmp_path / "log"))
    options = ServerOptions()
    options.realize(args=["-c", str(config)])
    programs = {p.name: p for group in options.process_group_configs for p in group.process_configs}
    firsts = set(SERVICES) | {f"relay-{s}" for s in SERVICES}
    assert set(programs) == firsts | {f"{name}-2" for name in firsts}
    for service, (http, metrics) in {"roles": (8011, 9111), "notifications": (8014, 9114)}.items():
        assert programs[f"{service}-2"].environment["HTTP_PORT_" + service.upper()] == str(http)
        assert programs[f"relay-{service}-2"].environment["RELAY_METRICS_PORT_" + service.upper()] == str(metrics)
        assert programs[f"{service}-2"].command == programs[service].command
    ports = [port for program in plan("single", tmp_path) for port in program.listens_on]
    assert len(ports) == len(set(ports)) == 16
    monkeypatch.setenv("PEER_REPLICAS", "1")
    assert {p.name for p in plan("single", tmp_path)} == firsts
    for wrong in ("0", "ten", "12"):
        monkeypatch.setenv("PEER_REPLICAS", wrong)
        with pytest.raises(SystemExit, match="PEER_REPLICAS"):
            plan("single", tmp_path)


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"not pinned exactly: {line}"
        pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version.split(";")[0].strip()
    return pins


def test_lock_pins_every_requirement_exactly():
    pins = _lock()
    wanted = []
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            wanted.append(re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~;\s]", line, maxsplit=1)[0]).lower())
    assert wanted and set(wanted) <= set(pins), set(wanted) - set(pins)
    assert pins["nameko"] == "2.14.1"
    assert pins["eventlet"].startswith("0.41.") and pins["kombu"].startswith("5.7.")
    assert pins["werkzeug"].startswith("3.") and pins["psycopg"].startswith("3.")
    assert pins["marshmallow"].startswith("4.")


def test_venv_matches_the_lock():
    """The environment running the tests is the locked one (bootstrap reinstalls when the lock changes)."""
    mismatched = {}
    for name, version in _lock().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            mismatched[name] = (version, installed)
    assert not mismatched, f"locked vs installed: {mismatched} (run deploy/bootstrap.sh)"


# ---------------------------------------------------------------------------------------------------- one configuration


def _config_of(argv: list[str], env: dict) -> dict:
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout[out.stdout.index("{"):])


def test_the_runner_the_cli_and_the_test_support_resolve_one_configuration(tmp_path, monkeypatch):
    """Guards issue 8 item 20: plain `deploy/up.sh` used built-in secrets and settings of its own on the databases
    of the region-1084 profile, so a token minted from the profile was refused and the profile's master key could
    not unwrap the person keys. Now up.sh, `peer-admin` and the test support resolve the same values from the
    same profile and the same (development) secrets, and a token minted by the CLI is accepted by them."""
    from runtime import instance_secrets
    from runtime.http import auth
    from runtime.config import profile_path, read_env_file, settings

    cleared = set(instance_secrets.INPUTS) | {"INSTANCE_ID", "AMQP_URI", "PG_URL", "DB_PREFIX", "LOG_LEVEL"}
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env["PEER_DEV_SECRETS_FILE"] = str(tmp_path / "dev-secrets.env")
    peer_admin = str(ROOT / ".venv" / "bin" / "peer-admin")

    runner = _config_of(["bash", "deploy/up.sh", "--print-config"], env)
    cli = _config_of([peer_admin, "config"], {**env, "PEER_DEV_MODE": "1"})
    assert runner == cli
    profile = read_env_file(profile_path("region-1084"))
    assert (runner["instance_id"], runner["db_prefix"]) == (profile["INSTANCE_ID"], profile["DB_PREFIX"])

    token = subprocess.run([peer_admin, "mint-token", "--sub", "user-1", "--role", "leader"], cwd=ROOT,
                           env={**env, "PEER_DEV_MODE": "1"}, capture_output=True, text=True, check=True,
                           timeout=60).stdout.strip()
    for name in cleared:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PEER_DEV_MODE", "1")
    monkeypatch.setenv("PEER_DEV_SECRETS_FILE", env["PEER_DEV_SECRETS_FILE"])
    in_process = settings()
    assert in_process.instance_id == "region-1084" and in_process.db_prefix == profile["DB_PREFIX"]
    assert auth.verify(token).subject == "user-1"

    other = _config_of(["bash", "deploy/up.sh", "--instance", "kommune-0101", "--print-config"], env)
    assert other["db_prefix"] == read_env_file(profile_path("kommune-0101"))["DB_PREFIX"]


@pytest.mark.parametrize("present", [True, False], ids=["present", "missing"])
def test_bootstrap_installs_shellcheck_only_when_missing(present, tmp_path):
    """Guards the tools step of deploy/bootstrap.sh: shellcheck (which test_shellcheck needs, so CI runs it)
    is installed with apt when missing, and left alone when present."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt.calls"
    (bin_dir / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    if present:
        (bin_dir / "shellcheck").write_text("#!/bin/sh\necho 'version: 0.9.0'\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    for tool in ("sed", "chmod"):  # the only other commands the step and the stub run; PATH is this folder only
        (bin_dir / tool).symlink_to(shutil.which(tool))
    script = "\n".join([
        "say() { echo \"$*\"; }", "warn() { echo \"WARNING: $*\"; }",
        # the stub installs by putting a shellcheck on PATH, as apt would
        f"apt_install() {{ echo \"$*\" >> {calls}; printf '#!/bin/sh\\n' > {bin_dir}/shellcheck; "
        f"chmod 755 {bin_dir}/shellcheck; }}",
        _bootstrap_function("bootstrap_tools"), "bootstrap_tools"])
    result = subprocess.run([shutil.which("bash"), "-c", script], capture_output=True, text=True,
                            env={"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    if present:
        assert not calls.exists() and "shellcheck: present (0.9.0)" in result.stdout
    else:
        assert calls.read_text() == "shellcheck\n" and "shellcheck: installed" in result.stdout


def _bootstrap_section(title: str) -> str:
    """The lines of deploy/bootstrap.sh between its `# ---...--- <title>` banner and the next banner."""
    text = (ROOT / "deploy" / "bootstrap.sh").read_text()
    match = re.search(rf"^# -+ {title}\n(.*?)^# -+ ", text, re.S | re.M)
    assert match, title
    return match.group(1)


@pytest.fixture
def rabbitmq_cli(tmp_path):
    """Stand-ins for the RabbitMQ CLI (and whatever could install or start a broker) that record their calls:
    `rabbitmqctl` knows the default vhost, the user `u` and no policy; the node is ready."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "cli.calls"
    bin_dir.mkdir()
    answers = 'case "$2" in list_vhosts) echo /;; list_users) echo "u [administrator]";; list_policies) echo "[]";; esac'
    for tool, body in {"rabbitmqctl": answers, "rabbitmq-diagnostics": "", "rabbitmq-plugins": "",
                       "rabbitmq-server": "", "apt-get": ""}.items():
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n{body}\nexit 0\n')
        (bin_dir / tool).chmod(0o755)
    plugins = tmp_path / "enabled_plugins"
    shutil.copy(ROOT / "deploy" / "rabbitmq" / "enabled_plugins", plugins)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins)}

    def run(amqp_uri: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        script = "\n".join([
            "set -euo pipefail", f"REPO_ROOT={ROOT}", f"RABBIT_DEFINITIONS={ROOT}/deploy/rabbitmq/definitions.json",
            f"RABBIT_CLUSTER_DEFINITIONS={ROOT}/deploy/rabbitmq/cluster/definitions.json",
            f"RABBIT_PLUGINS_FILE={plugins}", "READY_TIMEOUT=5", f"AMQP_URI='{amqp_uri}'",
            "say() { echo \"$*\"; }", "warn() { echo \"WARNING: $*\"; }", "die() { echo \"ERROR: $*\"; exit 1; }",
            _bootstrap_section("helpers"), _bootstrap_section("RabbitMQ"), "bootstrap_rabbitmq"])
        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
        return result, calls.read_text().splitlines() if calls.exists() else []

    return run


def _policy_names(*files: Path) -> list[str]:
    return [p["name"] for f in files for p in json.loads(f.read_text())["policies"]]


def _policies_set(calls: list[str], vhost: str) -> list[str]:
    # rabbitmqctl -q set_policy -p VHOST --apply-to WHAT --priority N NAME PATTERN DEFINITION
    return [c.split()[9] for c in calls if c.startswith(f"rabbitmqctl -q set_policy -p {vhost} ")]


@contextlib.contextmanager
def _listening():
    """A port on 127.0.0.1 that accepts connections (the handshake is all bootstrap's tcp_open needs)."""
    with socket.socket() as live:
        live.bind(("127.0.0.1", 0))
        live.listen(8)
        yield live.getsockname()[1]


def test_bootstrap_takes_the_first_node_of_a_cluster_list_that_answers(rabbitmq_cli):
    """AMQP_URI listing a cluster's nodes (`;`-separated, as the runtime reads it): the bootstrap works on the
    first node that accepts connections, creates the list's vhost (not one named after the other nodes) and sets
    each policy once, the cluster's RPC policy included (a cluster shares them: once is enough)."""
    from tests.support.instance import free_port

    with _listening() as port:  # the second node answers, the first and the third do not
        nodes = [f"amqp://u:p@127.0.0.1:{free_port()}/region-1084", f"amqp://u:p@127.0.0.1:{port}/region-1084",
                 f"amqp://u:p@127.0.0.1:{free_port()}/region-1084"]
        result, calls = rabbitmq_cli(";".join(nodes))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"rabbitmq: 127.0.0.1:{port} answers" in result.stdout
    assert "rabbitmqctl -q set_permissions -p region-1084 u .* .* .*" in calls
    assert [c for c in calls if " add_vhost " in c] == ["rabbitmqctl -q add_vhost region-1084"]
    assert _policies_set(calls, "region-1084") == _policy_names(
        ROOT / "deploy" / "rabbitmq" / "definitions.json", ROOT / "deploy" / "rabbitmq" / "cluster" / "definitions.json")
    assert not [c for c in calls if c.split()[0] in ("rabbitmq-server", "apt-get", "rabbitmq-plugins")]


def test_bootstrap_of_one_broker_sets_the_instance_policies_only(rabbitmq_cli):
    with _listening() as port:
        result, calls = rabbitmq_cli(f"amqp://u:p@127.0.0.1:{port}/kommune-0101")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rabbitmqctl -q add_vhost kommune-0101" in calls
    assert _policies_set(calls, "kommune-0101") == _policy_names(
        ROOT / "deploy" / "rabbitmq" / "definitions.json")
