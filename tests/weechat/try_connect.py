"""A manual trial, not a test: wee-slack in WeeChat against a Slackline TLS listener.

    .venv/bin/python -m tests.weechat.try_connect [--token xoxp-1-client] [--secs 20]
        [--ws-host wss-primary.slack.com] [--keep DIR] [--stub] [--send CMD ...]

Prints Slackline's access-log lines (the calls wee-slack made, in arrival order), the
connections the proxy tunnelled, and what WeeChat printed (core buffer, wee-slack's buffers).
``--ws-host`` sets Slackline's ``tls_public_url`` so that the websocket too goes through the
proxy (by default rtm.connect names the Host wee-slack sent: ``wss://api.slack.com/...``).

``--stub`` puts a trial-only shim between the proxy and Slackline for ``api.slack.com``: it
forwards every call, logs its query arguments, and only where Slackline answers
``unknown_method`` for a method in :data:`STUBS` returns the minimal body wee-slack needs, so
the trial gets past the methods Slackline lacks and shows the rest of the sequence (the
websocket then goes to ``wss-primary.slack.com``, straight through the proxy). ``--send``
writes FIFO lines (``BUFFER *TEXT``) after the connect, one every second.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import logging
import ssl
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import trustme

from tests.helpers.http import api, start_server
from tests.weechat.harness import (
    SLACK_API_HOST,
    SlackProxy,
    TlsFiles,
    WeeChat,
    install,
    write_slack_certificate,
)

# The least wee-slack 2.9.0 accepts from the methods Slackline may not serve yet.
STUBS: dict[str, dict[str, Any]] = {
    "usergroups.list": {"ok": True, "usergroups": []},
    "users.prefs.get": {"ok": True, "prefs": {"muted_channels": "", "highlight_words": ""}},
    "users.getPresence": {"ok": True, "presence": "active", "manual_away": False},
    "emoji.list": {"ok": True, "emoji": {}},
    "conversations.mark": {"ok": True},
}


class _Shim(http.server.ThreadingHTTPServer):
    daemon_threads = True
    tls_port: int
    client_context: ssl.SSLContext
    calls: list[str]


class _ShimHandler(http.server.BaseHTTPRequestHandler):
    server: _Shim
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.server.tls_port, context=self.server.client_context, timeout=10
        )
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            status, data = response.status, response.read()
            content_type = response.getheader("Content-Type") or "application/json"
        finally:
            connection.close()
        split = urlsplit(self.path)
        method = split.path.rsplit("/", 1)[-1]
        query = dict(parse_qsl(split.query))
        query.pop("nonce", None)
        verdict = ""
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            verdict = "ok" if parsed.get("ok") else f"error={parsed.get('error')}"
            if parsed.get("error") == "unknown_method" and method in STUBS:
                data = json.dumps(STUBS[method]).encode()
                status, content_type, verdict = 200, "application/json", "STUBBED"
        self.server.calls.append(f"{self.command} {method} {json.dumps(query)} -> {verdict}")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start_shim(tls_port: int, tls: TlsFiles) -> _Shim:
    """The trial-only shim on a free port, speaking TLS with Slackline's certificate."""
    shim = _Shim(("127.0.0.1", 0), _ShimHandler)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(str(tls.cert), str(tls.key))
    shim.socket = server_context.wrap_socket(shim.socket, server_side=True)
    shim.tls_port = tls_port
    shim.client_context = ssl.create_default_context(cafile=str(tls.ca))
    shim.client_context.check_hostname = False
    shim.calls = []
    threading.Thread(target=shim.serve_forever, daemon=True).start()
    return shim


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{time.strftime('%H:%M:%S')} {record.getMessage()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--token", default="xoxp-1-client")
    parser.add_argument("--secs", type=float, default=20.0, help="connect timeout")
    parser.add_argument("--ws-host", default=None)
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep")
    parser.add_argument("--debug", action="store_true", help="wee-slack debug buffer, level 0")
    parser.add_argument("--stub", action="store_true", help="stub methods Slackline lacks")
    parser.add_argument("--send", action="append", default=[], help="FIFO line after connect")
    parser.add_argument(
        "--post",
        action="append",
        default=[],
        help="'TOKEN CHANNEL TEXT': chat.postMessage on Slackline after the FIFO lines",
    )
    parser.add_argument(
        "--weechat-command", action="append", default=[], help="-r command before wee-slack"
    )
    parser.add_argument(
        "--option", action="append", default=[], help="KEY=VALUE: plugins.var.python.slack.KEY"
    )
    parser.add_argument(
        "--post-before", action="append", default=[], help="like --post, before WeeChat starts"
    )
    args = parser.parse_args(argv)

    paths = install()
    print("installed:", paths.versions)
    work = args.keep or Path(tempfile.mkdtemp(prefix="weeslack-"))
    work.mkdir(parents=True, exist_ok=True)
    tls = write_slack_certificate(trustme.CA(), work / "tls")

    access = _Collect()
    access_log = logging.getLogger("slackline.access")
    access_log.addHandler(access)
    access_log.setLevel(logging.INFO)
    ws_host = args.ws_host or ("wss-primary.slack.com" if args.stub else None)
    if args.ws_host == "":
        ws_host = None  # rtm.connect's URL from the Host header: api.slack.com:<tls_port>
    overrides: dict[str, Any] = {"tls_public_url": f"https://{ws_host}"} if ws_host else {}
    server = start_server(
        work, tls_port=0, tls_cert=str(tls.cert), tls_key=str(tls.key), **overrides
    )
    shim = start_shim(server.tls_port, tls) if args.stub else None
    routes = {SLACK_API_HOST: shim.server_address[1]} if shim else {}
    try:
        for post in args.post_before:
            token, channel, text = post.split(" ", 2)
            result = api(server, "chat.postMessage", token, channel=channel, text=text)
            print("chat.postMessage (before):", result.body.get("ok"), result.body.get("error"))
        with SlackProxy(server.tls_port, routes=routes) as proxy:
            client = WeeChat(
                home=work / "weechat",
                token=args.token,
                proxy=proxy,
                ca_file=tls.ca,
                weechat_install=paths,
                debug=args.debug,
                weechat_commands=[
                    command.replace("{proxy_port}", str(proxy.port))
                    for command in args.weechat_command
                ],
                slack_options=dict(option.split("=", 1) for option in args.option),
            )
            with client:
                try:
                    outcome = client.wait_for_line(
                        r"Connected to Slack team|ERROR: Failed connecting",
                        timeout_secs=args.secs,
                    ).message
                except TimeoutError:
                    outcome = f"neither connected nor failed in {args.secs}s"
                print(f"\nwee-slack: {outcome}")
                time.sleep(2.0)  # the history requests go one a second (the slow queue)
                for line in args.send:
                    buffer, _, text = line.partition(" *")
                    client.send(text, buffer=buffer)
                    time.sleep(1.0)
                for post in args.post:
                    token, channel, text = post.split(" ", 2)
                    result = api(server, "chat.postMessage", token, channel=channel, text=text)
                    print("chat.postMessage:", result.body.get("ok"), result.body.get("error"))
                    time.sleep(1.0)
                if args.send or args.post:
                    time.sleep(3.0)
                lines = client.lines()
                dump = client.dump()
                code = client.stop()
            print(f"\n== Slackline access log ({len(access.lines)} requests)")
            print("\n".join(access.lines))
            if shim:
                print(f"\n== shim ({len(shim.calls)} calls, arguments without the nonce)")
                print("\n".join(shim.calls))
            print(f"\n== proxy ({len(proxy.connections)} connections)")
            for connection in proxy.connections:
                verdict = "->slackline" if connection.allowed else "REFUSED"
                print(f"{connection.protocol} {connection.host}:{connection.port} {verdict}")
            print(f"\n== WeeChat ({len(lines)} lines)")
            for line in lines:
                print(line)
            print(f"\n== buffers now (WeeChat exited with {code})")
            for name, buffer in dump.items():
                if name.startswith("python.") and "debug" not in name:
                    print(f"-- {name}  title={buffer.title!r}")
                    for line in buffer.lines:
                        print(f"   {line.prefix}\t{line.message}  {','.join(line.tags)}")
    finally:
        if shim:
            shim.shutdown()
        server.stop()
    print(f"\nwork folder: {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
