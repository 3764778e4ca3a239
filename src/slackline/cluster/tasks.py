"""Redis calls need a task: the HTTP driver starts handlers eagerly, outside one."""

from __future__ import annotations

import asyncio


async def ensure_in_task() -> None:
    """Continue inside a task (yielding once if not yet in one).

    The HTTP driver runs a handler without a task until it first waits (see
    :func:`slackline.http.server.start_eagerly`); the Redis client's timeouts
    (``asyncio.timeout``) need one.
    """
    if asyncio.current_task() is None:
        await asyncio.sleep(0)
