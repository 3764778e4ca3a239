"""Preferences' and do-not-disturb's pure rules: values coerced to their preference's type,
the preferences kept in step, the scheduled window in the user's zone (across midnight and a
change of daylight saving time) and the snooze."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from slackline.domain.prefs import (
    DEFAULT_PREFS,
    DndState,
    PrefValueError,
    changed_prefs,
    coerce_pref,
    dnd_status,
    effective_prefs,
    in_dnd,
    schedule,
    snooze_minutes,
    snooze_status,
    valid_pref_name,
)


def at(text: str) -> float:
    """Epoch seconds of an ISO time with its offset."""
    return dt.datetime.fromisoformat(text).timestamp()


def prefs(**values: object) -> dict[str, object]:
    """The defaults with these values."""
    return effective_prefs(values)


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [("time24", "1", True), ("time24", "FALSE", False), ("display_real_names_override", " 2 ", 2),
     ("locale", "fr-FR", "fr-FR"), ("some_new_pref", "x", "x"), ("dnd_end_hour", "07:30", "07:30")],
)  # fmt: skip
def test_values_take_their_defaults_type(name: str, raw: str, value: object) -> None:
    assert coerce_pref(name, raw) == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [("time24", "yes please"), ("display_real_names_override", "two"),
     ("dnd_start_hour", "7:30"), ("all_notifications_prefs", "{"),
     ("all_notifications_prefs", '{"channels": []}'), ("locale", "x" * 65_537)],
)  # fmt: skip
def test_values_of_the_wrong_kind_are_refused(name: str, raw: str) -> None:
    with pytest.raises(PrefValueError):
        coerce_pref(name, raw)


def test_names_are_lower_case_words() -> None:
    assert valid_pref_name("muted_channels") and not valid_pref_name("Muted")
    assert not valid_pref_name("") and not valid_pref_name("x" * 65)


def test_muting_channels_marks_them_in_all_notifications_prefs() -> None:
    changed = changed_prefs(prefs(), {"muted_channels": "C1,C2,C1"})
    assert changed["muted_channels"] == "C1,C2"
    channels = json.loads(changed["all_notifications_prefs"])["channels"]
    assert channels["C1"]["muted"] and channels["C2"]["muted"]


def test_all_notifications_prefs_set_muted_channels_and_highlight_words() -> None:
    document = {"channels": {"C9": {"muted": True}}, "global": {"global_keywords": "oops"}}
    changed = changed_prefs(prefs(), {"all_notifications_prefs": json.dumps(document)})
    assert (changed["muted_channels"], changed["highlight_words"]) == ("C9", "oops")


def test_only_values_that_differ_are_changed() -> None:
    assert changed_prefs(prefs(), {"time24": DEFAULT_PREFS["time24"]}) == {}


def test_a_window_across_midnight_is_found_in_the_users_zone() -> None:
    now = at("2024-01-10T23:30:00+01:00")
    window = schedule(prefs(dnd_enabled=True), "Europe/Paris", now, None)
    assert (window.start_ts, window.end_ts) == (
        at("2024-01-10T22:00:00+01:00"),
        at("2024-01-11T08:00:00+01:00"),
    )
    assert in_dnd(window, None, now)


def test_after_the_window_the_next_one_is_tonights() -> None:
    now = at("2024-01-10T09:00:00+00:00")
    window = schedule(prefs(dnd_enabled=True), "UTC", now, None)
    assert window.start_ts == at("2024-01-10T22:00:00+00:00")
    assert not in_dnd(window, None, now)


def test_a_window_keeps_its_local_hours_across_daylight_saving_time() -> None:
    now = at("2024-03-30T12:00:00+01:00")  # Paris moves to +02:00 that night
    window = schedule(prefs(dnd_enabled=True), "Europe/Paris", now, None)
    assert window.end_ts - window.start_ts == 9 * 3600


def test_a_window_ended_early_is_skipped() -> None:
    now = at("2024-01-10T23:00:00+00:00")
    ended = DndState("U1", "T1", dnd_ended_until=int(at("2024-01-11T08:00:00+00:00")))
    window = schedule(prefs(dnd_enabled=True), "UTC", now, ended)
    assert window.start_ts == at("2024-01-11T22:00:00+00:00")


def test_no_schedule_without_dnd_enabled_or_with_equal_hours() -> None:
    assert not schedule(prefs(), "UTC", 0, None).enabled
    same = prefs(dnd_enabled=True, dnd_start_hour="09:00", dnd_end_hour="09:00")
    assert not schedule(same, "UTC", 0, None).enabled


def test_an_unknown_zone_counts_as_utc() -> None:
    now = at("2024-01-10T09:00:00+00:00")
    window = schedule(prefs(dnd_enabled=True), "Mars/Olympus", now, None)
    assert window.start_ts == at("2024-01-10T22:00:00+00:00")


def test_a_snooze_shows_only_while_it_lasts() -> None:
    state = DndState("U1", "T1", snooze_endtime=1_000)
    assert snooze_status(state, 400.5)["snooze_remaining"] == 600
    assert snooze_status(state, 1_000) == {"snooze_enabled": False}


def test_others_never_see_the_snooze() -> None:
    window = schedule(prefs(), "UTC", 0, None)
    state = DndState("U1", "T1", snooze_endtime=1_000)
    assert "snooze_enabled" not in dnd_status(window, state, 10, own=False)
    assert dnd_status(window, state, 10, own=True)["snooze_enabled"] is True


@pytest.mark.parametrize(("raw", "minutes"), [("15", 15), (" 1 ", 1), ("0", None), ("x", None)])
def test_snooze_minutes_are_positive_whole_numbers(raw: str, minutes: int | None) -> None:
    assert snooze_minutes(raw) == minutes
