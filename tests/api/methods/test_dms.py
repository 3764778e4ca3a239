"""conversations.open and conversations.close over real HTTP and real sockets: DMs and group
DMs created, found again, closed and reopened; ``im_created``, ``im_open``, ``im_close``,
``mpim_joined``, ``mpim_open`` and ``mpim_close`` to exactly the sessions that may see them;
the errors; other people's DMs and other teams staying invisible; slack_sdk's calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.people import Callers, acme_people
from tests.helpers.rtm import no_frame, recv_until


@dataclass
class People(Callers):
    """Alice, bob, dave and erin of one team, carol deleted; gina of another team."""

    alice: Member
    bob: Member
    dave: Member
    erin: Member
    carol: Member
    gina: Member


@pytest.fixture
def people(slackline: Slackline, slackline_server: SlacklineServer) -> People:
    """The people of :class:`People`, fresh for each test."""
    team, alice, bob, dave, erin, gina = acme_people(slackline)
    carol = slackline.user(team, "carol", deleted=True)
    return People(slackline_server, alice, bob, dave, erin, carol, gina)


def of_type(kind: str) -> Any:
    """A frame predicate: this ``type``."""
    return lambda frame: frame.get("type") == kind


def open_ids(people: People, member: Member, types: str = "im,mpim") -> dict[str, bool]:
    """``is_open`` of each DM and group DM the member lists."""
    channels = people.ok("conversations.list", member, types=types)["channels"]
    return {channel["id"]: channel["is_open"] for channel in channels}


# DMs


def test_a_new_dm_is_answered_with_its_id_only(people: People) -> None:
    body = people.ok("conversations.open", people.alice, users=people.bob.id)
    assert set(body) == {"ok", "channel"} and set(body["channel"]) == {"id"}
    assert body["channel"]["id"].startswith("D")


def test_return_im_answers_the_whole_dm_naming_the_other_party(people: People) -> None:
    body = people.ok("conversations.open", people.alice, users=people.bob.id, return_im="1")
    channel = body["channel"]
    assert (channel["is_im"], channel["user"]) == (True, people.bob.id)
    info = people.ok("conversations.info", people.bob, channel=channel["id"])["channel"]
    assert info["user"] == people.alice.id


def test_a_new_dm_sends_im_created_to_both_and_im_open_to_the_opener(people: People) -> None:
    with people.socket(people.alice) as alice, people.socket(people.bob) as bob:
        dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
        for socket, peer in ((alice, people.bob.id), (bob, people.alice.id)):
            created = recv_until(socket, of_type("im_created"))
            assert (created["user"], created["channel"]["id"]) == (people.alice.id, dm)
            assert created["channel"]["user"] == peer
        opened = recv_until(alice, of_type("im_open"))
        assert (opened["user"], opened["channel"]) == (people.alice.id, dm)
        assert no_frame(bob)


def test_a_new_dm_reaches_nobody_else(people: People) -> None:
    with people.socket(people.dave) as dave, people.socket(people.gina) as gina:
        people.ok("conversations.open", people.alice, users=people.bob.id)
        assert no_frame(dave) and no_frame(gina)


def test_opening_an_open_dm_again_is_a_no_op(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    with people.socket(people.alice) as alice:
        again = people.ok("conversations.open", people.alice, users=people.bob.id)
        assert again == {"ok": True, "no_op": True, "already_open": True, "channel": {"id": dm}}
        assert no_frame(alice)


def test_the_other_party_opens_the_same_dm(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    assert people.ok("conversations.open", people.bob, users=people.alice.id)["channel"]["id"] == dm


def test_opening_at_the_same_moment_makes_one_dm_and_one_group_dm(people: People) -> None:
    pairs = [(people.alice, people.bob.id), (people.bob, people.alice.id)] * 4
    trios = [(people.alice, f"{people.bob.id},{people.dave.id}"),
             (people.dave, f"{people.alice.id},{people.bob.id}")] * 4  # fmt: skip
    with ThreadPoolExecutor(max_workers=8) as pool:
        dms = pool.map(lambda p: people.ok("conversations.open", p[0], users=p[1]), pairs)
        groups = pool.map(lambda p: people.ok("conversations.open", p[0], users=p[1]), trios)
        assert len({body["channel"]["id"] for body in dms}) == 1
        assert len({body["channel"]["id"] for body in groups}) == 1


def test_a_dm_with_oneself_is_the_self_dm(people: People) -> None:
    body = people.ok("conversations.open", people.alice, users=people.alice.id, return_im="1")
    assert (body["channel"]["is_im"], body["channel"]["user"]) == (True, people.alice.id)


def test_closing_a_dm_sends_im_close_to_the_closers_sessions_only(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    with people.socket(people.alice) as alice, people.socket(people.bob) as bob:
        assert people.ok("conversations.close", people.alice, channel=dm) == {"ok": True}
        closed = recv_until(alice, of_type("im_close"))
        assert (closed["user"], closed["channel"]) == (people.alice.id, dm)
        assert no_frame(bob)


def test_a_closed_dm_is_listed_closed_for_the_closer_only(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    people.ok("conversations.close", people.alice, channel=dm)
    assert open_ids(people, people.alice) == {dm: False}
    assert open_ids(people, people.bob) == {dm: True}
    assert people.ok("conversations.info", people.alice, channel=dm)["channel"]["is_open"] is False


def test_closing_a_closed_dm_is_a_no_op(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    people.ok("conversations.close", people.alice, channel=dm)
    again = people.ok("conversations.close", people.alice, channel=dm)
    assert again == {"ok": True, "no_op": True, "already_closed": True}


def test_reopening_a_closed_dm_sends_im_open(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    people.ok("conversations.close", people.alice, channel=dm)
    with people.socket(people.alice) as alice:
        body = people.ok("conversations.open", people.alice, users=people.bob.id)
        assert body == {"ok": True, "channel": {"id": dm}}
        assert recv_until(alice, of_type("im_open"))["channel"] == dm
    assert open_ids(people, people.alice) == {dm: True}


def test_a_dm_reopens_by_its_channel_id(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    people.ok("conversations.close", people.alice, channel=dm)
    assert people.ok("conversations.open", people.alice, channel=dm) == {
        "ok": True,
        "channel": {"id": dm},
    }


def test_prevent_creation_finds_an_existing_dm_and_creates_none(people: People) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    found = people.ok("conversations.open", people.alice, users=people.bob.id, prevent_creation="1")
    assert found["channel"]["id"] == dm
    args = {"users": people.dave.id, "prevent_creation": "true"}
    assert people.error("conversations.open", people.alice, **args) == "channel_not_found"
    assert list(open_ids(people, people.alice, "im")) == [dm]


# Group DMs


def test_a_new_group_dm_is_answered_whole(people: People) -> None:
    users = f"{people.bob.id},{people.dave.id}"
    channel = people.ok("conversations.open", people.alice, users=users)["channel"]
    assert channel["id"].startswith("G")
    assert (channel["is_mpim"], channel["is_private"], channel["is_im"]) == (True, True, False)
    assert channel["name"] == "mpdm-alice--bob--dave-1"
    members = people.ok("conversations.members", people.bob, channel=channel["id"])["members"]
    assert sorted(members) == sorted([people.alice.id, people.bob.id, people.dave.id])


def test_a_group_dms_name_keeps_the_order_of_users_after_the_opener(people: People) -> None:
    users = f"{people.dave.id},{people.alice.id},{people.bob.id}"
    channel = people.ok("conversations.open", people.alice, users=users)["channel"]
    assert channel["name"] == "mpdm-alice--dave--bob-1"


def test_a_new_group_dm_sends_mpim_joined_to_each_member_and_mpim_open_to_the_opener(
    people: People,
) -> None:
    users = f"{people.bob.id},{people.dave.id}"
    with people.socket(people.alice) as alice, people.socket(people.bob) as bob:
        group = people.ok("conversations.open", people.alice, users=users)["channel"]["id"]
        for socket in (alice, bob):
            joined = recv_until(socket, of_type("mpim_joined"))
            assert (joined["channel"]["id"], joined["channel"]["is_mpim"]) == (group, True)
            assert joined["channel"]["topic"] == {"value": "", "creator": "", "last_set": 0}
            assert sorted(joined["channel"]["members"]) == sorted(
                [people.alice.id, people.bob.id, people.dave.id]
            )
        opened = recv_until(alice, of_type("mpim_open"))
        assert (opened["user"], opened["channel"]) == (people.alice.id, group)
        assert no_frame(bob)


def test_a_new_group_dm_reaches_nobody_else(people: People) -> None:
    with people.socket(people.erin) as erin, people.socket(people.gina) as gina:
        people.ok("conversations.open", people.alice, users=f"{people.bob.id},{people.dave.id}")
        assert no_frame(erin) and no_frame(gina)


def test_the_same_people_in_any_order_find_the_same_group_dm(people: People) -> None:
    first = people.ok("conversations.open", people.alice, users=f"{people.bob.id},{people.dave.id}")
    group = first["channel"]["id"]
    # The caller may list themselves (wee-slack does); the order does not matter.
    listed = f"{people.dave.id},{people.alice.id},{people.bob.id}"
    again = people.ok("conversations.open", people.alice, users=listed)
    assert (again["channel"]["id"], again["already_open"]) == (group, True)
    by_dave = people.ok(
        "conversations.open", people.dave, users=f"{people.bob.id},{people.alice.id}"
    )
    assert by_dave["channel"]["id"] == group


def test_other_people_make_another_group_dm(people: People) -> None:
    three = people.ok("conversations.open", people.alice, users=f"{people.bob.id},{people.dave.id}")
    four_ids = f"{people.bob.id},{people.dave.id},{people.erin.id}"
    four = people.ok("conversations.open", people.alice, users=four_ids)
    assert four["channel"]["id"] != three["channel"]["id"]


def test_closing_and_reopening_a_group_dm_send_mpim_close_and_mpim_open(people: People) -> None:
    users = f"{people.bob.id},{people.dave.id}"
    group = people.ok("conversations.open", people.alice, users=users)["channel"]["id"]
    with people.socket(people.alice) as alice, people.socket(people.bob) as bob:
        people.ok("conversations.close", people.alice, channel=group)
        assert recv_until(alice, of_type("mpim_close"))["channel"] == group
        people.ok("conversations.open", people.alice, channel=group)
        assert recv_until(alice, of_type("mpim_open"))["channel"] == group
        assert no_frame(bob)


def test_a_closed_group_dm_is_listed_closed(people: People) -> None:
    group = people.ok("conversations.open", people.alice, users=f"{people.bob.id},{people.dave.id}")
    people.ok("conversations.close", people.alice, channel=group["channel"]["id"])
    assert open_ids(people, people.alice, "mpim") == {group["channel"]["id"]: False}
    assert open_ids(people, people.bob, "mpim") == {group["channel"]["id"]: True}


def test_a_group_dm_holds_the_caller_and_at_most_eight_others(
    people: People, slackline: Slackline
) -> None:
    team = people.alice.team_id
    others = [slackline.user(team, f"person{n}").id for n in range(9)]
    eight = people.ok("conversations.open", people.alice, users=",".join(others[:8]))
    assert eight["channel"]["is_mpim"] is True
    assert people.error("conversations.open", people.alice, users=",".join(others)) == (
        "too_many_users"
    )


# Errors and invisibility


@pytest.mark.parametrize("users", ["", " , "])
def test_no_users_and_no_channel_is_users_list_not_supplied(people: People, users: str) -> None:
    assert people.error("conversations.open", people.alice, users=users) == (
        "users_list_not_supplied"
    )


def test_a_deleted_user_is_user_disabled(people: People) -> None:
    assert people.error("conversations.open", people.alice, users=people.carol.id) == (
        "user_disabled"
    )
    users = f"{people.bob.id},{people.carol.id}"
    assert people.error("conversations.open", people.alice, users=users) == "user_disabled"


def test_a_user_of_another_team_or_unknown_is_user_not_found(people: People) -> None:
    for users in (people.gina.id, "U0NOSUCH", f"{people.bob.id},{people.gina.id}"):
        assert people.error("conversations.open", people.alice, users=users) == "user_not_found"


def test_a_failed_group_dm_creates_nothing(people: People) -> None:
    people.error("conversations.open", people.alice, users=f"{people.bob.id},{people.gina.id}")
    assert open_ids(people, people.alice) == {}


@pytest.mark.parametrize("method", ["conversations.open", "conversations.close"])
def test_a_channel_is_not_supported(people: People, slackline: Slackline, method: str) -> None:
    channel = slackline.channel(people.alice.team_id, "plans", [people.alice])
    assert people.error(method, people.alice, channel=channel) == (
        "method_not_supported_for_channel_type"
    )


@pytest.mark.parametrize("method", ["conversations.open", "conversations.close"])
def test_other_peoples_dms_and_group_dms_are_channel_not_found(people: People, method: str) -> None:
    dm = people.ok("conversations.open", people.alice, users=people.bob.id)["channel"]["id"]
    users = f"{people.bob.id},{people.dave.id}"
    group = people.ok("conversations.open", people.alice, users=users)["channel"]["id"]
    for outsider in (people.erin, people.gina):
        for channel in (dm, group):
            assert people.error(method, outsider, channel=channel) == "channel_not_found"


@pytest.mark.parametrize("method", ["conversations.open", "conversations.close"])
def test_an_unknown_channel_is_channel_not_found(people: People, method: str) -> None:
    assert people.error(method, people.alice, channel="D0NOSUCH") == "channel_not_found"


def test_close_without_a_channel_is_channel_not_found(people: People) -> None:
    assert people.error("conversations.close", people.alice) == "channel_not_found"


def test_outsiders_do_not_list_other_peoples_dms(people: People) -> None:
    people.ok("conversations.open", people.alice, users=people.bob.id)
    people.ok("conversations.open", people.alice, users=f"{people.bob.id},{people.dave.id}")
    assert open_ids(people, people.erin) == {} and open_ids(people, people.gina) == {}


# slack_sdk


def test_web_client_opens_and_closes_dms_and_group_dms(people: People) -> None:
    base_url = people.server.thread.base_url + "/api/"
    client = WebClient(token=people.alice.token, base_url=base_url)
    dm = client.conversations_open(users=people.bob.id, return_im=True)["channel"]
    group = client.conversations_open(users=[people.bob.id, people.dave.id])["channel"]
    assert (dm["is_im"], group["is_mpim"]) == (True, True)
    assert client.conversations_close(channel=group["id"])["ok"] is True
    assert client.conversations_close(channel=group["id"])["already_closed"] is True
    assert client.conversations_open(channel=group["id"])["channel"]["id"] == group["id"]
