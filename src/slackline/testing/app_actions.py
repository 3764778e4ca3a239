"""The toolkit's actions for apps and their OAuth installs (docs/apps.md), with no browser.

Registering goes through the app service as the admin API does. Approving runs exactly what
the consent page does when a person presses Allow: the authorize request is checked for the
person's team, then a code is issued. Installing adds the real exchange: an HTTP POST to
``oauth.access`` (classic apps) or ``oauth.v2.access`` (granular apps) with the app's client
secret, so a bot's own install code sees the same answer it would after a browser's visit.
"""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from slackline.domain.apps import AppKind, OAuthFlow
from slackline.testing.actions import member_id

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.services.apps import RegisteredApp
    from slackline.testing.toolkit import Member, SlacklineServer

_EXCHANGE_TIMEOUT_SECS = 10.0
_EXCHANGE_METHOD = {OAuthFlow.V1: "oauth.access", OAuthFlow.V2: "oauth.v2.access"}


def _flow(v2: bool | None, kind: AppKind) -> OAuthFlow:
    if v2 is None:
        return OAuthFlow.V1 if kind is AppKind.CLASSIC else OAuthFlow.V2
    return OAuthFlow.V2 if v2 else OAuthFlow.V1


class AppActions:
    """Apps and installs, mixed into :class:`slackline.testing.toolkit.Slackline`."""

    # Set by Slackline; annotated only, so nothing here shadows it.
    _server: SlacklineServer

    if TYPE_CHECKING:  # Slackline's own; declared for the type checker only

        def act(self, member: Member | str, method: str, **args: Any) -> dict[str, Any]:
            """Defined by :class:`~slackline.testing.toolkit.Slackline`."""

    def register_app(self, team_id: str, **fields: Any) -> RegisteredApp:
        """Register an app in the team (``name``, ``kind``, ``redirect_urls``, ``scopes``
        and the other fields of a workspace file's ``apps`` entry); the app with its client
        and signing secrets in the clear. Raises
        :class:`~slackline.services.apps.AppError` when the service refuses it."""
        return self._server.call(lambda app: app.services.apps.register(team_id, fields))

    def approve_install(
        self,
        member: Member | str,
        client_id: str,
        *,
        scope: str = "",
        user_scope: str = "",
        redirect_uri: str = "",
        state: str = "",
        v2: bool | None = None,
    ) -> str:
        """The member approves the app's authorize request, as on the consent page; the
        single-use code the app would receive at its redirect URL.

        ``v2`` picks ``/oauth/v2/authorize`` (True) or ``/oauth/authorize`` (False); by
        default the app's own flow. A request the page would refuse raises
        :class:`~slackline.domain.apps.AuthorizeError` with its code.
        """
        user_id = member_id(member)
        args = {"client_id": client_id, "scope": scope, "user_scope": user_scope,
                "redirect_uri": redirect_uri, "state": state}  # fmt: skip

        async def approve(app: App) -> str:
            found = await app.store.apps.find_app(client_id)
            user = await app.store.get_user(user_id)
            if user is None:
                raise LookupError(f"no user {user_id}")
            # An unknown client id still goes through check_authorize: its invalid_client_id.
            flow = _flow(v2, found.kind if found is not None else AppKind.CLASSIC)
            request = await app.services.apps.check_authorize(flow, user.team_id, args)
            return await app.services.apps.approve(request, user_id)

        location = self._server.call(approve)
        return parse_qs(urlsplit(location).query)["code"][0]

    def install_app(
        self,
        member: Member | str,
        app: RegisteredApp,
        *,
        scope: str | None = None,
        user_scope: str | None = None,
        redirect_uri: str = "",
    ) -> dict[str, Any]:
        """The member installs the app: approval (scopes default to all the app declares),
        then the app's exchange of the code over HTTP with its client id and secret
        (``oauth.access`` or ``oauth.v2.access`` by the app's kind); the answer's body,
        ``ok`` or not."""
        record = app.app
        code = self.approve_install(
            member,
            record.client_id,
            scope=",".join(record.scopes) if scope is None else scope,
            user_scope=",".join(record.user_scopes) if user_scope is None else user_scope,
            redirect_uri=redirect_uri,
        )
        form = {"client_id": record.client_id, "client_secret": app.client_secret,
                "code": code, "redirect_uri": redirect_uri}  # fmt: skip
        method = _EXCHANGE_METHOD[record.flow]
        request = urllib.request.Request(  # noqa: S310 - the toolkit's own server
            f"{self._server.thread.base_url}/api/{method}",
            data=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        # Slack answers errors with HTTP 200 too, so any status but 200 is a real failure.
        with urllib.request.urlopen(request, timeout=_EXCHANGE_TIMEOUT_SECS) as response:  # noqa: S310
            body = json.loads(response.read())
        assert isinstance(body, dict)
        return body

    def uninstall_app(self, app_id: str, team_id: str) -> int:
        """Remove the app from the team as an admin would: its tokens there are revoked
        (their sockets get ``goodbye``) and its bot user deactivated; how many access tokens
        were revoked. Raises :class:`~slackline.services.apps.AppError` when it is not
        installed there."""
        return self._server.call(lambda app: app.services.apps.uninstall(app_id, team_id))

    # Socket Mode (docs/socket-mode.md)

    def create_app_token(self, app_id: str, team_id: str) -> str:
        """A new app-level (``xapp-``) token of the app with ``connections:write``, for
        ``apps.connections.open``; the app acts as its ``bot_user`` (or installed bot)."""
        return self._server.call(lambda app: app.services.apps.create_app_token(app_id, team_id))

    def disconnect_app(self, app_id: str, reason: str = "refresh_requested") -> int:
        """Send every Socket Mode connection of the app a ``disconnect`` (``warning``,
        ``refresh_requested``, ``link_disabled``) and close it, as Slack does before a
        refresh; how many connections there were."""

        async def disconnect(app: App) -> int:  # on the server's loop, as sockets need
            return app.socket_mode.disconnect_app(app_id, reason)

        return self._server.call(disconnect)

    def drop_app_connections(self, app_id: str) -> int:
        """Drop the app's Socket Mode connections without a word, as a network failure
        would; how many there were."""

        async def drop(app: App) -> int:  # on the server's loop, as sockets need
            return app.socket_mode.drop_app(app_id)

        return self._server.call(drop)

    def run_command(self, member: Member | str, channel: str, line: str) -> dict[str, Any]:
        """The member types ``line`` (``/command text``) in the channel, as in the web
        client (``chat.command``); Slack's response body, ``ok`` or not. The app receives it
        over Socket Mode or at its request URL, with a ``response_url`` and a ``trigger_id``."""
        command, _, text = line.strip().partition(" ")
        return self.act(member, "chat.command", channel=channel, command=command, text=text)

    def click(
        self,
        member: Member | str,
        channel: str,
        ts: str,
        action_id: str,
        *,
        block_id: str = "",
        selected_option: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The member clicks the button (or picks ``selected_option`` in the static select)
        ``action_id`` of an app's message, as in the web client (``blocks.actions``): the
        app that posted it receives ``block_actions``; Slack's response body."""
        args: dict[str, Any] = {"channel": channel, "ts": ts, "action_id": action_id,
                                "block_id": block_id}  # fmt: skip
        if selected_option is not None:
            args["selected_option"] = json.dumps(selected_option)
        return self.act(member, "blocks.actions", **args)
