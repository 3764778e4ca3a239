"""User groups' pure rules: names, descriptions and handles as Slack checks them, the handle
made from a name, the usergroup object and what a change of members announces."""

from __future__ import annotations

import pytest

from slackline.domain.usergroups import (
    Usergroup,
    check_description,
    check_handle,
    check_name,
    handle_from_name,
    membership_announcements,
    subteam_payload,
    usergroup_object,
)
from slackline.errors import SlackError

GROUP = Usergroup("S1", "T1", "Ops", "ops", date_update=20)


def code_of(check: object, raw: str) -> str:
    """The Slack error a check raises for ``raw``."""
    with pytest.raises(SlackError) as raised:
        check(raw)  # type: ignore[operator]
    return raised.value.code.value


def test_a_name_is_stripped_and_must_be_there_and_short() -> None:
    assert check_name("  Ops  ") == "Ops"
    assert code_of(check_name, "   ") == "missing_subteam_name"
    assert code_of(check_name, "n" * 256) == "name_too_long"


def test_a_description_has_at_most_140_characters() -> None:
    assert check_description("d" * 140) == "d" * 140
    assert code_of(check_description, "d" * 141) == "description_too_long"


@pytest.mark.parametrize(("raw", "handle"), [("@Ops", "ops"), ("on-call.team_2", "on-call.team_2")])
def test_a_handle_is_lower_cased_without_its_at(raw: str, handle: str) -> None:
    assert check_handle(raw) == handle


@pytest.mark.parametrize("raw", ["", "two words", "ümlaut", "h" * 81])
def test_a_handle_of_other_characters_is_bad(raw: str) -> None:
    assert code_of(check_handle, raw) == "bad_handle"


@pytest.mark.parametrize("raw", ["here", "@channel", "Everyone"])
def test_slacks_own_mentions_are_forbidden_handles(raw: str) -> None:
    assert code_of(check_handle, raw) == "forbidden_handle"


@pytest.mark.parametrize(
    ("name", "handle"), [("Design Team", "design-team"), ("  R&D!  ", "r-d"), ("!!!", "group")]
)
def test_a_handle_is_made_from_a_name(name: str, handle: str) -> None:
    assert handle_from_name(name) == handle


def test_the_object_shows_users_and_count_only_when_given() -> None:
    bare = usergroup_object(GROUP, None, user_count=None)
    assert "users" not in bare and "user_count" not in bare
    full = usergroup_object(GROUP, ["U1"], user_count=1)
    assert (full["users"], full["user_count"], full["is_usergroup"]) == (["U1"], 1, True)


def test_subteam_events_list_at_most_500_users_and_count_them_all() -> None:
    users = [f"U{n:04d}" for n in range(600)]
    payload = subteam_payload("subteam_updated", GROUP, users)
    assert len(payload["subteam"]["users"]) == 500 and payload["subteam"]["user_count"] == 600


def test_a_change_of_members_announces_the_delta_then_each_user_concerned() -> None:
    announced = membership_announcements(GROUP, ["U1", "U2"], ["U2", "U3"], 10)
    (changed, everyone), (added, to_added), (removed, to_removed) = announced
    assert everyone is None
    assert (changed["added_users"], changed["removed_users"]) == (["U3"], ["U1"])
    assert (changed["date_previous_update"], changed["date_update"]) == (10, 20)
    assert (added["type"], to_added) == ("subteam_self_added", frozenset({"U3"}))
    assert (removed["type"], to_removed) == ("subteam_self_removed", frozenset({"U1"}))


def test_the_same_members_announce_nothing() -> None:
    assert membership_announcements(GROUP, ["U1"], ["U1"], 10) == []
