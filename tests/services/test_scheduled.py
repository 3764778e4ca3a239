"""The scheduled-message service: the 5-minute window rule, posting by the system clock's
timer, by a manual clock when told it moved, and what survives a restart."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from slackline.app import App, Components, create_app
from slackline.clock import Clock, ManualClock, SystemClock
from slackline.config import Settings
from slackline.domain.models import Message
from slackline.services.scheduled import MAX_PER_WINDOW, WINDOW_SECS, crowded
from slackline.storage.scheduled import ScheduledMessage
from tests.helpers.http import TEST_SECRET, WORKSPACE_FILE
from tests.helpers.postgres import postgres_schema

TIMER_WAIT_SECS = 5.0


def app_on(tmp_path: Path, clock: Clock, database: str = "") -> App:
    """An application with the test workspace and this clock, on tmp_path's SQLite file
    unless another database is given."""
    settings = Settings(
        database=database or f"sqlite:///{tmp_path / 'db'}",
        workspaces=(WORKSPACE_FILE,),
        secret_file=str(tmp_path / "secret"),
    )
    return create_app(settings, Components(secret=TEST_SECRET, clock=clock))


def scheduled(app: App, text: str, post_at: int) -> ScheduledMessage:
    """Alice's message for C0001 at ``post_at``."""
    draft = Message(channel="C0001", ts="", team_id="T0001", user="U0001", text=text)
    created = int(app.clock.now())
    return ScheduledMessage(app.services.scheduled.new_id(), post_at, created, draft)


async def texts(app: App) -> list[str]:
    """C0001's texts, newest first."""
    found = await app.store.list_messages(
        "C0001", oldest_micros=0, latest_micros=2**62, inclusive=True, limit=10
    )
    return [m.text for m in found]


def test_thirty_messages_in_five_minutes_leave_room() -> None:
    assert not crowded(1000 + MAX_PER_WINDOW - 1, list(range(1000, 1000 + MAX_PER_WINDOW - 1)))


def test_a_thirty_first_within_five_minutes_is_crowded() -> None:
    assert crowded(1000 + WINDOW_SECS - 1, list(range(1000, 1000 + MAX_PER_WINDOW)))


def test_a_message_five_minutes_after_the_first_is_outside_its_window() -> None:
    assert not crowded(1000 + WINDOW_SECS, [1000] * MAX_PER_WINDOW)


def test_a_window_that_starts_after_the_message_still_counts() -> None:
    # The new message at 1000 and 30 pending within the next 5 minutes: 31 in [1000, 1300).
    assert crowded(1000, list(range(1001, 1001 + MAX_PER_WINDOW)))


def test_the_system_clocks_timer_posts_a_due_message(tmp_path: Path) -> None:
    app = app_on(tmp_path, clock=SystemClock())

    async def run() -> list[str]:
        await app.start()
        try:
            post_at = int(time.time()) + 1
            await app.services.scheduled.schedule(scheduled(app, "timed", post_at))
            deadline = time.monotonic() + TIMER_WAIT_SECS
            while "timed" not in await texts(app) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return await texts(app)
        finally:
            await app.close()

    assert asyncio.run(run())[0] == "timed"


def test_a_manual_clock_posts_nothing_while_real_time_passes(tmp_path: Path) -> None:
    clock = ManualClock()
    app = app_on(tmp_path, clock)

    async def run() -> tuple[list[str], list[str]]:
        await app.start()
        try:
            service = app.services.scheduled
            await service.schedule(scheduled(app, "manual", int(clock.now()) + 1))
            await asyncio.sleep(1.5)  # the timer fires after 1 s and finds the clock unmoved
            before = await texts(app)
            clock.advance(1)
            service.clock_moved()
            await service.idle()
            return before, await texts(app)
        finally:
            await app.close()

    before, after = asyncio.run(run())
    assert "manual" not in before
    assert after[0] == "manual"


def test_a_pending_message_survives_a_restart_and_is_posted_when_due(tmp_path: Path) -> None:
    clock = ManualClock()

    async def schedule_then_stop() -> None:
        app = app_on(tmp_path, clock)
        await app.start()
        await app.services.scheduled.schedule(scheduled(app, "kept", int(clock.now()) + 60))
        await app.close()

    async def restart_later() -> list[str]:
        clock.advance(120)
        app = app_on(tmp_path, clock)
        await app.start()  # what came due while stopped is posted at start
        try:
            await app.services.scheduled.idle()
            return await texts(app)
        finally:
            await app.close()

    asyncio.run(schedule_then_stop())
    assert asyncio.run(restart_later())[0] == "kept"


def test_closing_stops_the_timer(tmp_path: Path) -> None:
    app = app_on(tmp_path, clock=SystemClock())

    async def run() -> list[str]:
        await app.start()
        await app.services.scheduled.schedule(scheduled(app, "never", int(time.time()) + 1))
        await app.close()
        await asyncio.sleep(1.5)
        reopened = app_on(tmp_path, clock=ManualClock(start=0.0))  # nothing due at time 0
        await reopened.start()
        try:
            return await texts(reopened)
        finally:
            await reopened.close()

    assert "never" not in asyncio.run(run())


def test_two_processes_on_one_postgresql_post_each_message_once(tmp_path: Path) -> None:
    clock = ManualClock()
    count = 60

    async def run(url: str) -> list[str]:
        one, two = app_on(tmp_path, clock, url), app_on(tmp_path / "two", clock, url)
        await one.start()
        await two.start()
        try:
            for n in range(count):
                target = one if n % 2 else two
                at = int(clock.now()) + 1 + n * 20  # 15 per 5 minutes: within the window
                await target.services.scheduled.schedule(scheduled(target, f"m{n}", at))
            clock.advance(count * 20)
            one.services.scheduled.clock_moved()
            two.services.scheduled.clock_moved()
            await asyncio.gather(one.services.scheduled.idle(), two.services.scheduled.idle())
            found = await one.store.list_messages(
                "C0001", oldest_micros=0, latest_micros=2**62, inclusive=True, limit=count + 10
            )
            return [m.text for m in found]
        finally:
            await two.close()
            await one.close()

    (tmp_path / "two").mkdir()
    with postgres_schema() as url:
        posted = asyncio.run(run(url))
    assert sorted(posted) == sorted(f"m{n}" for n in range(count))
