"""The Events API's rules, pure: which subscription an event falls under, which scopes a
subscription needs, the ``event_callback`` an app receives, Socket Mode's frames,
Slack's request signature, the fields of an answer on a ``response_url`` and the window that
decides when a failing request URL's subscriptions are disabled (docs/events-api.md,
docs/socket-mode.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slackline.domain.apps import BOT_SCOPE, AppKind

# A subscription and the bot scopes that allow it (any one of them; Slack's event pages).
SUBSCRIPTION_SCOPES: dict[str, tuple[str, ...]] = {
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "message.mpim": ("mpim:history",),
    "app_mention": ("app_mentions:read",),
    "reaction_added": ("reactions:read",),
    "reaction_removed": ("reactions:read",),
    "member_joined_channel": ("channels:read", "groups:read"),
    "member_left_channel": ("channels:read", "groups:read"),
    "channel_created": ("channels:read",),
    "channel_rename": ("channels:read",),
    "channel_archive": ("channels:read",),
    "channel_unarchive": ("channels:read",),
    "channel_deleted": ("channels:read",),
    "team_join": ("users:read",),
    "user_change": ("users:read",),
    "pin_added": ("pins:read",),
    "pin_removed": ("pins:read",),
    "emoji_changed": ("emoji:read",),
}
# The ``channel_type`` of a message event, and the subscription it falls under.
MESSAGE_SUBSCRIPTIONS = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}
# Message subtypes that only RTM clients get (an app learns of a reply from the reply itself).
_RTM_ONLY_SUBTYPES = frozenset({"message_replied"})


class SubscriptionError(ValueError):
    """An app's subscriptions its scopes do not allow (the message names the first)."""


def check_subscriptions(kind: AppKind, scopes: Iterable[str], names: Iterable[str]) -> None:
    """Every subscription is a known one and the app's bot scopes allow it (a classic app's
    ``bot`` scope allows all, as a classic bot sees what RTM shows it)."""
    granted = set(scopes)
    for name in names:
        needed = SUBSCRIPTION_SCOPES.get(name)
        if needed is None:
            known = ", ".join(sorted(SUBSCRIPTION_SCOPES))
            raise SubscriptionError(f"event_subscriptions: unknown event {name!r} ({known})")
        if kind is AppKind.CLASSIC and BOT_SCOPE in granted:
            continue
        if not granted.intersection(needed):
            raise SubscriptionError(
                f"event_subscriptions: {name} needs the scope {' or '.join(needed)}"
            )


@dataclass(frozen=True, slots=True)
class AppEvent:
    """One event as an app receives it: its Events API shape and its subscription."""

    subscription: str
    event: dict[str, Any]


def may_reach_apps(payload: dict[str, Any]) -> bool:
    """Whether an RTM event could become an app's event at all (a message, or a type some
    subscription names): typing, presence and the rest never can."""
    kind = payload.get("type")
    return kind == "message" or (isinstance(kind, str) and kind in SUBSCRIPTION_SCOPES)


def app_events(
    payload: dict[str, Any], channel_type: str | None, bot_user_id: str
) -> list[AppEvent]:
    """What an RTM event becomes for an app whose bot is ``bot_user_id``: a message (with
    ``channel_type``) and, when it mentions the bot, an ``app_mention``; other events as
    they are, when a subscription names them; nothing for what only RTM clients get."""
    if not may_reach_apps(payload):
        return []
    kind = str(payload["type"])
    if kind != "message":
        return [AppEvent(kind, payload)]
    if payload.get("is_ephemeral") or payload.get("subtype") in _RTM_ONLY_SUBTYPES:
        return []
    if channel_type not in MESSAGE_SUBSCRIPTIONS:
        return []
    message = {**payload, "channel_type": channel_type}
    found = [AppEvent(MESSAGE_SUBSCRIPTIONS[channel_type], message)]
    text = payload.get("text")
    if (
        bot_user_id
        and isinstance(text, str)
        and f"<@{bot_user_id}>" in text
        and payload.get("user") != bot_user_id
        and not payload.get("subtype")
    ):
        mention: dict[str, Any] = {
            key: payload[key]
            for key in ("user", "text", "ts", "thread_ts", "team", "channel", "event_ts", "blocks")
            if key in payload
        }
        found.append(AppEvent("app_mention", {"type": "app_mention", **mention}))
    return found


def verification_token(app_id: str) -> str:
    """The deprecated ``token`` field of an app's payloads: stable per app, never a
    credential (Slack's verification token; signatures are what apps check)."""
    return hashlib.sha256(f"slackline-verification:{app_id}".encode()).hexdigest()[:24]


def event_callback(
    *,
    app_id: str,
    team_id: str,
    bot_user_id: str,
    event: dict[str, Any],
    event_id: str,
    event_time: int,
) -> dict[str, Any]:
    """The Events API body of one event for one app (``type: event_callback``)."""
    authorization = {"enterprise_id": None, "team_id": team_id, "user_id": bot_user_id,
                     "is_bot": True, "is_enterprise_install": False}  # fmt: skip
    return {
        "token": verification_token(app_id),
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [authorization],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


def url_verification(app_id: str, challenge: str) -> dict[str, Any]:
    """The body proving a request URL: the app must answer with ``challenge``."""
    return {"token": verification_token(app_id), "challenge": challenge,
            "type": "url_verification"}  # fmt: skip


def signature(signing_secret: str, timestamp: int, body: bytes) -> str:
    """``X-Slack-Signature``: ``v0=`` and the hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def command_payload(
    *,
    app_id: str,
    team: tuple[str, str],
    channel: tuple[str, str],
    user: tuple[str, str],
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """A slash command as its app receives it (``team``, ``channel`` and ``user`` are
    ``(id, name)``); over HTTP the same fields are form-encoded."""
    return {
        "token": verification_token(app_id),
        "team_id": team[0],
        "team_domain": team[1],
        "channel_id": channel[0],
        "channel_name": channel[1],
        "user_id": user[0],
        "user_name": user[1],
        "command": command,
        "text": text,
        "api_app_id": app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions_payload(
    *,
    app_id: str,
    team: tuple[str, str],
    channel: tuple[str, str],
    user: tuple[str, str],
    message: dict[str, Any],
    action: dict[str, Any],
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """A click on a message's button or select (``block_actions``), as its app receives it."""
    return {
        "type": "block_actions",
        "user": {"id": user[0], "username": user[1], "name": user[1], "team_id": team[0]},
        "api_app_id": app_id,
        "token": verification_token(app_id),
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel[0],
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {"id": team[0], "domain": team[1]},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel[0], "name": channel[1]},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def find_action(blocks: object, block_id: str, action_id: str) -> dict[str, Any] | None:
    """The interactive element ``action_id`` of block ``block_id`` in a message's blocks
    (an ``actions`` block's elements, or a ``section``'s accessory), if it is there."""
    if not isinstance(blocks, list):
        return None
    for block in blocks:
        if not isinstance(block, dict) or (block_id and block.get("block_id") != block_id):
            continue
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def split_command(line: str) -> tuple[str, str]:
    """``/weather in Paris`` as ``("/weather", "in Paris")``."""
    command, _, text = line.strip().partition(" ")
    return command.lower(), text.strip()


# --- Socket Mode frames ----------------------------------------------------------------------


def hello(app_id: str, num_connections: int, host: str, connection_secs: int) -> dict[str, Any]:
    """The first frame of a Socket Mode connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": host,
            "build_number": 1,
            "approximate_connection_time": connection_secs,
        },
        "connection_info": {"app_id": app_id},
    }


def disconnect(reason: str, host: str) -> dict[str, Any]:
    """A ``disconnect`` frame: ``warning``, ``refresh_requested``, ``link_disabled``."""
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": host}}


def envelope(
    envelope_id: str,
    kind: str,
    payload: dict[str, Any],
    *,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """A Socket Mode envelope (``events_api``, ``slash_commands``, ``interactive``); only
    commands and interactions may be answered with a payload in the acknowledgement."""
    answered = kind != "events_api"
    return {
        "envelope_id": envelope_id,
        "payload": payload,
        "type": kind,
        "accepts_response_payload": answered,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }


# --- answers on a response_url -----------------------------------------------------------------


def answer_flag(body: dict[str, Any], key: str) -> bool:
    """Whether an answer sets ``replace_original`` or ``delete_original``: JSON ``true``, or
    the text ``"true"`` that some apps send (Slack takes both)."""
    value = body.get(key)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def answer_content(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An answer's ``text`` and its ``blocks`` and ``attachments`` (what is not a string or a
    list is left out, as an answer without it)."""
    text = body.get("text")
    rich = {key: body[key] for key in ("blocks", "attachments") if isinstance(body.get(key), list)}
    return (text if isinstance(text, str) else ""), rich


def answer_thread(body: dict[str, Any]) -> str | None:
    """The thread an answer goes to (``thread_ts``), if it names one."""
    thread_ts = body.get("thread_ts")
    return thread_ts if isinstance(thread_ts, str) and thread_ts else None


# --- the failure state of request URLs ----------------------------------------------------------

# Slack's: event subscriptions are disabled when an app does not answer 2xx to at least 5% of
# the event deliveries of the past 60 minutes (docs/events-api.md#the-failure-state).
FAILURE_WINDOW_SECS = 60 * 60.0
FAILURE_PERCENT = 95
# Ours: fewer deliveries than this never disable an app. Below 20, "more than 95% failed"
# means "every one failed", so an app whose receiver was down for its first few events (still
# starting, restarted) would be switched off by a handful of them; 20 failures in a row are
# an app that is not there.
MIN_DELIVERIES_TO_DISABLE = 20
# The window slides a bucket at a time: memory per app stays bounded whatever the event rate.
WINDOW_BUCKETS = 60


class DeliveryWindow:
    """One app's delivered and failed deliveries (each event once, after its retries) over a
    sliding window of ``window_secs``, counted in :data:`WINDOW_BUCKETS` buckets. Pure: the
    caller gives the time (a monotonic clock's)."""

    def __init__(
        self,
        window_secs: float = FAILURE_WINDOW_SECS,
        min_deliveries: int = MIN_DELIVERIES_TO_DISABLE,
    ) -> None:
        if window_secs <= 0:
            raise ValueError("a failure window is longer than nothing")
        self.window_secs = window_secs
        self.min_deliveries = min_deliveries
        self._bucket_secs = window_secs / WINDOW_BUCKETS
        self._buckets: deque[list[int]] = deque()  # [bucket number, delivered, failed]

    def record(self, at: float, *, delivered: bool) -> None:
        """One delivery's outcome at time ``at``."""
        number = self._expire(at)
        if not self._buckets or self._buckets[-1][0] < number:
            self._buckets.append([number, 0, 0])
        self._buckets[-1][1 if delivered else 2] += 1

    def counts(self, at: float) -> tuple[int, int]:
        """How many deliveries succeeded and failed in the window that ends at ``at``."""
        self._expire(at)
        return sum(b[1] for b in self._buckets), sum(b[2] for b in self._buckets)

    def failing(self, at: float) -> bool:
        """Whether more than :data:`FAILURE_PERCENT` of at least ``min_deliveries``
        deliveries in the window failed: the app's subscriptions are to be disabled."""
        delivered, failed = self.counts(at)
        total = delivered + failed
        return total >= self.min_deliveries and failed * 100 > FAILURE_PERCENT * total

    def _expire(self, at: float) -> int:
        """Drop the buckets that left the window; the number of the bucket ``at`` falls in."""
        number = int(at // self._bucket_secs)
        while self._buckets and self._buckets[0][0] <= number - WINDOW_BUCKETS:
            self._buckets.popleft()
        return number


@dataclass(frozen=True, slots=True)
class Responder:
    """Where the answers on one ``response_url`` go: the channel, the person who ran the
    command or clicked, the app's bot, and for a click the message it came from."""

    team_id: str
    channel: str
    user_id: str
    bot_user_id: str
    bot_id: str | None
    original_ts: str = ""  # the message a click came from, in ``channel`` ("" for a command)

    def to_json(self) -> dict[str, Any]:
        """The fields, for a store that crosses processes."""
        return {"team_id": self.team_id, "channel": self.channel, "user_id": self.user_id,
                "bot_user_id": self.bot_user_id, "bot_id": self.bot_id,
                "original_ts": self.original_ts}  # fmt: skip

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Responder:
        """What :meth:`to_json` made."""
        bot_id = document.get("bot_id")
        return cls(str(document["team_id"]), str(document["channel"]), str(document["user_id"]),
                   str(document["bot_user_id"]), str(bot_id) if bot_id is not None else None,
                   str(document.get("original_ts", "")))  # fmt: skip
