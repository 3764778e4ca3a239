"""The ``slackline`` command: ``serve``, ``workspace load``, ``token create`` and ``admin``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from slackline.config import Settings

ENV_PREFIX = "SLACKLINE_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name.upper().replace("-", "_"), default)


def _on_off(value: str) -> bool:
    if value.lower() in ("on", "true", "1", "yes"):
        return True
    if value.lower() in ("off", "false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, not {value!r}")


def _add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    add = parser.add_argument
    add("--host", default=_env("host", defaults.host), help="address to listen on")
    add("--port", type=int, default=int(_env("port", str(defaults.port)) or 0))
    add("--database", default=_env("database", defaults.database), help="sqlite:///FILE")
    add("--broker", default=_env("broker", defaults.broker), help="memory://")
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
    add("--drain-secs", type=float, default=float(_env("drain_secs", "5") or 5))
    proxies = _env("trusted_proxy")
    add(
        "--trusted-proxy",
        action="append",
        default=proxies.split(",") if proxies else [],
        help="CIDR whose X-Forwarded-For is honoured (repeatable)",
    )
    add("--admin-token", default=_env("admin_token"), help="enables the admin API")
    add("--secret-file", default=_env("secret_file", defaults.secret_file))
    add("--log-level", default=_env("log_level", "INFO"))


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
        trusted_proxies=tuple(args.trusted_proxy),
        admin_token=args.admin_token,
        secret_file=args.secret_file,
    )


def _serve(args: argparse.Namespace) -> int:
    import uvloop  # noqa: PLC0415

    from slackline.app import create_app  # noqa: PLC0415
    from slackline.demo import banner  # noqa: PLC0415
    from slackline.runner import Listeners, serve_until_stopped  # noqa: PLC0415

    settings = settings_from_args(args)

    def ready(listeners: Listeners) -> None:
        host = settings.host if ":" not in settings.host else f"[{settings.host}]"
        base = settings.public_url or f"http://{host}:{listeners.port}"
        tls = settings.tls_public_url or (
            f"https://{host}:{listeners.tls_port}" if listeners.tls_port else None
        )
        if settings.demo:
            print(banner(base, tls), flush=True)
        else:
            print(f"Slackline is ready: Web API at {base}/api/", flush=True)

    async def main() -> None:
        await serve_until_stopped(create_app(settings), ready)

    uvloop.run(main())
    return 0


def _workspace_load(args: argparse.Namespace) -> int:
    from slackline.offline import load_workspaces  # noqa: PLC0415

    teams = asyncio.run(load_workspaces(args.database, args.secret_file, args.files))
    print(f"loaded teams: {', '.join(teams)}")
    return 0


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
    load.add_argument("--database", default=_env("database", Settings().database))
    load.add_argument("--secret-file", default=_env("secret_file", Settings().secret_file))
    load.set_defaults(run=_workspace_load)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``slackline`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(args, "log_level", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args))
    except (ValueError, OSError) as exc:
        print(f"slackline: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
