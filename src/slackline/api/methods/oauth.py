"""``oauth.access``, ``oauth.v2.access`` and ``apps.uninstall`` (docs/apps.md).

The two exchanges authenticate the app by its client id and secret (form fields, or HTTP
Basic as Slack prefers), never by a token; they answer the V1 and V2 shapes of
:class:`~slackline.services.apps.AppService`. ``apps.uninstall`` takes the app's own token
with its credentials and removes the app from the token's team.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call, ClientCall
from slackline.api.registry import MethodSpec
from slackline.domain.apps import OAuthFlow
from slackline.domain.ratelimit import Tier
from slackline.errors import SlackError, SlackErrorCode


async def oauth_access(call: ClientCall) -> dict[str, Any]:
    """Exchange a V1 (classic) code for the installer's user token and the bot's token."""
    authorization = call.request.header("authorization")
    return await call.services.apps.exchange(OAuthFlow.V1, call.args, authorization)


async def oauth_v2_access(call: ClientCall) -> dict[str, Any]:
    """Exchange a V2 code, or a refresh token, for tokens."""
    authorization = call.request.header("authorization")
    return await call.services.apps.exchange(OAuthFlow.V2, call.args, authorization)


async def apps_uninstall(call: Call) -> dict[str, Any]:
    """Uninstall the calling app from the token's team: every token it was issued there is
    revoked, its sessions get ``goodbye``."""
    args = call.args
    client_id, client_secret = args.text("client_id"), args.text("client_secret")
    await call.services.apps.uninstall_with_token(call.identity, client_id, client_secret)
    return {}


async def _needs_client(call: Call) -> dict[str, Any]:
    """Never reached: the dispatcher runs a client method's ``client`` handler."""
    raise SlackError(SlackErrorCode.INVALID_CLIENT_ID)


METHODS = [
    MethodSpec("oauth.access", _needs_client, None, client=oauth_access),
    MethodSpec("oauth.v2.access", _needs_client, None, client=oauth_v2_access),
    MethodSpec("apps.uninstall", apps_uninstall, Tier.TIER_1),
]
