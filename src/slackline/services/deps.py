"""What every service is built from: one bundle, made once by the container."""

from __future__ import annotations

from dataclasses import dataclass

from slackline.blobs import Blobs
from slackline.broker import Broker
from slackline.clock import Clock, IdFactory
from slackline.http.forwarding import PublicUrls
from slackline.services.access import ConversationAccess
from slackline.services.conversation_cache import ConversationCache
from slackline.services.identity import IdentityService
from slackline.services.messages import MessageService
from slackline.services.workspace import WorkspaceService
from slackline.storage.base import Store


@dataclass(frozen=True, slots=True)
class ServiceDeps:
    """The parts services use: storage, events, time, ids and the services others build on."""

    store: Store
    broker: Broker
    clock: Clock
    ids: IdFactory
    identities: IdentityService
    access: ConversationAccess
    conversations: ConversationCache
    messages: MessageService
    workspaces: WorkspaceService
    urls: PublicUrls
    blobs: Blobs  # the bytes of files and their size limit (services/files.py)
