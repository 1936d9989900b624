"""Secrets have no public default (issue 8 item 9): runtime/instance_secrets.py, runtime/config.py.

Unit level for the resolution rules; real `nameko run` and `python -m runtime.messaging.relay` processes for the refusal
to start, and real `peer-admin` processes for the development secrets shared between processes.
"""
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from runtime import instance_secrets
from runtime.http import auth
from runtime.config import ConfigurationError, settings
from runtime.errors import Unauthorized

ROOT = Path(__file__).resolve().parents[2]
PEER_ADMIN = str(Path(sys.executable).with_name("peer-admin"))
NAMEKO = str(Path(sys.executable).with_name("nameko"))
# The built-in default of JWT_SECRET and region-1084's committed profile secret before this fix: public forever.
FORMER_DEFAULT = "development-secret-change-me-in-production"
FORMER_PROFILE_SECRET = "dev-region-1084-change-me-in-production-0123456789"


def without_secrets(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in instance_secrets.INPUTS and not k.endswith("_DATABASE_URL")}
    env.update(INSTANCE_ID="region-1084", PSYCOPG_WAIT_FUNC="wait_select", **extra)
    return env


@pytest.fixture
def no_secrets(monkeypatch):
    for name in instance_secrets.INPUTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_ID", "region-1084")


@pytest.fixture
def dev_mode(no_secrets, monkeypatch, tmp_path):
    path = tmp_path / "dev-secrets.env"
    monkeypatch.setenv("PEER_DEV_MODE", "1")
    monkeypatch.setenv("PEER_DEV_SECRETS_FILE", str(path))
    return path


def test_without_secrets_outside_development_mode_nothing_resolves(no_secrets):
    """Guards: settings() fell back to a hard-coded JWT_SECRET and hashes of public strings for the keys."""
    with pytest.raises(ConfigurationError) as refused:
        settings()
    for name in ("JWT_SECRET", "VAULT_MASTER_KEY", "PSEUDONYM_SECRET", "DB_PASSWORD", "VAULT_DB_PASSWORD",
                 "CREDENTIAL_SIGNING_KEY"):
        assert name in str(refused.value)


def test_a_token_signed_with_the_former_default_secret_is_refused(dev_mode):
    """Guards: with no configuration a token signed with the public default secret was accepted as admin."""
    for secret in (FORMER_DEFAULT, FORMER_PROFILE_SECRET):
        token = jwt.encode({"sub": "intruder", "roles": ["admin"], "instance": "region-1084",
                            "aud": "peer-platform", "exp": int(time.time()) + 600}, secret, algorithm="HS256")
        with pytest.raises(Unauthorized):
            auth.verify(token)
    assert settings().jwt_secret not in (FORMER_DEFAULT, FORMER_PROFILE_SECRET)


@pytest.mark.parametrize("value", [FORMER_DEFAULT, FORMER_PROFILE_SECRET])
def test_a_formerly_public_value_is_refused_even_when_configured(no_secrets, monkeypatch, value):
    """Guards: an operator copying the once-committed profile value would run with a key every attacker has."""
    for name, generate in instance_secrets.SECRETS.items():
        monkeypatch.setenv(name, generate())
    monkeypatch.setenv("JWT_SECRET", value)
    with pytest.raises(ConfigurationError, match="JWT_SECRET is a value published"):
        settings()


def test_development_mode_generates_once_and_every_process_reuses_it(tmp_path):
    """Guards: development secrets must be generated into an ignored file on first run and be the same for
    every process of the instance after, also when several processes start at once (the runner starts eight)."""
    path = tmp_path / "dev-secrets" / "region-1084.env"
    env = without_secrets(PEER_DEV_MODE="1", PEER_DEV_SECRETS_FILE=str(path))
    racing = [subprocess.Popen([PEER_ADMIN, "config"], env=env, stdout=subprocess.PIPE, text=True)
              for _ in range(4)]
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in racing]
    again = json.loads(subprocess.run([PEER_ADMIN, "config"], env=env, capture_output=True, text=True,
                                      check=True, timeout=60).stdout)
    fingerprints = {json.dumps(o["secrets"], sort_keys=True) for o in [*outputs, again]}
    assert len(fingerprints) == 1, "processes of one instance disagree on its development secrets"
    assert again["dev_mode"] is True
    assert all(s["source"] == str(path) for s in again["secrets"].values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["region-1084.env"], "drafts left behind"
    written = dict(line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#"))
    assert set(written) == set(instance_secrets.SECRETS)
    assert FORMER_DEFAULT not in path.read_text()


def test_the_default_development_secrets_file_is_git_ignored():
    """Guards: generated secrets must never be committable."""
    checked = subprocess.run(["git", "check-ignore", "-q", "var/dev-secrets/region-1084.env"], cwd=ROOT)
    assert checked.returncode == 0


@pytest.mark.parametrize("command", ["service", "relay"])
def test_a_process_without_secrets_outside_development_mode_refuses_to_start(tmp_path, command):
    """Guards: a service or relay started with no secrets ran on public defaults; now it exits, naming them."""
    argv = ([NAMEKO, "run", "--config", "deploy/nameko.yaml", "services.roles.service"] if command == "service"
            else [sys.executable, "-m", "runtime.messaging.relay", "roles"])
    env = without_secrets(DB_PREFIX=f"nosecrets_{os.getpid()}_", WEB_SERVER_ADDRESS="127.0.0.1:0")
    try:
        finished = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command} kept running without secrets")
    assert finished.returncode != 0
    output = finished.stdout + finished.stderr
    assert "JWT_SECRET" in output and "VAULT_MASTER_KEY" in output and "PSEUDONYM_SECRET" in output, output[-2000:]
    assert "PEER_DEV_MODE=1" in output
