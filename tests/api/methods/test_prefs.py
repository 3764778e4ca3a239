"""users.prefs.get, users.prefs.set and dnd.* over real HTTP on a manual clock: the fields
clients read (wee-slack's ``muted_channels`` and ``highlight_words``), ``pref_change`` to the
user's own sessions only, ``dnd_updated`` to the user and ``dnd_updated_user`` to the team,
slack_sdk's ``dnd_*``, and what stays invisible (other teams' users, one user's snooze)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    GINA,
    GRID_BOT,
    admin,
    barrier,
    error_of,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import TEST_SECRET, api, serving
from tests.helpers.rtm import open_socket, recv_until

# People of their own for these tests, so one test's preferences never leak into another's:
# frank and fay live in UTC (the manual clock starts 2023-11-14 22:13:20 UTC).
PREFS_WORKSPACE = """
teams:
  - id: T0001
    users:
      - {id: U0006, name: frank, tz: UTC}
      - {id: U0007, name: fay, tz: UTC}
      - {id: U0008, name: gus, tz: Europe/Paris}
    conversations:
      - {id: C0010, name: prefs-room, members: [U0006, U0007, U0008, U0002]}
    tokens:
      - {token: xoxp-frank, user: U0006, type: user, scopes: [client]}
      - {token: xoxp-fay, user: U0007, type: user, scopes: [client]}
      - {token: xoxp-gus, user: U0008, type: user, scopes: [client]}
"""
FRANK, FAY, GUS = "xoxp-frank", "xoxp-fay", "xoxp-gus"
START = 1_700_000_000  # 22:13:20 UTC
TONIGHT_22 = 1_699_999_200  # 2023-11-14 22:00 UTC
TOMORROW_08 = 1_700_035_200  # 2023-11-15 08:00 UTC
DAY = 86_400


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The event tests' workspace and the people above, on a manual clock."""
    components = Components(secret=TEST_SECRET, clock=ManualClock(float(START)))
    tmp_path = tmp_path_factory.mktemp("prefs")
    yield from serving(start_event_server(tmp_path, PREFS_WORKSPACE, components=components))


def prefs(server: ServerThread, token: str) -> dict[str, Any]:
    """users.prefs.get's ``prefs``."""
    return dict(ok(server, "users.prefs.get", token)["prefs"])


def set_pref(server: ServerThread, token: str, name: str, value: str) -> dict[str, Any]:
    """users.prefs.set of one preference; the preferences answered."""
    return dict(ok(server, "users.prefs.set", token, name=name, value=value)["prefs"])


def now(server: ServerThread) -> int:
    """The server's manual clock, in whole seconds."""
    assert server.app is not None
    return int(server.app.clock.now())


# users.prefs.get / users.prefs.set


def test_prefs_get_answers_the_fields_wee_slack_reads(acme: ServerThread) -> None:
    got = prefs(acme, ALICE)
    assert (got["muted_channels"], got["highlight_words"]) == ("", "")
    notifications = json.loads(got["all_notifications_prefs"])
    assert notifications["channels"] == {} and "global_keywords" in notifications["global"]
    assert (got["time24"], got["emoji_mode"], got["dnd_enabled"]) == (False, "default", False)


def test_prefs_set_by_name_and_value_is_read_back(acme: ServerThread) -> None:
    answered = set_pref(acme, GUS, "emoji_mode", "as_text")
    assert answered["emoji_mode"] == "as_text" == prefs(acme, GUS)["emoji_mode"]


def test_prefs_set_with_a_prefs_object_keeps_the_types(acme: ServerThread) -> None:
    document = json.dumps({"time24": True, "display_real_names_override": 1, "locale": "fr-FR"})
    ok(acme, "users.prefs.set", GUS, prefs=document)
    got = prefs(acme, GUS)
    assert (got["time24"], got["display_real_names_override"], got["locale"]) == (
        True,
        1,
        "fr-FR",
    )


def test_booleans_given_as_text_are_booleans(acme: ServerThread) -> None:
    assert set_pref(acme, GUS, "show_typing", "0")["show_typing"] is False
    assert set_pref(acme, GUS, "show_typing", "true")["show_typing"] is True


def test_muted_channels_keep_all_notifications_prefs_in_step(acme: ServerThread) -> None:
    set_pref(acme, FAY, "muted_channels", "C0010, C0001,C0010")
    got = prefs(acme, FAY)
    assert got["muted_channels"] == "C0010,C0001"
    channels = json.loads(got["all_notifications_prefs"])["channels"]
    assert channels["C0010"]["muted"] is True and channels["C0001"]["muted"] is True
    set_pref(acme, FAY, "muted_channels", "")
    channels = json.loads(prefs(acme, FAY)["all_notifications_prefs"])["channels"]
    assert not any(p["muted"] for p in channels.values())


def test_highlight_words_become_the_global_keywords(acme: ServerThread) -> None:
    set_pref(acme, FAY, "highlight_words", "deploy,outage")
    notifications = json.loads(prefs(acme, FAY)["all_notifications_prefs"])
    assert notifications["global"]["global_keywords"] == "deploy,outage"


def test_a_users_prefs_are_theirs_alone(acme: ServerThread) -> None:
    set_pref(acme, GUS, "messages_theme", "dense")
    assert prefs(acme, BOB)["messages_theme"] == "default"
    assert prefs(acme, GINA)["messages_theme"] == "default"


def test_pref_change_reaches_the_users_own_sessions_only(acme: ServerThread) -> None:
    with open_socket(acme, FAY) as fay, open_socket(acme, BOB) as bob:
        set_pref(acme, FAY, "muted_channels", "C0001")
        changes = [recv_until(fay, of_type("pref_change")) for _ in range(2)]
        barrier(acme, "pref barrier", channel="C0010", token=FRANK)
        assert "pref_change" not in types_until(bob, "pref barrier")
    by_name = {c["name"]: c["value"] for c in changes}
    assert by_name["muted_channels"] == "C0001"
    assert json.loads(by_name["all_notifications_prefs"])["channels"]["C0001"]["muted"] is True


def test_setting_a_pref_to_its_value_announces_nothing(acme: ServerThread) -> None:
    set_pref(acme, GUS, "search_sort", "score")
    with open_socket(acme, GUS) as gus:
        set_pref(acme, GUS, "search_sort", "score")
        barrier(acme, "same pref barrier", channel="C0010", token=FRANK)
        assert "pref_change" not in types_until(gus, "same pref barrier")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "invalid_name"),
        ({"name": "Not A Name", "value": "1"}, "invalid_name"),
        ({"name": "time24", "value": "maybe"}, "invalid_value"),
        ({"name": "display_real_names_override", "value": "soon"}, "invalid_value"),
        ({"name": "dnd_start_hour", "value": "25:00"}, "invalid_value"),
        ({"name": "all_notifications_prefs", "value": "[1]"}, "invalid_value"),
        ({"prefs": "not json"}, "invalid_arguments"),
        ({"prefs": "[]"}, "invalid_arguments"),
    ],
)
def test_prefs_set_refuses_bad_names_and_values(
    acme: ServerThread, args: dict[str, str], error: str
) -> None:
    assert error_of(acme, "users.prefs.set", GUS, **args) == error


# dnd.*


def test_dnd_info_without_a_schedule_answers_slacks_placeholders(acme: ServerThread) -> None:
    body = ok(acme, "dnd.info", BOB)
    assert (body["dnd_enabled"], body["next_dnd_start_ts"], body["next_dnd_end_ts"]) == (
        False,
        1,
        1,
    )
    assert body["snooze_enabled"] is False


def test_dnd_info_answers_the_scheduled_window_in_the_users_zone(acme: ServerThread) -> None:
    set_pref(acme, FRANK, "dnd_enabled", "true")  # 22:00-08:00 by default
    body = ok(acme, "dnd.info", FRANK)
    assert (body["dnd_enabled"], body["next_dnd_start_ts"], body["next_dnd_end_ts"]) == (
        True,
        TONIGHT_22,
        TOMORROW_08,
    )
    set_pref(acme, FRANK, "dnd_enabled", "false")


def test_dnd_info_about_another_member_leaves_their_snooze_out(acme: ServerThread) -> None:
    ok(acme, "dnd.setSnooze", FAY, num_minutes="30")
    body = ok(acme, "dnd.info", BOB, user="U0007")
    assert "snooze_enabled" not in body and "snooze_endtime" not in body
    ok(acme, "dnd.endSnooze", FAY)


def test_dnd_info_about_another_teams_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "dnd.info", ALICE, user="U1001") == "user_not_found"
    assert error_of(acme, "dnd.info", GINA, user="U0001") == "user_not_found"


def test_set_snooze_answers_its_end_and_remaining_seconds(acme: ServerThread) -> None:
    body = ok(acme, "dnd.setSnooze", GUS, num_minutes="15")
    assert body["snooze_enabled"] is True
    assert (body["snooze_endtime"], body["snooze_remaining"]) == (now(acme) + 900, 900)
    assert ok(acme, "dnd.info", GUS)["snooze_endtime"] == now(acme) + 900
    ok(acme, "dnd.endSnooze", GUS)


def test_a_snooze_ends_by_itself_when_its_time_comes(acme: ServerThread) -> None:
    ok(acme, "dnd.setSnooze", GUS, num_minutes="1")
    admin(acme, "clock.advance", {"secs": 61})
    assert ok(acme, "dnd.info", GUS)["snooze_enabled"] is False
    assert error_of(acme, "dnd.endSnooze", GUS) == "snooze_not_active"


@pytest.mark.parametrize(
    ("minutes", "error"),
    [(None, "missing_duration"), ("abc", "snooze_failed"), ("0", "snooze_failed"),
     (str(7 * 24 * 60 + 1), "too_long")],
)  # fmt: skip
def test_set_snooze_refuses_durations_slack_refuses(
    acme: ServerThread, minutes: str | None, error: str
) -> None:
    args = {} if minutes is None else {"num_minutes": minutes}
    assert error_of(acme, "dnd.setSnooze", GUS, **args) == error


def test_a_snooze_tells_the_user_everything_and_the_team_only_the_schedule(
    acme: ServerThread,
) -> None:
    with open_socket(acme, FAY) as fay, open_socket(acme, BOB) as bob:
        ok(acme, "dnd.setSnooze", FAY, num_minutes="10")
        own = recv_until(fay, of_type("dnd_updated"))
        team = recv_until(bob, of_type("dnd_updated_user"))
        barrier(acme, "snooze barrier", channel="C0010", token=FRANK)
        assert "dnd_updated" not in types_until(bob, "snooze barrier")
    assert own["user"] == "U0007" and own["dnd_status"]["snooze_enabled"] is True
    assert team["user"] == "U0007" and "snooze_enabled" not in team["dnd_status"]
    ok(acme, "dnd.endSnooze", FAY)


def test_dnd_events_never_reach_another_team(acme: ServerThread) -> None:
    with open_socket(acme, GINA) as gina:
        ok(acme, "dnd.setSnooze", FAY, num_minutes="10")
        ok(acme, "dnd.endSnooze", FAY)
        barrier(acme, "globex dnd barrier", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "globex dnd barrier") == []


def test_end_snooze_answers_the_status_after(acme: ServerThread) -> None:
    ok(acme, "dnd.setSnooze", GUS, num_minutes="5")
    with open_socket(acme, GUS) as gus:
        body = ok(acme, "dnd.endSnooze", GUS)
        event = recv_until(gus, of_type("dnd_updated"))
    assert (body["snooze_enabled"], body["dnd_enabled"]) == (False, False)
    assert event["dnd_status"]["snooze_enabled"] is False


def test_end_snooze_without_one_is_snooze_not_active(acme: ServerThread) -> None:
    assert error_of(acme, "dnd.endSnooze", BOB) == "snooze_not_active"


def test_end_dnd_inside_the_window_skips_to_the_next_one(acme: ServerThread) -> None:
    set_pref(acme, FRANK, "dnd_enabled", "1")
    window = ok(acme, "dnd.info", FRANK)
    assert window["next_dnd_start_ts"] <= now(acme) < window["next_dnd_end_ts"]
    with open_socket(acme, BOB) as bob:
        assert ok(acme, "dnd.endDnd", FRANK) == {"ok": True}
        event = recv_until(bob, of_type("dnd_updated_user"))
    after = ok(acme, "dnd.info", FRANK)
    assert after["next_dnd_start_ts"] == window["next_dnd_start_ts"] + DAY
    assert event["dnd_status"]["next_dnd_start_ts"] == after["next_dnd_start_ts"]
    assert error_of(acme, "dnd.endDnd", FRANK) == "not_in_dnd"
    set_pref(acme, FRANK, "dnd_enabled", "0")


def test_end_dnd_ends_a_snooze(acme: ServerThread) -> None:
    ok(acme, "dnd.setSnooze", GUS, num_minutes="20")
    ok(acme, "dnd.endDnd", GUS)
    assert ok(acme, "dnd.info", GUS)["snooze_enabled"] is False


def test_end_dnd_when_not_in_dnd_is_not_in_dnd(acme: ServerThread) -> None:
    assert error_of(acme, "dnd.endDnd", BOB) == "not_in_dnd"


def test_changing_the_schedule_announces_dnd_updated_user(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as bob:
        set_pref(acme, FAY, "dnd_enabled", "true")
        event = recv_until(bob, of_type("dnd_updated_user"))
    assert event["user"] == "U0007" and event["dnd_status"]["dnd_enabled"] is True
    set_pref(acme, FAY, "dnd_enabled", "false")


def test_team_info_answers_the_users_asked_for_of_the_team(acme: ServerThread) -> None:
    body = ok(acme, "dnd.teamInfo", ALICE, users="U0001,U0006,U1001,U9999")
    assert set(body["users"]) == {"U0001", "U0006"}
    assert set(body["users"]["U0001"]) == {"dnd_enabled", "next_dnd_start_ts", "next_dnd_end_ts"}


def test_team_info_without_users_answers_the_active_members(acme: ServerThread) -> None:
    users = ok(acme, "dnd.teamInfo", GINA)["users"]
    assert set(users) == {"U1001", "U1BOT"}
    acme_users = ok(acme, "dnd.teamInfo", ALICE)["users"]
    assert "U0001" in acme_users and "U0003" not in acme_users  # carol is deactivated


def test_slack_sdk_drives_the_dnd_methods(acme: ServerThread) -> None:
    client = WebClient(token=GUS, base_url=acme.base_url + "/api/")
    assert client.dnd_setSnooze(num_minutes=3)["snooze_remaining"] == 180
    assert client.dnd_info()["snooze_enabled"] is True
    assert client.dnd_endSnooze()["snooze_enabled"] is False
    assert "U0008" in client.dnd_teamInfo(users=["U0008", "U0001"])["users"]
    client.dnd_setSnooze(num_minutes=3)
    assert client.dnd_endDnd()["ok"] is True


def test_slack_sdk_reaches_users_prefs_through_api_call(acme: ServerThread) -> None:
    # slack_sdk has no named users.prefs.* method; clients call them by name.
    client = WebClient(token=GUS, base_url=acme.base_url + "/api/")
    client.api_call("users.prefs.set", params={"name": "time24", "value": "false"})
    assert client.api_call("users.prefs.get")["prefs"]["time24"] is False


def test_a_token_without_the_scope_is_missing_scope(acme: ServerThread) -> None:
    body = api(acme, "dnd.setSnooze", "xoxp-3-granular", num_minutes="5").body
    assert (body["error"], body["needed"]) == ("missing_scope", "dnd:write")
    assert api(acme, "users.prefs.get", "xoxb-2-granular").body["needed"] == "users:read"
