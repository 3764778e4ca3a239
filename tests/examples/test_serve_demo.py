"""``make serve``'s script: the demo server starts, the echo bot connects to it over RTM and
answers a person, and Ctrl-C stops both (the server drains and exits 0)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "rtm_v2_bot" / "serve_demo.py"
ALICE = "xoxp-demo-alice-token"  # the demo workspace's person (public by design)
GENERAL = "C0DEMOGENR"
WAIT_SECS = 30.0
# conversations.history is Tier 3 (50 calls a minute per token); polling once a second stays
# under it however long a loaded machine takes the bot to answer.
POLL_SECS = 1.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(port: int, method: str, **args: str) -> dict[str, object]:
    body = urllib.parse.urlencode({"token": ALICE, **args}).encode()
    url = f"http://127.0.0.1:{port}/api/{method}"
    with urllib.request.urlopen(url, body, timeout=5) as answer:
        document = json.loads(answer.read())
    assert isinstance(document, dict)
    return document


def _wait_for_line(process: subprocess.Popen[str], text: str) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + WAIT_SECS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if text in line or not line:
            return lines
    return lines


def _texts(port: int) -> list[object]:
    messages = _call(port, "conversations.history", channel=GENERAL, limit="5")["messages"]
    assert isinstance(messages, list)
    return [message["text"] for message in messages]


def test_the_demo_bot_answers_a_person_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, str(SCRIPT), "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = _wait_for_line(process, "Demo bot connected")
        assert "Demo bot connected" in lines[-1], "".join(lines)
        _call(port, "chat.postMessage", channel=GENERAL, text="ping")
        deadline = time.monotonic() + WAIT_SECS
        while "pong" not in _texts(port) and time.monotonic() < deadline:
            time.sleep(POLL_SECS)  # the bot's answer arrives over its own socket; poll history
        assert "pong" in _texts(port)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT_SECS) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
