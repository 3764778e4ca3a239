"""User groups and their members (``subteam_*`` events).

Every change reaches the whole team, as Slack sends it to every connection of a workspace:
``subteam_created`` (a new group), ``subteam_updated`` (its fields, its enabling or
disabling, or its members changed; with the members, at most 500 listed), and for a change
of members ``subteam_members_changed`` (the delta) plus ``subteam_self_added`` /
``subteam_self_removed`` to the users concerned only. Names are unique among the team's
groups (whatever the case); handles among its groups, users and public channels (private
channels are not consulted, so an answer never reveals one). Default channels must be public
channels of the team. Stored first, announced after (decisions F.1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from slackline.broker import Event
from slackline.domain.access import is_public_channel
from slackline.domain.models import User
from slackline.domain.usergroups import (
    Announcement,
    Usergroup,
    membership_announcements,
    subteam_payload,
)
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.deps import ServiceDeps
from slackline.storage.base import ALL_ROWS


@dataclasses.dataclass(frozen=True, slots=True)
class GroupChange:
    """What ``usergroups.update`` changes (None: kept)."""

    name: str | None = None
    handle: str | None = None
    description: str | None = None
    channels: tuple[str, ...] | None = None


class UsergroupService:
    """Creates and changes user groups and their members, then tells the team."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._groups = deps.store.usergroups

    async def create(
        self,
        creator: User,
        *,
        name: str,
        handle: str,
        description: str,
        channels: Sequence[str],
    ) -> Usergroup:
        """A new group without members (``name_already_exists``, ``handle_already_exists``,
        ``invalid_channel_provided``); announces ``subteam_created``."""
        team_id = creator.team_id
        await self._check_unique(team_id, name=name, handle=handle, group_id="")
        await self._check_channels(team_id, channels)
        now = int(self._deps.clock.now())
        group = Usergroup(
            id=self._deps.ids.object_id("S"),
            team_id=team_id,
            name=name,
            handle=handle,
            description=description,
            channels=tuple(channels),
            created_by=creator.id,
            updated_by=creator.id,
            date_create=now,
            date_update=now,
        )
        await self._groups.put_usergroup(group)
        await self._announce([(subteam_payload("subteam_created", group, []), None)], team_id)
        return group

    async def update(self, group: Usergroup, actor: User, change: GroupChange) -> Usergroup:
        """Change the fields given; announces ``subteam_updated``."""
        await self._check_unique(
            group.team_id, name=change.name, handle=change.handle, group_id=group.id
        )
        if change.channels is not None:
            await self._check_channels(group.team_id, change.channels)
        fields = {k: v for k, v in dataclasses.asdict(change).items() if v is not None}
        updated = dataclasses.replace(
            group, **fields, updated_by=actor.id, date_update=int(self._deps.clock.now())
        )
        await self._groups.put_usergroup(updated)
        await self._announce_updated(updated)
        return updated

    async def set_enabled(self, group: Usergroup, actor: User, *, enabled: bool) -> Usergroup:
        """Enable or disable a group (its members are kept); announces ``subteam_updated``
        when that changes anything."""
        if enabled == (not group.disabled):
            return group
        now = int(self._deps.clock.now())
        changed = dataclasses.replace(
            group,
            updated_by=actor.id,
            date_update=now,
            date_delete=0 if enabled else now,
            deleted_by=None if enabled else actor.id,
        )
        await self._groups.put_usergroup(changed)
        await self._announce_updated(changed)
        return changed

    async def set_users(
        self, group: Usergroup, actor: User, user_ids: Sequence[str]
    ) -> tuple[Usergroup, list[str]]:
        """Make exactly these users the members (``no_users_provided``, ``invalid_users``);
        announces the change of members and ``subteam_updated``, or nothing when the
        members are the same."""
        wanted = sorted(dict.fromkeys(user_ids))
        if not wanted:
            raise SlackError(SlackErrorCode.NO_USERS_PROVIDED)
        for user_id in wanted:
            user = await self._deps.store.get_user(user_id)
            if user is None or user.team_id != group.team_id or user.deleted:
                raise SlackError(SlackErrorCode.INVALID_USERS)
        before = await self._groups.list_usergroup_users(group.id)
        if before == wanted:
            return group, before
        changed = dataclasses.replace(
            group, updated_by=actor.id, date_update=int(self._deps.clock.now())
        )
        await self._groups.set_usergroup_users(group.id, wanted)
        await self._groups.put_usergroup(changed)
        announcements = membership_announcements(changed, before, wanted, group.date_update)
        announcements.append((subteam_payload("subteam_updated", changed, wanted), None))
        await self._announce(announcements, group.team_id)
        return changed, wanted

    async def _announce_updated(self, group: Usergroup) -> None:
        users = await self._groups.list_usergroup_users(group.id)
        payload = subteam_payload("subteam_updated", group, users)
        await self._announce([(payload, None)], group.team_id)

    async def _announce(self, announcements: list[Announcement], team_id: str) -> None:
        for payload, audience in announcements:
            await self._deps.broker.publish(Event(team_id, payload, audience))

    async def _check_unique(
        self, team_id: str, *, name: str | None, handle: str | None, group_id: str
    ) -> None:
        others = [
            g
            for g in await self._groups.list_usergroups(team_id, include_disabled=True)
            if g.id != group_id
        ]
        if name is not None and any(g.name.lower() == name.lower() for g in others):
            raise SlackError(SlackErrorCode.NAME_ALREADY_EXISTS)
        if handle is None:
            return
        if any(g.handle == handle for g in others):
            raise SlackError(SlackErrorCode.HANDLE_ALREADY_EXISTS)
        users = await self._deps.store.list_users(team_id, "", ALL_ROWS)
        if any(user.name.lower() == handle for user in users):
            raise SlackError(SlackErrorCode.HANDLE_ALREADY_EXISTS)
        channel = await self._deps.store.find_channel_by_name(team_id, handle)
        if channel is not None and is_public_channel(channel):
            raise SlackError(SlackErrorCode.HANDLE_ALREADY_EXISTS)

    async def _check_channels(self, team_id: str, channels: Sequence[str]) -> None:
        for channel_id in channels:
            conversation = await self._deps.conversations.conversation(channel_id)
            if (
                conversation is None
                or conversation.team_id != team_id
                or not is_public_channel(conversation)
            ):
                raise SlackError(SlackErrorCode.INVALID_CHANNEL_PROVIDED)
