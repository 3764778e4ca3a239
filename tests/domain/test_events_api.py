"""The Events API's pure rules (slackline.domain.events_api): which subscriptions an app's
scopes allow, what an RTM event becomes for an app, the ``event_callback`` body, Slack's
request signature (checked against slack_sdk's own verifier), Socket Mode's frames, the
fields of an answer on a ``response_url`` and the failure window of request URLs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from slack_sdk.signature import Clock, SignatureVerifier

from slackline.domain.apps import AppKind
from slackline.domain.events_api import (
    FAILURE_WINDOW_SECS,
    MIN_DELIVERIES_TO_DISABLE,
    AppEvent,
    DeliveryWindow,
    SubscriptionError,
    answer_content,
    answer_flag,
    answer_thread,
    app_events,
    check_subscriptions,
    disconnect,
    envelope,
    event_callback,
    hello,
    signature,
    verification_token,
)

BOT = "U0BOT"
PERSON = "U0PERSON"


def message(**fields: Any) -> dict[str, Any]:
    """An RTM message event from the person in C1 (these fields replacing the defaults)."""
    return {"type": "message", "channel": "C1", "user": PERSON, "text": "hello",
            "ts": "1700000000.000100", "team": "T1", **fields}  # fmt: skip


# --- check_subscriptions ---------------------------------------------------------------------


def test_an_unknown_subscription_is_refused_by_name() -> None:
    with pytest.raises(SubscriptionError, match=re.escape("unknown event 'message.nowhere'")):
        check_subscriptions(AppKind.GRANULAR, ["channels:history"], ["message.nowhere"])


def test_an_unknown_subscription_is_refused_even_for_a_classic_bot() -> None:
    with pytest.raises(SubscriptionError, match="unknown event 'nope'"):
        check_subscriptions(AppKind.CLASSIC, ["bot"], ["nope"])


def test_a_subscription_its_scope_allows_is_accepted() -> None:
    check_subscriptions(AppKind.GRANULAR, ["channels:history"], ["message.channels"])


def test_a_subscription_without_its_scope_is_refused_naming_the_scope() -> None:
    with pytest.raises(SubscriptionError, match=re.escape("message.im needs the scope im:history")):
        check_subscriptions(AppKind.GRANULAR, ["channels:history"], ["message.im"])


def test_a_subscription_with_alternative_scopes_names_them_all() -> None:
    needed = "member_joined_channel needs the scope channels:read or groups:read"
    with pytest.raises(SubscriptionError, match=re.escape(needed)):
        check_subscriptions(AppKind.GRANULAR, ["chat:write"], ["member_joined_channel"])


def test_any_one_of_the_alternative_scopes_allows_the_subscription() -> None:
    check_subscriptions(AppKind.GRANULAR, ["groups:read"], ["member_left_channel"])


def test_the_first_disallowed_subscription_is_the_one_named() -> None:
    with pytest.raises(SubscriptionError, match="reaction_added needs"):
        check_subscriptions(
            AppKind.GRANULAR, ["channels:history"], ["message.channels", "reaction_added", "x"]
        )


def test_a_classic_apps_bot_scope_allows_every_subscription() -> None:
    check_subscriptions(AppKind.CLASSIC, ["bot"], ["message.im", "team_join", "emoji_changed"])


def test_a_classic_app_without_the_bot_scope_follows_the_scope_rules() -> None:
    with pytest.raises(SubscriptionError, match="team_join needs the scope users:read"):
        check_subscriptions(AppKind.CLASSIC, ["identify"], ["team_join"])


def test_a_granular_app_is_not_allowed_everything_by_a_bot_scope() -> None:
    with pytest.raises(SubscriptionError, match="team_join needs"):
        check_subscriptions(AppKind.GRANULAR, ["bot"], ["team_join"])


def test_no_subscriptions_need_no_scopes() -> None:
    check_subscriptions(AppKind.GRANULAR, [], [])


# --- app_events ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel_type", "subscription"),
    [
        ("channel", "message.channels"),
        ("group", "message.groups"),
        ("im", "message.im"),
        ("mpim", "message.mpim"),
    ],
)
def test_a_message_falls_under_the_subscription_of_its_channel_type(
    channel_type: str, subscription: str
) -> None:
    assert app_events(message(), channel_type, BOT) == [
        AppEvent(subscription, {**message(), "channel_type": channel_type})
    ]


def test_a_message_of_an_unknown_channel_type_gives_nothing() -> None:
    assert app_events(message(), "shared", BOT) == []


def test_a_message_without_a_channel_type_gives_nothing() -> None:
    assert app_events(message(), None, BOT) == []


def test_a_message_is_not_changed_in_place() -> None:
    payload = message()
    app_events(payload, "channel", BOT)
    assert payload == message()


def test_a_message_mentioning_the_bot_also_gives_an_app_mention() -> None:
    payload = message(text=f"hi <@{BOT}>", event_ts="1700000000.000100")
    found = app_events(payload, "channel", BOT)
    assert [event.subscription for event in found] == ["message.channels", "app_mention"]
    assert found[1].event == {
        "type": "app_mention", "user": PERSON, "text": f"hi <@{BOT}>",
        "ts": "1700000000.000100", "team": "T1", "channel": "C1",
        "event_ts": "1700000000.000100",
    }  # fmt: skip


def test_an_app_mention_keeps_the_thread_and_blocks() -> None:
    blocks = [{"type": "rich_text", "elements": []}]
    payload = message(text=f"<@{BOT}>", thread_ts="1699999999.000001", blocks=blocks)
    mention = app_events(payload, "channel", BOT)[1].event
    assert (mention["thread_ts"], mention["blocks"]) == ("1699999999.000001", blocks)


def test_an_app_mention_leaves_out_other_message_fields() -> None:
    payload = message(text=f"<@{BOT}>", client_msg_id="abc", channel_type="x")
    mention = app_events(payload, "channel", BOT)[1].event
    assert "client_msg_id" not in mention and "channel_type" not in mention


def test_a_message_mentioning_someone_else_gives_no_app_mention() -> None:
    found = app_events(message(text="hi <@U0OTHER>"), "channel", BOT)
    assert [event.subscription for event in found] == ["message.channels"]


def test_the_bot_named_without_the_mention_syntax_gives_no_app_mention() -> None:
    found = app_events(message(text=f"hi @{BOT} and {BOT}"), "channel", BOT)
    assert [event.subscription for event in found] == ["message.channels"]


def test_the_bots_own_message_mentioning_itself_gives_no_app_mention() -> None:
    found = app_events(message(user=BOT, text=f"I am <@{BOT}>"), "channel", BOT)
    assert [event.subscription for event in found] == ["message.channels"]


def test_a_message_with_a_subtype_mentioning_the_bot_gives_no_app_mention() -> None:
    payload = message(subtype="message_changed", text=f"<@{BOT}>")
    found = app_events(payload, "channel", BOT)
    assert [event.subscription for event in found] == ["message.channels"]


def test_without_a_bot_user_no_app_mention_is_made() -> None:
    found = app_events(message(text="<@>"), "channel", "")
    assert [event.subscription for event in found] == ["message.channels"]


def test_a_message_without_text_gives_no_app_mention() -> None:
    payload = message()
    del payload["text"]
    found = app_events(payload, "channel", BOT)
    assert [event.subscription for event in found] == ["message.channels"]


def test_a_mention_in_a_direct_message_falls_under_message_im_and_app_mention() -> None:
    found = app_events(message(text=f"<@{BOT}> help"), "im", BOT)
    assert [event.subscription for event in found] == ["message.im", "app_mention"]


def test_an_ephemeral_message_gives_nothing() -> None:
    assert app_events(message(is_ephemeral=True, text=f"<@{BOT}>"), "channel", BOT) == []


def test_a_message_replied_event_gives_nothing() -> None:
    assert app_events(message(subtype="message_replied"), "channel", BOT) == []


def test_an_unknown_event_type_gives_nothing() -> None:
    assert app_events({"type": "user_typing", "channel": "C1"}, "channel", BOT) == []


def test_an_event_without_a_type_gives_nothing() -> None:
    assert app_events({"channel": "C1"}, "channel", BOT) == []


def test_an_event_whose_type_is_not_a_string_gives_nothing() -> None:
    assert app_events({"type": ["reaction_added"]}, "channel", BOT) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "reaction_added", "user": PERSON, "reaction": "+1",
         "item": {"type": "message", "channel": "C1", "ts": "1.2"}, "event_ts": "1.3"},
        {"type": "channel_created", "channel": {"id": "C2", "name": "new"}},
        {"type": "team_join", "user": {"id": "U9"}},
        {"type": "member_joined_channel", "user": PERSON, "channel": "C1"},
    ],
    ids=["reaction_added", "channel_created", "team_join", "member_joined_channel"],
)  # fmt: skip
def test_a_known_event_that_is_not_a_message_passes_unchanged(payload: dict[str, Any]) -> None:
    assert app_events(payload, None, BOT) == [AppEvent(payload["type"], payload)]


# --- event_callback --------------------------------------------------------------------------


def callback(**event: Any) -> dict[str, Any]:
    """An ``event_callback`` of app A1 in T1 with this event."""
    return event_callback(app_id="A1", team_id="T1", bot_user_id=BOT, event=event,
                          event_id="Ev0001", event_time=1700000000)  # fmt: skip


def test_an_event_callback_carries_the_event_and_its_ids() -> None:
    body = callback(type="reaction_added")
    assert (body["type"], body["event"], body["event_id"], body["event_time"]) == (
        "event_callback", {"type": "reaction_added"}, "Ev0001", 1700000000,
    )  # fmt: skip


def test_an_event_callback_names_the_app_and_team() -> None:
    body = callback()
    assert (body["api_app_id"], body["team_id"], body["context_team_id"]) == ("A1", "T1", "T1")
    assert body["context_enterprise_id"] is None


def test_an_event_callback_authorizes_the_bot_user() -> None:
    assert callback()["authorizations"] == [{
        "enterprise_id": None, "team_id": "T1", "user_id": BOT, "is_bot": True,
        "is_enterprise_install": False,
    }]  # fmt: skip


def test_an_event_callback_has_the_apps_verification_token_and_an_event_context() -> None:
    body = callback()
    assert body["token"] == verification_token("A1")
    assert body["event_context"] == "4-Ev0001"
    assert body["is_ext_shared_channel"] is False


def test_an_event_callback_has_exactly_slacks_fields() -> None:
    assert set(callback()) == {
        "token", "team_id", "context_team_id", "context_enterprise_id", "api_app_id", "event",
        "type", "event_id", "event_time", "authorizations", "is_ext_shared_channel",
        "event_context",
    }  # fmt: skip


def test_the_verification_token_is_stable_per_app_and_differs_between_apps() -> None:
    assert verification_token("A1") == verification_token("A1")
    assert verification_token("A1") != verification_token("A2")


# --- signature -------------------------------------------------------------------------------


def test_the_signature_is_the_one_slack_sdk_computes() -> None:
    body = json.dumps({"type": "event_callback", "event": {"text": "héllo"}}).encode()
    expected = SignatureVerifier("8f742231b10e8888abcd99yyyzzz85a5").generate_signature(
        timestamp="1531420618", body=body
    )
    assert signature("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body) == expected


def test_slack_sdk_verifies_the_signature() -> None:
    body = b'{"token":"x","type":"url_verification","challenge":"c"}'
    verifier = SignatureVerifier("secret", clock=FixedClock(1700000000))
    assert verifier.is_valid(body, "1700000000", signature("secret", 1700000000, body))


def test_a_signature_with_another_secret_does_not_verify() -> None:
    body = b"{}"
    verifier = SignatureVerifier("secret", clock=FixedClock(1700000000))
    assert not verifier.is_valid(body, "1700000000", signature("other", 1700000000, body))


def test_the_signature_covers_the_timestamp() -> None:
    assert signature("secret", 1, b"{}") != signature("secret", 2, b"{}")


class FixedClock(Clock):
    """slack_sdk's clock at one instant (its verifier refuses stale timestamps)."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        """The instant."""
        return self._now


# --- Socket Mode frames ----------------------------------------------------------------------


def test_an_events_api_envelope_does_not_accept_a_response_payload() -> None:
    assert envelope("e1", "events_api", {})["accepts_response_payload"] is False


@pytest.mark.parametrize("kind", ["slash_commands", "interactive"])
def test_other_envelopes_accept_a_response_payload(kind: str) -> None:
    assert envelope("e1", kind, {})["accepts_response_payload"] is True


def test_an_envelope_carries_its_id_type_and_payload_and_no_retry() -> None:
    assert envelope("e1", "events_api", {"a": 1}) == {
        "envelope_id": "e1", "payload": {"a": 1}, "type": "events_api",
        "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": "",
    }  # fmt: skip


def test_a_retried_envelope_carries_its_attempt_and_reason() -> None:
    frame = envelope("e1", "events_api", {}, retry_attempt=2, retry_reason="timeout")
    assert (frame["retry_attempt"], frame["retry_reason"]) == (2, "timeout")


def test_hello_has_slacks_shape() -> None:
    assert hello("A1", 3, "slackline", 3600) == {
        "type": "hello",
        "num_connections": 3,
        "debug_info": {"host": "slackline", "build_number": 1,
                       "approximate_connection_time": 3600},
        "connection_info": {"app_id": "A1"},
    }  # fmt: skip


def test_disconnect_has_slacks_shape() -> None:
    assert disconnect("refresh_requested", "slackline") == {
        "type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "slackline"},
    }  # fmt: skip


# --- answers on a response_url -------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "true", "TRUE"])
def test_replace_original_is_set_by_true_or_its_text(value: object) -> None:
    assert answer_flag({"replace_original": value}, "replace_original") is True


@pytest.mark.parametrize("value", [False, "false", None, 1, "yes"])
def test_replace_original_is_not_set_by_anything_else(value: object) -> None:
    assert answer_flag({"replace_original": value}, "replace_original") is False


def test_an_answers_content_is_its_text_blocks_and_attachments() -> None:
    blocks = [{"type": "divider"}]
    body = {"text": "hi", "blocks": blocks, "attachments": [], "response_type": "in_channel"}
    assert answer_content(body) == ("hi", {"blocks": blocks, "attachments": []})


def test_content_of_the_wrong_type_is_left_out() -> None:
    assert answer_content({"text": 5, "blocks": "no"}) == ("", {})


def test_an_answers_thread_is_its_thread_ts() -> None:
    assert answer_thread({"thread_ts": "1700000000.000100"}) == "1700000000.000100"


@pytest.mark.parametrize("value", ["", 1700000000, None])
def test_an_answer_without_a_thread_ts_text_names_no_thread(value: object) -> None:
    assert answer_thread({"thread_ts": value}) is None


# --- the failure window ------------------------------------------------------------------------


def window_of(failed: int, delivered: int = 0, at: float = 0.0) -> DeliveryWindow:
    """A window with these outcomes, all at ``at``."""
    window = DeliveryWindow()
    for _ in range(failed):
        window.record(at, delivered=False)
    for _ in range(delivered):
        window.record(at, delivered=True)
    return window


def test_every_one_of_the_minimum_deliveries_failing_is_failing() -> None:
    assert window_of(MIN_DELIVERIES_TO_DISABLE).failing(0.0) is True


def test_fewer_failures_than_the_minimum_are_not_failing() -> None:
    assert window_of(MIN_DELIVERIES_TO_DISABLE - 1).failing(0.0) is False


def test_exactly_95_percent_failed_is_not_failing() -> None:
    assert window_of(19, delivered=1).failing(0.0) is False


def test_more_than_95_percent_failed_is_failing() -> None:
    assert window_of(39, delivered=1).failing(0.0) is True


def test_the_window_counts_delivered_and_failed() -> None:
    assert window_of(3, delivered=2).counts(0.0) == (2, 3)


def test_failures_older_than_the_window_are_forgotten() -> None:
    window = window_of(MIN_DELIVERIES_TO_DISABLE)
    assert window.counts(FAILURE_WINDOW_SECS + 60.0) == (0, 0)


def test_failures_within_the_window_add_up() -> None:
    window = window_of(10)
    for _ in range(10):
        window.record(FAILURE_WINDOW_SECS / 2, delivered=False)
    assert window.failing(FAILURE_WINDOW_SECS / 2) is True


def test_a_shorter_window_forgets_sooner() -> None:
    window = DeliveryWindow(window_secs=60.0, min_deliveries=1)
    window.record(0.0, delivered=False)
    assert (window.failing(0.0), window.failing(61.0)) == (True, False)
