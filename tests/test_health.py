"""``/healthz``: 200 while the database and the broker answer, 503 with the reasons while one
does not (stopped, frozen or dead), and 200 again once it is back (health.py).

The dependencies that are stopped or frozen here are private ones (a PostgreSQL and a
redis-server of the test's own); the machine's shared servers are never touched.
"""

from __future__ import annotations

import http.client
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from slackline.health import PROBE_INTERVAL_SECS, PROBE_TIMEOUT_SECS
from slackline.testing.server import ServerThread
from tests.broker.test_redis_frozen import FreezableRedis
from tests.helpers.http import HttpResult, http_request, start_server
from tests.helpers.postgres import PrivatePostgres, private_postgres, with_query

# A probe runs every PROBE_INTERVAL_SECS and gives up after PROBE_TIMEOUT_SECS: a change is
# seen within both, plus the dependency's own time to fail; generous for a loaded machine.
NOTICE_BOUND_SECS = PROBE_INTERVAL_SECS + PROBE_TIMEOUT_SECS + 3.0
RECOVERY_TIMEOUT_SECS = 30.0
POLL_SECS = 0.05
STORE_TIMEOUT_SECS = "1"


def healthz(server: ServerThread) -> HttpResult:
    """GET /healthz."""
    return http_request(server.port, "GET", "/healthz")


def wait_for_health(
    server: ServerThread,
    done: Callable[[HttpResult], bool],
    timeout_secs: float = RECOVERY_TIMEOUT_SECS,
) -> tuple[HttpResult, float]:
    """Poll /healthz until ``done`` holds (bounded); the answer and how long it took."""
    started = time.monotonic()
    while not done(result := healthz(server)):
        assert time.monotonic() - started < timeout_secs, f"still {result.status} {result.body}"
        time.sleep(POLL_SECS)  # bounded polling for the next probe
    return result, time.monotonic() - started


def is_ok(result: HttpResult) -> bool:
    """200 ``{"status": "ok"}``."""
    return result.status == 200 and result.body == {"status": "ok"}


def down_because(dependency: str) -> Callable[[HttpResult], bool]:
    """503 unavailable, with a reason naming ``dependency``."""

    def down(result: HttpResult) -> bool:
        reasons = result.body.get("reasons", [])
        return (
            result.status == 503
            and result.body.get("status") == "unavailable"
            and any(reason.startswith(f"{dependency}: ") for reason in reasons)
        )

    return down


def dependency_up(server: ServerThread) -> dict[str, float]:
    """``slackline_dependency_up`` per dependency, as the metrics listener exposes it."""
    assert server.listeners is not None and server.listeners.metrics_port is not None
    connection = http.client.HTTPConnection("127.0.0.1", server.listeners.metrics_port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    return {
        sample.labels["name"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "slackline_dependency_up"
        for sample in family.samples
    }


def test_healthz_is_ok_on_a_normal_server(server: ServerThread) -> None:
    result = healthz(server)
    assert (result.status, result.body) == (200, {"status": "ok"})
    assert result.headers["content-type"] == "application/json; charset=utf-8"


# the database


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL server, stopped and removed after the test."""
    with private_postgres() as pg:
        yield pg


@pytest.fixture
def on_private_pg(tmp_path: Path, private_pg: PrivatePostgres) -> Iterator[ServerThread]:
    """A server whose database is the private PostgreSQL (1 s timeouts)."""
    database = with_query(private_pg.url, timeout_secs=STORE_TIMEOUT_SECS)
    thread = start_server(tmp_path, database=database, metrics_port=0)
    yield thread
    thread.stop()


def postgres_pids(pg: PrivatePostgres) -> list[int]:
    """The postmaster's process id first, then its children's (the backends and helpers)."""
    postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        if int(stat.rpartition(")")[2].split()[1]) == postmaster:
            children.append(int(entry.name))
    return [postmaster, *children]


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    """SIGSTOP every process, and SIGCONT them all afterwards, whatever happens."""
    stopped: list[int] = []
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


def test_a_stopped_database_is_unavailable_until_it_is_back(
    on_private_pg: ServerThread,
    private_pg: PrivatePostgres,
    record_property: Callable[[str, object], None],
) -> None:
    server = on_private_pg
    assert is_ok(healthz(server))

    private_pg.stop()
    down, noticed_secs = wait_for_health(server, down_because("database"))
    assert [r for r in down.body["reasons"] if not r.startswith("database: ")] == []
    assert dependency_up(server) == {"database": 0.0, "broker": 1.0}

    private_pg.start()
    _, recovered_secs = wait_for_health(server, is_ok)
    assert dependency_up(server) == {"database": 1.0, "broker": 1.0}

    record_property("stopped_noticed_secs", round(noticed_secs, 3))
    record_property("restarted_ok_secs", round(recovered_secs, 3))
    print(f"stopped database: 503 after {noticed_secs:.3f} s ({down.body['reasons']})")
    print(f"restarted database: 200 after {recovered_secs:.3f} s")
    assert noticed_secs < NOTICE_BOUND_SECS


def test_a_frozen_database_is_unavailable_until_it_thaws(
    on_private_pg: ServerThread,
    private_pg: PrivatePostgres,
    record_property: Callable[[str, object], None],
) -> None:
    server = on_private_pg
    assert is_ok(healthz(server))

    with frozen(postgres_pids(private_pg)):
        down, noticed_secs = wait_for_health(server, down_because("database"))
        # The answer itself never waits on the frozen database.
        started = time.monotonic()
        assert down_because("database")(healthz(server))
        answer_secs = time.monotonic() - started
    _, recovered_secs = wait_for_health(server, is_ok)

    record_property("frozen_noticed_secs", round(noticed_secs, 3))
    record_property("thawed_ok_secs", round(recovered_secs, 3))
    print(f"frozen database: 503 after {noticed_secs:.3f} s ({down.body['reasons']})")
    print(f"/healthz answered in {answer_secs:.3f} s while frozen")
    print(f"thawed database: 200 after {recovered_secs:.3f} s")
    assert noticed_secs < NOTICE_BOUND_SECS
    assert answer_secs < 0.5


# the broker


@pytest.fixture
def redis() -> Iterator[FreezableRedis]:
    """A private Redis, always thawed and stopped afterwards."""
    instance = FreezableRedis()
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def test_a_frozen_then_dead_broker_is_unavailable_until_it_is_back(
    tmp_path: Path, redis: FreezableRedis, record_property: Callable[[str, object], None]
) -> None:
    broker = f"redis://127.0.0.1:{redis.port}"
    server = start_server(tmp_path, broker=broker, metrics_port=0)
    try:
        assert is_ok(healthz(server))

        redis.freeze()
        frozen_down, frozen_secs = wait_for_health(server, down_because("broker"))
        assert dependency_up(server) == {"database": 1.0, "broker": 0.0}
        redis.thaw()
        _, thawed_secs = wait_for_health(server, is_ok)

        redis.stop()  # killed: connections refused
        dead_down, dead_secs = wait_for_health(server, down_because("broker"))
        assert [r for r in dead_down.body["reasons"] if not r.startswith("broker: ")] == []
        redis.start()
        _, restarted_secs = wait_for_health(server, is_ok)
        assert dependency_up(server) == {"database": 1.0, "broker": 1.0}
    finally:
        redis.thaw()
        server.stop()

    for name, secs in [
        ("frozen_noticed_secs", frozen_secs),
        ("thawed_ok_secs", thawed_secs),
        ("dead_noticed_secs", dead_secs),
        ("restarted_ok_secs", restarted_secs),
    ]:
        record_property(name, round(secs, 3))
    print(f"frozen broker: 503 after {frozen_secs:.3f} s ({frozen_down.body['reasons']})")
    print(f"thawed broker: 200 after {thawed_secs:.3f} s")
    print(f"dead broker: 503 after {dead_secs:.3f} s ({dead_down.body['reasons']})")
    print(f"restarted broker: 200 after {restarted_secs:.3f} s")
    assert frozen_secs < NOTICE_BOUND_SECS
    assert dead_secs < NOTICE_BOUND_SECS
