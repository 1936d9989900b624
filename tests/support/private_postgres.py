"""A private PostgreSQL server for tests that must stop a database or need a standby.

The shared server on 5432 is never stopped; a test that needs an outage or a hot standby starts its own
with `initdb` + `pg_ctl` on a free port in a temporary directory, and stops only that one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.instance import free_port

_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
BIN = _BIN[-1] if _BIN else None  # the newest installed major version


def available() -> bool:
    return BIN is not None and (BIN / "initdb").exists()


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: under root, run it as the postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    def __init__(self, port: int | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="private-pg-"))
        self.data = self.dir / "data"
        self.port = port or free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *command: str, timeout: float = 60) -> None:
        subprocess.run(_as_postgres([str(BIN / command[0]), *command[1:]]), check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> "PrivatePostgres":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> "PrivatePostgres":
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "-t", "30",
                  "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def standby(self) -> "PrivatePostgres":
        """A hot standby of this (running) server, streaming from it, started."""
        replica = PrivatePostgres()
        try:
            self._run("pg_basebackup", "-D", str(replica.data), "-h", "127.0.0.1", "-p", str(self.port),
                      "-U", "postgres", "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")
            return replica.start()
        except Exception:
            replica.destroy()
            raise

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.dir, ignore_errors=True)
