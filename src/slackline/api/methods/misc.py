"""``api.test`` and ``team.profile.get``.

``api.test`` needs no token (a token given is not even looked at, as Slack ignores it): it
echoes its arguments (``token`` left out) as ``args``, and with ``error`` it fails with that
code, the arguments still echoed. ``team.profile.get`` answers the team's custom profile
fields (declared in the workspace file), by ``ordering``; ``visibility`` is ``all`` (the
default), ``visible`` or ``hidden``.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.prefs import profile_field_object
from slackline.domain.ratelimit import Tier
from slackline.errors import SlackError, SlackErrorCode

VISIBILITIES = ("all", "visible", "hidden")


def api_test_answer(args: dict[str, str]) -> dict[str, Any]:
    """``args`` echoed (without ``token``); with ``error``, that error instead of success."""
    echoed = {name: value for name, value in args.items() if name != "token"}
    if args.get("error"):
        # The code is the caller's, not one of ours: it goes in the body's fields.
        raise SlackError(
            SlackErrorCode.API_TEST_ERROR, fields={"error": args["error"], "args": echoed}
        )
    return {"args": echoed} if echoed else {}


async def api_test(call: Call) -> dict[str, Any]:
    """What ``api.test`` answers (the dispatcher calls :func:`api_test_answer` directly)."""
    return api_test_answer(call.args.raw)


async def team_profile_get(call: Call) -> dict[str, Any]:
    """The team's profile fields (``invalid_arguments`` for another ``visibility``)."""
    visibility = call.args.text("visibility", "all") or "all"
    if visibility not in VISIBILITIES:
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
    fields = await call.services.reads.prefs.list_profile_fields(call.identity.team.id)
    if visibility != "all":
        hidden = visibility == "hidden"
        fields = [f for f in fields if f.is_hidden == hidden]
    return {"profile": {"fields": [profile_field_object(f) for f in fields]}}


METHODS = [
    MethodSpec("api.test", api_test, None, publishes=False, anonymous=api_test_answer),
    MethodSpec(
        "team.profile.get",
        team_profile_get,
        Tier.TIER_3,
        ("users.profile:read",),
        publishes=False,
    ),
]
