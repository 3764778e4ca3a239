"""Slash commands and interactivity. A person's ``/command text`` goes to the app that
declares it, and a click on an app's message (``block_actions``) to the app that posted it,
over its
Socket Mode connection (a ``slash_commands`` envelope) or, with none, POSTed form-encoded
and signed to its request URL; the app answers in its acknowledgement, its HTTP answer, or
on the ``response_url`` (docs/socket-mode.md#slash-commands).

A ``response_url`` may be used 5 times within 30 minutes, as Slack's. ``in_channel`` answers
are posted in the channel as the app's bot; anything else is ephemeral, to the person; either
in ``thread_ts``'s thread when the answer names one. For a click, ``replace_original: true``
edits the message clicked (same ``ts``, ``message_changed``) and ``delete_original: true``
deletes it (``message_deleted``), through the edit service as ``chat.update`` and
``chat.delete`` do; a slash command has no original message, so there both are ignored and
the answer is shown as a new message (docs/socket-mode.md#answers-on-a-response_url).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from slackline.broker.base import AppEnvelope
from slackline.clock import Clock
from slackline.domain import events_api as rules
from slackline.domain.apps import AppRecord
from slackline.domain.events_api import Responder
from slackline.domain.models import Message
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.apps import team_app, team_apps
from slackline.services.edits import EditService
from slackline.services.messages import MessageService, check_text
from slackline.shared.base import AppDispatch, ResponseUrls
from slackline.socket_mode.http_delivery import DeliveryError, EventsHttpSender
from slackline.socket_mode.hub import AckCallback, SocketModeHub
from slackline.storage.base import Store

logger = logging.getLogger("slackline.socket_mode")

RESPONSE_PATH = "/commands/"
RESPONSE_URL_SECS = 30 * 60.0
RESPONSE_URL_USES = 5
# The HTTP status of each refusal a response_url answers (anything else is 400).
RESPONSE_ERROR_STATUS = {SlackErrorCode.EXPIRED_URL: 404, SlackErrorCode.MESSAGE_NOT_FOUND: 404}
# Keys of a message's extra that a replacing answer does not carry over: its content, and the
# reactions (stored apart, as chat.update leaves them).
_REPLACED_KEYS = frozenset({"blocks", "attachments", "reactions"})


class CommandService:
    """Runs slash commands and takes their answers."""

    def __init__(
        self,
        store: Store,
        *,
        hub: SocketModeHub,
        http: EventsHttpSender,
        messages: MessageService,
        clock: Clock,
        signing_secret: Callable[[str], Awaitable[str]],
        edits: EditService,
        response_urls: ResponseUrls,
        dispatch: AppDispatch,
    ) -> None:
        self._store = store
        self._hub = hub
        self._response_urls = response_urls
        self._dispatch = dispatch
        self._http = http
        self._messages = messages
        self._clock = clock
        self._signing_secret = signing_secret
        self._answers: set[asyncio.Task[None]] = set()
        self._edits = edits  # what replaces and deletes a click's message

    async def run(
        self, team_id: str, user_id: str, channel_id: str, line: str, base_url: str
    ) -> None:
        """Send ``/command text`` from the person in the channel to its app; raises
        ``invalid_command`` when no app of the team declares it."""
        command, text = rules.split_command(line)
        app = await self._app_for(team_id, command)
        team = await self._store.get_team(team_id)
        user = await self._store.get_user(user_id)
        channel = await self._store.get_conversation(channel_id)
        if app is None or team is None or user is None or channel is None:
            raise SlackError(SlackErrorCode.INVALID_COMMAND)
        bot_user = await self._bot_user(app, team_id)
        bot = await self._store.get_user(bot_user) if bot_user else None
        responder = Responder(team_id, channel_id, user_id, bot_user, bot.bot_id if bot else None)
        token = await self._responder(responder)
        payload = rules.command_payload(
            app_id=app.id, team=(team.id, team.domain), channel=(channel.id, channel.name),
            user=(user.id, user.name), command=command, text=text,
            response_url=self._response_url(base_url, token), trigger_id=self._trigger_id(),
        )  # fmt: skip
        if await self._over_socket_mode(app, "slash_commands", payload, token):
            return
        if not app.request_url:
            raise SlackError(SlackErrorCode.DISPATCH_FAILED)
        await self._post(app, payload, token)

    async def _over_socket_mode(
        self, app: AppRecord, kind: str, payload: dict[str, Any], token: str
    ) -> bool:
        """Send to one of the app's connections, here or (on a cluster) on another process;
        whether one took it."""
        if self.send_here(AppEnvelope(app.id, kind, payload, token, "")):
            return True
        if not app.socket_mode:
            return False
        return await self._dispatch.elsewhere(
            AppEnvelope(app.id, kind, payload, token, secrets.token_hex(12))
        )

    def send_here(self, envelope: AppEnvelope) -> bool:
        """Send the envelope to one of its app's connections on this process; whether it has
        one. A slash command's acknowledgement may carry an answer: it goes to the envelope's
        ``response_url`` (any process can take it)."""
        on_ack = self._acknowledged(envelope.token) if envelope.kind == "slash_commands" else None
        return self._hub.send(envelope.app_id, envelope.kind, envelope.payload, on_ack=on_ack)

    def _acknowledged(self, token: str) -> AckCallback:
        def acknowledged(answer: dict[str, Any] | None) -> None:
            if answer:
                task = asyncio.get_running_loop().create_task(self._answer_quietly(token, answer))
                self._answers.add(task)
                task.add_done_callback(self._answers.discard)

        return acknowledged

    async def act(
        self,
        team_id: str,
        user_id: str,
        *,
        channel_id: str,
        message: Message,
        action: dict[str, Any],
        base_url: str,
    ) -> None:
        """A person clicked a button or chose an option in an app's message: the app whose
        bot posted it gets ``block_actions`` (an ``interactive`` envelope, or a signed form
        POST of ``payload=`` to its request URL); raises ``invalid_action`` when the message
        has no such element or no app posted it."""
        element = rules.find_action(message.extra.get("blocks"), str(action.get("block_id", "")),
                                    str(action.get("action_id", "")))  # fmt: skip
        app = await self._app_of_bot(team_id, message.user)
        team = await self._store.get_team(team_id)
        user = await self._store.get_user(user_id)
        channel = await self._store.get_conversation(channel_id)
        if element is None or app is None or team is None or user is None or channel is None:
            raise SlackError(SlackErrorCode.INVALID_ACTION)
        token = await self._responder(Responder(
            team_id, channel_id, user_id, message.user, message.bot_id, original_ts=message.ts
        ))  # fmt: skip
        clicked: dict[str, Any] = {
            "action_id": element["action_id"], "block_id": str(action.get("block_id", "")),
            "type": element.get("type", "button"), "action_ts": str(self._clock.now()),
        }  # fmt: skip
        for key in ("text", "value", "style"):
            if key in element:
                clicked[key] = element[key]
        if isinstance(action.get("selected_option"), dict):
            clicked["selected_option"] = action["selected_option"]
        payload = rules.block_actions_payload(
            app_id=app.id, team=(team.id, team.domain), channel=(channel.id, channel.name),
            user=(user.id, user.name), message=message_object(message), action=clicked,
            response_url=self._response_url(base_url, token), trigger_id=self._trigger_id(),
        )  # fmt: skip
        if await self._over_socket_mode(app, "interactive", payload, token):
            return
        if not app.request_url:
            raise SlackError(SlackErrorCode.DISPATCH_FAILED)
        form = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
        await self._post_form(app, form, token)

    async def _app_of_bot(self, team_id: str, bot_user: str) -> AppRecord | None:
        for found in await team_apps(self._store, team_id):
            if found.bot_user == bot_user:
                return found.app
        return None

    async def _post(self, app: AppRecord, payload: dict[str, str], token: str) -> None:
        await self._post_form(app, urlencode(payload).encode(), token)

    async def _post_form(self, app: AppRecord, body: bytes, token: str) -> None:
        secret = await self._signing_secret(app.id)
        try:
            status, answer = await self._http.post_signed(
                app.request_url, secret, body, "application/x-www-form-urlencoded"
            )
        except DeliveryError as exc:
            raise SlackError(SlackErrorCode.DISPATCH_FAILED) from exc
        if not 200 <= status < 300:
            raise SlackError(SlackErrorCode.DISPATCH_FAILED)
        if answer.strip():
            try:
                document = json.loads(answer)
            except ValueError:
                document = {"text": answer.decode("utf-8", "replace")}
            if isinstance(document, dict):
                await self.answer(token, document)

    async def _answer_quietly(self, token: str, answer: dict[str, Any]) -> None:
        try:
            await self.answer(token, answer)
        except SlackError as exc:
            logger.info("a command's acknowledgement could not be shown: %s", exc.code.value)

    async def respond(self, token: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """A POST to a ``response_url``, answered as Slack answers: 200 ``{"ok": true}``, or
        ``{"ok": false, "error": ...}`` with 404 (``expired_url``, ``message_not_found``) or
        400 (``invalid_payload``: not a JSON object; ``no_text``: nothing to show;
        ``msg_too_long``)."""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return 400, {"ok": False, "error": "invalid_payload"}
        try:
            await self.answer(token, body, refuse_empty=True)
        except SlackError as exc:
            return RESPONSE_ERROR_STATUS.get(exc.code, 400), {"ok": False, "error": exc.code.value}
        return 200, {"ok": True}

    async def answer(self, token: str, body: dict[str, Any], *, refuse_empty: bool = False) -> None:
        """Show an app's answer (``response_url``, an acknowledgement, an HTTP answer): a new
        message, or for a click the clicked message replaced or deleted. An answer with
        nothing to show shows nothing, or is ``no_text`` with ``refuse_empty``; a refused
        answer does not count as one of the URL's uses."""
        # A use is taken at once, as answers may arrive together; given back if refused.
        responder = await self._response_urls.take(token, RESPONSE_URL_USES)
        if responder is None:
            raise SlackError(SlackErrorCode.EXPIRED_URL)
        try:
            await self._show(responder, body, refuse_empty=refuse_empty)
        except SlackError:
            await self._response_urls.give_back(token)
            raise

    async def _show(
        self, responder: Responder, body: dict[str, Any], *, refuse_empty: bool
    ) -> None:
        """The answer shown: the clicked message deleted or replaced, or a new message."""
        if rules.answer_flag(body, "delete_original"):
            # Slack's answer to delete with is the flag alone; anything beside it is ignored.
            if responder.original_ts:
                await self._edits.delete_message(await self._original(responder))
            return
        text, rich = rules.answer_content(body)
        if not text.strip() and not rich:
            if refuse_empty:
                raise SlackError(SlackErrorCode.NO_TEXT)
            return  # an empty acknowledgement shows nothing
        check_text(text, has_rich_content=bool(rich))
        if rules.answer_flag(body, "replace_original") and responder.original_ts:
            await self._replace(responder, text, rich)
            return
        public = body.get("response_type") == "in_channel" and responder.bot_user_id
        draft = Message(
            channel=responder.channel, ts="", team_id=responder.team_id,
            user=responder.bot_user_id or responder.user_id, text=text,
            bot_id=responder.bot_id, thread_ts=rules.answer_thread(body), extra=rich,
        )  # fmt: skip
        if public:
            await self._messages.post_message(draft)
        else:
            await self._messages.post_ephemeral(draft, responder.user_id)

    async def _original(self, responder: Responder) -> Message:
        """The message a click came from; ``message_not_found`` once it is gone."""
        found = await self._store.get_message(responder.channel, responder.original_ts)
        if found is None:
            raise SlackError(SlackErrorCode.MESSAGE_NOT_FOUND)
        return found

    async def _replace(self, responder: Responder, text: str, rich: dict[str, Any]) -> None:
        """The clicked message with the answer's text, blocks and attachments instead of its
        own (what is absent from the answer is gone), edited by its author, the app's bot."""
        original = await self._original(responder)
        kept = {k: v for k, v in original.extra.items() if k not in _REPLACED_KEYS}
        await self._edits.update_message(original, original.user, text, {**kept, **rich})

    async def _responder(self, responder: Responder) -> str:
        """A new response URL's token, answering as the bot in the channel or to the user
        (and, for a click, replacing or deleting the message ``original_ts``)."""
        token = secrets.token_urlsafe(24)
        await self._response_urls.remember(token, responder, RESPONSE_URL_SECS)
        return token

    @staticmethod
    def _response_url(base_url: str, token: str) -> str:
        return f"{base_url.rstrip('/')}{RESPONSE_PATH}{token}"

    def _trigger_id(self) -> str:
        return f"{int(self._clock.now())}.{secrets.token_hex(8)}"

    async def _app_for(self, team_id: str, command: str) -> AppRecord | None:
        for found in await team_apps(self._store, team_id):
            if command in found.app.commands:
                return found.app
        return None

    async def _bot_user(self, app: AppRecord, team_id: str) -> str:
        return (await team_app(self._store, app, team_id)).bot_user
