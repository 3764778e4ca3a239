"""``slackline serve --workers N``: N server processes on one host sharing its ports.

The parent process serves nothing itself. It reserves the ports (bound, never listening,
with ``SO_REUSEPORT``, so ``--port 0`` picks one port for all), then starts the workers:
fresh interpreters (``multiprocessing`` "spawn": no inherited threads, loop or sockets)
that each run an ordinary server listening on those ports with ``SO_REUSEPORT``, so the
kernel spreads new connections over them. The workers behave as one server through the
shared broker (Redis: events, tickets, presence, rate limits) and the shared database.

- **Refusals**: more than one worker needs a ``redis://`` broker (with ``memory://`` each
  worker would deliver events only to its own sessions) and a database the workers share:
  a SQLite *file* (WAL mode, one host) or PostgreSQL; ``sqlite:///:memory:`` is refused.
- **Start**: the first worker starts alone (it migrates the database and loads the
  workspace files), the others once it is ready; the parent prints the ready line once all
  are. A worker that fails to start stops the whole server (exit code 1).
- **Supervision**: a worker that dies after it was ready (a crash, SIGKILL) is started
  again; its clients reconnect to the others meanwhile, and its presence expires there.
- **Signals**: SIGTERM and SIGINT are passed on to every worker: the first SIGTERM drains
  (``runner.Drain``), a second ends them at once. The parent exits when all have exited.
  Workers run in process groups of their own, so a signal to the parent's group reaches
  them once (through the parent); under systemd use ``KillMode=mixed`` for the same reason.
- **Parent death**: each worker holds the reading end of a pipe only the parent writes to;
  when the parent dies (even SIGKILL) the pipe ends and the worker drains and exits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType

from slackline.config import Settings

logger = logging.getLogger("slackline.workers")

SHARED_BROKER_SCHEMES = ("redis", "rediss")
READY_TIMEOUT_SECS = 120.0
SUPERVISE_POLL_SECS = 0.5
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)
Announce = Callable[[int | None, int | None], None]


def check_workers(settings: Settings) -> None:
    """Raise ``ValueError`` (with what to do) unless the settings allow these workers."""
    count = settings.workers
    if count < 1:
        raise ValueError(f"--workers must be 1 or more, not {count}")
    if count == 1:
        return
    scheme = settings.broker.partition(":")[0].lower()
    if scheme not in SHARED_BROKER_SCHEMES:
        raise ValueError(
            f"--workers {count} needs a broker the workers share: give --broker "
            f"redis://HOST:PORT/DB (with {scheme}:// each worker would deliver events only "
            "to its own sessions)"
        )
    if settings.database.startswith("sqlite:") and settings.database.rstrip("/").endswith(
        ":memory:"
    ):
        raise ValueError(
            f"--workers {count} needs a database the workers share: a SQLite file or "
            "postgresql://, not an in-memory SQLite database"
        )
    if not hasattr(socket, "SO_REUSEPORT"):
        raise ValueError("--workers needs SO_REUSEPORT (Linux); run one process per port")


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (without listening) a ``SO_REUSEPORT`` socket: the port stays ours, and
    workers binding it the same way share it. Port 0 picks a free one."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    reserved = socket.socket(family, kind, proto)
    try:
        reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        reserved.bind(address)
    except OSError:
        reserved.close()
        raise
    return reserved


def run_workers(settings: Settings, log_level: str, announce: Announce) -> int:
    """Run ``settings.workers`` server processes until they stop; the exit code."""
    check_workers(settings)
    reserved = [reserve_port(settings.host, settings.port)]
    tls_port = None
    if settings.tls_port is not None:
        reserved.append(reserve_port(settings.host, settings.tls_port))
        tls_port = int(reserved[1].getsockname()[1])
    port = int(reserved[0].getsockname()[1])
    try:
        shared = dataclasses.replace(settings, port=port, tls_port=tls_port, workers=1)
        return WorkerPool(shared, settings.workers, log_level).run(announce)
    finally:
        for sock in reserved:
            sock.close()


@dataclasses.dataclass
class _Worker:
    """One running worker: its process, the pipe it reports readiness on, its lifeline."""

    index: int
    process: BaseProcess
    ready: Connection | None
    lifeline: Connection
    pid: int = 0


class WorkerPool:
    """Starts, watches and stops the workers (see the module docstring)."""

    def __init__(self, settings: Settings, count: int, log_level: str) -> None:
        self._settings = settings
        self._count = count
        self._log_level = log_level
        self._context = multiprocessing.get_context("spawn")
        self._workers: dict[int, _Worker] = {}
        self._stopping = False
        self._failed = False

    def run(self, announce: Announce) -> int:
        """Start every worker, announce readiness, supervise until all have exited."""
        previous = {sig: signal.signal(sig, self._forward) for sig in FORWARDED_SIGNALS}
        try:
            if self._start_all():
                pids = " ".join(str(self._workers[i].pid) for i in sorted(self._workers))
                announce(self._settings.port, self._settings.tls_port)
                print(f"{self._count} workers (pids {pids})", flush=True)
                self._supervise()
            else:
                self._stop_all()
            self._wait_all()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if self._failed else 0

    def _start_all(self) -> bool:
        """The first worker alone, then the others together; False if any failed or a
        signal asked to stop meanwhile."""
        self._spawn(0)
        if not self._await_ready([0]):
            return False
        for index in range(1, self._count):
            self._spawn(index)
        return self._await_ready(list(range(1, self._count)))

    def _spawn(self, index: int) -> None:
        ready_reader, ready_writer = self._context.Pipe(duplex=False)
        lifeline_reader, lifeline_writer = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=worker_main,
            args=(self._settings, index, self._log_level, ready_writer, lifeline_reader),
            name=f"slackline-worker-{index}",
            daemon=False,
        )
        process.start()
        ready_writer.close()  # the worker holds it now: EOF here means it died
        lifeline_reader.close()  # only the worker reads it; ours closing on exit is the signal
        self._workers[index] = _Worker(index, process, ready_reader, lifeline_writer)

    def _await_ready(self, indexes: list[int]) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECS
        waiting: dict[Connection, _Worker] = {}
        for index in indexes:
            worker = self._workers[index]
            assert worker.ready is not None
            waiting[worker.ready] = worker
        while waiting and not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                logger.error("workers not ready after %.0fs", READY_TIMEOUT_SECS)
                self._failed = True
                return False
            for connection in wait(list(waiting), timeout=min(remaining, SUPERVISE_POLL_SECS)):
                worker = waiting.pop(connection)  # type: ignore[call-overload]
                if not self._take_ready(worker):
                    code = _exit_code(worker.process)
                    logger.error("worker %d failed to start (exit code %s)", worker.index, code)
                    self._failed = True
                    return False
        return not self._stopping

    @staticmethod
    def _take_ready(worker: _Worker) -> bool:
        assert worker.ready is not None
        try:
            worker.pid = int(worker.ready.recv())
        except (EOFError, OSError):
            return False
        finally:
            worker.ready.close()
            worker.ready = None
        return True

    def _supervise(self) -> None:
        """Restart a worker that dies while serving; return once stopping."""
        while not self._stopping:
            sentinels = {w.process.sentinel: w for w in self._workers.values()}
            for sentinel in wait(list(sentinels), timeout=SUPERVISE_POLL_SECS):
                worker = sentinels[sentinel]  # type: ignore[index]
                if self._stopping:
                    break
                code = _exit_code(worker.process)
                logger.warning("worker %d (pid %d) exited with code %s: starting it again",
                               worker.index, worker.pid, code)  # fmt: skip
                worker.lifeline.close()
                self._spawn(worker.index)
                if not self._await_ready([worker.index]):
                    self._stop_all()
                    return
                fresh = self._workers[worker.index]
                logger.info("worker %d started again (pid %d)", fresh.index, fresh.pid)

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        """Pass a signal on to every worker; from now on, no worker is started again."""
        self._stopping = True
        for worker in self._workers.values():
            if worker.process.is_alive() and worker.process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid, signum)

    def _stop_all(self) -> None:
        self._stopping = True
        for worker in self._workers.values():
            if worker.process.is_alive():
                worker.process.terminate()

    def _wait_all(self) -> None:
        for worker in self._workers.values():
            worker.process.join()
            worker.lifeline.close()
            if worker.ready is not None:
                worker.ready.close()


def _exit_code(process: BaseProcess) -> int | None:
    process.join(timeout=1.0)
    return process.exitcode


def worker_main(
    settings: Settings, index: int, log_level: str, ready: Connection, lifeline: Connection
) -> None:
    """A worker process: one ordinary server on the shared ports (``SO_REUSEPORT``)."""
    import asyncio  # noqa: PLC0415

    import uvloop  # noqa: PLC0415

    from slackline.app import create_app  # noqa: PLC0415
    from slackline.logbuffer import configure_logging, flush_logging  # noqa: PLC0415
    from slackline.runner import Listeners, serve_until_stopped  # noqa: PLC0415

    configure_logging(log_level, sys.stderr, settings.log_format)
    if settings.metrics_port:
        # Each worker answers its own metrics, on the next port up from the first.
        settings = dataclasses.replace(settings, metrics_port=settings.metrics_port + index)
    # A group of its own: a signal sent to the parent's group (a terminal's Ctrl-C,
    # ``kill -- -PGID``) reaches the worker once, through the parent, not twice.
    os.setpgid(0, 0)

    def parent_gone() -> None:
        asyncio.get_running_loop().remove_reader(lifeline.fileno())
        logger.warning("worker %d: the parent process is gone; draining", index)
        os.kill(os.getpid(), signal.SIGTERM)

    def on_ready(listeners: Listeners) -> None:
        # The parent is gone when its end of the lifeline closes: drain as on SIGTERM.
        asyncio.get_running_loop().add_reader(lifeline.fileno(), parent_gone)
        try:
            ready.send(os.getpid())
        except OSError:
            return  # the parent is gone: the lifeline says so at once
        finally:
            ready.close()

    async def main() -> None:
        await serve_until_stopped(create_app(settings), on_ready, reuse_port=True)

    try:
        uvloop.run(main())
    except KeyboardInterrupt:  # SIGINT before the server took over the signal
        sys.exit(130)
    except Exception as exc:
        logger.error("worker %d stopped: %s", index, exc)
        flush_logging()
        sys.exit(1)
    flush_logging()
