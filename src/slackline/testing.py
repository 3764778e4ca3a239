"""A real Slackline server on 127.0.0.1 in a background thread, for tests.

Both synchronous clients (``slack_sdk.WebClient``) and asynchronous ones can talk to it,
since it runs its own event loop. Components (clock, ids, store) can be injected.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from slackline.app import App, Components, create_app
from slackline.config import Settings
from slackline.runner import Listeners

T = TypeVar("T")
START_TIMEOUT_SECS = 30.0


class ServerThread:
    """Runs an :class:`App` and its listeners on a private loop in a daemon thread."""

    def __init__(self, settings: Settings, components: Components | None = None) -> None:
        self.settings = dataclasses.replace(settings, host="127.0.0.1")
        self._components = components
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.app: App | None = None
        self.listeners: Listeners | None = None

    def start(self) -> ServerThread:
        """Start the thread, the app and the listeners; return once ready."""
        self._thread.start()
        self.run(self._start())
        return self

    async def _start(self) -> None:
        self.app = create_app(self.settings, self._components)
        await self.app.start()
        self.listeners = Listeners(self.app)
        await self.listeners.open()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=START_TIMEOUT_SECS)

    @property
    def port(self) -> int:
        """The plain listener's port."""
        assert self.listeners is not None and self.listeners.port is not None
        return self.listeners.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def tls_base_url(self) -> str:
        """``https://127.0.0.1:<tls port>``."""
        assert self.listeners is not None and self.listeners.tls_port is not None
        return f"https://127.0.0.1:{self.listeners.tls_port}"

    def stop(self) -> None:
        """Close listeners and app, then stop the loop and the thread."""
        if self.listeners is not None and self.app is not None:
            self.run(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT_SECS)
        self._loop.close()

    async def _stop(self) -> None:
        assert self.listeners is not None and self.app is not None
        await self.listeners.close()
        await self.app.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
