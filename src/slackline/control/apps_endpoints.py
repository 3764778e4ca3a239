"""The control API's app endpoints (docs/admin.md, docs/apps.md): register an app, list a
team's apps, rotate a secret, list where an app is installed and uninstall it.

An app's client and signing secrets are answered only by ``apps.create`` (and a rotated one
by ``apps.rotateSecret``): they are stored hashed or sealed and never shown again, so
``apps.list`` and ``apps.installations`` carry none.
"""

from __future__ import annotations

import functools
import logging
import secrets
from typing import TYPE_CHECKING, Any, cast

from slackline.control.errors import ControlError, ControlErrorCode
from slackline.control.params import Kind, Param
from slackline.control.spec import Endpoint, Handler
from slackline.domain.apps import AppRecord, Installation
from slackline.services.apps import AppError, AppErrorCode
from slackline.socket_mode.http_delivery import HttpTarget

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

logger = logging.getLogger("slackline.admin")

Args = dict[str, Any]

# HTTP statuses of the app service's refusals.
APP_ERROR_STATUS = {
    AppErrorCode.TEAM_NOT_FOUND: 404,
    AppErrorCode.APP_NOT_FOUND: 404,
    AppErrorCode.NOT_INSTALLED: 404,
    AppErrorCode.APP_EXISTS: 409,
    AppErrorCode.CLIENT_ID_TAKEN: 409,
    AppErrorCode.INVALID_APP: 400,
}
SECRETS = ("client_secret", "signing_secret")


def app_object(app: AppRecord) -> dict[str, Any]:
    """An app as the admin API shows it (the workspace-file keys, no secret)."""
    return {
        "id": app.id,
        "team": app.team_id,
        "name": app.name,
        "kind": app.kind.value,
        "client_id": app.client_id,
        "redirect_urls": list(app.redirect_urls),
        "scopes": list(app.scopes),
        "user_scopes": list(app.user_scopes),
        "bot_user": app.bot_user or None,
        "token_rotation": app.token_rotation,
        "distributed": app.distributed,
        "socket_mode": app.socket_mode,
        "event_subscriptions": list(app.event_subscriptions),
        "request_url": app.request_url or None,
        "created": app.created,
    }


def installation_object(installation: Installation) -> dict[str, Any]:
    """Where an app is installed, by whom, with its bot user and what was granted."""
    return {
        "team": installation.team_id,
        "installer": installation.installer,
        "bot_user_id": installation.bot_user_id or None,
        "bot_id": installation.bot_id or None,
        "scopes": list(installation.scopes),
        "user_scopes": list(installation.user_scopes),
        "installed": installation.installed,
        "updated": installation.updated,
    }


def _app_errors(handler: Handler) -> Handler:
    """The app service's refusals as control errors (their codes on the wire as they are)."""

    @functools.wraps(handler)
    async def run(app: App, args: Args, request: Request) -> dict[str, Any]:
        try:
            return await handler(app, args, request)
        except AppError as exc:
            # The envelope writes the code's text; the app codes are not control codes, as
            # the workspace service's are not (the router maps those the same way).
            code = cast(ControlErrorCode, exc.code)
            raise ControlError(APP_ERROR_STATUS[exc.code], code, exc.detail) from exc

    return run


async def _require_team(app: App, team_id: str) -> None:
    if await app.store.get_team(team_id) is None:
        raise AppError(AppErrorCode.TEAM_NOT_FOUND, f"no team {team_id}")


@_app_errors
async def apps_create(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Register an app; its client and signing secrets are answered only here."""
    # An explicit null is the same as leaving the field out (generated or the default).
    fields = {k: v for k, v in args.items() if k != "team" and v is not None}
    registered = await app.services.apps.register(args["team"], fields)
    logger.info(
        "req=%s admin registered app %s in %s", request.request_id, registered.app.id,
        args["team"],
    )  # fmt: skip
    return {
        "app": app_object(registered.app),
        "client_secret": registered.client_secret,
        "signing_secret": registered.signing_secret,
    }


@_app_errors
async def apps_list(app: App, args: Args, request: Request) -> dict[str, Any]:
    """The apps a team registered, without their secrets, each with whether its event
    subscriptions are disabled for failures on this process (docs/events-api.md)."""
    await _require_team(app, args["team"])
    disabled = app.events_http.subscriptions_disabled
    return {"apps": [
        {**app_object(a), "event_subscriptions_disabled": disabled(a.id)}
        for a in await app.services.apps.list_apps(args["team"])
    ]}  # fmt: skip


@_app_errors
async def apps_rotate_secret(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Replace an app's client or signing secret; the new one is answered only here."""
    value = await app.services.apps.rotate(args["app"], args["secret"])
    logger.info("req=%s admin rotated %s of %s", request.request_id, args["secret"], args["app"])
    return {"app": args["app"], "secret": args["secret"], "value": value}


@_app_errors
async def apps_create_app_token(app: App, args: Args, request: Request) -> dict[str, Any]:
    """A new app-level (``xapp-``) token of the app, answered only here."""
    token = await app.services.apps.create_app_token(args["app"], args["team"])
    logger.info("req=%s admin created an app-level token of %s", request.request_id, args["app"])
    return {"app": args["app"], "team": args["team"], "token": token}


@_app_errors
async def apps_installations(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Where an app is installed."""
    found = await app.services.apps.installations(args["app"])
    return {"app": args["app"], "installations": [installation_object(i) for i in found]}


@_app_errors
async def apps_uninstall(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Uninstall an app from a team: its tokens there are revoked (their sockets get
    ``goodbye``) and its bot user deactivated."""
    await app.services.apps.get(args["app"])  # app_not_found before not_installed
    revoked = await app.services.apps.uninstall(args["app"], args["team"])
    return {"app": args["app"], "team": args["team"], "revoked": revoked}


@_app_errors
async def apps_verify_request_url(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Send the app's request URL Slack's ``url_verification`` challenge, signed; whether
    it answered with it (as Slack checks a request URL when it is saved)."""
    record = await app.services.apps.get(args["app"])
    if not record.request_url:
        raise AppError(AppErrorCode.INVALID_APP, "the app has no request_url")
    secret = await app.services.apps.signing_secret(record.id)
    target = HttpTarget(record.id, record.request_url, secret)
    verified = await app.events_http.verify(target, secrets.token_urlsafe(24))
    logger.info("req=%s admin verified the request URL of %s: %s", request.request_id,
                record.id, verified)  # fmt: skip
    return {"app": record.id, "request_url": record.request_url, "verified": verified}


def _field(name: str, kind: Kind, doc: str) -> Param:
    """An app field: the app service checks it, with its own messages."""
    return Param(name, kind, doc, loose=True)


_APP = Param("app", "string", "app id (A…)", required=True)
_TEAM = Param("team", "string", "team id", required=True)
_APP_ANSWER = ("app", "client_secret", "signing_secret")
_INVALID = ((400, "invalid_app"),)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("apps.create", "Register an app; its client and signing secrets are returned "
             "only here.", apps_create, params=(
                 _TEAM,
                 _field("id", "string", "app id (generated, A…)"),
                 _field("name", "string", "display name (1 to 35 characters)"),
                 _field("kind", "string", "classic (V1 flow, RTM bot tokens) or granular"),
                 _field("redirect_urls", "array", "absolute http(s) URLs the flow may "
                        "redirect to (a registered URL's path or below)"),
                 _field("scopes", "array", "scopes (classic: bot, client, identify, ...; "
                        "granular: bot scopes); a list or comma-separated text"),
                 _field("user_scopes", "array", "granular apps: user scopes"),
                 _field("client_id", "string", "client id (generated)"),
                 _field("client_secret", "string", "client secret (generated)"),
                 _field("signing_secret", "string", "signing secret (generated)"),
                 _field("bot_user", "string", "a bot user of the team the install uses"),
                 _field("token_rotation", "boolean", "granular apps: rotating tokens"),
                 _field("socket_mode", "boolean", "events and envelopes over Socket Mode"),
                 _field("event_subscriptions", "array", "events the app receives "
                        "(message.channels, app_mention, ...)"),
                 _field("request_url", "string", "the Events API request URL (Socket Mode "
                        "off); Slackline POSTs only to URLs configured here"),
                 _field("distributed", "boolean", "installable in other teams"),
             ), answer=_APP_ANSWER,
             errors=((404, "team_not_found"), (409, "app_exists"), (409, "client_id_taken"),
                     *_INVALID), writes=True),
    Endpoint("apps.list", "A team's apps (no secrets).", apps_list, params=(_TEAM,),
             answer=("apps",), errors=((404, "team_not_found"),)),
    Endpoint("apps.rotateSecret", "Replace an app's client or signing secret; the new one is "
             "returned only here and the old one stops working.", apps_rotate_secret,
             params=(
                 _APP,
                 Param("secret", "string", "which secret", required=True, choices=SECRETS),
             ), answer=("app", "secret", "value"), errors=((404, "app_not_found"),),
             writes=True),
    Endpoint("apps.createAppToken", "A new app-level (xapp-) token with connections:write "
             "for apps.connections.open; returned only here.", apps_create_app_token,
             params=(_APP, _TEAM), answer=("app", "team", "token"),
             errors=((404, "app_not_found"), (400, "invalid_app")), writes=True),
    Endpoint("apps.verifyRequestUrl", "Send the app's request URL a signed url_verification "
             "challenge, as Slack does when the URL is saved; whether it answered it.",
             apps_verify_request_url, params=(_APP,),
             answer=("app", "request_url", "verified"),
             errors=((404, "app_not_found"), (400, "invalid_app"))),
    Endpoint("apps.installations", "Where an app is installed.", apps_installations,
             params=(_APP,), answer=("app", "installations"),
             errors=((404, "app_not_found"),)),
    Endpoint("apps.uninstall", "Uninstall an app from a team: its tokens are revoked (their "
             "sockets get goodbye), its bot user deactivated.", apps_uninstall,
             params=(_APP, _TEAM), answer=("app", "team", "revoked"),
             errors=((404, "app_not_found"), (404, "not_installed")), writes=True),
)  # fmt: skip
