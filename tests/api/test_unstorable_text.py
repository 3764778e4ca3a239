"""Text no database can store or no encoder can write is refused at every edge (decisions A.10).

Over real HTTP: the poison message (``blocks`` holding an escaped lone surrogate) is refused
and leaves the channel's history readable; a lone surrogate in a profile or in a JSON body's
argument, JSON nested far too deep, and NUL in any argument each get their error. The NUL
cases run on SQLite and on PostgreSQL (each test in a fresh schema), which answer alike. The
control API refuses such text too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from slackline.testing.server import ServerThread
from slackline.testing.toolkit import Slackline, SlacklineServer
from tests.helpers.events import ADMIN_TOKEN, start_event_server
from tests.helpers.http import WORKSPACE_FILE, HttpResult, api, http_request, start_server
from tests.helpers.postgres import on_backend, postgres_schema

BOT = "xoxb-1-classic"  # U0BOT, in C0001
ALICE = "xoxp-1-client"  # U0001, admin
GENERAL = "C0001"
LONE = "\\ud800"  # JSON text of a lone surrogate: json.loads makes it "\ud800"
PAIR = "\\ud83d\\ude00"  # JSON text of a real pair: U+1F600
DEEP = 1_000
FORM = "application/x-www-form-urlencoded"
JSON_UTF8 = "application/json; charset=utf-8"
HISTORY_KEYS = {
    "ok", "messages", "has_more", "pin_count", "channel_actions_ts", "channel_actions_count",
}  # fmt: skip
POISON_BLOCKS = '[{"type":"section","text":{"type":"mrkdwn","text":"' + LONE + '"}}]'


def deep_json(depth: int = DEEP) -> str:
    """A JSON array nested ``depth`` deep."""
    return "[" * depth + "]" * depth


def post_json(server: ServerThread, method: str, body: str, token: str = BOT) -> HttpResult:
    """POST a raw JSON body, the token in the Authorization header."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": JSON_UTF8}
    return http_request(server.port, "POST", f"/api/{method}", body, headers)


def assert_error(result: HttpResult, code: str) -> None:
    """Slack's plain error body, with HTTP 200."""
    assert (result.status, result.body) == (200, {"ok": False, "error": code})


def history_texts(server: ServerThread, channel: str = GENERAL) -> list[str]:
    """The texts of the channel's history, newest first; the history must answer 200 ok."""
    result = api(server, "conversations.history", BOT, channel=channel, limit="100")
    assert result.status == 200, result
    assert result.body["ok"] is True, result.body
    assert result.headers["content-type"] == JSON_UTF8
    assert set(result.body) >= HISTORY_KEYS
    assert isinstance(result.body["messages"], list) and result.body["has_more"] is False
    return [m.get("text", "") for m in result.body["messages"]]


# the poison message and its siblings (SQLite)


def test_blocks_with_an_escaped_lone_surrogate_are_refused_and_history_still_reads(
    server: ServerThread,
) -> None:
    before = history_texts(server)
    result = api(
        server, "chat.postMessage", BOT, channel=GENERAL, text="poison", blocks=POISON_BLOCKS
    )
    assert_error(result, "invalid_blocks_format")
    assert history_texts(server) == before  # nothing stored
    # A real pair in blocks is text like any other: stored, and read back as that character.
    pair_blocks = POISON_BLOCKS.replace(LONE, PAIR)
    posted = api(server, "chat.postMessage", BOT, channel=GENERAL, text="pair", blocks=pair_blocks)
    assert posted.body["ok"] is True, posted.body
    newest = api(server, "conversations.history", BOT, channel=GENERAL, limit="1").body
    assert newest["messages"][0]["blocks"][0]["text"]["text"] == "\U0001f600"


def test_attachments_with_an_escaped_lone_surrogate_are_invalid_attachments(
    server: ServerThread,
) -> None:
    attachments = '[{"fallback":"' + LONE + '","text":"x"}]'
    result = api(
        server, "chat.postMessage", BOT, channel=GENERAL, text="a", attachments=attachments
    )
    assert_error(result, "invalid_attachments")
    history_texts(server)


def test_a_blocks_argument_inside_a_json_body_is_checked_by_its_own_parser(
    server: ServerThread,
) -> None:
    # The body's blocks is a JSON value: re-encoded, its lone surrogate is an escape again.
    body = json.dumps({"channel": GENERAL, "text": "x", "blocks": json.loads(POISON_BLOCKS)})
    assert LONE in body
    assert_error(post_json(server, "chat.postMessage", body), "invalid_blocks_format")
    history_texts(server)


def test_a_profile_with_an_escaped_lone_surrogate_is_invalid_profile(server: ServerThread) -> None:
    before = api(server, "users.profile.get", ALICE).body
    assert before["ok"] is True
    profile = '{"status_text":"' + LONE + '"}'
    assert_error(api(server, "users.profile.set", ALICE, profile=profile), "invalid_profile")
    field = api(server, "users.profile.set", ALICE, name="fields", value='{"x":"' + LONE + '"}')
    assert_error(field, "invalid_profile")
    # In a JSON body the profile object is re-encoded, its lone surrogate an escape again.
    as_json = '{"profile":{"status_text":"' + LONE + '"}}'
    assert_error(post_json(server, "users.profile.set", as_json, ALICE), "invalid_profile")
    # The profile is as it was, and users.list (which reads every profile) still answers.
    assert api(server, "users.profile.get", ALICE).body == before
    assert api(server, "users.list", BOT).body["ok"] is True


def test_chat_update_with_a_lone_surrogate_in_a_json_body_is_invalid_arguments(
    server: ServerThread,
) -> None:
    posted = api(server, "chat.postMessage", BOT, channel=GENERAL, text="to be updated")
    assert posted.body["ok"] is True
    ts = posted.body["ts"]
    body = '{"channel":"' + GENERAL + '","ts":"' + ts + '","text":"' + LONE + '"}'
    assert_error(post_json(server, "chat.update", body), "invalid_arguments")
    assert "to be updated" in history_texts(server)


def test_a_lone_surrogate_in_any_json_body_argument_is_invalid_arguments(
    server: ServerThread,
) -> None:
    # Even in an argument the method does not read, and before authentication.
    body = '{"channel":"' + GENERAL + '","text":"x","unused":"' + LONE + '"}'
    assert_error(post_json(server, "chat.postMessage", body), "invalid_arguments")
    assert_error(post_json(server, "auth.test", body, token="xoxb-nobody"), "invalid_arguments")


def test_a_json_body_nested_a_thousand_deep_is_invalid_json(server: ServerThread) -> None:
    body = '{"channel":"' + GENERAL + '","text":"x","blocks":' + deep_json() + "}"
    assert_error(post_json(server, "chat.postMessage", body), "invalid_json")
    assert_error(post_json(server, "chat.postMessage", deep_json()), "invalid_json")
    history_texts(server)


def test_blocks_nested_a_thousand_deep_are_invalid_blocks_format(server: ServerThread) -> None:
    result = api(server, "chat.postMessage", BOT, channel=GENERAL, text="x", blocks=deep_json())
    assert_error(result, "invalid_blocks_format")
    # Far deeper than the recursion limit too, without a stack overflow.
    deeper = api(
        server, "chat.postMessage", BOT, channel=GENERAL, text="x", blocks=deep_json(100_000)
    )
    assert_error(deeper, "invalid_blocks_format")
    history_texts(server)


def test_a_token_argument_with_a_nul_is_invalid_arguments(server: ServerThread) -> None:
    # A token in the form or the query is an argument like any other (A.10), checked before
    # authentication (B.1).
    form = {"Content-Type": FORM}
    for body, path in (
        ("token=xoxb-1-classic%00&channel=C0001&text=x", "/api/chat.postMessage"),
        ("channel=C0001&text=x", "/api/chat.postMessage?token=%00xoxb-1-classic"),
    ):
        assert_error(http_request(server.port, "POST", path, body, form), "invalid_arguments")
    history_texts(server)


# NUL on both databases


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerThread]:
    """A server on a fresh SQLite file, or on a fresh schema of the shared PostgreSQL."""
    with on_backend(request.param, partial(start_server, tmp_path)) as server:
        yield server


NUL_CALLS = [
    pytest.param("chat.postMessage", {"channel": GENERAL, "text": "a\x00b"}, id="text"),
    pytest.param("chat.postMessage", {"channel": "C0001\x00", "text": "hi"}, id="channel"),
    pytest.param("conversations.history", {"channel": "C\x00001"}, id="history-channel"),
    pytest.param("conversations.info", {"channel": "\x00"}, id="info-channel"),
    pytest.param("users.info", {"user": "U0001\x00"}, id="user"),
]


@pytest.mark.parametrize(("method", "args"), NUL_CALLS)
def test_a_nul_in_a_form_argument_is_invalid_arguments_on_every_database(
    backend: ServerThread, method: str, args: dict[str, str]
) -> None:
    assert_error(api(backend, method, BOT, **args), "invalid_arguments")
    assert_error(api(backend, method, BOT, verb="GET", **args), "invalid_arguments")
    body = json.dumps(args)
    assert "\\u0000" in body
    assert_error(post_json(backend, method, body), "invalid_arguments")
    assert history_texts(backend) == []  # nothing stored, and the database still answers


def test_nul_answers_are_the_same_on_sqlite_and_postgresql(tmp_path: Path) -> None:
    def answers(server: ServerThread) -> list[tuple[int, dict[str, Any]]]:
        found = []
        for param in NUL_CALLS:
            method, args = param.values
            assert isinstance(method, str) and isinstance(args, dict)
            result = api(server, method, BOT, **args)
            found.append((result.status, result.body))
        found.append(_status_body(api(server, "conversations.history", BOT, channel=GENERAL)))
        return found

    with start_server(tmp_path / "sqlite") as on_sqlite:
        expected = answers(on_sqlite)
    with postgres_schema() as url, start_server(tmp_path / "pg", database=url) as on_postgres:
        assert answers(on_postgres) == expected
    assert [answer[1].get("error") for answer in expected] == [
        *["invalid_arguments"] * len(NUL_CALLS),
        None,
    ]


def _status_body(result: HttpResult) -> tuple[int, dict[str, Any]]:
    return result.status, result.body


# the control API


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("control"))
    yield thread
    thread.stop()


def admin_post(server: ServerThread, endpoint: str, body: str, content_type: str) -> HttpResult:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": content_type}
    return http_request(server.port, "POST", f"/_slackline/admin/{endpoint}", body, headers)


@pytest.mark.parametrize(
    ("document", "content_type"),
    [
        pytest.param(
            '{"teams":[{"id":"T0100","name":"Nul\\u0000Team","domain":"nul"}]}',
            "application/json",
            id="json-nul",
        ),
        pytest.param(
            '{"teams":[{"id":"T0100","name":"' + LONE + '","domain":"nul"}]}',
            "application/json",
            id="json-lone-surrogate",
        ),
        pytest.param(
            'teams:\n  - {id: T0100, name: "Nul\\0Team", domain: nul}\n',
            "application/yaml",
            id="yaml-nul",
        ),
        pytest.param(
            'teams:\n  - {id: T0100, name: "\\ud800", domain: nul}\n',
            "application/yaml",
            id="yaml-lone-surrogate",
        ),
    ],
)
def test_workspace_apply_refuses_a_name_that_cannot_be_stored(
    control: ServerThread, document: str, content_type: str
) -> None:
    result = admin_post(control, "workspace.apply", document, content_type)
    assert result.status == 400, result
    assert result.body["ok"] is False and result.body["error"] == "invalid_workspace"
    assert api(control, "auth.test", BOT).body["ok"] is True
    teams = admin_post(control, "reset", "{}", "application/json").body["teams"]
    assert "T0100" not in teams


def test_act_with_an_escaped_lone_surrogate_in_its_body_is_invalid_json(
    control: ServerThread,
) -> None:
    # The control API parses its body first: a lone surrogate there is not usable JSON.
    body = (
        '{"as":"U0002","method":"chat.postMessage",'
        '"args":{"channel":"C0001","text":"' + LONE + '"}}'
    )
    result = admin_post(control, "act", body, "application/json")
    assert result.status == 400
    assert (result.body["ok"], result.body["error"]) == (False, "invalid_json")
    assert history_texts(control) == []


def test_acting_with_a_lone_surrogate_answers_invalid_arguments(tmp_path: Path) -> None:
    # In process (the toolkit's act), the arguments reach act itself, which checks them.
    running = SlacklineServer.start(tmp_path, workspaces=(WORKSPACE_FILE,))
    try:
        slack = Slackline(running)
        for text in ("\ud800", "a\x00b"):
            result = slack.act("U0002", "chat.postMessage", channel=GENERAL, text=text)
            assert result == {"ok": False, "error": "invalid_arguments"}
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "\udfff"}}]
        result = slack.act("U0002", "chat.postMessage", channel=GENERAL, text="x", blocks=blocks)
        assert result == {"ok": False, "error": "invalid_blocks_format"}
        assert slack.act("U0002", "conversations.history", channel=GENERAL)["messages"] == []
    finally:
        running.stop()


def test_urlencoded_lone_surrogate_bytes_are_not_text(server: ServerThread) -> None:
    # UTF-8 cannot encode a surrogate, so its three bytes are a broken form, not an argument.
    body = urlencode({"channel": GENERAL}) + "&text=%ED%A0%80"
    headers = {"Authorization": f"Bearer {BOT}", "Content-Type": FORM}
    result = http_request(server.port, "POST", "/api/chat.postMessage", body, headers)
    assert_error(result, "invalid_form_data")
