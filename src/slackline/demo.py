"""The demo workspace shipped with the package, and the banner ``--demo`` prints."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def demo_workspace_path() -> str:
    """The path of the packaged demo workspace file."""
    return str(resources.files("slackline").joinpath("data", "demo.yaml"))


def _demo_document() -> dict[str, Any]:
    document = yaml.safe_load(
        resources.files("slackline").joinpath("data", "demo.yaml").read_text()
    )
    assert isinstance(document, dict)
    return document


def demo_tokens() -> list[dict[str, Any]]:
    """The demo workspace's token entries (their text is public by design)."""
    return [token for team in _demo_document()["teams"] for token in team.get("tokens", [])]


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(workspace domain, email, password) of each demo person with a password: public by
    design, like the demo tokens, so a newcomer can sign in at once."""
    return [
        (team["domain"], user.get("profile", {}).get("email", user["name"]), user["password"])
        for team in _demo_document()["teams"]
        for user in team.get("users", [])
        if "password" in user
    ]


def demo_apps() -> list[dict[str, Any]]:
    """The demo workspace's app entries (their secrets are public by design)."""
    return [app for team in _demo_document()["teams"] for app in team.get("apps", [])]


def banner(base_url: str, tls_base_url: str | None) -> str:
    """What ``slackline serve --demo`` prints once it is ready."""
    lines = [
        f"Slackline is ready: Web API at {base_url}/api/",
        *( [f"TLS listener: {tls_base_url}/api/"] if tls_base_url else [] ),
        "Demo tokens:",
        *(f"  {t['token']:<24} {t['type']:<12} user {t['user']}" for t in demo_tokens()),
        f"Sign in at {base_url}/signin (workspace, email, password):",
        *(f"  {team:<8} {email:<24} {password}" for team, email, password in demo_sign_ins()),
        *( ["Demo apps (OAuth, docs/apps.md):"] if demo_apps() else [] ),
        *(
            f"  {a['name']} ({a['kind']}): client_id {a['client_id']}, "
            f"client_secret {a['client_secret']}"
            for a in demo_apps()
        ),
        f"Inspector: {base_url}/inspector (signed in as alice, the demo's admin)",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer xoxb-demo-bot-token' {base_url}/api/rtm.connect",
    ]  # fmt: skip
    return "\n".join(lines)
