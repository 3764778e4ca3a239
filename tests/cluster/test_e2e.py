"""Three real ``slackline serve`` processes on one PostgreSQL and one Redis behave as one server.

Sessions are spread over the processes (plain socket clients and slack_sdk's ``rtm_v2``
through its own driver process); messages are posted through every process. Tests that stop
Redis or PostgreSQL run private instances of their own; the others share the machine's
servers through a fresh schema and a Redis channel of their own. A process is killed with
SIGKILL; clients then come back through :class:`FailoverProxy`, the test's stand-in for a
load balancer (docs/deployment.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from slackline.admin import AdminClient
from tests.clients.harness import RTM_V2, Driver
from tests.helpers.cluster import (
    ADMIN_TOKEN,
    BOT_TOKEN,
    BUSY,
    BUSY_MEMBERS,
    GENERAL,
    SECRET,
    SECRET_MEMBERS,
    USERS,
    Cluster,
    ClusterNode,
    FailoverProxy,
    RecordedSession,
    call,
    closing_all,
    open_session,
    reply_to,
    token_of,
    unique_redis_url,
    wait_until,
    with_port,
)
from tests.helpers.postgres import postgres_schema, private_postgres, with_query
from tests.helpers.redis import PrivateRedis

# How long a client may take to be back, or a dead process's users to turn away: "within
# seconds" on a loaded 2-core machine (the figures measured are far lower).
RECOVERY_SECS = 20.0
# A request while PostgreSQL is down must be answered, not hang: the store's own bound is
# about 3 x timeout_secs; the HTTP client gives up later than that.
PG_TIMEOUT_SECS = 1
REQUEST_BOUND_SECS = 10.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Three processes started at the same moment on a fresh schema and a fresh channel."""
    with (
        postgres_schema() as database,
        Cluster(tmp_path_factory.mktemp("cluster"), database, unique_redis_url()) as running,
    ):
        running.start(3)
        yield running
        assert running.unexpected_log_records() == []


def nodes(cluster: Cluster) -> tuple[ClusterNode, ClusterNode, ClusterNode]:
    """The cluster's first three processes."""
    first, second, third = cluster.nodes[:3]
    return first, second, third


def post(node: ClusterNode, name: str, channel: str, text: str) -> dict[str, Any]:
    """chat.postMessage as a user through one process; the acknowledged message."""
    result = node.api("chat.postMessage", token_of(name), channel=channel, text=text)
    assert result.body.get("ok"), (node.name, text, result.body)
    message: dict[str, Any] = result.body
    return message


def socket_url(node: ClusterNode, name: str) -> str:
    """rtm.connect as a user through one process; the socket URL (the ticket) it hands out."""
    issued = node.api("rtm.connect", token_of(name))
    assert issued.body.get("ok"), (node.name, issued.body)
    return str(issued.body["url"])


def history_texts(node: ClusterNode, channel: str) -> list[str]:
    """The channel's texts, oldest first, read through one process."""
    result = node.api("conversations.history", token_of("alice"), channel=channel, limit="999")
    assert result.body.get("ok"), result.body
    return [m["text"] for m in reversed(result.body["messages"])]


def one_session_each(started: list[ClusterNode], names: list[str]) -> list[RecordedSession]:
    """A session per user, each on the process at the same place in ``started``."""
    return [
        open_session(node.port, token_of(name), name)
        for node, name in zip(started, names, strict=True)
    ]


def assert_every_session_gets_one_post_per_process(
    started: list[ClusterNode], names: list[str], sessions: list[RecordedSession], prefix: str
) -> None:
    """Each user posts to general through its own process; every session gets all of them
    in the order they were posted."""
    texts = [f"{prefix} {name}" for name in names]
    for node, name, text in zip(started, names, texts, strict=True):
        post(node, name, GENERAL, text)
    for session in sessions:
        session.wait_for_text(texts[-1])
        assert session.texts(GENERAL) == texts, session.label


def _connects(node: ClusterNode) -> bool:
    """Whether rtm.connect through the process succeeds right now."""
    return node.api("rtm.connect", BOT_TOKEN).status == 200


def _reads_history(node: ClusterNode, name: str) -> bool:
    """Whether conversations.history through the process succeeds right now."""
    return node.api("conversations.history", token_of(name), channel=GENERAL).body["ok"] is True


def start_rtm_v2(base_url: str, log_path: Path) -> Driver:
    """slack_sdk's rtm_v2 client (the bot) against ``base_url``, once it has said hello."""
    driver = RTM_V2.start(base_url, BOT_TOKEN, log_path)
    driver.wait_for_status("connected")
    driver.wait_for_event(type="hello")
    return driver


def driver_texts(driver: Driver) -> list[str]:
    """Texts of the message events the real client handed to its application."""
    return [
        str(line["event"].get("text"))
        for line in driver.lines()
        if isinstance(line.get("event"), dict) and line["event"].get("type") == "message"
    ]


# Concurrent starts, migrations and workspace loads.


def test_three_processes_started_together_on_a_fresh_schema_share_one_workspace(
    cluster: Cluster,
) -> None:
    for node in nodes(cluster):
        listed = node.api("users.list", BOT_TOKEN)
        ids = sorted(member["id"] for member in listed.body["members"])
        assert ids == sorted([*USERS.values(), "U0BOT"]), node.name
        for name in USERS:
            assert node.api("auth.test", token_of(name)).body["user_id"] == USERS[name]
    with psycopg.connect(cluster.database) as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM schema_migrations")]
    assert len(versions) == len(set(versions)) > 0


# Fan-out: every session gets every event it should, exactly once, in order.


def test_every_session_on_every_process_gets_each_message_it_should_once_in_order(
    cluster: Cluster, tmp_path: Path
) -> None:
    p1, p2, p3 = nodes(cluster)
    placement = [
        ("alice", p1), ("alice", p2), ("bob", p3), ("carol", p1), ("dave", p2), ("dave", p3),
    ]  # fmt: skip
    sessions = [open_session(node.port, token_of(name), name) for name, node in placement]
    real = start_rtm_v2(p2.base_url, tmp_path / "rtm_v2.log")
    with closing_all(sessions):
        try:
            posters = [("alice", p1), ("bob", p3), ("carol", p2), ("dave", p3), ("alice", p2)]
            expected: dict[str, list[str]] = {GENERAL: [], SECRET: []}
            for number in range(30):
                name, node = posters[number % len(posters)]
                channel = SECRET if number % 3 == 0 and name in SECRET_MEMBERS else GENERAL
                text = f"fan-out {number}"
                if number % 5 == 4:
                    # Through a socket: its acknowledgement is also a promise (decisions F.1).
                    sender = sessions[0] if channel == GENERAL else sessions[2]
                    sender.send({"id": number, "type": "message", "channel": channel, "text": text})
                    reply = sender.wait_for(reply_to(number), "reply")
                    assert reply["ok"], reply
                else:
                    post(node, name, channel, text)
                expected[channel].append(text)
            last = expected[GENERAL][-1]
            for session in sessions:
                session.wait_for_text(last)
            real.wait_for_event(type="message", text=last)
            for session in sessions:
                sees_secret = session.label in SECRET_MEMBERS
                assert session.texts(GENERAL) == expected[GENERAL], session.label
                assert session.texts(SECRET) == (expected[SECRET] if sees_secret else [])
            everything = [t for t in driver_texts(real) if t.startswith("fan-out")]
            assert sorted(everything) == sorted(expected[GENERAL] + expected[SECRET])
            assert [t for t in everything if t in expected[GENERAL]] == expected[GENERAL]
        finally:
            real.stop()


def test_concurrent_posts_through_three_processes_get_increasing_ts_and_one_order(
    cluster: Cluster,
) -> None:
    p1, p2, p3 = nodes(cluster)
    writers = list(zip(BUSY_MEMBERS, (p1, p2, p3), strict=True))
    listeners = [open_session(node.port, token_of(name), name) for name, node in writers]
    per_writer = 15
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()

    def write(name: str, node: ClusterNode) -> None:
        for number in range(per_writer):
            message = post(node, name, BUSY, f"busy {name} {number}")
            with lock:
                acknowledged.append((message["ts"], message["message"]["text"]))

    with closing_all(listeners):
        threads = [threading.Thread(target=write, args=writer) for writer in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(acknowledged) == per_writer * len(writers)
        all_ts = [ts for ts, _ in acknowledged]
        assert len(set(all_ts)) == len(all_ts)
        by_ts = [text for _, text in sorted(acknowledged, key=lambda pair: float(pair[0]))]
        # History, read through each process, lists them in one strictly increasing ts order.
        for node in (p1, p2, p3):
            listed = node.api("conversations.history", token_of("carol"), channel=BUSY, limit="999")
            stamps = [m["ts"] for m in reversed(listed.body["messages"])]
            assert stamps == sorted(stamps, key=float) and len(set(stamps)) == len(stamps)
            assert [m["text"] for m in reversed(listed.body["messages"])] == by_ts
        # Each writer's own posts arrive in its order; every session sees one and the same order.
        orders = [listener.wait_for_messages(BUSY, len(acknowledged)) for listener in listeners]
        assert sorted(orders[0]) == sorted(by_ts)
        assert orders[1] == orders[0] and orders[2] == orders[0]
        for name in BUSY_MEMBERS:
            own = [text for text in orders[0] if text.startswith(f"busy {name} ")]
            assert own == [f"busy {name} {n}" for n in range(per_writer)]


# Tickets: from one process, usable on any other, once.


def test_a_ticket_from_one_process_opens_a_session_on_another_and_only_once(
    cluster: Cluster,
) -> None:
    p1, p2, p3 = nodes(cluster)
    url = socket_url(p1, "heidi")
    assert url.startswith(f"ws://127.0.0.1:{p1.port}/websocket/")
    first = RecordedSession(with_port(url, p2.port), "first use on node2")
    again = [RecordedSession(with_port(url, node.port), f"again {node.name}") for node in (p3, p1)]
    with closing_all([first, *again]):
        assert first.wait_for(lambda f: True, "hello") == {"type": "hello"}
        post(p3, "heidi", GENERAL, "ticket crossed processes")
        first.wait_for_text("ticket crossed processes")
        for reused in again:
            reused.wait_ended()
            assert reused.frames() == [
                {"type": "error", "error": {"code": 1, "msg": "Socket URL has expired"}}
            ]
            assert reused.close_code == 1008


def test_events_between_rtm_connect_and_the_socket_follow_hello_on_another_process(
    cluster: Cluster,
) -> None:
    p1, p2, p3 = nodes(cluster)
    url = socket_url(p1, "heidi")
    post(p2, "alice", GENERAL, "before the socket opened")
    session = RecordedSession(with_port(url, p3.port), "heidi on node3")
    with closing_all([session]):
        post(p1, "alice", GENERAL, "after the socket opened")
        session.wait_for_text("after the socket opened")
        assert session.frames()[0] == {"type": "hello"}
        assert session.texts(GENERAL) == ["before the socket opened", "after the socket opened"]


def test_public_url_hands_out_sockets_on_another_process(cluster: Cluster) -> None:
    p1, p2, _ = nodes(cluster)
    pointing = cluster.add_node(public_url=p2.base_url)
    try:
        session = open_session(pointing.port, token_of("heidi"), "via public url")
        with closing_all([session]):
            post(p1, "alice", GENERAL, "reached through node2")
            session.wait_for_text("reached through node2")
    finally:
        pointing.stop()


# Presence: one state across processes.


def presence_changes(watcher: RecordedSession, user: str) -> list[str]:
    """The presence values the watcher was told for one user, in order."""
    return [
        str(f["presence"])
        for f in watcher.frames()
        if f.get("type") == "presence_change" and user in (f.get("user"), *f.get("users", ()))
    ]


def presence_via(node: ClusterNode, name: str) -> str:
    """users.getPresence of a user, asked through one process."""
    result = node.api("users.getPresence", token_of("judy"), user=USERS[name])
    assert result.body.get("ok"), result.body
    return str(result.body["presence"])


def test_presence_is_one_state_across_processes(cluster: Cluster) -> None:
    p1, p2, p3 = nodes(cluster)
    frank, grace = USERS["frank"], USERS["grace"]
    watcher = open_session(p3.port, token_of("judy"), "watcher")
    with closing_all([watcher]):
        watcher.send({"type": "presence_sub", "ids": [frank, grace]})
        wait_until(lambda: presence_changes(watcher, frank) == ["away"], "initial away", 10)
        on_p1 = open_session(p1.port, token_of("frank"), "frank on node1")
        wait_until(lambda: presence_changes(watcher, frank) == ["away", "active"], "active", 10)
        on_p2 = open_session(p2.port, token_of("frank"), "frank on node2")
        assert [presence_via(node, "frank") for node in (p1, p2, p3)] == ["active"] * 3
        # Closing one of two sessions (on another process) must not make frank away. grace
        # opens and closes a session on node1 after it: her "away" comes after any "away"
        # node1 would send for frank, so it bounds the wait.
        on_p1.close()
        with closing_all([open_session(p1.port, token_of("grace"), "grace")]):
            pass
        wait_until(
            lambda: presence_changes(watcher, grace) == ["away", "active", "away"],
            "grace active, then away",
            10,
        )
        assert presence_changes(watcher, frank) == ["away", "active"]
        assert [presence_via(node, "frank") for node in (p1, p2, p3)] == ["active"] * 3
        on_p2.close()
        wait_until(lambda: presence_changes(watcher, frank)[-1:] == ["away"], "frank away", 10)
        assert presence_changes(watcher, frank) == ["away", "active", "away"]
        assert [presence_via(node, "frank") for node in (p1, p2, p3)] == ["away"] * 3
        # A subscription made on another process sees the same state.
        other = open_session(p1.port, token_of("judy"), "second watcher")
        with closing_all([other]):
            other.send({"type": "presence_sub", "ids": [frank]})
            wait_until(lambda: presence_changes(other, frank) == ["away"], "queried", 10)


# Revocation on one process ends the token's sessions on all of them.


def test_revoking_a_token_through_one_process_ends_its_sessions_on_every_process(
    cluster: Cluster,
) -> None:
    p1, p2, p3 = nodes(cluster)
    admin = AdminClient(p1.base_url, ADMIN_TOKEN)
    created = admin.call_json(
        "tokens.create", {"team": "T0001", "user": USERS["ivan"], "type": "user"}
    )
    token = str(created["token"])
    doomed = [open_session(node.port, token, f"revoked on {node.name}") for node in (p1, p2, p3)]
    kept = open_session(p2.port, token_of("ivan"), "ivan's other token")
    with closing_all([*doomed, kept]):
        admin.call_json("tokens.revoke", {"token": token})
        for session in doomed:
            session.wait_ended()
            assert session.frames()[-1] == {"type": "goodbye"}, session.label
            assert session.close_code == 1001
        kept.send({"id": 7, "type": "ping"})
        assert kept.wait_for(lambda f: f.get("reply_to") == 7, "pong")["type"] == "pong"
        for node in (p1, p2, p3):
            assert node.api("auth.test", token).body.get("error") == "token_revoked", node.name
            assert node.api("rtm.connect", token).body.get("error") == "token_revoked", node.name


# A process killed with SIGKILL.


def test_sigkill_loses_no_acknowledged_message_and_its_clients_come_back(
    tmp_path: Path,
) -> None:
    with postgres_schema() as database, Cluster(tmp_path, database, unique_redis_url()) as cluster:
        p1, p2, victim = cluster.start(3)
        balancer = FailoverProxy([victim.port, p1.port, p2.port])
        real = start_rtm_v2(balancer.base_url, tmp_path / "rtm_v2.log")
        sessions = [
            open_session(balancer.port, token_of("alice"), "alice via balancer"),
            open_session(p1.port, token_of("bob"), "bob"),
            open_session(p2.port, token_of("carol"), "carol"),
        ]
        alice, bob, carol = sessions
        try:
            acked = _post_while_killing(victim, [p1, p2, victim])
            # Every acknowledged message is stored: the survivors list them all.
            for node in (p1, p2):
                stored = history_texts(node, GENERAL)
                assert [t for t in acked if t not in stored] == [], node.name
            # Sessions on survivors got every acknowledged message, exactly once, and each
            # writer's messages in the order it wrote them.
            for survivor in (bob, carol):
                survivor.wait_for_text(acked[-1])
                texts = survivor.texts(GENERAL)
                assert set(acked) <= set(texts) and len(texts) == len(set(texts))
                for node in (p1, p2, victim):
                    numbers = [
                        int(t.rsplit(" ", 1)[1])
                        for t in texts
                        if t.startswith(f"crash {node.name} ")
                    ]
                    assert numbers == sorted(numbers), (survivor.label, node.name)
            # The victim's clients are back within seconds, through the balancer.
            real.wait_for_event(type="hello", timeout=RECOVERY_SECS)
            alice.wait_ended(RECOVERY_SECS)
            back = open_session(balancer.port, token_of("alice"), "alice again")
            sessions.append(back)
            post(p2, "carol", GENERAL, "after the crash")
            back.wait_for_text("after the crash")
            real.wait_for_event(type="message", text="after the crash")
        finally:
            real.stop()
            for session in sessions:
                session.close()
            balancer.close()
        assert not victim.alive()
        assert cluster.unexpected_log_records() == []


def test_the_users_of_a_killed_process_turn_away_within_seconds(tmp_path: Path) -> None:
    with postgres_schema() as database, Cluster(tmp_path, database, unique_redis_url()) as cluster:
        p1, p2, victim = cluster.start(3)
        erin, frank = USERS["erin"], USERS["frank"]
        watcher = open_session(p1.port, token_of("dave"), "watcher")
        with closing_all([watcher]) as sessions:
            watcher.send({"type": "presence_sub", "ids": [erin, frank]})
            wait_until(lambda: presence_changes(watcher, erin) == ["away"], "erin away", 10)
            sessions += [
                open_session(victim.port, token_of("erin"), "erin on the victim"),
                open_session(victim.port, token_of("frank"), "frank on the victim"),
                open_session(p2.port, token_of("frank"), "frank on a survivor"),
            ]
            wait_until(lambda: presence_changes(watcher, erin) == ["away", "active"], "on", 10)
            victim.kill()
            wait_until(
                lambda: presence_changes(watcher, erin) == ["away", "active", "away"],
                "erin away after her only process died",
                RECOVERY_SECS,
            )
            assert [presence_via(node, "erin") for node in (p1, p2)] == ["away", "away"]
            # frank still has a session on a live process: he stays active.
            assert [presence_via(node, "frank") for node in (p1, p2)] == ["active", "active"]
            assert presence_changes(watcher, frank) == ["away", "active"]
        assert cluster.unexpected_log_records() == []


def _post_while_killing(victim: ClusterNode, writers: list[ClusterNode]) -> list[str]:
    """Post through every process, SIGKILL the victim mid-stream; the acknowledged texts."""
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    names = {writers[0].name: "bob", writers[1].name: "carol", victim.name: "erin"}

    def write(node: ClusterNode) -> None:
        number = 0
        while not stop.is_set():
            text = f"crash {node.name} {number}"
            number += 1
            try:
                result = node.api("chat.postMessage", token_of(names[node.name]),
                                  channel=GENERAL, text=text)  # fmt: skip
            except OSError:
                if node is victim:
                    return  # refused or reset: it is dead, nothing was acknowledged
                raise
            if result.body.get("ok"):
                with lock:
                    acknowledged.append(text)

    def count(node: ClusterNode) -> int:
        with lock:
            return sum(t.startswith(f"crash {node.name} ") for t in acknowledged)

    threads = [threading.Thread(target=write, args=(node,)) for node in writers]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: all(count(n) >= 5 for n in writers), "posts before the kill", 30)
        victim.kill()
        before = {n.name: count(n) for n in writers}
        wait_until(
            lambda: all(count(n) >= before[n.name] + 5 for n in writers if n is not victim),
            "posts after the kill",
            30,
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    return acknowledged


# Redis restarts.


def test_a_redis_restart_ends_sessions_with_goodbye_and_delivery_resumes(
    tmp_path: Path,
) -> None:
    with (
        PrivateRedis() as redis,
        postgres_schema() as database,
        Cluster(tmp_path, database, redis.url) as cluster,
    ):
        started = cluster.start(3)
        names = ["alice", "bob", "carol"]
        before = one_session_each(started, names)
        with closing_all(before):
            redis.stop()
            for session in before:
                session.wait_ended()
                assert session.frames()[-1] == {"type": "goodbye"}, session.label
                assert session.close_code == 1001
            for node in started:
                refused = node.api("rtm.connect", BOT_TOKEN)
                assert (refused.status, refused.body["error"]) == (503, "service_unavailable")
            redis.start()
            for node in started:
                wait_until(partial(_connects, node), f"{node.name} connects again", RECOVERY_SECS)
        after = one_session_each(started, names)
        with closing_all(after):
            assert_every_session_gets_one_post_per_process(started, names, after, "after redis")
        assert cluster.unexpected_log_records() == []


# PostgreSQL restarts.


def test_a_postgres_restart_fails_requests_quickly_and_they_succeed_once_it_is_back(
    tmp_path: Path,
) -> None:
    with private_postgres() as server:
        database = with_query(server.url, timeout_secs=str(PG_TIMEOUT_SECS))
        with Cluster(tmp_path, database, unique_redis_url()) as cluster:
            started = cluster.start(3)
            names = ["alice", "bob", "carol"]
            sessions = one_session_each(started, names)
            with closing_all(sessions):
                server.stop()
                for node, name in zip(started, names, strict=True):
                    for method, args in (
                        ("chat.postMessage", {"channel": GENERAL, "text": "while down"}),
                        ("conversations.history", {"channel": GENERAL}),
                    ):
                        begun = time.monotonic()
                        answer = call(node.port, method, token_of(name), args, REQUEST_BOUND_SECS)
                        assert time.monotonic() - begun < REQUEST_BOUND_SECS
                        assert answer.body["ok"] is False, (node.name, method, answer.body)
                        assert answer.body["error"] in ("internal_error", "service_unavailable")
                server.start()
                for node, name in zip(started, names, strict=True):
                    wait_until(
                        partial(_reads_history, node, name),
                        f"{node.name} reads the database again",
                        RECOVERY_SECS,
                    )
                assert_every_session_gets_one_post_per_process(started, names, sessions, "after pg")
                assert [session.label for session in sessions if session.ended] == []
            assert cluster.unexpected_log_records() == []
