"""The toolkit's actions for the rest of a workspace: custom emoji, user groups,
preferences and do not disturb.

User groups, preferences and do not disturb are Web API calls as a member
(:meth:`ActingBase.act`), so they are checked, stored and announced exactly as a client's
call would be; a refused call raises AssertionError with Slack's answer. Custom emoji have no
Slack method a member may call: they are added and removed as the control API's
``emoji.add`` / ``emoji.remove`` do, through the emoji service (so ``emoji_changed`` goes
out the same way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slackline.testing.actions import ActingBase, member_id

if TYPE_CHECKING:
    from slackline.testing.toolkit import Member, SlacklineServer


def _ids(members: Sequence[Member | str]) -> str:
    return ",".join(member_id(member) for member in members)


class WorkspaceActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""

    # Set by Slackline; annotated only, so nothing here shadows it.
    _server: SlacklineServer

    # custom emoji

    def add_emoji(self, team_id: str, name: str, value: str) -> None:
        """Add a custom emoji to the team (an image URL or ``alias:<name>``), or change it."""
        self._server.call(lambda app: app.services.emoji.add(team_id, name, value))

    def remove_emoji(self, team_id: str, name: str) -> bool:
        """Remove a custom emoji of the team; whether there was one."""
        return self._server.call(lambda app: app.services.emoji.remove(team_id, name))

    def emoji(self, member: Member | str) -> dict[str, str]:
        """The custom emoji the member's team has (``emoji.list``), name to value."""
        return dict(self._ok(member, "emoji.list")["emoji"])

    # user groups

    def create_usergroup(
        self,
        member: Member | str,
        name: str,
        *,
        users: Sequence[Member | str] = (),
        **args: Any,
    ) -> str:
        """Create a user group as the member (``handle``, ``description``, ``channels`` as
        ``usergroups.create`` takes them), then give it ``users``; its id."""
        group_id = str(self._ok(member, "usergroups.create", name=name, **args)["usergroup"]["id"])
        if users:
            self.set_usergroup_users(member, group_id, users)
        return group_id

    def update_usergroup(self, member: Member | str, group_id: str, **args: Any) -> dict[str, Any]:
        """Change a group's fields (``usergroups.update``); the group as answered."""
        return dict(self._ok(member, "usergroups.update", usergroup=group_id, **args)["usergroup"])

    def disable_usergroup(self, member: Member | str, group_id: str) -> None:
        """Disable a group (``usergroups.disable``)."""
        self._ok(member, "usergroups.disable", usergroup=group_id)

    def enable_usergroup(self, member: Member | str, group_id: str) -> None:
        """Enable a disabled group again (``usergroups.enable``)."""
        self._ok(member, "usergroups.enable", usergroup=group_id)

    def set_usergroup_users(
        self, member: Member | str, group_id: str, users: Sequence[Member | str]
    ) -> None:
        """Make exactly ``users`` the group's members (``usergroups.users.update``)."""
        self._ok(member, "usergroups.users.update", usergroup=group_id, users=_ids(users))

    def usergroup_users(self, member: Member | str, group_id: str) -> list[str]:
        """A group's members (``usergroups.users.list``, disabled groups included)."""
        result = self._ok(
            member, "usergroups.users.list", usergroup=group_id, include_disabled=True
        )
        return list(result["users"])

    def usergroups(self, member: Member | str, *, include_disabled: bool = False) -> list[Any]:
        """The member's team's groups with their users (``usergroups.list``)."""
        result = self._ok(
            member, "usergroups.list", include_users=True, include_disabled=include_disabled
        )
        return list(result["usergroups"])

    # preferences and do not disturb

    def prefs(self, member: Member | str) -> dict[str, Any]:
        """Every preference of the member (``users.prefs.get``)."""
        return dict(self._ok(member, "users.prefs.get")["prefs"])

    def set_pref(self, member: Member | str, name: str, value: Any) -> None:
        """Set one preference of the member (``users.prefs.set``); booleans and numbers
        are sent as Slack's clients send them."""
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        self._ok(member, "users.prefs.set", name=name, value=text)

    def mute(self, member: Member | str, *channels: str) -> None:
        """Mute exactly these channels for the member (``muted_channels``, as wee-slack)."""
        self.set_pref(member, "muted_channels", ",".join(channels))

    def dnd(self, member: Member | str, of: Member | str | None = None) -> dict[str, Any]:
        """``dnd.info`` as the member, about themself or ``of``."""
        args = {"user": member_id(of)} if of is not None else {}
        result = self._ok(member, "dnd.info", **args)
        return {k: v for k, v in result.items() if k != "ok"}

    def snooze(self, member: Member | str, minutes: int) -> int:
        """Snooze the member's notifications (``dnd.setSnooze``); when the snooze ends."""
        return int(self._ok(member, "dnd.setSnooze", num_minutes=minutes)["snooze_endtime"])

    def end_snooze(self, member: Member | str) -> None:
        """End the member's snooze (``dnd.endSnooze``)."""
        self._ok(member, "dnd.endSnooze")

    def end_dnd(self, member: Member | str) -> None:
        """End the member's do not disturb now (``dnd.endDnd``)."""
        self._ok(member, "dnd.endDnd")
