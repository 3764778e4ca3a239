"""Every kind of frame the RTM socket sends: its type (and message subtype), who gets it and
what causes it.

The catalogue is data only. It renders ``docs/reference.md`` (:mod:`slackline.reference`),
and the test suite's socket reader refuses any frame whose kind is not listed here, so a new
event cannot ship undocumented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventDoc:
    """One kind of event: ``type``, and ``subtype`` for the kinds of ``message``."""

    type: str
    audience: str
    caused_by: str
    subtype: str | None = None


_MEMBERS = "the conversation's members"
_TEAM = "the whole team"
_PUBLIC_TEAM_PRIVATE_MEMBERS = "the whole team (public) / members (private, group DM)"
_SELF = "the user's own sessions"

_SOCKET = (
    EventDoc("hello", "the new session", "opening the socket"),
    EventDoc("pong", "the session that pinged", "a `ping` frame"),
    EventDoc("error", "the session", "a bad frame without `id`, an expired URL"),
    EventDoc("goodbye", "the sessions that end", "drain, shutdown, revocation, deactivation"),
    EventDoc("reconnect_url", "every session, every 180 s", "the clock"),
    EventDoc("team_migration_started", "the team's sessions", "a team set to `migrating`"),
)

_MESSAGES = (
    EventDoc("message", _MEMBERS, "`chat.postMessage`, a `message` frame, the clock"),
    EventDoc("message", _MEMBERS, "`chat.update`, deleting a reply", "message_changed"),
    EventDoc("message", _MEMBERS, "`chat.delete`", "message_deleted"),
    EventDoc("message", _MEMBERS, "a reply in a thread", "message_replied"),
    EventDoc("message", _MEMBERS, "`chat.meMessage`", "me_message"),
    EventDoc("message", _MEMBERS, "posts with `username`/`icon_*`", "bot_message"),
    EventDoc("message", _MEMBERS, "a reply with `reply_broadcast`", "thread_broadcast"),
    # No subtype: Slack marks an ephemeral message with ``is_ephemeral: true``.
    EventDoc("message", "one member's sessions", "`chat.postEphemeral` (`is_ephemeral`)"),
    EventDoc("message", _MEMBERS, "`join`, `invite`", "channel_join"),
    EventDoc("message", _MEMBERS, "`leave`", "channel_leave"),
    EventDoc("message", _MEMBERS, "`conversations.rename`", "channel_name"),
    EventDoc("message", _MEMBERS, "`conversations.archive`", "channel_archive"),
    EventDoc("message", _MEMBERS, "`conversations.unarchive`", "channel_unarchive"),
    EventDoc("message", _MEMBERS, "`conversations.setTopic` (public)", "channel_topic"),
    EventDoc("message", _MEMBERS, "`conversations.setPurpose` (public)", "channel_purpose"),
    EventDoc("message", _MEMBERS, "`conversations.setTopic` (private)", "group_topic"),
    EventDoc("message", _MEMBERS, "`conversations.setPurpose` (private)", "group_purpose"),
    EventDoc("message", _MEMBERS, "a file shared with a comment", "file_share"),
)

_CONVERSATIONS = (
    EventDoc("channel_created", _TEAM, "`conversations.create` (public)"),
    EventDoc("channel_joined", "the joiner", "`conversations.join`, `invite`"),
    EventDoc("group_joined", "the joiner", "`conversations.create`/`invite` (private)"),
    EventDoc("member_joined_channel", _MEMBERS, "`create`, `join`, `invite`"),
    EventDoc("member_left_channel", _MEMBERS, "`leave`, `kick`"),
    EventDoc("channel_left", "the leaver", "`conversations.leave`, `kick`"),
    EventDoc("group_left", "the leaver", "`conversations.leave`, `kick` (private)"),
    EventDoc("channel_rename", _TEAM, "`conversations.rename` (public)"),
    EventDoc("group_rename", _MEMBERS, "`conversations.rename` (private)"),
    EventDoc("channel_archive", _TEAM, "`conversations.archive` (public)"),
    EventDoc("group_archive", _MEMBERS, "`conversations.archive` (private)"),
    EventDoc("channel_unarchive", _TEAM, "`conversations.unarchive` (public)"),
    EventDoc("group_unarchive", _MEMBERS, "`conversations.unarchive` (private)"),
    EventDoc("im_created", "both members", "`conversations.open` creating a DM"),
    EventDoc("im_open", _SELF, "`conversations.open` of a DM (new or closed)"),
    EventDoc("im_close", _SELF, "`conversations.close` of a DM"),
    EventDoc("mpim_open", _SELF, "`conversations.open` of a group DM (new or closed)"),
    EventDoc("mpim_close", _SELF, "`conversations.close` of a group DM"),
    EventDoc("mpim_joined", "the group DM's members", "`conversations.open` creating one"),
    EventDoc("channel_marked", _SELF, "`conversations.mark` (public channel)"),
    EventDoc("group_marked", _SELF, "`conversations.mark` (private channel)"),
    EventDoc("im_marked", _SELF, "`conversations.mark` (DM)"),
    EventDoc("mpim_marked", _SELF, "`conversations.mark` (group DM)"),
)

_WORKSPACE = (
    EventDoc("user_typing", "the other members", "a `typing` frame"),
    EventDoc("presence_change", "subscribed sessions", "presence changes"),
    EventDoc("manual_presence_change", _SELF, "`users.setPresence`"),
    EventDoc("user_change", _TEAM, "`users.profile.set`, workspace documents"),
    EventDoc("team_join", _TEAM, "a workspace document creating a user"),
    EventDoc("bot_added", _TEAM, "installing an app with a bot user (docs/apps.md)"),
    EventDoc("bot_changed", _TEAM, "re-installing an app whose bot user was deactivated"),
    EventDoc("reaction_added", _MEMBERS, "`reactions.add`"),
    EventDoc("reaction_removed", _MEMBERS, "`reactions.remove`"),
    EventDoc("pin_added", _MEMBERS, "`pins.add`"),
    EventDoc("pin_removed", _MEMBERS, "`pins.remove`"),
    EventDoc("star_added", _SELF, "`stars.add`"),
    EventDoc("star_removed", _SELF, "`stars.remove`"),
    EventDoc("emoji_changed", _TEAM, "custom emoji added or removed (file, admin API)"),
    EventDoc("subteam_created", _TEAM, "`usergroups.create`, workspace documents"),
    EventDoc("subteam_updated", _TEAM, "`usergroups.update`, `disable`, `enable`, documents"),
    EventDoc("subteam_members_changed", _TEAM, "`usergroups.users.update`, documents"),
    EventDoc("subteam_self_added", "the added users", "`usergroups.users.update`"),
    EventDoc("subteam_self_removed", "the removed users", "`usergroups.users.update`"),
    EventDoc("pref_change", _SELF, "`users.prefs.set`"),
    EventDoc("dnd_updated", _SELF, "`dnd.setSnooze`, `endSnooze`, `endDnd`, `users.prefs.set`"),
    EventDoc(
        "dnd_updated_user", _TEAM, "`dnd.setSnooze`, `endSnooze`, `endDnd`, `users.prefs.set`"
    ),
)

_FILES = (
    EventDoc("file_created", "the uploader", "`files.upload`, `files.completeUploadExternal`"),
    EventDoc("file_shared", _PUBLIC_TEAM_PRIVATE_MEMBERS, "a file shared to a conversation"),
    EventDoc("file_public", _TEAM, "a file shared to a public channel"),
    EventDoc("file_deleted", _PUBLIC_TEAM_PRIVATE_MEMBERS, "`files.delete`"),
)

EVENTS: tuple[EventDoc, ...] = (*_SOCKET, *_MESSAGES, *_CONVERSATIONS, *_WORKSPACE, *_FILES)

# The kinds a frame may be, and the subtypes of ``message``: what the socket reader checks.
EVENT_TYPES = frozenset(event.type for event in EVENTS)
MESSAGE_SUBTYPES = frozenset(event.subtype for event in EVENTS if event.subtype is not None)
