"""What the toolkit's action mixins build on: calling a method as a member.

:class:`slackline.testing.toolkit.Slackline` mixes in one class per area (messages,
conversations, the rest of a workspace, files, search, pins and stars); each is a thin layer
of named calls over :meth:`ActingBase.act`, so a test reads as what people do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slackline.testing.toolkit import Member


def member_id(member: Member | str) -> str:
    """A member's user id, or the id itself."""
    return member if isinstance(member, str) else member.id


class ActingBase:
    """The one primitive the action mixins need; :class:`~slackline.testing.toolkit.Slackline`
    provides it."""

    def act(self, member: Member | str, method: str, **args: Any) -> dict[str, Any]:
        """Call a Web API method as the member; Slack's response body."""
        raise NotImplementedError

    def _ok(self, member: Member | str, method: str, **args: Any) -> dict[str, Any]:
        result = self.act(member, method, **args)
        if not result.get("ok"):
            raise AssertionError(f"{method} as {member_id(member)} failed: {result}")
        return result

    def _every_page(self, member: Member | str, method: str, key: str, **args: Any) -> list[Any]:
        """The ``key`` lists of every page of a cursor-paged method, joined in order."""
        found: list[Any] = []
        cursor = ""
        while True:
            result = self._ok(member, method, **args, cursor=cursor)
            found += result[key]
            cursor = result["response_metadata"]["next_cursor"]
            if not cursor:
                return found
