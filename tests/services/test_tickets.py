"""A socket ticket dies with its token, user and team, on one process (decisions C.4, E.1).

Over real sockets: ``rtm.connect`` issues a ticket, then the token is revoked, its user
deactivated, its team changed (or the token expires) before the socket is opened. That
ticket opens nothing: the upgrade, then the expired error and close 1008. A ticket whose
token is still fine opens its session with ``hello``, whatever happened to the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.helpers.events import admin, start_event_server
from tests.helpers.http import TEST_SECRET, api
from tests.helpers.rtm import FRAME_TIMEOUT_SECS, recv_json

EXPIRED = {"type": "error", "error": {"code": 1, "msg": "Socket URL has expired"}}
CLIENT = ["client"]


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def module_server(
    tmp_path_factory: pytest.TempPathFactory, clock: ManualClock
) -> Iterator[ServerThread]:
    components = Components(clock=clock, secret=TEST_SECRET)
    thread = start_event_server(tmp_path_factory.mktemp("tickets"), components=components)
    yield thread
    thread.stop()


@pytest.fixture
def server(module_server: ServerThread) -> ServerThread:
    """The module's server, reset: the workspace files as they are, the clock at its start."""
    admin(module_server, "reset", {})
    return module_server


def ticket_url(server: ServerThread, token: str) -> str:
    """rtm.connect's socket URL (the ticket is issued, not yet redeemed)."""
    result = api(server, "rtm.connect", token)
    assert result.body["ok"] is True, result.body
    return str(result.body["url"])


def user_token(server: ServerThread, user: str, team: str = "T0001", **fields: Any) -> str:
    created = admin(
        server, "tokens.create", {"team": team, "user": user, "type": "user", "scopes": CLIENT,
                                  **fields},
    )  # fmt: skip
    return str(created["token"])


def open_url(url: str) -> ClientConnection:
    return connect(url, open_timeout=FRAME_TIMEOUT_SECS)


def assert_expired(url: str) -> None:
    """The ticket opens nothing: the upgrade, the expired error, then close 1008."""
    with open_url(url) as ws:
        assert recv_json(ws) == EXPIRED
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=FRAME_TIMEOUT_SECS)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def assert_opens(url: str) -> None:
    with open_url(url) as ws:
        assert recv_json(ws) == {"type": "hello"}


def test_a_ticket_whose_token_is_fine_opens_with_hello(server: ServerThread) -> None:
    assert_opens(ticket_url(server, "xoxb-1-classic"))
    assert_opens(ticket_url(server, "xoxp-2-stream"))


def test_a_ticket_issued_before_auth_revoke_opens_nothing(server: ServerThread) -> None:
    revoked = user_token(server, "U0002")
    other = user_token(server, "U0002")  # the same user's other token
    revoked_url, other_url = ticket_url(server, revoked), ticket_url(server, other)
    assert api(server, "auth.revoke", revoked).body == {"ok": True, "revoked": True}
    assert_expired(revoked_url)
    assert_opens(other_url)
    assert api(server, "rtm.connect", revoked).body["error"] == "token_revoked"


def test_a_ticket_issued_before_an_admin_token_revocation_opens_nothing(
    server: ServerThread,
) -> None:
    token = user_token(server, "U0004")
    url = ticket_url(server, token)
    admin(server, "tokens.revoke", {"token": token})
    assert_expired(url)


def test_a_ticket_issued_before_its_user_was_deactivated_opens_nothing(
    server: ServerThread,
) -> None:
    bob, dave = ticket_url(server, "xoxp-2-stream"), ticket_url(server, user_token(server, "U0004"))
    assert admin(server, "users.deactivate", {"user": "U0002"}) == {
        "ok": True, "user": "U0002", "deleted": True,
    }  # fmt: skip
    assert_expired(bob)
    assert_opens(dave)


def test_a_ticket_issued_before_its_bot_was_deactivated_in_the_app_opens_nothing(
    server: ServerThread,
) -> None:
    url = ticket_url(server, "xoxb-1-classic")
    assert server.app is not None
    assert server.run(server.app.workspaces.deactivate_user("U0BOT"))
    assert_expired(url)


@pytest.mark.parametrize(
    "change",
    [
        {"state": "migrating"},
        {"state": "deleted"},
        {"state": "added_to_org"},
        {"state": "org_login_required"},
        {"ekm_revoked": True},
        {"rtm_denied": ["U0002"]},
        {"require_2fa": True},  # U0002 has no 2FA
    ],
    ids=lambda change: "-".join(f"{k}={v}" for k, v in change.items()),
)
def test_a_ticket_issued_before_its_team_changed_opens_nothing(
    server: ServerThread, change: dict[str, Any]
) -> None:
    url = ticket_url(server, "xoxp-2-stream")
    other_team = ticket_url(server, "xoxb-grid-bot")
    admin(server, "teams.update", {"team": "T0001", **change})
    assert_expired(url)
    assert_opens(other_team)


def test_a_ticket_issued_before_its_team_migrates_opens_nothing_while_sessions_are_told(
    server: ServerThread,
) -> None:
    url = ticket_url(server, "xoxb-1-classic")
    with open_url(ticket_url(server, "xoxp-1-client")) as alice:
        assert recv_json(alice) == {"type": "hello"}
        admin(server, "teams.update", {"team": "T0001", "state": "migrating"})
        assert recv_json(alice) == {"type": "team_migration_started"}
    assert_expired(url)
    assert api(server, "rtm.connect", "xoxb-1-classic").body["error"] == "migration_in_progress"


def test_a_ticket_whose_token_expired_since_opens_nothing(
    server: ServerThread, clock: ManualClock
) -> None:
    # Now is 2023-11-14T22:13:20Z on the manual clock; the token lives 10 s, a ticket 30 s.
    short = user_token(server, "U0004", expires_at="2023-11-14T22:13:30Z")
    lasting = user_token(server, "U0004")
    short_url, lasting_url = ticket_url(server, short), ticket_url(server, lasting)
    clock.advance(15)
    assert_expired(short_url)
    assert_opens(lasting_url)


def test_a_ticket_still_opens_only_once(server: ServerThread) -> None:
    url = ticket_url(server, "xoxp-2-stream")
    assert_opens(url)
    assert_expired(url)


def test_refused_tickets_are_counted(server: ServerThread) -> None:
    assert server.app is not None
    stats = server.app.services.tickets.stats
    refused, redeemed = stats.refused, stats.redeemed
    url = ticket_url(server, "xoxp-2-stream")
    admin(server, "users.deactivate", {"user": "U0002"})
    assert_expired(url)
    assert (stats.refused, stats.redeemed) == (refused + 1, redeemed)
