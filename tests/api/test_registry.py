"""The method table as served: decided once, at start (legacy handlers, write counting)."""

from __future__ import annotations

import asyncio

from slackline.api.methods import all_methods
from slackline.api.registry import MethodSpec, build_method_table, method_deprecated
from slackline.shared.local import UncountedWrites

# Methods that never cause an event: their calls are not counted as writes in flight (E.8),
# so a read costs no Redis round trip in a cluster and no wait while Redis is frozen.
READS = {
    "auth.test", "team.info", "bots.info", "users.list", "users.info", "users.getPresence",
    "users.profile.get", "users.conversations", "conversations.list", "conversations.info",
    "conversations.members", "conversations.history", "conversations.replies", "reactions.get",
    "reactions.list", "pins.list", "stars.list", "search.messages", "chat.getPermalink",
    # A scheduled message's event is published by the clock's service when it falls due.
    "chat.scheduleMessage", "chat.deleteScheduledMessage", "chat.scheduledMessages.list",
    "files.getUploadURLExternal", "files.info", "files.list",
    "channels.list", "channels.info", "channels.history", "groups.list", "groups.info",
    "groups.history", "im.list", "im.history", "mpim.list", "mpim.history",
    "rtm.connect", "rtm.start", "apps.connections.open",
    "emoji.list", "usergroups.list", "usergroups.users.list", "users.prefs.get", "dnd.info",
    "dnd.teamInfo", "users.lookupByEmail", "team.profile.get", "api.test",
}  # fmt: skip


def test_exactly_the_methods_that_publish_nothing_are_marked_so() -> None:
    assert {spec.name for spec in all_methods() if not spec.publishes} == READS


def test_one_process_serves_every_handler_unwrapped() -> None:
    table = build_method_table(all_methods(), legacy_methods=True, writes=UncountedWrites())
    for spec in all_methods():
        served = table.get(spec.name)
        assert served is not None and served.handler is spec.handler


def test_with_legacy_methods_off_a_retired_method_answers_method_deprecated() -> None:
    table = build_method_table(all_methods(), legacy_methods=False, writes=UncountedWrites())
    served = table.get("channels.list")
    assert served is not None and served.handler is method_deprecated


def test_with_legacy_methods_off_rtm_start_runs_rtm_connect() -> None:
    table = build_method_table(all_methods(), legacy_methods=False, writes=UncountedWrites())
    rtm_start, rtm_connect = table.get("rtm.start"), table.get("rtm.connect")
    assert rtm_start is not None and rtm_connect is not None
    assert rtm_start.handler is rtm_connect.handler


def test_a_counted_write_wraps_only_the_methods_that_publish() -> None:
    async def build() -> set[str]:
        from slackline.clock import SystemClock  # noqa: PLC0415
        from slackline.cluster.presence import RedisPresenceService  # noqa: PLC0415
        from slackline.cluster.writes import RedisWritesInFlight  # noqa: PLC0415

        # Built, never connected: wrapping happens at start, without a round trip.
        presence = RedisPresenceService(
            "redis://127.0.0.1:6379/0", "test:registry", store=None, broker=None,  # type: ignore[arg-type]
            clock=SystemClock(), identities=None,  # type: ignore[arg-type]
        )  # fmt: skip
        table = build_method_table(
            all_methods(), legacy_methods=True, writes=RedisWritesInFlight(presence)
        )
        return {
            spec.name
            for spec in all_methods()
            if (served := table.get(spec.name)) is not None and served.handler is spec.handler
        }

    assert asyncio.run(build()) == READS


def _served(name: str) -> MethodSpec:
    spec = build_method_table(all_methods(), legacy_methods=True, writes=UncountedWrites()).get(
        name
    )
    assert spec is not None
    return spec


def test_a_methods_accepted_scopes_header_is_joined_when_its_spec_is_made() -> None:
    spec = _served("chat.postMessage")
    assert spec.accepted_scopes == ",".join(spec.scopes) and "chat:write" in spec.scopes


def test_each_method_is_reached_by_its_path_and_a_deprecated_alias_by_its_own() -> None:
    table = build_method_table(all_methods(), legacy_methods=True, writes=UncountedWrites())
    routes = table.routes("/api/", ("/api/rtm.connect.json", "/api/v1/rtm.connect", "/api/v1/no"))
    assert routes["/api/users.info"] == (table.get("users.info"), False)
    assert routes["/api/rtm.connect.json"] == (table.get("rtm.connect"), True)
    assert routes["/api/v1/rtm.connect"] == (table.get("rtm.connect"), True)
    assert "/api/v1/no" not in routes and len(routes) == len(table.names()) + 2
