"""``chat.getPermalink`` over real HTTP and slack_sdk, and what a GET of the permalink answers:
a small page naming the message, the same for every permalink and showing none of it."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOB, GINA, error_of, ok, start_event_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace with bob's, dave's and erin's client tokens."""
    thread = start_event_server(tmp_path_factory.mktemp("permalink"))
    yield thread
    thread.stop()


def post(server: ServerThread, text: str, channel: str = "C0001", **args: str) -> str:
    """Alice posts; the ts."""
    return str(ok(server, "chat.postMessage", ALICE, channel=channel, text=text, **args)["ts"])


def link_of(server: ServerThread, ts: str, channel: str = "C0001", token: str = ALICE) -> str:
    """chat.getPermalink's permalink."""
    body = ok(server, "chat.getPermalink", token, channel=channel, message_ts=ts)
    assert body["channel"] == channel
    return str(body["permalink"])


def get(server: ServerThread, path: str, method: str = "GET") -> tuple[int, str, str]:
    """A raw request to the server: status, content type and body text."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read().decode()
    finally:
        connection.close()


def path_of(link: str) -> str:
    """The path and query of a URL."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_permalink_is_the_workspace_url_archives_channel_and_ts_digits(
    server: ServerThread,
) -> None:
    ts = post(server, "linked")
    assert link_of(server, ts) == (f"{server.base_url}/acme/archives/C0001/p{ts.replace('.', '')}")


def test_the_permalink_is_under_the_url_auth_test_gives(server: ServerThread) -> None:
    ts = post(server, "under the workspace")
    assert link_of(server, ts).startswith(ok(server, "auth.test", ALICE)["url"] + "archives/")


def test_a_replys_permalink_names_its_thread_and_channel(server: ServerThread) -> None:
    parent = post(server, "parent")
    reply = post(server, "reply", thread_ts=parent)
    link = link_of(server, reply)
    assert link.endswith(f"/p{reply.replace('.', '')}?thread_ts={parent}&cid=C0001")


def test_a_parents_permalink_has_no_query(server: ServerThread) -> None:
    parent = post(server, "parent2")
    post(server, "reply2", thread_ts=parent)
    assert "?" not in link_of(server, parent)


def test_a_message_ts_with_seven_decimals_finds_the_message(server: ServerThread) -> None:
    ts = post(server, "seven")
    assert link_of(server, ts + "0").endswith(ts.replace(".", ""))


def test_an_unknown_message_is_message_not_found(server: ServerThread) -> None:
    code = error_of(
        server, "chat.getPermalink", ALICE, channel="C0001", message_ts="1600000000.000001"
    )
    assert code == "message_not_found"


def test_a_malformed_message_ts_is_message_not_found(server: ServerThread) -> None:
    code = error_of(server, "chat.getPermalink", ALICE, channel="C0001", message_ts="now")
    assert code == "message_not_found"


def test_a_message_of_a_private_channel_of_others_is_channel_not_found(
    server: ServerThread,
) -> None:
    ts = post(server, "secret", channel="G0001")
    code = error_of(server, "chat.getPermalink", BOB, channel="G0001", message_ts=ts)
    assert code == "channel_not_found"


def test_a_message_of_another_team_is_channel_not_found(server: ServerThread) -> None:
    ts = post(server, "acme only")
    code = error_of(server, "chat.getPermalink", GINA, channel="C0001", message_ts=ts)
    assert code == "channel_not_found"


def test_a_member_of_a_public_channel_may_link_any_of_its_messages(server: ServerThread) -> None:
    ts = post(server, "public")
    assert link_of(server, ts, token=BOB) == link_of(server, ts)


def test_get_permalink_through_slack_sdk(server: ServerThread) -> None:
    ts = post(server, "sdk")
    client = WebClient(token=BOB, base_url=server.base_url + "/api/")
    response = client.chat_getPermalink(channel="C0001", message_ts=ts)
    assert response["permalink"].endswith(f"/archives/C0001/p{ts.replace('.', '')}")


def test_a_get_of_a_permalink_answers_a_small_html_page(server: ServerThread) -> None:
    ts = post(server, "opened in a browser")
    status, content_type, page = get(server, path_of(link_of(server, ts)))
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert f'data-channel="C0001" data-ts="{ts}"' in page
    assert "opened in a browser" not in page  # no token came with the GET: no content


def test_a_replys_permalink_page_names_the_thread(server: ServerThread) -> None:
    parent = post(server, "p3")
    reply = post(server, "r3", thread_ts=parent)
    _, _, page = get(server, path_of(link_of(server, reply)))
    assert f'data-thread-ts="{parent}"' in page


def test_the_page_is_the_same_for_a_message_that_does_not_exist(server: ServerThread) -> None:
    status, _, page = get(server, "/acme/archives/G0001/p1600000000000001")
    assert status == 200 and 'data-ts="1600000000.000001"' in page


def test_a_path_that_is_not_a_permalink_is_404(server: ServerThread) -> None:
    for path in ("/acme/archives/C0001/p123", "/acme/archives/C0001", "/archives/C0001/p1"):
        assert get(server, path)[0] == 404


def test_a_post_to_a_permalink_is_404(server: ServerThread) -> None:
    assert get(server, "/acme/archives/C0001/p1600000000000001", method="POST")[0] == 404
