"""The ``slackline`` command: ``serve``, ``workspace load``, ``token create`` and ``admin``.

``workspace load`` and ``token create`` work on the database directly (no server needed);
``admin ...`` calls a running server's admin API (docs/admin.md). Every option can also
come from a ``SLACKLINE_*`` environment variable (``--drain-secs`` from
``SLACKLINE_DRAIN_SECS``), read when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import secrets
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slackline.benchcmd import add_bench_command, bench_argv, run_bench
from slackline.config import Settings
from slackline.logbuffer import configure_logging, flush_logging

if TYPE_CHECKING:
    from slackline.admin import AdminClient

ENV_PREFIX = "SLACKLINE_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name.upper().replace("-", "_"), default)


def _on_off(value: str) -> bool:
    if value.lower() in ("on", "true", "1", "yes"):
        return True
    if value.lower() in ("off", "false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, not {value!r}")


# Number-valued serve flags: flag, type, help. Each reads SLACKLINE_<FIELD> and defaults to
# the Settings field of the same name.
_NUMBER_FLAGS: tuple[tuple[str, type[int] | type[float], str], ...] = (
    ("--drain-secs", float, "SIGTERM drain period"),
    ("--body-timeout-secs", float, "seconds a body may take to arrive (then request_timeout)"),
    ("--header-timeout-secs", float, "seconds a request line and headers may take (then 408)"),
    ("--max-connections", int, "connections and sessions held at once (0: the open-file limit)"),
    ("--reconnect-url-secs", float, "seconds between reconnect_url events (0: none)"),
    ("--presence-grace-secs", float, "seconds after a user's last session closes until away"),
    ("--max-session-age-secs", float, "sessions older than this (±10%%) get goodbye"),
    ("--max-outbound-bytes", int, "unsent bytes a session may hold before it is closed with 1013"),
    ("--workers", int, "server processes sharing the port (more than 1 needs --broker redis://)"),
    ("--max-file-bytes", int, "the largest file an upload may carry"),
)  # fmt: skip


def _add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    add = parser.add_argument
    add("--host", default=_env("host", defaults.host), help="address to listen on")
    add("--port", type=int, default=int(_env("port", str(defaults.port)) or 0))
    add("--database", default=_env("database", defaults.database), help="sqlite:///FILE")
    add("--broker", default=_env("broker", defaults.broker), help="memory://")
    add("--blobs", default=_env("blobs"),
        help="file bytes: file:///DIR or postgresql://... (default: by the database)")  # fmt: skip
    workspaces = _env("workspace")
    add(
        "--workspace",
        action="append",
        default=workspaces.split(os.pathsep) if workspaces else [],
        help="workspace YAML file to load at start (repeatable)",
    )
    add("--public-url", default=_env("public_url"), help="public http(s) base of this server")
    add("--tls-port", type=int, default=_int_or_none(_env("tls_port")))
    add("--tls-cert", default=_env("tls_cert"))
    add("--tls-key", default=_env("tls_key"))
    add("--tls-public-url", default=_env("tls_public_url"))
    add("--demo", action="store_true", default=_on_off(_env("demo", "off") or "off"))
    add("--rate-limits", type=_on_off, default=_on_off(_env("rate_limits", "on") or "on"))
    add("--legacy-methods", type=_on_off, default=_on_off(_env("legacy_methods", "on") or "on"))
    add("--query-tokens", type=_on_off, default=_on_off(_env("query_tokens", "on") or "on"))
    for flag, kind, help_text in _NUMBER_FLAGS:
        field = flag.removeprefix("--").replace("-", "_")
        default = kind(_env(field, str(getattr(defaults, field))) or 0)
        add(flag, type=kind, default=default, help=help_text)
    proxies = _env("trusted_proxy")
    add(
        "--trusted-proxy",
        action="append",
        default=proxies.split(",") if proxies else [],
        help="CIDR whose X-Forwarded-For is honoured (repeatable)",
    )
    add("--admin-token", default=_env("admin_token"), help="enables the admin API")
    add("--fault-scenario", default=_env("fault_scenario"), help="YAML fault scenario to run")
    add("--secret-file", default=_env("secret_file", defaults.secret_file))
    add("--log-level", default=_env("log_level", "INFO"))
    add("--log-format", choices=("text", "json"), default=_env("log_format", defaults.log_format),
        help="text lines, or one JSON object per line")  # fmt: skip
    add("--metrics-port", type=int, default=_int_or_none(_env("metrics_port")),
        help="serve Prometheus metrics on this port (GET /metrics)")  # fmt: skip
    add("--metrics-host", default=_env("metrics_host", defaults.metrics_host),
        help="address of the metrics listener")  # fmt: skip


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed ``serve`` arguments."""
    return Settings(
        host=args.host,
        port=args.port,
        database=args.database,
        broker=args.broker,
        workspaces=tuple(args.workspace),
        public_url=args.public_url,
        tls_port=args.tls_port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_public_url=args.tls_public_url,
        demo=args.demo,
        rate_limits=args.rate_limits,
        legacy_methods=args.legacy_methods,
        query_tokens=args.query_tokens,
        drain_secs=args.drain_secs,
        body_timeout_secs=args.body_timeout_secs,
        header_timeout_secs=args.header_timeout_secs,
        max_connections=args.max_connections,
        reconnect_url_secs=args.reconnect_url_secs,
        presence_grace_secs=args.presence_grace_secs,
        max_session_age_secs=args.max_session_age_secs,
        max_outbound_bytes=args.max_outbound_bytes,
        workers=args.workers,
        blobs=args.blobs,
        max_file_bytes=args.max_file_bytes,
        trusted_proxies=tuple(args.trusted_proxy),
        # A demo server keeps its journal for the inspector (/inspector): with no admin token
        # given, one nobody is shown, so the demo's admin person opens it by signing in.
        admin_token=args.admin_token or (secrets.token_urlsafe(32) if args.demo else None),
        fault_scenario=args.fault_scenario,
        secret_file=args.secret_file,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        log_format=args.log_format,
    )


def _serve(args: argparse.Namespace) -> int:
    import uvloop  # noqa: PLC0415

    from slackline.app import create_app  # noqa: PLC0415
    from slackline.demo import banner  # noqa: PLC0415
    from slackline.runner import Listeners, serve_until_stopped  # noqa: PLC0415

    settings = settings_from_args(args)

    def announce(port: int | None, tls_port: int | None) -> None:
        host = settings.host if ":" not in settings.host else f"[{settings.host}]"
        base = settings.public_url or f"http://{host}:{port}"
        tls = settings.tls_public_url or (f"https://{host}:{tls_port}" if tls_port else None)
        if settings.demo:
            print(banner(base, tls), flush=True)
        else:
            print(f"Slackline is ready: Web API at {base}/api/", flush=True)

    if settings.workers != 1:
        from slackline.cluster.workers import run_workers  # noqa: PLC0415

        return run_workers(settings, args.log_level, announce)

    def ready(listeners: Listeners) -> None:
        announce(listeners.port, listeners.tls_port)

    async def main() -> None:
        await serve_until_stopped(create_app(settings), ready)

    uvloop.run(main())
    return 0


def _workspace_load(args: argparse.Namespace) -> int:
    from slackline.offline import load_workspaces  # noqa: PLC0415

    teams = asyncio.run(load_workspaces(args.database, args.secret_file, args.files))
    print(f"loaded teams: {', '.join(teams)}")
    return 0


def _token_entry(args: argparse.Namespace) -> dict[str, Any]:
    """The token fields of ``token create`` options, as a workspace-file token entry."""
    entry: dict[str, Any] = {"user": args.user, "type": args.type}
    if args.scopes is not None:
        entry["scopes"] = _split(args.scopes)
    if args.token:
        entry["token"] = args.token
    if args.expires_at:
        entry["expires_at"] = args.expires_at
    if args.allowed_network:
        entry["allowed_networks"] = args.allowed_network
    return entry


def _token_create(args: argparse.Namespace) -> int:
    from slackline.offline import create_token  # noqa: PLC0415

    token = asyncio.run(
        create_token(args.database, args.secret_file, args.team, _token_entry(args))
    )
    print(token)
    return 0


def _read_password() -> str:
    """The password to set: asked twice on a terminal, else the first line of stdin (never
    an argument: argv is visible to every user of the host)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def _user_password(args: argparse.Namespace) -> int:
    from slackline.offline import set_password  # noqa: PLC0415

    password = None if args.clear else _read_password()
    done = asyncio.run(set_password(args.database, args.secret_file, args.user, password))
    if not done:
        print(f"no user {args.user}" if password is not None else "no password to clear")
        return 1
    print(f"password {'cleared' if password is None else 'set'} for {args.user}")
    return 0


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _add_token_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--team", required=True, help="team id")
    add("--user", required=True, help="user id (a bot's user id for bot tokens)")
    add("--type", default="classic_bot", help="classic_bot, user, granular_bot, app, ...")
    add("--scopes", help="comma-separated scopes (default: the type's default scopes)")
    add("--token", help="the token text (default: generated with the type's prefix)")
    add("--expires-at", help="ISO 8601 time after which the token is expired")
    add("--allowed-network", action="append", default=[], help="CIDR (repeatable)")


def _add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", default=_env("database", Settings().database))
    parser.add_argument("--secret-file", default=_env("secret_file", Settings().secret_file))


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(prog="slackline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    _add_serve_arguments(serve)
    serve.set_defaults(run=_serve)
    workspace = commands.add_parser("workspace", help="workspace files")
    workspace_commands = workspace.add_subparsers(dest="workspace_command", required=True)
    load = workspace_commands.add_parser("load", help="load workspace files into the database")
    load.add_argument("files", nargs="+")
    _add_database_options(load)
    load.set_defaults(run=_workspace_load)
    token = commands.add_parser("token", help="tokens in the database (offline)")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token; prints it once")
    _add_token_options(create)
    _add_database_options(create)
    create.set_defaults(run=_token_create)
    user = commands.add_parser("user", help="people in the database (offline)")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    password = user_commands.add_parser(
        "password", help="set a person's sign-in password (from stdin or asked twice)"
    )
    password.add_argument("user", help="user id")
    password.add_argument("--clear", action="store_true", help="clear it instead")
    _add_database_options(password)
    password.set_defaults(run=_user_password)
    _add_admin_commands(commands)
    add_bench_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``slackline`` console script."""
    forwarded = bench_argv(sys.argv[1:] if argv is None else argv)
    if forwarded is not None:
        return run_bench(forwarded)
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(
        getattr(args, "log_level", "INFO"), sys.stderr, getattr(args, "log_format", "text")
    )
    from slackline.admin import AdminClientError  # noqa: PLC0415
    from slackline.services.workspace import WorkspaceError  # noqa: PLC0415

    try:
        return int(args.run(args))
    except AdminClientError as exc:
        print(f"slackline: error: {exc}", file=sys.stderr)
        return 1
    except WorkspaceError as exc:
        print(f"slackline: error: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"slackline: error: {exc}", file=sys.stderr)
        return 2
    finally:
        flush_logging()


# slackline admin ...


def _admin_client(args: argparse.Namespace) -> AdminClient:
    from slackline.admin import AdminClient, AdminClientError  # noqa: PLC0415

    if not args.admin_token:
        raise AdminClientError("not_authed", "give --admin-token or SLACKLINE_ADMIN_TOKEN")
    return AdminClient(args.url, args.admin_token)


def _admin_apply(args: argparse.Namespace) -> int:
    client = _admin_client(args)
    for path in args.files:
        with open(path, "rb") as handle:
            answer = client.call("workspace.apply", handle.read(), "application/yaml")
        print(f"applied {path}: teams {', '.join(answer['teams'])}")
    return 0


def _admin_token_create(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json(
        "tokens.create", {"team": args.team, **_token_entry(args)}
    )
    print(answer["token"])
    return 0


def _admin_token_revoke(args: argparse.Namespace) -> int:
    _admin_client(args).call_json("tokens.revoke", {"token": args.token})
    print("revoked")
    return 0


def _admin_user_deactivate(args: argparse.Namespace) -> int:
    _admin_client(args).call_json("users.deactivate", {"user": args.user})
    print(f"deactivated {args.user}")
    return 0


def _admin_user_password(args: argparse.Namespace) -> int:
    client = _admin_client(args)
    if args.clear:
        client.call_json("users.clearPassword", {"user": args.user})
        print(f"password cleared for {args.user}")
    else:
        client.call_json("users.setPassword", {"user": args.user, "password": _read_password()})
        print(f"password set for {args.user}")
    return 0


def _admin_user_sign_out(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json("users.revokeSessions", {"user": args.user})
    print(f"ended {answer['revoked']} web sessions of {args.user}")
    return 0


def _admin_team_set(args: argparse.Namespace) -> int:
    change: dict[str, Any] = {"team": args.team}
    for key in ("name", "domain", "state", "ekm_revoked", "require_2fa"):
        if getattr(args, key) is not None:
            change[key] = getattr(args, key)
    for key in ("allowed_networks", "rtm_denied"):
        if getattr(args, key) is not None:
            change[key] = _split(getattr(args, key))
    answer = _admin_client(args).call_json("teams.update", change)
    print(json.dumps(answer["team"], indent=2))
    return 0


def _admin_app_create(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {
        "team": args.team, "name": args.name, "kind": args.kind,
        "redirect_urls": args.redirect_url, "scopes": _split(args.scopes),
    }  # fmt: skip
    if args.user_scopes is not None:
        fields["user_scopes"] = _split(args.user_scopes)
    for key in ("id", "client_id", "bot_user", "request_url"):
        if getattr(args, key):
            fields[key] = getattr(args, key)
    if args.events is not None:
        fields["event_subscriptions"] = _split(args.events)
    for flag in ("token_rotation", "distributed", "socket_mode"):
        if getattr(args, flag):
            fields[flag] = True
    answer = _admin_client(args).call_json("apps.create", fields)
    app = answer["app"]
    # The secrets are shown this once (stdout only: they are never logged or shown again).
    print(f"app {app['id']} ({app['kind']}) in {app['team']}: {app['name']}")
    print(f"client_id: {app['client_id']}")
    print(f"client_secret: {answer['client_secret']}")
    print(f"signing_secret: {answer['signing_secret']}")
    return 0


def _admin_app_list(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json("apps.list", {"team": args.team})
    print(json.dumps(answer["apps"], indent=2))
    return 0


def _admin_app_rotate(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json(
        "apps.rotateSecret", {"app": args.app, "secret": args.secret}
    )
    print(answer["value"])  # the new secret, shown this once
    return 0


def _admin_app_token(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json(
        "apps.createAppToken", {"app": args.app, "team": args.team}
    )
    print(answer["token"])  # shown this once: stored only as its keyed hash
    return 0


def _admin_app_verify(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json("apps.verifyRequestUrl", {"app": args.app})
    verdict = "verified" if answer["verified"] else "did not answer the challenge"
    print(f"{answer['request_url']}: {verdict}")
    return 0 if answer["verified"] else 1


def _admin_app_installations(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json("apps.installations", {"app": args.app})
    print(json.dumps(answer["installations"], indent=2))
    return 0


def _admin_app_uninstall(args: argparse.Namespace) -> int:
    answer = _admin_client(args).call_json("apps.uninstall", {"app": args.app, "team": args.team})
    print(f"uninstalled {args.app} from {args.team}: {answer['revoked']} tokens revoked")
    return 0


def _add_admin_app_commands(groups: Any, common: argparse.ArgumentParser) -> None:
    app = groups.add_parser("app", help="apps (OAuth)").add_subparsers(dest="sub", required=True)
    create = app.add_parser(
        "create", parents=[common], help="register an app; prints its secrets once"
    )
    add = create.add_argument
    add("--team", required=True, help="team id")
    add("--name", required=True, help="display name")
    add("--kind", default="classic", choices=("classic", "granular"))
    add("--redirect-url", action="append", required=True, help="redirect URL (repeatable)")
    add("--scopes", required=True, help="comma-separated scopes (classic: bot,client,...)")
    add("--user-scopes", help="comma-separated user scopes (granular apps)")
    add("--id", help="app id (default: generated)")
    add("--client-id", help="client id (default: generated)")
    add("--bot-user", help="a bot user of the team the install uses")
    add("--token-rotation", action="store_true", help="rotating tokens (granular apps)")
    add("--distributed", action="store_true", help="installable in other teams")
    add("--socket-mode", action="store_true", help="events over Socket Mode")
    add("--events", help="comma-separated event subscriptions (message.channels,app_mention)")
    add("--request-url", help="the Events API request URL (Socket Mode off)")
    create.set_defaults(run=_admin_app_create)
    token = app.add_parser(
        "token", parents=[common], help="a new app-level (xapp-) token; prints it once"
    )
    token.add_argument("app")
    token.add_argument("--team", required=True, help="team id")
    token.set_defaults(run=_admin_app_token)
    verify = app.add_parser(
        "verify", parents=[common], help="send the request URL a url_verification challenge"
    )
    verify.add_argument("app")
    verify.set_defaults(run=_admin_app_verify)
    listing = app.add_parser("list", parents=[common], help="a team's apps (no secrets)")
    listing.add_argument("team")
    listing.set_defaults(run=_admin_app_list)
    rotate = app.add_parser("rotate", parents=[common], help="rotate a secret; prints it once")
    rotate.add_argument("app")
    rotate.add_argument("secret", choices=("client_secret", "signing_secret"))
    rotate.set_defaults(run=_admin_app_rotate)
    installations = app.add_parser(
        "installations", parents=[common], help="where an app is installed"
    )
    installations.add_argument("app")
    installations.set_defaults(run=_admin_app_installations)
    uninstall = app.add_parser(
        "uninstall", parents=[common], help="uninstall an app from a team (revokes its tokens)"
    )
    uninstall.add_argument("app")
    uninstall.add_argument("--team", required=True, help="team id")
    uninstall.set_defaults(run=_admin_app_uninstall)


def _admin_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--url", default=_env("url", "http://127.0.0.1:8080"), help="the server's base URL"
    )
    parent.add_argument(
        "--admin-token",
        default=_env("admin_token"),
        help="the server's --admin-token (prefer SLACKLINE_ADMIN_TOKEN: argv is visible)",
    )
    return parent


def _add_admin_commands(commands: Any) -> None:
    common = _admin_parent()
    admin = commands.add_parser("admin", help="change a running server (admin API)")
    groups = admin.add_subparsers(dest="admin_command", required=True)
    apply = groups.add_parser("apply", parents=[common], help="apply workspace files")
    apply.add_argument("files", nargs="+")
    apply.set_defaults(run=_admin_apply)
    token = groups.add_parser("token", help="tokens").add_subparsers(dest="sub", required=True)
    create = token.add_parser("create", parents=[common], help="create a token; prints it")
    _add_token_options(create)
    create.set_defaults(run=_admin_token_create)
    revoke = token.add_parser("revoke", parents=[common], help="revoke a token")
    revoke.add_argument("token")
    revoke.set_defaults(run=_admin_token_revoke)
    user = groups.add_parser("user", help="users").add_subparsers(dest="sub", required=True)
    deactivate = user.add_parser("deactivate", parents=[common], help="deactivate a user")
    deactivate.add_argument("user")
    deactivate.set_defaults(run=_admin_user_deactivate)
    password = user.add_parser(
        "password", parents=[common], help="set a password (from stdin or asked twice)"
    )
    password.add_argument("user")
    password.add_argument("--clear", action="store_true", help="clear it instead")
    password.set_defaults(run=_admin_user_password)
    sign_out = user.add_parser("signout", parents=[common], help="end a person's web sessions")
    sign_out.add_argument("user")
    sign_out.set_defaults(run=_admin_user_sign_out)
    team = groups.add_parser("team", help="teams").add_subparsers(dest="sub", required=True)
    team_set = team.add_parser("set", parents=[common], help="change state or policies")
    team_set.add_argument("team")
    team_set.add_argument("--name")
    team_set.add_argument("--domain")
    team_set.add_argument("--state", help="active, migrating, added_to_org, ...")
    team_set.add_argument("--ekm-revoked", type=_on_off)
    team_set.add_argument("--require-2fa", type=_on_off)
    team_set.add_argument("--allowed-networks", help="comma-separated CIDRs ('' for none)")
    team_set.add_argument("--rtm-denied", help="comma-separated user or bot ids ('' for none)")
    team_set.set_defaults(run=_admin_team_set)
    _add_admin_app_commands(groups, common)


if __name__ == "__main__":
    sys.exit(main())
