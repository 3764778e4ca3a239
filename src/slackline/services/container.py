"""Every service, built once at start (:func:`build_services`), as handlers receive them.

Handlers get a :class:`Services` (through their :class:`~slackline.api.call.Call`), never the
application: they read through ``reads`` (the store's read-only view), decide visibility
through ``access`` and change anything only through a service, which commits and then
publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from slackline.blobs import Blobs
from slackline.broker import Broker
from slackline.clock import Clock, IdFactory
from slackline.http.forwarding import PublicUrls
from slackline.services.access import ConversationAccess
from slackline.services.apps import AppService
from slackline.services.channels import ChannelService
from slackline.services.conversation_cache import ConversationCache
from slackline.services.conversations import ConversationService
from slackline.services.deps import ServiceDeps
from slackline.services.dnd import DndService
from slackline.services.edits import EditService
from slackline.services.emoji import EmojiService
from slackline.services.files import FileService
from slackline.services.identity import IdentityService
from slackline.services.membership import MembershipService
from slackline.services.messages import MessageService
from slackline.services.pins import PinService
from slackline.services.prefs import PrefsService
from slackline.services.presence import Presence, ProfileService
from slackline.services.reactions import ReactionService
from slackline.services.scheduled import ScheduledMessages
from slackline.services.search import SearchService
from slackline.services.stars import StarService
from slackline.services.tickets import TicketService
from slackline.services.typing import TypingService
from slackline.services.usergroups import UsergroupService
from slackline.services.workspace import WorkspaceService
from slackline.shared.base import SharedState
from slackline.socket_mode.commands import CommandService
from slackline.socket_mode.http_delivery import EventsHttpSender
from slackline.socket_mode.hub import SocketModeHub
from slackline.storage.base import Store, StoreReader


@dataclass(frozen=True, slots=True)
class Services:
    """What Web API handlers and RTM frame handlers may use."""

    reads: StoreReader
    access: ConversationAccess
    messages: MessageService
    edits: EditService
    reactions: ReactionService
    channels: ChannelService
    membership: MembershipService
    profiles: ProfileService
    presence: Presence
    typing: TypingService
    tickets: TicketService
    workspaces: WorkspaceService
    urls: PublicUrls
    clock: Clock
    scheduled: ScheduledMessages
    conversation_state: ConversationService
    pins: PinService
    stars: StarService
    emoji: EmojiService
    usergroups: UsergroupService
    prefs: PrefsService
    dnd: DndService
    files: FileService
    search: SearchService
    apps: AppService
    commands: CommandService


def build_services(
    *,
    store: Store,
    broker: Broker,
    shared: SharedState,
    identities: IdentityService,
    workspaces: WorkspaceService,
    clock: Clock,
    ids: IdFactory,
    urls: PublicUrls,
    blobs: Blobs,
    socket_mode: SocketModeHub,
    events_http: EventsHttpSender,
) -> Services:
    """Build every service over one store, broker and shared state."""
    conversations = ConversationCache(store, enabled=shared.caches_allowed)
    identities.on_invalidate(conversations.clear)
    access = ConversationAccess(store, conversations)
    messages = MessageService(store, broker, clock, conversations)
    deps = ServiceDeps(
        store=store,
        broker=broker,
        clock=clock,
        ids=ids,
        identities=identities,
        access=access,
        conversations=conversations,
        messages=messages,
        workspaces=workspaces,
        urls=urls,
        blobs=blobs,
    )
    dnd = DndService(deps)
    apps = AppService(store, identities, workspaces, clock, ids)
    edits = EditService(store, broker, clock)  # also what a click's answer edits with
    return Services(
        reads=store,
        access=access,
        messages=messages,
        edits=edits,
        reactions=ReactionService(store, broker, clock),
        channels=ChannelService(store, broker, clock, ids, messages),
        membership=MembershipService(store, broker, clock, ids, messages),
        profiles=ProfileService(store, broker, clock, identities),
        presence=shared.presence,
        typing=TypingService(broker, access, conversations),
        tickets=TicketService(shared.tickets, broker, identities, clock),
        workspaces=workspaces,
        urls=urls,
        clock=clock,
        scheduled=ScheduledMessages(deps),
        conversation_state=ConversationService(deps),
        pins=PinService(deps),
        stars=StarService(deps),
        emoji=EmojiService(deps),
        usergroups=UsergroupService(deps),
        prefs=PrefsService(deps, dnd),
        dnd=dnd,
        files=FileService(deps),
        search=SearchService(deps),
        apps=apps,
        commands=CommandService(
            store,
            hub=socket_mode,
            http=events_http,
            messages=messages,
            clock=clock,
            signing_secret=apps.signing_secret,
            edits=edits,
            response_urls=shared.response_urls,
            dispatch=shared.app_dispatch,
        ),
    )
