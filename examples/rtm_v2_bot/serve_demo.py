"""``make serve``: the demo server, and this directory's echo bot connected to it as the demo's
bot user, so a newcomer who signs in has someone to talk to (``ping``, ``echo …``, ``hello``).

The server runs as its own process (``slackline serve --demo`` with any extra arguments); the
bot connects over RTM like any other client once ``/healthz`` answers, and reconnects by
itself. Ctrl-C stops both: the server drains, as on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from echo_bot import start_bot, stop_bot

DEMO_BOT_TOKEN = "xoxb-demo-bot-token"  # the demo workspace's bot (public by design)
READY_WAIT_SECS = 30.0


def _port(arguments: list[str]) -> int:
    """The port the server will listen on: ``--port N`` among the arguments, else 8080."""
    if "--port" in arguments:
        return int(arguments[arguments.index("--port") + 1])
    return 8080


def _wait_until_ready(base_url: str, server: subprocess.Popen[bytes]) -> bool:
    """Whether ``/healthz`` answered before the server exited or the wait ran out."""
    deadline = time.monotonic() + READY_WAIT_SECS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            # base_url is always http://127.0.0.1:<port>, never a caller's URL.
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def main(arguments: list[str]) -> int:
    """Run the demo server and the echo bot until Ctrl-C; the server's exit status."""
    slackline = Path(sys.executable).with_name("slackline")
    # The venv's own slackline; the extra arguments are the person's own command line.
    server = subprocess.Popen([str(slackline), "serve", "--demo", *arguments])  # noqa: S603
    base_url = f"http://127.0.0.1:{_port(arguments)}"
    try:
        if not _wait_until_ready(base_url, server):
            return server.wait()
        bot = start_bot(os.environ.get("SLACK_BOT_TOKEN", DEMO_BOT_TOKEN), f"{base_url}/api/")
        if bot is None:
            print("The demo bot could not connect; the server runs without it.", flush=True)
            return server.wait()
        print("Demo bot connected: say `ping`, `echo <text>` or hello to it.", flush=True)
        try:
            return server.wait()
        finally:
            stop_bot(bot)
    except KeyboardInterrupt:
        server.send_signal(signal.SIGTERM)
        return server.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
