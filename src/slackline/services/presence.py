"""Presence and profiles: who is active, what their profile says, and the events announcing it.

Presence follows Slack's RTM presence rules (docs/rtm.md, decisions E.3): a user is
``active`` while at least one RTM session is open and they have not set themselves away;
otherwise ``away``. The manual-away flag is
persistent (``User.manual_away``), so it survives reconnects and restarts. Idle auto-away is
not applied, so ``auto_away`` is always false.

Two implementations of :class:`Presence`, chosen with the shared state
(:mod:`slackline.shared.base`): :class:`PresenceService` counts open sessions in this
process's memory (``memory://``: one process is the whole server); a ``redis://`` broker
gets :class:`slackline.cluster.presence.RedisPresenceService`, which counts them in Redis
across every process.

Every change is stored first and announced after (decisions F.1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import User
from slackline.domain.shapes import user_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.identity import IdentityService
from slackline.storage.base import Store

ACTIVE = "active"
AWAY = "away"
# The profile keys users.profile.set may change; anything else is ignored, as Slack ignores
# keys it does not know.
EDITABLE_PROFILE_FIELDS = frozenset({
    "first_name", "last_name", "real_name", "display_name", "email", "phone", "title", "skype",
    "pronouns", "status_text", "status_emoji", "status_expiration", "fields",
})  # fmt: skip
_NAME_PARTS = ("first_name", "last_name")


@dataclass(frozen=True, slots=True)
class PresenceStatus:
    """A user's presence as users.getPresence reports it to the user themself."""

    presence: str
    online: bool
    manual_away: bool
    connection_count: int
    last_activity: int | None


class Presence(Protocol):
    """Who is active: sessions opening and closing, manual away, and the events announcing it."""

    async def start(self) -> None:
        """Begin (connect to shared state, if any); called once before serving."""
        ...

    async def close(self) -> None:
        """End; this process's sessions no longer count toward anyone's presence."""
        ...

    async def session_opened(self, team_id: str, user_id: str) -> None:
        """Count a new RTM session; the user's first one (not away) announces ``active``."""
        ...

    async def session_closed(self, team_id: str, user_id: str) -> None:
        """Forget an RTM session; the user's last one (not away) announces ``away``."""
        ...

    async def presences(self, users: Sequence[User]) -> list[str]:
        """The presence of each user, in order."""
        ...

    async def status(self, team_id: str, user_id: str) -> PresenceStatus:
        """The user's presence with its details (users.getPresence)."""
        ...

    async def set_manual_away(self, team_id: str, user_id: str, away: bool) -> None:
        """Store the manual-away flag, then tell the user's sessions and the team."""
        ...


def presence_event(team_id: str, user_id: str, presence: str) -> Event:
    """A ``presence_change`` of one user, for the sessions subscribed to them (E.3).

    Sessions build the batched ``users`` form themselves.
    """
    payload = {"type": "presence_change", "user": user_id, "presence": presence}
    return Event(team_id, payload, presence_of=user_id)


def manual_presence_event(team_id: str, user_id: str, away: bool) -> Event:
    """``manual_presence_change``, for the user's own sessions only."""
    manual = {"type": "manual_presence_change", "presence": AWAY if away else ACTIVE}
    return Event(team_id, manual, frozenset({user_id}))


async def store_manual_away(
    store: Store, identities: IdentityService, team_id: str, user_id: str, away: bool
) -> bool:
    """Store the flag; False when it already had that value (nothing changed)."""
    user = await store.get_user(user_id)
    if user is None or user.team_id != team_id:
        raise SlackError(SlackErrorCode.USER_NOT_FOUND)
    if user.manual_away == away:
        return False
    await store.put_user(dataclasses.replace(user, manual_away=away))
    identities.invalidate()
    return True


class PresenceService:
    """Open-session counts per user (in memory) and the manual-away flag (stored)."""

    def __init__(
        self, store: Store, broker: Broker, clock: Clock, identities: IdentityService
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self._identities = identities
        # team -> user -> open sessions, and when the last one opened (whole seconds, the
        # same int object for every opening within one second): nested rather than keyed by
        # (team, user) tuples, so that an idle session costs no tuple and no float.
        self._sessions: dict[str, dict[str, int]] = {}
        self._last_activity: dict[str, dict[str, int]] = {}
        self._this_second = 0

    async def start(self) -> None:
        """Nothing to connect to: the counts live in this process."""

    async def close(self) -> None:
        """Nothing to release: nobody outside this process sees the counts."""

    def connection_count(self, team_id: str, user_id: str) -> int:
        """How many RTM sessions this process holds open for the user."""
        return self._sessions.get(team_id, {}).get(user_id, 0)

    async def session_opened(self, team_id: str, user_id: str) -> None:
        """Count a new RTM session; the first one makes a user who is not away ``active``."""
        # The count changes before the first await, so concurrent opens cannot both be "first".
        counts = self._sessions.setdefault(team_id, {})
        count = counts[user_id] = counts.get(user_id, 0) + 1
        second = int(self._clock.now())
        if second != self._this_second:
            self._this_second = second
        self._last_activity.setdefault(team_id, {})[user_id] = self._this_second
        if count == 1:
            await self._announce_unless_away(team_id, user_id, ACTIVE)

    async def session_closed(self, team_id: str, user_id: str) -> None:
        """Forget an RTM session; closing the last one makes the user ``away``."""
        counts = self._sessions.get(team_id, {})
        count = counts.get(user_id)
        if count is None:
            return  # a close without an open (already counted down): nothing changes
        if count > 1:
            counts[user_id] = count - 1
            return
        del counts[user_id]
        self._last_activity.get(team_id, {}).pop(user_id, None)
        await self._announce_unless_away(team_id, user_id, AWAY)

    def presence_of(self, user: User) -> str:
        """``active`` while the user has a session open and is not manually away."""
        count = self.connection_count(user.team_id, user.id)
        return ACTIVE if count and not user.manual_away else AWAY

    async def presences(self, users: Sequence[User]) -> list[str]:
        """The presence of each user, in order."""
        return [self.presence_of(user) for user in users]

    async def status(self, team_id: str, user_id: str) -> PresenceStatus:
        """The user's presence, read from storage (cached identities may be stale)."""
        user = await self._store.get_user(user_id)
        manual_away = user.manual_away if user is not None else False
        count = self.connection_count(team_id, user_id)
        activity = self._last_activity.get(team_id, {}).get(user_id)
        return PresenceStatus(
            presence=self.presence_of(user) if user is not None else AWAY,
            online=count > 0,
            manual_away=manual_away,
            connection_count=count,
            last_activity=activity if activity is not None and count else None,
        )

    async def set_manual_away(self, team_id: str, user_id: str, away: bool) -> None:
        """Store the manual-away flag, then tell the user's sessions and the team.

        Nothing is published when the flag already had that value: presence did not change.
        """
        if not await store_manual_away(self._store, self._identities, team_id, user_id, away):
            return
        await self._broker.publish(manual_presence_event(team_id, user_id, away))
        presence = (await self.status(team_id, user_id)).presence
        await self._broker.publish(presence_event(team_id, user_id, presence))

    async def _announce_unless_away(self, team_id: str, user_id: str, presence: str) -> None:
        # Every session open and close passes here: the warm cache spares a storage hop.
        user = self._identities.cached_user(user_id) or await self._store.get_user(user_id)
        if user is not None and not user.manual_away:
            await self._broker.publish(presence_event(team_id, user_id, presence))


def require_profile_editor(editor: User, target: User) -> None:
    """Raise unless ``editor`` may change ``target``'s profile (users.profile.set rules).

    Anyone may edit themself; only admins and owners may edit others (``not_admin``); an
    admin's or owner's profile only an owner may edit (``cannot_update_admin_user``; Slack
    says "primary owner", and owners stand in for it here).
    """
    if editor.id == target.id:
        return
    if not (editor.is_admin or editor.is_owner):
        raise SlackError(SlackErrorCode.NOT_ADMIN)
    if (target.is_admin or target.is_owner) and not editor.is_owner:
        raise SlackError(SlackErrorCode.CANNOT_UPDATE_ADMIN_USER)


def profile_changes(requested: dict[str, Any]) -> dict[str, Any]:
    """The editable keys of a requested profile, type-checked (``invalid_profile``)."""
    changes: dict[str, Any] = {}
    for key, value in requested.items():
        if key not in EDITABLE_PROFILE_FIELDS:
            continue
        if key == "fields":
            valid = isinstance(value, dict)
        elif key == "status_expiration":
            valid = isinstance(value, int) and not isinstance(value, bool)
        else:
            valid = isinstance(value, str)
        if not valid:
            raise SlackError(SlackErrorCode.INVALID_PROFILE)
        changes[key] = value
    return changes


def apply_profile(user: User, changes: dict[str, Any], now: int) -> User:
    """The user with profile changes applied; ``real_name`` follows first and last name."""
    profile = {**user.profile, **changes}
    real_name = str(profile.pop("real_name", user.real_name))
    if "real_name" in changes:
        # A new full name replaces the parts unless they were given too.
        for part in _NAME_PARTS:
            if part not in changes:
                profile.pop(part, None)
    elif any(part in changes for part in _NAME_PARTS):
        first, _, last = user.real_name.partition(" ")
        parts = (str(profile.get("first_name", first)), str(profile.get("last_name", last)))
        real_name = " ".join(p for p in parts if p)
    return dataclasses.replace(user, real_name=real_name, profile=profile, updated=now)


class ProfileService:
    """Stores profile changes and publishes ``user_change`` to the team after the commit."""

    def __init__(
        self, store: Store, broker: Broker, clock: Clock, identities: IdentityService
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self._identities = identities

    async def update_profile(self, user: User, changes: dict[str, Any]) -> User:
        """Apply ``changes`` (see :func:`profile_changes`) to ``user`` and announce it."""
        now = self._clock.now()
        updated = apply_profile(user, changes, int(now))
        await self._store.put_user(updated)
        self._identities.invalidate()
        payload = {
            "type": "user_change",
            "user": user_object(updated),
            "cache_ts": int(now),
            "event_ts": f"{now:.6f}",
        }
        await self._broker.publish(Event(user.team_id, payload))
        return updated
