"""Run wee-slack (Debian's weechat-scripts, unmodified) in WeeChat headless against Slackline.

wee-slack calls ``https://api.slack.com/api/<method>`` (a fixed host) through WeeChat's
libcurl and opens the websocket URL that ``rtm.connect`` returns with websocket-client. This
module aims both at a Slackline TLS listener without touching the script or ``/etc/hosts``:

* :class:`SlackProxy` is a local SOCKS5 *and* HTTP-CONNECT proxy that tunnels any
  ``slack.com`` / ``*.slack.com`` connection (port 443, or the TLS port itself) to
  ``127.0.0.1:<tls_port>`` and refuses everything else (so nothing leaves the machine).
  WeeChat gets ``https_proxy=socks5h://...`` in its environment: libcurl honours it (SOCKS,
  so no CONNECT reply lands in the output wee-slack parses, see docs/wee-slack.md), and
  websocket-client reads the same variable as an HTTP proxy for a ``wss://*.slack.com`` URL
  (a ``wss://127.0.0.1`` URL goes direct).
* :func:`write_slack_certificate` issues Slackline's certificate for those names (and
  127.0.0.1) from a trustme CA.
* WeeChat 3.8's libcurl calls take no CA setting (WeeChat passes none, wee-slack neither), so
  libcurl-gnutls trusts only the system store, ``/etc/ssl/certs``. :class:`WeeChat` starts
  the client in a private mount namespace (``unshare --mount``) where a folder holding only the
  test CA is bind-mounted over ``/etc/ssl/certs``: nothing changes outside that process.
  websocket-client gets the CA through ``SSL_CERT_FILE`` (wee-slack passes
  ``ssl.get_default_verify_paths().cafile`` as ``ca_certs``).
* Commands go in through WeeChat's ``fifo`` plugin; every printed line comes out through a
  small tap script (a WeeChat Python script written into the home, not wee-slack) that appends
  one JSON object per line to ``tap.jsonl``, including ``no_log`` lines that the ``logger``
  plugin skips (wee-slack tags history with ``no_log``). The logger's files are kept too.
  Lines printed with print hooks off (backlog up to the read mark) and lines changed in place
  (reactions, edits, thread markers) are read with :meth:`WeeChat.dump` (the tap's
  ``/slackline_tap_dump`` command walks every buffer's lines through hdata).

Typical use (see test_wee_slack.py)::

    tls = write_slack_certificate(trustme.CA(), tmp_path / "tls")
    server = start_server(tmp_path, tls_port=0, tls_cert=str(tls.cert), tls_key=str(tls.key))
    with running_weechat(tmp_path / "wc", "xoxp-1-client", server.tls_port, tls.ca) as (wc, _):
        wc.wait_for_line("Connected to Slack team", buffer=buffer_name("acme"))
        wc.send("hello", buffer=buffer_name("acme", "#general"))
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import socket
import socketserver
import struct
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTALL_SCRIPT = Path(__file__).resolve().with_name("install.sh")
# `make weechat` unpacks into the repository's .weechat (ignored by git, removed by make clean).
DEFAULT_INSTALL_DIR = Path(
    os.environ.get("SLACKLINE_WEECHAT_DIR") or INSTALL_SCRIPT.parents[2] / ".weechat"
)
# Names the Slackline certificate is issued for: wee-slack's API host, the websocket hosts a
# tls_public_url may name, and the listener's own address (rtm.connect's default wss URL).
SLACK_CERT_NAMES = ("slack.com", "*.slack.com", "api.slack.com", "127.0.0.1", "localhost")
TAP_FILE = "tap.jsonl"
FIFO_FILE = "weechat_fifo"
CORE_BUFFER = "core.weechat"
START_TIMEOUT_SECS = 20.0
STOP_TIMEOUT_SECS = 10.0
# Environment variables that must not reach WeeChat's embedded Python or its libcurl.
_DROPPED_ENV = (
    "PYTHONHOME",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONNOUSERSITE",
    "VIRTUAL_ENV",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "WEECHAT_HOME",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    "WEBSOCKET_CLIENT_CA_BUNDLE",
)

# The tap: a WeeChat Python script (it runs inside WeeChat, hence a string here, not a module
# mypy would check against a missing ``weechat``). One JSON object per printed line.
TAP_SCRIPT = r'''
import json
import os
import weechat

weechat.register("slackline_tap", "slackline", "1", "MIT", "test tap: every line as JSON", "", "")
TAP = open(weechat.string_eval_path_home("${weechat_data_dir}/tap.jsonl", {}, {}, {}), "a")


def buffer_names(buffer):
    return {
        "buffer": weechat.buffer_get_string(buffer, "full_name"),
        "name": weechat.buffer_get_string(buffer, "name"),
        "short_name": weechat.buffer_get_string(buffer, "short_name"),
    }


def tap_print_cb(data, buffer, date, tags, displayed, highlight, prefix, message):
    line = buffer_names(buffer)
    line.update(
        {
            "date": int(date),
            "tags": [tag for tag in tags.split(",") if tag],
            "prefix": weechat.string_remove_color(prefix, ""),
            "message": weechat.string_remove_color(message, ""),
            "highlight": bool(int(highlight)),
        }
    )
    TAP.write(json.dumps(line) + "\n")
    TAP.flush()
    return weechat.WEECHAT_RC_OK


def tap_buffers_cb(data, signal, signal_data):
    line = buffer_names(signal_data)
    line.update({"date": 0, "tags": ["tap_" + signal], "prefix": "", "message": signal})
    TAP.write(json.dumps(line) + "\n")
    TAP.flush()
    return weechat.WEECHAT_RC_OK


def tap_dump_cb(data, buffer, args):
    """/slackline_tap_dump PATH: every buffer's lines as they are now (edits included)."""
    hbuffer, hlines, hline, hdata = (
        weechat.hdata_get(name) for name in ("buffer", "lines", "line", "line_data")
    )
    dump = {}
    ptr_buffer = weechat.hdata_get_list(hbuffer, "gui_buffers")
    while ptr_buffer:
        lines = []
        own_lines = weechat.hdata_pointer(hbuffer, ptr_buffer, "own_lines")
        ptr_line = weechat.hdata_pointer(hlines, own_lines, "first_line") if own_lines else ""
        while ptr_line:
            data_ptr = weechat.hdata_pointer(hline, ptr_line, "data")
            count = weechat.hdata_integer(hdata, data_ptr, "tags_count")
            lines.append(
                {
                    "date": weechat.hdata_time(hdata, data_ptr, "date"),
                    "tags": [
                        weechat.hdata_string(hdata, data_ptr, "%d|tags_array" % index)
                        for index in range(count)
                    ],
                    "prefix": weechat.string_remove_color(
                        weechat.hdata_string(hdata, data_ptr, "prefix") or "", ""
                    ),
                    "message": weechat.string_remove_color(
                        weechat.hdata_string(hdata, data_ptr, "message") or "", ""
                    ),
                }
            )
            ptr_line = weechat.hdata_move(hline, ptr_line, 1)
        dump[weechat.hdata_string(hbuffer, ptr_buffer, "full_name")] = {
            "name": weechat.hdata_string(hbuffer, ptr_buffer, "name"),
            "short_name": weechat.hdata_string(hbuffer, ptr_buffer, "short_name"),
            "title": weechat.string_remove_color(
                weechat.hdata_string(hbuffer, ptr_buffer, "title") or "", ""
            ),
            "lines": lines,
        }
        ptr_buffer = weechat.hdata_move(hbuffer, ptr_buffer, 1)
    path = args.strip()
    with open(path + ".part", "w") as out:
        json.dump(dump, out)
    os.rename(path + ".part", path)
    return weechat.WEECHAT_RC_OK


weechat.hook_command(
    "slackline_tap_dump", "dump all buffers' lines as JSON", "PATH", "", "", "tap_dump_cb", ""
)
weechat.hook_print("", "", "", 0, "tap_print_cb", "")
weechat.hook_signal("buffer_opened", "tap_buffers_cb", "")
weechat.hook_signal("buffer_renamed", "tap_buffers_cb", "")
weechat.hook_signal("buffer_closed", "tap_buffers_cb", "")
'''


class HarnessError(RuntimeError):
    """The harness could not install, start or reach WeeChat."""


# --- installing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WeechatInstall:
    """Where ``install.sh`` put WeeChat headless, its plugins, wee-slack and websocket-client."""

    weechat: Path
    slack_py: Path
    plugins: Path
    pythonpath: Path
    versions: Mapping[str, str]


def install(dest: Path | None = None, timeout_secs: float = 600.0) -> WeechatInstall:
    """Run ``install.sh`` (idempotent, fast once done) and return the paths it printed."""
    folder = dest or DEFAULT_INSTALL_DIR
    result = subprocess.run(
        ["sh", str(INSTALL_SCRIPT), str(folder)],
        capture_output=True,
        text=True,
        timeout=timeout_secs,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"install.sh failed ({result.returncode}):\n{result.stderr}")
    values = dict(
        line.split("=", 1) for line in result.stdout.splitlines() if "=" in line and line[0] != " "
    )
    versions = dict(
        item.split("=", 1) for item in values.get("VERSIONS", "").split(",") if "=" in item
    )
    return WeechatInstall(
        weechat=Path(values["WEECHAT"]),
        slack_py=Path(values["SLACK_PY"]),
        plugins=Path(values["PLUGINS"]),
        pythonpath=Path(values["PYTHONPATH"]),
        versions=versions,
    )


# --- certificates --------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: Slackline's certificate chain and key, and the CA that issued them."""

    cert: Path
    key: Path
    ca: Path


def write_slack_certificate(ca: Any, folder: Path) -> TlsFiles:
    """Issue a certificate for the Slack names (:data:`SLACK_CERT_NAMES`) from a trustme CA.

    ``ca`` is a ``trustme.CA``; pass ``cert`` and ``key`` to Slackline as ``tls_cert`` and
    ``tls_key``, and ``ca`` to :class:`WeeChat`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    issued = ca.issue_cert(*SLACK_CERT_NAMES)
    files = TlsFiles(folder / "slack-cert.pem", folder / "slack-key.pem", folder / "ca.pem")
    issued.cert_chain_pems[0].write_to_path(str(files.cert))
    issued.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    return files


# --- the proxy -----------------------------------------------------------------------------


def is_slack_host(host: str) -> bool:
    """Whether a proxied name is Slack's (and so goes to Slackline)."""
    name = host.lower().rstrip(".")
    return name == "slack.com" or name.endswith(".slack.com")


@dataclass(frozen=True)
class ProxiedConnection:
    """One connection the proxy was asked for."""

    protocol: str  # "socks5" or "http-connect"
    host: str
    port: int
    allowed: bool
    at: float


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: SlackProxy


class _ProxyHandler(socketserver.BaseRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(10.0)
        try:
            first = client.recv(1, socket.MSG_PEEK)
            if not first:
                return
            upstream = self._socks5(client) if first == b"\x05" else self._http_connect(client)
            if upstream is None:
                return
            with upstream:
                client.settimeout(None)
                _pipe(client, upstream)
        except (OSError, ValueError):
            return

    def _socks5(self, client: socket.socket) -> socket.socket | None:
        _version, count = _recv_exact(client, 2)
        methods = _recv_exact(client, count)
        if 0 not in methods:
            client.sendall(b"\x05\xff")
            return None
        client.sendall(b"\x05\x00")
        _version, command, _reserved, address_type = _recv_exact(client, 4)
        if address_type == 1:
            host = socket.inet_ntop(socket.AF_INET, _recv_exact(client, 4))
        elif address_type == 3:
            host = _recv_exact(client, _recv_exact(client, 1)[0]).decode("idna")
        elif address_type == 4:
            host = socket.inet_ntop(socket.AF_INET6, _recv_exact(client, 16))
        else:
            raise ValueError("bad SOCKS5 address type")
        (port,) = struct.unpack("!H", _recv_exact(client, 2))
        upstream = self.server.proxy.open(
            "socks5", host, port, command_ok=command == 1
        )  # 1: CONNECT
        # Reply: succeeded (0) or connection not allowed by ruleset (2); bound address 0.0.0.0:0.
        client.sendall(b"\x05" + (b"\x00" if upstream else b"\x02") + b"\x00\x01" + b"\0" * 6)
        return upstream

    def _http_connect(self, client: socket.socket) -> socket.socket | None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk or len(head) > 16384:
                return None
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or parts[0].upper() != "CONNECT" or ":" not in parts[1]:
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return None
        host, _, port_text = parts[1].rpartition(":")
        upstream = self.server.proxy.open("http-connect", host.strip("[]"), int(port_text))
        if upstream is None:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return None
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        return upstream


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ValueError("connection closed mid-handshake")
        data += chunk
    return data


def _pipe(left: socket.socket, right: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    peers = {left: right, right: left}
    with selectors.DefaultSelector() as selector:
        for sock in peers:
            selector.register(sock, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                data = source.recv(65536)
                if not data:
                    return
                peers[source].sendall(data)


class SlackProxy:
    """A local proxy sending ``slack.com``/``*.slack.com`` to Slackline's TLS port.

    Speaks SOCKS5 (what libcurl uses with ``socks5h://``) and HTTP CONNECT (what
    websocket-client uses). Anything else is refused and recorded, never connected.
    """

    def __init__(self, tls_port: int, host: str = "127.0.0.1") -> None:
        self.tls_port = tls_port
        self.target_host = host
        self.connections: list[ProxiedConnection] = []
        self._lock = threading.Lock()
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The proxy's own port on 127.0.0.1."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """What libcurl's ``https_proxy`` gets: SOCKS5 with names resolved by the proxy."""
        return f"socks5h://127.0.0.1:{self.port}"

    def start(self) -> SlackProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SlackProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def open(
        self, protocol: str, host: str, port: int, *, command_ok: bool = True
    ) -> socket.socket | None:
        """Record a request and, for a Slack name, connect to Slackline.

        Port 443 is what wee-slack asks for; the TLS port itself is allowed too, since
        Slackline's rtm.connect without ``tls_public_url`` builds its URL from the Host
        header and the listener's port (``wss://api.slack.com:<tls_port>/websocket/...``).
        """
        allowed = command_ok and port in (443, self.tls_port) and is_slack_host(host)
        with self._lock:
            self.connections.append(ProxiedConnection(protocol, host, port, allowed, time.time()))
        if not allowed:
            return None
        return socket.create_connection((self.target_host, self.tls_port), timeout=10)


# --- WeeChat -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TapLine:
    """One line WeeChat printed, as the tap wrote it."""

    buffer: str  # full name, e.g. "core.weechat", "python.slack.acme.#general"
    name: str
    short_name: str
    date: int
    tags: tuple[str, ...]
    prefix: str
    message: str
    index: int = 0  # position in the tap file
    highlight: bool = False  # WeeChat highlighted it (a mention, a highlight word)

    def matches_buffer(self, buffer: str | None) -> bool:
        """Whether this line is in ``buffer`` (full name, name or short name; None: any)."""
        return buffer is None or buffer in (self.buffer, self.name, self.short_name)

    def __str__(self) -> str:
        return f"[{self.buffer}] {self.prefix}\t{self.message}"


@dataclass(frozen=True)
class BufferDump:
    """One buffer as :meth:`WeeChat.dump` found it."""

    full_name: str
    name: str
    short_name: str
    title: str  # the topic, for a channel buffer
    lines: tuple[TapLine, ...]

    def find(self, pattern: str | re.Pattern[str]) -> list[TapLine]:
        """Lines (``prefix<TAB>message``) matching ``pattern``."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [line for line in self.lines if regex.search(f"{line.prefix}\t{line.message}")]


def buffer_name(domain: str, channel: str = "") -> str:
    """wee-slack's full buffer name: ``python.slack.<domain>[.<channel>]``.

    ``channel`` as wee-slack shows it: ``#general``, ``&secret`` (private), a user's nick for
    a DM, ``#general.<hash>`` for a thread (defaults: short_buffer_names off, no aliases).
    """
    return f"python.slack.{domain}" + (f".{channel}" if channel else "")


def _conf_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class WeeChat:
    """WeeChat headless with wee-slack, aimed at Slackline through :class:`SlackProxy`.

    ``token`` may hold several comma-separated tokens (wee-slack's own format).
    ``slack_options`` are extra ``plugins.var.python.slack.*`` values (without the prefix),
    ``weechat_commands`` extra ``-r`` commands run before wee-slack loads. ``weemoji``
    (name to character) is written as the ``weemoji.json`` wee-slack's documentation asks users
    to put in WeeChat's folder (Debian does not ship it); with it, wee-slack completes emoji and
    calls ``emoji.list`` for the team's custom ones.
    """

    home: Path
    token: str
    proxy: SlackProxy
    ca_file: Path
    weechat_install: WeechatInstall | None = None
    slack_options: Mapping[str, str] = field(default_factory=dict)
    weechat_commands: Sequence[str] = ()
    weemoji: Mapping[str, str] | None = None
    debug: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _read_offset: int = field(default=0, init=False)
    _lines: list[TapLine] = field(default_factory=list, init=False)
    _dumps: int = field(default=0, init=False)

    @property
    def fifo(self) -> Path:
        return self.home / FIFO_FILE

    @property
    def tap_file(self) -> Path:
        return self.home / TAP_FILE

    @property
    def log_dir(self) -> Path:
        """The logger plugin's files, one per buffer."""
        return self.home / "logs"

    # -- setting up --

    def write_home(self) -> None:
        """Write the configuration files, the tap script and the CA folder."""
        paths = self.weechat_install or install()
        self.weechat_install = paths
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "weechat.conf").write_text(
            "[look]\n"
            "save_config_on_exit = off\n"
            "\n[network]\n"
            'proxy_curl = ""\n'
            "\n[plugin]\n"
            'autoload = "fifo,logger,python"\n'
            f"path = {_conf_string(str(paths.plugins))}\n"
        )
        (self.home / "fifo.conf").write_text(
            f"[file]\nenabled = on\npath = {_conf_string(str(self.fifo))}\n"
        )
        (self.home / "logger.conf").write_text(
            "[file]\nauto_log = on\nflush_delay = 0\n"
            f"path = {_conf_string(str(self.log_dir))}\n"
            "\n[level]\n"
        )
        options = {"slack_api_token": self.token, **self.slack_options}
        if self.debug:
            options.setdefault("debug_mode", "true")
            options.setdefault("debug_level", "0")
        plugin_vars = "".join(
            f"python.slack.{key} = {_conf_string(value)}\n" for key, value in options.items()
        )
        (self.home / "plugins.conf").write_text(f"[var]\n{plugin_vars}")
        autoload = self.home / "python" / "autoload"
        autoload.mkdir(parents=True, exist_ok=True)
        (autoload / "slackline_tap.py").write_text(TAP_SCRIPT)
        if self.weemoji is not None:
            emoji = {name: {"unicode": char} for name, char in self.weemoji.items()}
            (self.home / "weemoji.json").write_text(json.dumps(emoji, ensure_ascii=False))
        slack_py = self.home / "python" / "slack.py"
        if slack_py.is_symlink() or slack_py.exists():
            slack_py.unlink()
        slack_py.symlink_to(paths.slack_py)
        certs = self.home / "ssl-certs"
        shutil.rmtree(certs, ignore_errors=True)
        certs.mkdir()
        # libcurl-gnutls reads /etc/ssl/certs as a folder of PEM files; Python's default
        # cafile (/usr/lib/ssl/cert.pem) links to ca-certificates.crt in it.
        shutil.copyfile(self.ca_file, certs / "ca-certificates.crt")
        shutil.copyfile(self.ca_file, certs / "slackline-test-ca.pem")

    def environment(self) -> dict[str, str]:
        """The environment WeeChat runs with."""
        assert self.weechat_install is not None
        env = {key: value for key, value in os.environ.items() if key not in _DROPPED_ENV}
        env.update(
            {
                "HOME": str(self.home),
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "TERM": "dumb",
                "PYTHONPATH": str(self.weechat_install.pythonpath),
                "https_proxy": self.proxy.url,  # libcurl: SOCKS5; websocket-client: CONNECT
                "SSL_CERT_FILE": str(self.ca_file),  # Python's ssl, so websocket-client
            }
        )
        return env

    def command_line(self) -> list[str]:
        """unshare + bind mount of the CA folder over /etc/ssl/certs, then weechat-headless."""
        assert self.weechat_install is not None
        weechat = [
            str(self.weechat_install.weechat),
            "--dir",
            str(self.home),
            *(arg for command in self.weechat_commands for arg in ("-r", command)),
            "-r",
            "/python load slack.py",
        ]
        namespace = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            namespace.insert(1, "--map-root-user")
        script = 'mount --bind "$0" /etc/ssl/certs && exec "$@"'
        return [*namespace, "--", "/bin/sh", "-c", script, str(self.home / "ssl-certs"), *weechat]

    # -- running --

    def start(self, timeout_secs: float = START_TIMEOUT_SECS) -> WeeChat:
        """Start WeeChat and wait until its FIFO is there and wee-slack has loaded."""
        if shutil.which("unshare") is None:
            raise HarnessError("unshare (util-linux) is needed to give WeeChat the test CA")
        self.write_home()
        self.tap_file.unlink(missing_ok=True)
        self.tap_file.touch()
        self._read_offset, self._lines = 0, []
        output = (self.home / "weechat.out").open("wb")
        try:
            self.process = subprocess.Popen(
                self.command_line(),
                cwd=self.home,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            output.close()
        deadline = time.monotonic() + timeout_secs
        while not self.fifo.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise HarnessError(f"WeeChat did not start:\n{self.output()}")
            time.sleep(0.05)
        self.wait_for_line(
            r"python: script \"?slack\"? .*loaded|python: registered script \"slack\"",
            buffer=CORE_BUFFER,
            timeout_secs=max(deadline - time.monotonic(), 1.0),
        )
        return self

    def output(self) -> str:
        """What WeeChat and the namespace wrapper wrote to stdout/stderr, and weechat.log."""
        parts = []
        for name in ("weechat.out", "weechat.log"):
            path = self.home / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    def send(self, text: str, buffer: str = CORE_BUFFER) -> None:
        """Send a command (``/...``) or text to a buffer (full name) through the FIFO.

        Slack buffers are named like ``python.acme.#general`` (see :meth:`buffers`).
        """
        if "\n" in text:
            raise ValueError("one line at a time: the FIFO takes a line per command")
        try:
            descriptor = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            raise HarnessError(f"WeeChat's FIFO is not open: {error}") from error
        try:
            os.write(descriptor, f"{buffer} *{text}\n".encode())
        finally:
            os.close(descriptor)

    def lines(self) -> list[TapLine]:
        """Every line printed so far (read incrementally from the tap file)."""
        with self.tap_file.open("rb") as tap:
            tap.seek(self._read_offset)
            data = tap.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._read_offset += len(complete)
        for raw in complete.splitlines():
            item = json.loads(raw)
            self._lines.append(
                TapLine(
                    buffer=item["buffer"],
                    name=item["name"],
                    short_name=item["short_name"],
                    date=item["date"],
                    tags=tuple(item["tags"]),
                    prefix=item["prefix"],
                    message=item["message"],
                    index=len(self._lines),
                    highlight=bool(item.get("highlight")),
                )
            )
        return list(self._lines)

    def mark(self) -> int:
        """The number of lines so far: pass it as ``after`` to wait only for newer lines."""
        return len(self.lines())

    def buffers(self) -> list[str]:
        """Full names of the buffers that printed or opened so far, in order of appearance."""
        seen: dict[str, None] = {}
        for line in self.lines():
            seen.setdefault(line.buffer)
        return list(seen)

    def find_lines(
        self, pattern: str | re.Pattern[str], buffer: str | None = None, after: int = 0
    ) -> list[TapLine]:
        """Lines (``prefix<TAB>message``) matching ``pattern`` in ``buffer``."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [
            line
            for line in self.lines()[after:]
            if line.matches_buffer(buffer) and regex.search(f"{line.prefix}\t{line.message}")
        ]

    def wait_for_line(
        self,
        pattern: str | re.Pattern[str],
        buffer: str | None = None,
        timeout_secs: float = 15.0,
        after: int = 0,
    ) -> TapLine:
        """Wait for a line matching ``pattern`` (searched in ``prefix<TAB>message``).

        ``buffer`` is a full name, name or short name (None: any buffer); ``after`` a
        :meth:`mark`. Raises :class:`TimeoutError` with the last lines printed.
        """
        deadline = time.monotonic() + timeout_secs
        while True:
            found = self.find_lines(pattern, buffer, after)
            if found:
                return found[0]
            if self.process is not None and self.process.poll() is not None:
                raise HarnessError(f"WeeChat exited ({self.process.returncode})\n{self.output()}")
            if time.monotonic() > deadline:
                tail = "\n".join(str(line) for line in self.lines()[-40:])
                raise TimeoutError(
                    f"no line matching {pattern!r} in {buffer or 'any buffer'} after "
                    f"{timeout_secs}s; last lines:\n{tail}"
                )
            time.sleep(0.05)

    def dump(self, timeout_secs: float = 10.0) -> dict[str, BufferDump]:
        """Every buffer's lines as WeeChat holds them now, by full name.

        Unlike :meth:`lines` this shows lines printed with print hooks off (wee-slack's
        backlog: history up to the read mark) and lines changed in place (reactions,
        ``[ Thread: ... ]`` markers, edits, deletions).
        """
        self._dumps += 1
        path = self.home / f"dump-{self._dumps}.json"
        self.send(f"/slackline_tap_dump {path}")
        deadline = time.monotonic() + timeout_secs
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"WeeChat wrote no {path.name} in {timeout_secs}s")
            time.sleep(0.05)
        raw: dict[str, Any] = json.loads(path.read_text())
        return {
            full_name: BufferDump(
                full_name=full_name,
                name=item["name"],
                short_name=item["short_name"],
                title=item["title"],
                lines=tuple(
                    TapLine(
                        buffer=full_name,
                        name=item["name"],
                        short_name=item["short_name"],
                        date=line["date"],
                        tags=tuple(line["tags"]),
                        prefix=line["prefix"],
                        message=line["message"],
                        index=index,
                    )
                    for index, line in enumerate(item["lines"])
                ),
            )
            for full_name, item in raw.items()
        }

    def stop(self, timeout_secs: float = STOP_TIMEOUT_SECS) -> int | None:
        """``/quit`` through the FIFO, then SIGTERM, then SIGKILL; returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            try:
                self.send("/quit")
                process.wait(timeout=timeout_secs)
            except (HarnessError, subprocess.TimeoutExpired):
                process.terminate()
                try:
                    process.wait(timeout=timeout_secs)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=timeout_secs)
        return process.returncode

    def __enter__(self) -> WeeChat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running_weechat(
    home: Path,
    token: str,
    tls_port: int,
    ca_file: Path,
    **options: Any,
) -> Iterator[tuple[WeeChat, SlackProxy]]:
    """A proxy for ``tls_port`` and WeeChat with wee-slack behind it; both stopped on exit."""
    with SlackProxy(tls_port) as proxy:
        client = WeeChat(home=home, token=token, proxy=proxy, ca_file=ca_file, **options)
        with client:
            yield client, proxy
