"""The demo workspace shipped with the package, and the banner ``--demo`` prints."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def demo_workspace_path() -> str:
    """The path of the packaged demo workspace file."""
    return str(resources.files("slackline").joinpath("data", "demo.yaml"))


def demo_tokens() -> list[dict[str, Any]]:
    """The demo workspace's token entries (their text is public by design)."""
    document = yaml.safe_load(
        resources.files("slackline").joinpath("data", "demo.yaml").read_text()
    )
    return [token for team in document["teams"] for token in team.get("tokens", [])]


def banner(base_url: str, tls_base_url: str | None) -> str:
    """What ``slackline serve --demo`` prints once it is ready."""
    lines = [
        f"Slackline is ready: Web API at {base_url}/api/",
        *( [f"TLS listener: {tls_base_url}/api/"] if tls_base_url else [] ),
        "Demo tokens:",
        *(f"  {t['token']:<24} {t['type']:<12} user {t['user']}" for t in demo_tokens()),
        "Try:",
        f"  curl -s -H 'Authorization: Bearer xoxb-demo-bot-token' {base_url}/api/rtm.connect",
    ]  # fmt: skip
    return "\n".join(lines)
