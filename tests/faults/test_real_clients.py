"""Every injected fault observed by a real, unmodified client (issue 6, "Done when").

The clients are the pinned ones of tests/clients/test_real_clients.py, run by the same drivers
(tests/clients/), against the pytest plugin's server; what they did is read from the
toolkit's journals (Web API calls with their times, RTM frames per session) and from the
events the drivers print. Nothing sleeps: every step waits for a call, a frame or a line.

- rtm_v2: back after ``goodbye`` (closed by the server, or ``goodbye`` only, which it acts
  on itself), after a dropped socket, after an expired and after a refused ticket, and after
  pings go unanswered (its keepalive: a pong missing for 4 ping intervals); events delayed
  still arrive in order.
- @slack/rtm-api (examples/node_bot, whose Web API client retries): waits out
  ``ratelimited``'s ``Retry-After`` before trying ``rtm.connect`` again; a slow
  ``rtm.connect`` still connects (the driver).
- slackclient 2 (legacy, aiohttp): survives ``team_migration_started`` (reconnects once
  ``migration_in_progress`` ends); backs off and comes back after ``rtm.connect`` fails with
  ``fatal_error``, ``internal_error`` or ``service_unavailable``; its aiohttp heartbeat
  notices a half-open socket; a scheduled scenario drops it and it comes back.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from slackline.testing.journal import FrameRecord
from slackline.testing.toolkit import Member, Slackline
from tests.clients.harness import (
    RTM_API,
    RTM_V2,
    SLACKCLIENT2,
    Driver,
    RealClient,
    client_environment,
    node,
)

RECONNECT_SECS = 30.0  # generous: the clients' own back-off on a loaded machine
STOP_TIMEOUT_SECS = 10.0
NODE_BOT = Path(__file__).resolve().parents[2] / "examples" / "node_bot"


@pytest.fixture
def people(slackline: Slackline) -> tuple[Member, Member, str]:
    """A bot and alice in one channel of a fresh team."""
    team = slackline.team("Acme")
    bot = slackline.bot(team, "bot")
    alice = slackline.user(team, "alice")
    return bot, alice, slackline.channel(team, "general", [bot, alice])


class Running:
    """Starts drivers against the plugin's server and stops them all at the end."""

    def __init__(self, slackline: Slackline, folder: Path) -> None:
        self._slackline = slackline
        self._folder = folder
        self._drivers: list[Driver] = []

    def start(self, client: RealClient, member: Member) -> Driver:
        name = client.name.replace("/", "_").replace("@", "")
        log = self._folder / f"{name}-{len(self._drivers)}.log"
        driver = client.start(self._slackline.base_url, member.token, log)
        self._drivers.append(driver)
        return driver

    def stop(self) -> None:
        for driver in self._drivers:
            driver.stop()


@pytest.fixture
def running(slackline: Slackline, tmp_path: Path) -> Iterator[Running]:
    """Drivers of this test, stopped after it."""
    drivers = Running(slackline, tmp_path)
    try:
        yield drivers
    finally:
        drivers.stop()


@dataclass
class ConnectedClient:
    """A real client running with the bot's token, past its first ``hello``; alice shares
    the bot's channel."""

    slackline: Slackline
    driver: Driver
    bot: Member
    alice: Member
    channel: str
    first: FrameRecord  # the first session's ``hello``

    def wait_for_reconnection(self) -> FrameRecord:
        """The ``hello`` of a session after the first one (the client came back)."""
        return self.slackline.wait_for_connection(
            self.bot, after=self.first, timeout=RECONNECT_SECS
        )

    def assert_delivers(self) -> None:
        """A message alice posts now reaches the client (its session is live)."""
        self.slackline.post(self.alice, self.channel, "are you back?")
        self.driver.wait_for_event(type="message", text="are you back?", timeout=RECONNECT_SECS)


@pytest.fixture
def connect(
    slackline: Slackline, running: Running, people: tuple[Member, Member, str]
) -> Callable[[RealClient], ConnectedClient]:
    """Starts a client as the bot and waits for its first ``hello``, sent and received."""

    def start(client: RealClient) -> ConnectedClient:
        bot, alice, channel = people
        driver = running.start(client, bot)
        first = slackline.wait_for_connection(bot, timeout=RECONNECT_SECS)
        driver.wait_for_event(type="hello")
        if client is RTM_API:
            driver.wait_for_status("ready")
        return ConnectedClient(slackline, driver, bot, alice, channel, first)

    return start


def start_node_bot(token: str, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    """examples/node_bot/bot.js (``make clients`` installs its modules)."""
    if not (NODE_BOT / "node_modules").exists():
        raise RuntimeError(f"{NODE_BOT / 'node_modules'} is missing: run `make clients`")
    env = client_environment(SLACK_BOT_TOKEN=token, SLACK_API_URL=api_url)
    with log.open("wb") as output:
        return subprocess.Popen(
            [node(), str(NODE_BOT / "bot.js")], env=env, stdout=output, stderr=output
        )


def stop_node_bot(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the bot disconnects), then kill if it lingers."""
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_SECS)


# rtm_v2


Connect = Callable[[RealClient], ConnectedClient]


@pytest.mark.parametrize("goodbye", [True, False], ids=["goodbye", "dropped"])
def test_rtm_v2_reconnects_after_goodbye_and_after_a_dropped_socket(
    slackline: Slackline, connect: Connect, goodbye: bool
) -> None:
    client = connect(RTM_V2)
    assert slackline.end_sessions(client.bot, goodbye=goodbye) == 1
    if goodbye:
        client.driver.wait_for_event(type="goodbye")
    again = client.wait_for_reconnection()
    assert again.session_id != client.first.session_id
    client.assert_delivers()


def test_rtm_v2_moves_to_a_new_socket_on_goodbye_alone(
    slackline: Slackline, connect: Connect
) -> None:
    """``goodbye`` with the socket left open: rtm_v2 reconnects because of the frame itself."""
    client = connect(RTM_V2)
    assert slackline.send_goodbye(client.bot) == 1
    client.driver.wait_for_event(type="goodbye")
    client.wait_for_reconnection()
    client.assert_delivers()


@pytest.mark.parametrize("ticket_fault", ["expire", "refuse"])
def test_rtm_v2_gets_a_new_ticket_when_one_is_expired_or_refused(
    slackline: Slackline, connect: Connect, ticket_fault: str
) -> None:
    client = connect(RTM_V2)
    if ticket_fault == "expire":
        slackline.expire_tickets(1, member=client.bot)
    else:
        slackline.refuse_tickets(1, member=client.bot)
    slackline.end_sessions(client.bot)
    client.wait_for_reconnection()
    connects = slackline.calls("rtm.connect")
    assert len(connects) >= 3  # the first session, the spoiled ticket, the one that worked
    if ticket_fault == "expire":
        client.driver.wait_for_event(
            type="error", error={"code": 1, "msg": "Socket URL has expired"}
        )
    client.assert_delivers()


def test_rtm_v2_notices_unanswered_pings_and_reconnects(
    slackline: Slackline, connect: Connect
) -> None:
    """The driver pings every second; four seconds without a pong and rtm_v2 drops the
    socket itself: the half-open connection is caught by the client's keepalive."""
    client = connect(RTM_V2)
    slackline.silence_pings(client.bot)
    again = client.wait_for_reconnection()
    slackline.answer_pings()
    assert again.session_id != client.first.session_id
    client.assert_delivers()


def test_rtm_v2_gets_delayed_events_late_and_in_order(
    slackline: Slackline, connect: Connect
) -> None:
    client = connect(RTM_V2)
    slackline.delay_events(300, team_id=client.bot.team_id)
    for text in ("one", "two", "three"):
        slackline.post(client.alice, client.channel, text)
    slackline.wait_for_frame(client.bot, direction="out", type="message", text="three")
    slackline.clear_faults()
    for text in ("one", "two", "three"):
        client.driver.wait_for_event(type="message", text=text)
    # The socket carried them in order; rtm_v2 then runs its listeners on a thread pool
    # (concurrency=10), so the order its handlers run in is not the order it read them.
    written = [
        record.frame["text"]
        for record in slackline.frames(client.bot, direction="out")
        if record.frame.get("type") == "message"
    ]
    assert written == ["one", "two", "three"]


# @slack/rtm-api


def test_rtm_api_waits_out_retry_after_before_connecting_again(
    slackline: Slackline, people: tuple[Member, Member, str], tmp_path: Path
) -> None:
    """The example node bot (rtm-api with a Web API client that retries, as bots have; the
    driver's client retries nothing) is answered 429 with ``Retry-After: 2`` on its first
    ``rtm.connect``: its next attempt comes at least 2 s later, and it connects."""
    bot, alice, channel = people
    slackline.fail_next("rtm.connect", "ratelimited", retry_after=2)
    process = start_node_bot(bot.token, slackline.api_url, tmp_path / "bot.log")
    try:
        slackline.wait_for_connection(bot, timeout=RECONNECT_SECS)
        refused, accepted = slackline.calls("rtm.connect")[:2]
        assert refused.response == {"ok": False, "error": "ratelimited"}
        assert accepted.response["ok"] is True
        assert accepted.at - refused.at >= 2.0
        slackline.post(alice, channel, "ping")
        slackline.wait_for_message(channel=channel, user=bot.id, text="pong")
    finally:
        stop_node_bot(process)


def test_rtm_api_connects_through_a_slow_rtm_connect(
    slackline: Slackline, connect: Connect
) -> None:
    slackline.delay_calls("rtm.connect", 1500, count=1)
    client = connect(RTM_API)
    assert slackline.calls("rtm.connect")[0].response["ok"] is True
    client.assert_delivers()


# slackclient 2 (the legacy aiohttp client)


def test_a_legacy_client_survives_a_team_migration(slackline: Slackline, connect: Connect) -> None:
    client = connect(SLACKCLIENT2)
    slackline.migrate_team(client.bot.team_id, secs=2)
    client.driver.wait_for_event(type="team_migration_started")
    client.wait_for_reconnection()
    refused = [c for c in slackline.calls("rtm.connect") if not c.response["ok"]]
    assert refused and {c.response["error"] for c in refused} == {"migration_in_progress"}
    client.assert_delivers()


@pytest.mark.parametrize("error", ["fatal_error", "internal_error", "service_unavailable"])
def test_a_legacy_client_backs_off_and_returns_after_a_failed_rtm_connect(
    slackline: Slackline, connect: Connect, error: str
) -> None:
    client = connect(SLACKCLIENT2)
    slackline.fail_next("rtm.connect", error)
    slackline.end_sessions(client.bot, goodbye=False)
    client.wait_for_reconnection()
    failed, succeeded = slackline.calls("rtm.connect")[-2:]
    assert failed.response == {"ok": False, "error": error}
    assert succeeded.response["ok"] is True and succeeded.at - failed.at >= 1.0
    client.assert_delivers()


def test_a_legacy_clients_heartbeat_notices_a_half_open_socket(
    slackline: Slackline, connect: Connect
) -> None:
    """aiohttp pings every 2 s (the driver's ``ping_interval``) and closes the socket when
    no pong comes within 1 s; the client then reconnects."""
    client = connect(SLACKCLIENT2)
    slackline.silence_pings(client.bot)
    client.wait_for_reconnection()
    slackline.answer_pings()
    client.assert_delivers()


def test_a_scheduled_scenario_drops_a_legacy_client_which_comes_back(
    slackline: Slackline, connect: Connect
) -> None:
    client = connect(SLACKCLIENT2)
    steps = slackline.run_scenario(
        f"""
name: flaky network
steps:
  - {{at: 0.2s, fault: end_sessions, user: {client.bot.id}, goodbye: false}}
"""
    )
    assert steps == 1
    client.wait_for_reconnection()
    client.assert_delivers()
