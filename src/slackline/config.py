"""Server settings: one immutable object built from flags and ``SLACKLINE_*`` variables."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``slackline serve`` can be told; read once at start, never at import."""

    host: str = "127.0.0.1"
    port: int = 8080
    database: str = "sqlite:///slackline.db"
    broker: str = "memory://"
    workspaces: tuple[str, ...] = ()
    public_url: str | None = None
    tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_public_url: str | None = None
    demo: bool = False
    rate_limits: bool = True
    legacy_methods: bool = True
    query_tokens: bool = True
    drain_secs: float = 5.0
    trusted_proxies: tuple[str, ...] = ()
    admin_token: str | None = None
    fault_scenario: str | None = None  # a YAML fault scenario run from start
    secret_file: str = "slackline.secret"
    body_timeout_secs: float = 10.0
    header_timeout_secs: float = 20.0
    reconnect_url_secs: float = 180.0  # 0: no reconnect_url events
    metrics_port: int | None = None  # Prometheus metrics on their own listener
    metrics_host: str = "127.0.0.1"
    log_format: str = "text"  # or "json": one JSON object per line
    max_connections: int = 0  # 0: the open-file limit less a reserve (http/limits.py)
    listen_backlog: int = 8192
    presence_grace_secs: float = 2.0
    max_session_age_secs: float = 8 * 3600.0
    max_outbound_bytes: int = 1 << 20
    # Socket Mode and the Events API (docs/socket-mode.md, docs/events-api.md).
    socket_mode_ack_secs: float = 3.0  # an envelope unacknowledged this long is redelivered
    socket_mode_refresh_secs: float = 3600.0  # refresh_requested after this long (0: never)
    socket_mode_ping_secs: float = 10.0  # WebSocket pings to every connection
    events_retry_secs: tuple[float, ...] = (0.0, 60.0, 300.0)  # redeliveries after a failure
    workers: int = 1  # server processes sharing the ports (more than 1 needs a redis:// broker)
    blobs: str | None = None  # file bytes: file:///dir, postgresql://…; None: beside the database
    max_file_bytes: int = 64 * 1024 * 1024  # larger uploads: file_upload_size_restricted
    deprecated_aliases: tuple[str, ...] = field(
        default=("/api/rtm.connect.json", "/api/v1/rtm.connect")
    )
