"""Cluster-wide short-lived state: two servers on one Redis (the machine's, on 6379) behave as one.

Tickets are valid on either server and usable once (decisions C.4, E.1); events between
``rtm.connect`` and the socket follow ``hello`` on the other server (E.2); changes on one
server reach the other's identity cache and sessions (C.1, E.7); rate limits count both (C.3).
Each test uses its own channel, which also prefixes its keys.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from slackline.broker import ControlAction, DeliveryGap, Event, SessionControl
from slackline.broker.base import EVERY_TEAM, IdentitiesChanged, TicketIssued
from slackline.broker.codec import decode_message, encode_message
from slackline.broker.redis import MAX_CONNECTIONS, RedisBroker, redis_client
from slackline.clock import ManualClock, RandomIdFactory, SystemClock
from slackline.cluster.catchup import KEEP_SECS, MAX_KEPT_PER_TEAM, RecentEvents
from slackline.cluster.ratelimit import RedisRateLimiter
from slackline.cluster.state import RedisSharedState
from slackline.cluster.tickets import RedisTickets
from slackline.domain.ratelimit import Rate
from slackline.shared.base import Ticket, TicketGrant, capability_digest
from slackline.testing.server import ServerThread
from tests.helpers.http import api, start_server
from tests.helpers.redis import free_port
from tests.helpers.rtm import FRAME_TIMEOUT_SECS, recv_json, recv_until

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT_SECS = 10.0


@dataclass
class Pair:
    """Two servers sharing one SQLite file and one Redis channel."""

    a: ServerThread
    b: ServerThread
    channel: str


def _cleanup_keys(channel: str) -> None:
    async def delete() -> None:
        redis = Redis.from_url(REDIS_URL)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{channel}:*")]
            if keys:
                await redis.delete(*keys)
        finally:
            await redis.aclose()

    asyncio.run(delete())


@pytest.fixture
def channel() -> Iterator[str]:
    name = f"slackline:test:{uuid.uuid4().hex}"
    yield name
    _cleanup_keys(name)


def _pair(tmp_path: Path, channel: str, **overrides: Any) -> Pair:
    url = f"{REDIS_URL}?channel={channel}"
    a = start_server(tmp_path, broker=url, **overrides)
    try:
        b = start_server(tmp_path, broker=url, **overrides)
    except BaseException:
        a.stop()
        raise
    return Pair(a, b, channel)


@pytest.fixture
def pair(tmp_path: Path, channel: str) -> Iterator[Pair]:
    servers = _pair(tmp_path, channel)
    yield servers
    servers.b.stop()
    servers.a.stop()


def _url_on(result_url: str, origin: ServerThread, target: ServerThread) -> str:
    """The socket URL ``origin`` handed out, pointed at ``target`` (as a load balancer would)."""
    return result_url.replace(f":{origin.port}/", f":{target.port}/")


def _connect_on(pair: Pair, token: str, **args: str) -> str:
    """rtm.connect on A; the URL of the socket on B."""
    result = api(pair.a, "rtm.connect", token, **args)
    assert result.body["ok"], result.body
    return _url_on(result.body["url"], pair.a, pair.b)


def _open(url: str) -> ClientConnection:
    return connect(url, open_timeout=FRAME_TIMEOUT_SECS)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)  # bounded polling for a change made by another server


def _assert_expired(ws: ClientConnection) -> None:
    assert recv_json(ws) == {"type": "error", "error": {"code": 1, "msg": "Socket URL has expired"}}
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=FRAME_TIMEOUT_SECS)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


# tickets


def test_a_ticket_from_one_server_opens_a_session_on_the_other_exactly_once(pair: Pair) -> None:
    url = _connect_on(pair, "xoxb-1-classic")
    with _open(url) as first:
        assert recv_json(first) == {"type": "hello"}
        with _open(url) as again_on_b:
            _assert_expired(again_on_b)
        with _open(_url_on(url, pair.b, pair.a)) as again_on_a:
            _assert_expired(again_on_a)


def test_a_ticket_from_one_server_still_works_on_that_server(pair: Pair) -> None:
    url = api(pair.a, "rtm.connect", "xoxb-1-classic").body["url"]
    with _open(url) as ws:
        assert recv_json(ws) == {"type": "hello"}


def test_an_unknown_ticket_is_expired_on_a_clustered_server(pair: Pair) -> None:
    with _open(f"ws://127.0.0.1:{pair.b.port}/websocket/not-a-ticket") as ws:
        _assert_expired(ws)


def _ticket_fields() -> dict[str, Any]:
    return {
        "team_id": "T1",
        "user_id": "U1",
        "bot_id": None,
        "token_hash": "ab" * 32,
        "batch_presence_aware": True,
        "presence_sub": False,
    }


def _with_redis(test: Callable[[Redis], Awaitable[None]]) -> None:
    async def main() -> None:
        redis = Redis.from_url(REDIS_URL)
        try:
            await test(redis)
        finally:
            await redis.aclose()

    asyncio.run(main())


def test_concurrent_redemptions_on_many_processes_take_a_ticket_once(channel: str) -> None:
    async def test(redis: Redis) -> None:
        stores = [
            RedisTickets(
                redis, prefix=channel, channel=channel, clock=SystemClock(), ids=RandomIdFactory()
            )
            for _ in range(8)
        ]
        text = await stores[0].issue(TicketGrant(**_ticket_fields()))
        taken = await asyncio.gather(*(store.redeem(text) for store in stores))
        winners = [ticket for ticket in taken if ticket is not None]
        assert len(winners) == 1
        assert (winners[0].team_id, winners[0].user_id, winners[0].token_hash) == (
            "T1",
            "U1",
            "ab" * 32,
        )
        assert winners[0].batch_presence_aware and not winners[0].presence_sub

    _with_redis(test)


def test_a_ticket_expires_in_redis_and_is_stored_only_under_its_digest(channel: str) -> None:
    async def test(redis: Redis) -> None:
        issuer = RedisTickets(
            redis,
            prefix=channel,
            channel=channel,
            clock=SystemClock(),
            ids=RandomIdFactory(),
            ttl_secs=0.2,
        )
        text = await issuer.issue(TicketGrant(**_ticket_fields()))
        keys = [key.decode() async for key in redis.scan_iter(match=f"{channel}:*")]
        assert keys == [f"{channel}:ticket:{capability_digest(text)}"]
        assert all(text not in key for key in keys)
        deadline = time.monotonic() + WAIT_SECS
        while await redis.exists(keys[0]):
            assert time.monotonic() < deadline, "ticket never expired"
            await asyncio.sleep(0.05)  # bounded polling for Redis's own expiry
        assert await issuer.redeem(text) is None

    _with_redis(test)


def test_the_redis_ticket_ttl_is_thirty_seconds(channel: str) -> None:
    async def test(redis: Redis) -> None:
        issuer = RedisTickets(
            redis, prefix=channel, channel=channel, clock=SystemClock(), ids=RandomIdFactory()
        )
        text = await issuer.issue(TicketGrant(**_ticket_fields()))
        ttl_ms = await redis.pttl(f"{channel}:ticket:{capability_digest(text)}")
        assert 25_000 < ttl_ms <= 30_000

    _with_redis(test)


# events between rtm.connect and the socket (decisions E.2)


def test_events_after_rtm_connect_on_one_server_follow_hello_on_the_other(pair: Pair) -> None:
    url = _connect_on(pair, "xoxb-1-classic")
    api(pair.a, "chat.postMessage", "xoxp-1-client", channel="C0001", text="one")
    api(pair.b, "chat.postMessage", "xoxp-1-client", channel="C0002", text="not a member")
    api(pair.b, "chat.postMessage", "xoxp-1-client", channel="C0001", text="two")
    with _open(url) as ws:
        assert recv_json(ws) == {"type": "hello"}
        assert recv_until(ws, lambda f: f.get("type") == "message")["text"] == "one"
        assert recv_until(ws, lambda f: f.get("type") == "message")["text"] == "two"
        api(pair.a, "chat.postMessage", "xoxp-1-client", channel="C0001", text="live")
        assert recv_until(ws, lambda f: f.get("type") == "message")["text"] == "live"


def test_events_before_rtm_connect_are_not_replayed(pair: Pair) -> None:
    # Acknowledged before rtm.connect answered: Redis orders it before the ticket's mark.
    api(pair.b, "chat.postMessage", "xoxp-1-client", channel="C0001", text="before")
    url = _connect_on(pair, "xoxb-1-classic")
    api(pair.a, "chat.postMessage", "xoxp-1-client", channel="C0001", text="after")
    with _open(url) as ws:
        assert recv_json(ws) == {"type": "hello"}
        assert recv_until(ws, lambda f: f.get("type") == "message")["text"] == "after"


def test_a_revocation_between_rtm_connect_and_the_socket_voids_the_ticket(pair: Pair) -> None:
    url = _connect_on(pair, "xoxp-2-stream")
    assert api(pair.a, "auth.revoke", "xoxp-2-stream").body["revoked"] is True
    with _open(url) as ws:
        assert recv_json(ws) == {
            "type": "error",
            "error": {"code": 1, "msg": "Socket URL has expired"},
        }
        with pytest.raises(ConnectionClosed):
            recv_json(ws)


# identity cache and session endings across servers (decisions C.1, E.7)


def test_a_revocation_on_one_server_closes_sessions_and_cached_tokens_on_the_other(
    pair: Pair,
) -> None:
    assert api(pair.b, "auth.test", "xoxp-2-stream").body["ok"]  # cached on B
    url = api(pair.b, "rtm.connect", "xoxp-2-stream").body["url"]
    with _open(url) as ws:
        assert recv_json(ws) == {"type": "hello"}
        assert api(pair.a, "auth.revoke", "xoxp-2-stream").body["revoked"] is True
        assert recv_until(ws, lambda f: f.get("type") == "goodbye") == {"type": "goodbye"}
        with pytest.raises(ConnectionClosed):
            recv_json(ws)
    assert api(pair.b, "auth.test", "xoxp-2-stream").body["error"] == "token_revoked"
    assert api(pair.b, "rtm.connect", "xoxp-2-stream").body["error"] == "token_revoked"


def test_a_deactivation_on_one_server_reaches_the_other_servers_cache(pair: Pair) -> None:
    assert api(pair.b, "auth.test", "xoxp-2-stream").body["ok"]
    assert pair.a.app is not None
    assert pair.a.run(pair.a.app.workspaces.deactivate_user("U0002"))
    _until(
        lambda: api(pair.b, "auth.test", "xoxp-2-stream").body.get("error") == "token_revoked",
        "B still accepts the deactivated user's token",
    )


def test_a_team_change_on_one_server_reaches_the_other_servers_cache(pair: Pair) -> None:
    assert api(pair.b, "rtm.connect", "xoxb-1-classic").body["ok"]
    assert pair.a.app is not None
    pair.a.run(pair.a.app.workspaces.update_team("T0001", {"state": "migrating"}))
    _until(
        lambda: (
            api(pair.b, "rtm.connect", "xoxb-1-classic").body.get("error")
            == "migration_in_progress"
        ),
        "B still sees the team as it was",
    )


def test_a_server_forgets_cached_identities_when_its_subscription_breaks(pair: Pair) -> None:
    assert api(pair.b, "auth.test", "xoxp-2-stream").body["ok"]
    app = pair.b.app
    assert app is not None and isinstance(app.shared, RedisSharedState)
    assert len(app.identities) > 0
    shared = app.shared
    pair.b.call_soon(lambda: shared.observe(DeliveryGap("redis subscription lost")))
    assert len(app.identities) == 0


# rate limits (decisions C.3)


def test_rate_limits_are_counted_across_servers(tmp_path: Path, channel: str) -> None:
    servers = _pair(tmp_path, channel, rate_limits=True)
    try:
        # Tier 1: a burst of 10, then one more every 6 s; each server alone would allow all 16.
        results = [
            api(server, "rtm.connect", "xoxb-1-classic") for server in [servers.a, servers.b] * 8
        ]
        statuses = [result.status for result in results]
        assert statuses[:10] == [200] * 10
        assert 429 in statuses[10::2] and 429 in statuses[11::2]  # on A and on B
        limited = results[statuses.index(429)]
        assert limited.body == {"ok": False, "error": "ratelimited"}
        assert int(limited.headers["retry-after"]) >= 1
        assert api(servers.b, "rtm.connect", "xoxb-grid-bot").status == 200  # another token
    finally:
        servers.b.stop()
        servers.a.stop()


def test_without_redis_rate_limits_are_counted_in_the_process() -> None:
    async def main() -> None:
        unreachable = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
        limiter = RedisRateLimiter(unreachable, prefix="unused", clock=ManualClock())
        rate = Rate(per_minute=2, burst=2)
        try:
            taken = [await limiter.acquire(("h", "m"), rate) for _ in range(3)]
        finally:
            await unreachable.aclose()
        assert taken[:2] == [None, None]
        assert taken[2] is not None and taken[2] >= 1

    asyncio.run(main())


def test_rate_limits_off_counts_nothing_anywhere(pair: Pair) -> None:
    statuses = {
        api(server, "rtm.connect", "xoxb-1-classic").status for server in [pair.a, pair.b] * 8
    }
    assert statuses == {200}


# notices on the broker's channel


def test_a_notice_reaches_other_processes_before_what_its_sender_publishes_next(
    channel: str,
) -> None:
    async def main() -> None:
        url = f"{REDIS_URL}?channel={channel}"
        sender, receiver = RedisBroker.from_url(url), RedisBroker.from_url(url)
        observed: list[object] = []
        delivered: list[object] = []
        arrived = asyncio.Event()

        def observe(message: object) -> None:
            observed.append(message)
            if isinstance(message, Event):
                arrived.set()

        receiver.observer = observe
        receiver.subscribe(delivered.append)
        await sender.start()
        await receiver.start()
        try:
            sender.send_soon(IdentitiesChanged(sender.origin))
            await sender.publish(Event("T1", {"after": True}))
            await asyncio.wait_for(arrived.wait(), WAIT_SECS)
            assert observed == [IdentitiesChanged(sender.origin), Event("T1", {"after": True})]
            assert delivered == [Event("T1", {"after": True})]  # notices never reach sessions
        finally:
            await receiver.close()
            await sender.close()

    asyncio.run(main())


# pure parts


def test_cluster_notices_cross_the_wire_intact() -> None:
    for notice in (TicketIssued("T1", "d" * 64), IdentitiesChanged("0123abcd")):
        assert decode_message(encode_message(notice)) == notice


def _ticket(user_id: str = "U1", token_hash: str = "h1") -> Ticket:
    return Ticket("T1", user_id, None, token_hash, False, True, 0.0)


def test_catch_up_gives_the_users_events_after_the_mark_only() -> None:
    recent = RecentEvents(ManualClock())
    recent.observe(Event("T1", {"n": 0}))
    recent.observe(TicketIssued("T1", "d1"))
    recent.observe(Event("T1", {"n": 1}))
    recent.observe(Event("T1", {"n": 2}, audience=frozenset({"U2"})))
    recent.observe(Event("T1", {"n": 3}, exclude="U1"))
    recent.observe(Event("T1", {"n": 4}, presence_of="U2"))
    recent.observe(Event("T2", {"n": 5}))
    recent.observe(Event("T1", {"n": 6}, audience=frozenset({"U1", "U2"})))
    caught_up = recent.catch_up("d1", _ticket())
    assert caught_up.ending is None
    assert [f.endswith(b'{"n":1}') for f in caught_up.frames] == [True, False]
    assert caught_up.frames[1].endswith(b'{"n":6}')
    assert recent.catch_up("d1", _ticket()).ending is ControlAction.GOODBYE  # used up


def test_catch_up_ends_the_session_for_an_ending_after_the_mark() -> None:
    recent = RecentEvents(ManualClock())
    recent.observe(TicketIssued("T1", "d1"))
    recent.observe(TicketIssued("T1", "d2"))
    recent.observe(SessionControl("T1", ControlAction.GOODBYE, token_hash="other"))
    recent.observe(SessionControl("T1", ControlAction.MIGRATION))
    assert recent.catch_up("d1", _ticket()).ending is ControlAction.MIGRATION
    recent.observe(TicketIssued("T1", "d3"))
    recent.observe(SessionControl("T1", ControlAction.GOODBYE, user_id="U2"))
    assert recent.catch_up("d3", _ticket()).ending is None


def test_catch_up_ends_the_session_for_an_ending_of_every_team_after_the_mark() -> None:
    recent = RecentEvents(ManualClock())
    recent.observe(TicketIssued("T1", "d1"))
    recent.observe(SessionControl(EVERY_TEAM, ControlAction.GOODBYE))
    assert recent.catch_up("d1", _ticket()).ending is ControlAction.GOODBYE


def test_a_mark_lost_to_a_gap_or_pushed_out_ends_the_session() -> None:
    clock = ManualClock()
    recent = RecentEvents(clock)
    recent.observe(TicketIssued("T1", "d1"))
    recent.observe(DeliveryGap("link lost"))
    assert recent.catch_up("d1", _ticket()).ending is ControlAction.GOODBYE
    recent.observe(TicketIssued("T1", "d2"))
    for n in range(MAX_KEPT_PER_TEAM):
        recent.observe(Event("T1", {"n": n}))
    assert recent.catch_up("d2", _ticket()).ending is ControlAction.GOODBYE
    recent.observe(TicketIssued("T1", "d3"))
    clock.advance(60)
    recent.observe(Event("T1", {"late": True}))
    assert recent.catch_up("d3", _ticket()).ending is ControlAction.GOODBYE


def test_waiting_for_a_mark_ends_when_it_arrives_or_in_time() -> None:
    async def main() -> None:
        recent = RecentEvents(ManualClock())
        waiting = asyncio.ensure_future(recent.wait_for_mark("d1"))
        await asyncio.sleep(0)  # let the waiter register
        recent.observe(TicketIssued("T1", "d1"))
        assert await asyncio.wait_for(waiting, WAIT_SECS)
        assert not await recent.wait_for_mark("never", timeout_secs=0.05)

    asyncio.run(main())


def test_more_concurrent_commands_than_connections_wait_for_a_free_one() -> None:
    async def burst() -> list[Any]:
        redis = redis_client(REDIS_URL, socket_timeout=WAIT_SECS)
        try:
            return await asyncio.gather(*(redis.ping() for _ in range(3 * MAX_CONNECTIONS)))
        finally:
            await redis.aclose()

    assert all(asyncio.run(burst()))


def test_a_team_that_goes_quiet_is_forgotten_once_its_events_are_old() -> None:
    clock = ManualClock()
    recent = RecentEvents(clock)
    recent.observe(TicketIssued("T1", "d1"))
    recent.observe(Event("T1", {"n": 1}))

    clock.advance(KEEP_SECS + 1)
    recent.observe(Event("T2", {"n": 2}))

    assert recent.kept_teams() == ["T2"]
    assert recent.catch_up("d1", _ticket()).ending is ControlAction.GOODBYE  # mark gone too


def test_a_storm_of_tickets_is_issued_and_redeemed_on_a_few_connections(channel: str) -> None:
    storm = 20 * MAX_CONNECTIONS  # far more at once than one client's connections

    async def test(redis: Redis) -> None:
        store = RedisTickets(
            redis, prefix=channel, channel=channel, clock=SystemClock(), ids=RandomIdFactory()
        )
        grant = TicketGrant(**_ticket_fields())
        try:
            texts = await asyncio.gather(*(store.issue(grant) for _ in range(storm)))
            taken = await asyncio.gather(*(store.redeem(text) for text in texts))
        finally:
            await store.close()
        assert len(set(texts)) == storm
        assert all(ticket is not None for ticket in taken)

    async def with_small_pool() -> None:
        redis = redis_client(REDIS_URL, socket_timeout=WAIT_SECS)
        try:
            await test(redis)
        finally:
            await redis.aclose()

    asyncio.run(with_small_pool())
