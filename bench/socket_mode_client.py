"""W6's client: one Socket Mode app's connections and a poster, in Python asyncio.

    python bench/socket_mode_client.py -p PORT -a APP_TOKEN -n CONNECTIONS -C CHANNEL
        -P POSTER_TOKEN -m MESSAGES -W WINDOW [-u WARMUP] [-l LINGER_SECS]

Opens CONNECTIONS connections (``apps.connections.open`` with the app-level token, then the
returned ``ws://`` URL; its port, the host is always 127.0.0.1), waits for each one's
``hello`` and prints a ``connected`` JSON line. After a line on stdin it posts WARMUP
messages one at a time (not measured), then MESSAGES ``chat.postMessage`` calls over WINDOW
keep-alive connections, one post in flight each. Every ``events_api`` envelope is
acknowledged at once (``{"envelope_id": ...}``) on the connection it came on; its message's
text names the post, so the client counts each post's envelopes (exactly once?), its
latency (post written to envelope read, one monotonic clock) and the connection it came on.
After the last envelope it listens LINGER_SECS more: a server that missed an
acknowledgement redelivers it after its deadline, which shows up as a duplicate. Prints a
``done`` JSON line. Talks to 127.0.0.1 only; bounded by MAX_RUN_SECS.

Python, not ``loadgen.c``: it runs on its own core, and its CPU share over the measured
window is in the results (a client near a whole core is the limit, not the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from websockets.asyncio.client import ClientConnection, connect

HOST = "127.0.0.1"
MAX_RUN_SECS = 240.0
HELLO_TIMEOUT_SECS = 30.0
QUIET_TIMEOUT_SECS = 10.0
WARMUP_MARK = "w6warm"
MEASURED_MARK = "w6post"


@dataclass(slots=True)
class Tally:
    """What the connections received."""

    expected: int = 0
    sent_at: dict[int, float] = field(default_factory=dict)
    seen: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    per_connection: list[int] = field(default_factory=list)
    acks: int = 0
    envelopes: int = 0
    retried: int = 0
    other_frames: int = 0
    warmup_seen: int = 0
    first_post: float = 0.0
    last_envelope: float = 0.0
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    warm: asyncio.Event = field(default_factory=asyncio.Event)


def _cpu_secs() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Http:
    """One keep-alive HTTP/1.1 connection posting form bodies to ``/api/METHOD``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, token: str, args: dict[str, str]) -> dict[str, Any]:
        """Call a method; its parsed JSON answer."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        assert self._reader is not None
        body = urlencode(args).encode()
        head = (
            f"POST /api/{method} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self._writer.write(head.encode() + body)
        status = await self._reader.readline()
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        answer = await self._reader.readexactly(length)
        if b" 200 " not in status:
            return {"ok": False, "error": status.decode("latin-1").strip()}
        document = json.loads(answer)
        return document if isinstance(document, dict) else {"ok": False}

    def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()


async def _open(port: int, app_token: str) -> ClientConnection:
    http = Http(port)
    try:
        opened = await http.call("apps.connections.open", app_token, {})
    finally:
        http.close()
    if not opened.get("ok"):
        raise RuntimeError(f"apps.connections.open: {opened}")
    url = urlsplit(str(opened["url"]))
    target = f"ws://{HOST}:{url.port}{url.path}?{url.query}"
    ws = await connect(target, compression=None, ping_interval=None, max_size=None)
    hello = json.loads(await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_SECS))
    if hello.get("type") != "hello":
        raise RuntimeError(f"expected hello, got {hello}")
    return ws


async def _receive(ws: ClientConnection, index: int, tally: Tally) -> None:
    """Acknowledge every envelope at once and count it."""
    async for frame in ws:
        received = time.perf_counter()
        document = json.loads(frame)
        envelope_id = document.get("envelope_id")
        if not isinstance(envelope_id, str):
            tally.other_frames += 1
            continue
        await ws.send(json.dumps({"envelope_id": envelope_id}))
        tally.acks += 1
        if document.get("retry_attempt"):
            tally.retried += 1
        event = document.get("payload", {}).get("event", {})
        mark, _, number = str(event.get("text", "")).partition(" ")
        if mark == WARMUP_MARK:
            tally.warmup_seen += 1
            if tally.warmup_seen >= tally.expected:
                tally.warm.set()
            continue
        if mark != MEASURED_MARK:
            tally.other_frames += 1
            continue
        seq = int(number)
        tally.envelopes += 1
        tally.per_connection[index] += 1
        count = tally.seen.get(seq, 0) + 1
        tally.seen[seq] = count
        tally.last_envelope = received
        if count == 1:
            tally.latencies.append(received - tally.sent_at[seq])
            if len(tally.seen) >= tally.expected:
                tally.complete.set()


async def _post(
    port: int, token: str, channel: str, *, mark: str, numbers: list[int], tally: Tally
) -> int:
    """Post ``numbers`` in turn over one connection; how many failed."""
    http = Http(port)
    errors = 0
    try:
        for seq in numbers:
            if mark == MEASURED_MARK:
                tally.sent_at[seq] = time.perf_counter()
            answer = await http.call(
                "chat.postMessage", token, {"channel": channel, "text": f"{mark} {seq}"}
            )
            errors += not answer.get("ok")
    finally:
        http.close()
    return errors


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def run(args: argparse.Namespace) -> None:
    """Connect, wait for ``go``, post, count, print."""
    started = time.perf_counter()
    sockets = await asyncio.gather(*(_open(args.port, args.app_token) for _ in range(args.n)))
    tally = Tally(per_connection=[0] * args.n)
    print(json.dumps({"phase": "connected", "connections": len(sockets),
                      "connect_secs": time.perf_counter() - started}), flush=True)  # fmt: skip
    readers = [asyncio.create_task(_receive(ws, i, tally)) for i, ws in enumerate(sockets)]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    tally.expected = args.warmup
    if args.warmup:
        warmup = list(range(args.warmup))
        await _post(
            args.port, args.poster, args.channel, mark=WARMUP_MARK, numbers=warmup, tally=tally
        )
        await asyncio.wait_for(tally.warm.wait(), QUIET_TIMEOUT_SECS)

    tally.expected = args.messages
    window = max(1, min(args.window, args.messages))
    shares = [list(range(i, args.messages, window)) for i in range(window)]
    cpu_before = _cpu_secs()
    tally.first_post = time.perf_counter()
    posters = [
        _post(args.port, args.poster, args.channel, mark=MEASURED_MARK, numbers=share, tally=tally)
        for share in shares
    ]
    errors = sum(await asyncio.gather(*posters))
    posted = time.perf_counter()
    timed_out = False
    try:
        await asyncio.wait_for(tally.complete.wait(), QUIET_TIMEOUT_SECS)
    except TimeoutError:
        timed_out = True
    finished = tally.last_envelope or time.perf_counter()
    cpu_after = _cpu_secs()
    await asyncio.sleep(args.linger)  # a missed acknowledgement is redelivered meanwhile

    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.gather(*readers, return_exceptions=True)
    secs = max(finished - tally.first_post, 1e-9)
    ordered = sorted(tally.latencies)
    unique = len(tally.seen)
    document = {
        "phase": "done",
        "connections": len(sockets),
        "posted": args.messages - errors,
        "post_errors": errors,
        "expected": args.messages,
        "envelopes": tally.envelopes,
        "unique": unique,
        "duplicates": tally.envelopes - unique,
        "missing": args.messages - unique,
        "retried": tally.retried,
        "acks_sent": tally.acks,
        "other_frames": tally.other_frames,
        "timed_out": timed_out,
        "per_connection_min": min(tally.per_connection),
        "per_connection_max": max(tally.per_connection),
        "secs": secs,
        "post_secs": posted - tally.first_post,
        "deliveries_per_sec": unique / secs,
        "p50_ms": _percentile(ordered, 0.50),
        "p99_ms": _percentile(ordered, 0.99),
        "max_ms": ordered[-1] * 1000 if ordered else 0.0,
        "client_cpu_share": (cpu_after - cpu_before) / secs,
        "linger_secs": args.linger,
    }
    print(json.dumps(document), flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("-p", dest="port", type=int, required=True)
    add("-a", dest="app_token", required=True)
    add("-n", dest="n", type=int, default=10)
    add("-C", dest="channel", required=True)
    add("-P", dest="poster", required=True)
    add("-m", dest="messages", type=int, required=True)
    add("-W", dest="window", type=int, default=16)
    add("-u", dest="warmup", type=int, default=20)
    add("-l", dest="linger", type=float, default=0.0)
    return parser.parse_args(argv)


def main() -> None:
    """Run, bounded by MAX_RUN_SECS whatever happens."""
    args = parse_args()
    try:
        asyncio.run(asyncio.wait_for(run(args), MAX_RUN_SECS))
    except BaseException as error:
        print(f"socket_mode_client: {error!r}", file=sys.stderr, flush=True)
        os._exit(1)


if __name__ == "__main__":
    main()
