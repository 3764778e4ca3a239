"""PostgreSQL for tests: throwaway schemas on the shared server, and private servers.

The shared server (``SLACKLINE_TEST_POSTGRES_URL``, by default the machine's ``test``
database) is only ever touched through uniquely named schemas that are dropped afterwards.
Tests that stop and start PostgreSQL run their own private instance in a temporary
directory, on a free port, as the ``postgres`` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from slackline.testing.server import ServerThread

SHARED_URL = os.environ.get(
    "SLACKLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SCHEMA_PREFIX = "slackline_test_"
CONNECT_TIMEOUT_SECS = 5
PG_CTL_WAIT_SECS = 30
COMMAND_TIMEOUT_SECS = 60


def with_query(url: str, **params: str) -> str:
    """The URL with more query parameters (values already percent-encoded)."""
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


@contextmanager
def postgres_schema(url: str = SHARED_URL) -> Iterator[str]:
    """A new empty schema; yields a URL whose ``search_path`` is that schema, then drops it."""
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    name = sql.Identifier(schema)
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECS) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(name))
    try:
        yield with_query(url, options=f"-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECS) as admin:
            admin.execute("SET lock_timeout = '10s'")
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))


@contextmanager
def on_backend(backend: str, start: Callable[..., ServerThread]) -> Iterator[ServerThread]:
    """The server ``start`` starts on ``backend``: on its SQLite default for ``"sqlite"``,
    with ``database`` a new schema of the shared server for ``"postgresql"``; stopped (and
    the schema dropped) afterwards."""
    with ExitStack() as stack:
        overrides: dict[str, Any] = {}
        if backend == "postgresql":
            overrides["database"] = stack.enter_context(postgres_schema())
        server = start(**overrides)
        stack.callback(server.stop)
        yield server


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL server of its own, in a temporary directory; stop and start it at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        """The URL of its ``postgres`` database, over TCP."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as_postgres, *args],
            check=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT_SECS,
        )

    def init(self) -> None:
        """Create the cluster (trust authentication, C locale, no fsync)."""
        self._run(
            _binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start the server; returns once it accepts connections (pg_ctl waits, bounded)."""
        server_options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _binary("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", server_options, "-w", "-t", str(PG_CTL_WAIT_SECS), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server (fast: sessions are terminated); returns once it is down."""
        self._run(
            _binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
            "-t", str(PG_CTL_WAIT_SECS), "stop",
        )  # fmt: skip

    def is_running(self) -> bool:
        """Whether the server's postmaster is up."""
        status = subprocess.run(
            [*self._as_postgres, _binary("pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            timeout=COMMAND_TIMEOUT_SECS,
            check=False,
        )
        return status.returncode == 0


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private server, always stopped and removed afterwards."""
    # Not under pytest's tmp_path: its parents are private to root, and postgres must reach it.
    root = Path(tempfile.mkdtemp(prefix="slackline-pg-"))
    try:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        server = PrivatePostgres(root)
        server.init()
        server.start()
        try:
            yield server
        finally:
            if server.is_running():
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
