"""Socket tickets refused with an HTTP status or expired by injection
(``faults.refuse_tickets``, ``faults.expire_tickets``), for everyone or for one user; the
next ticket connects."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOB, BOT, admin, ok
from tests.helpers.rtm import FRAME_TIMEOUT_SECS, closed_with, open_socket, recv_json, send_json

pytestmark = pytest.mark.usefixtures("cleared")


def test_a_refused_ticket_gets_the_http_status_and_the_next_one_connects(
    server: ServerThread,
) -> None:
    admin(server, "faults.refuse_tickets", {"count": 1, "status": 502})
    url = ok(server, "rtm.connect", ALICE)["url"]
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=FRAME_TIMEOUT_SECS)
    assert refused.value.response.status_code == 502
    with connect(url, open_timeout=FRAME_TIMEOUT_SECS) as reused:  # the ticket is used up
        assert recv_json(reused)["error"]["code"] == 1
    with open_socket(server, ALICE) as alice:
        send_json(alice, {"id": 1, "type": "ping"})
        assert recv_json(alice)["type"] == "pong"


def test_ticket_faults_for_one_user_leave_the_others_alone(server: ServerThread) -> None:
    admin(server, "faults.refuse_tickets", {"user": "U0002"})
    with open_socket(server, ALICE):
        pass
    url = ok(server, "rtm.connect", BOB)["url"]
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=FRAME_TIMEOUT_SECS)
    assert refused.value.response.status_code == 503


def test_an_expired_ticket_gets_the_upgrade_then_error_1_and_close_1008(
    server: ServerThread,
) -> None:
    admin(server, "faults.expire_tickets", {"count": 2})
    for _ in range(2):
        url = ok(server, "rtm.connect", BOT)["url"]
        with connect(url, open_timeout=FRAME_TIMEOUT_SECS) as ws:
            assert recv_json(ws) == {
                "type": "error",
                "error": {"code": 1, "msg": "Socket URL has expired"},
            }
            assert closed_with(ws) == 1008
    with open_socket(server, BOT):
        pass
