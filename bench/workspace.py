"""The benchmark workspace: one team, N bots with a token each, two channels, a poster bot and
a poster user (``xoxp-``) in both; and W6's Socket Mode app, whose bot is in a channel of its
own with the poster."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

TEAM_ID = "T0BENCH"
POSTER_TOKEN = "xoxb-bench-poster"
POSTER_USER = "U0POSTER"
# The second load shape of W4 and W5 (W4B, W5B): a person posting with a user token
# (``client`` scope, the default of a user token), a member of both bench channels.
USER_POSTER_TOKEN = "xoxp-bench-user-poster"
USER_POSTER = "U0POSTUSR"
CHANNEL_1K = "C0BENCH1K"
CHANNEL_ALL = "C0BENCHALL"
SMALL_CHANNEL_MEMBERS = 1000
# W6: a granular app with Socket Mode on, subscribed to channel messages, and its bot.
SOCKET_APP_ID = "A0BENCHSM"
SOCKET_APP_TOKEN = "xapp-1-A0BENCHSM-1-benchsocketmode"
SOCKET_BOT_USER = "U0SMAPP"
SOCKET_BOT_TOKEN = "xoxb-bench-socket-app"
CHANNEL_SOCKET = "C0BENCHSM"


@dataclass(frozen=True, slots=True)
class BenchWorkspace:
    """The files a run needs: the workspace YAML, the token list and the members map."""

    yaml_file: Path
    tokens_file: Path
    members_file: Path
    sessions: int

    def channel_members(self, channel: str) -> int:
        """How many of the session tokens are members of a channel."""
        if channel == CHANNEL_1K:
            return min(SMALL_CHANNEL_MEMBERS, self.sessions)
        return self.sessions


def session_token(index: int) -> str:
    """The bot token of session ``index`` (1-based)."""
    return f"xoxb-bench-{index:05d}"


def write_workspace(directory: Path, sessions: int) -> BenchWorkspace:
    """Write the workspace (JSON is YAML too), tokens and members files into ``directory``."""
    bots = [
        {"id": f"B{i:05d}", "user_id": f"U{i:05d}", "name": f"bot{i}"}
        for i in range(1, sessions + 1)
    ]
    bots.append({"id": "B0POSTER", "user_id": POSTER_USER, "name": "poster"})
    socket_bot = {"id": "B0SMAPP", "user_id": SOCKET_BOT_USER, "name": "socketapp"}
    tokens = [session_token(i) for i in range(1, sessions + 1)]
    entries: list[dict[str, object]] = [
        {"token": token, "user": bot["user_id"], "type": "classic_bot"}
        for token, bot in zip(tokens, bots, strict=False)
    ]
    entries.append({"token": POSTER_TOKEN, "user": POSTER_USER, "type": "classic_bot"})
    entries.append({"token": USER_POSTER_TOKEN, "user": USER_POSTER, "type": "user"})
    person = {"id": USER_POSTER, "name": "poster-person", "real_name": "Bench Poster"}
    scopes = ["channels:history", "chat:write"]
    entries += [
        {"token": SOCKET_BOT_TOKEN, "user": SOCKET_BOT_USER, "type": "granular_bot",
         "scopes": scopes},
        {"token": SOCKET_APP_TOKEN, "user": SOCKET_BOT_USER, "type": "app",
         "app": SOCKET_APP_ID, "scopes": ["connections:write"]},
    ]  # fmt: skip
    app = {
        "id": SOCKET_APP_ID, "name": "Bench Socket App", "kind": "granular",
        "redirect_urls": ["http://127.0.0.1:9/cb"], "scopes": scopes,
        "bot_user": SOCKET_BOT_USER, "socket_mode": True,
        "event_subscriptions": ["message.channels"],
    }  # fmt: skip
    small = [bot["user_id"] for bot in bots[: min(SMALL_CHANNEL_MEMBERS, sessions)]]
    everyone = [bot["user_id"] for bot in bots[:sessions]]
    posters = [POSTER_USER, USER_POSTER]
    team = {
        "id": TEAM_ID,
        "name": "Bench",
        "domain": "bench",
        "users": [person],
        "bots": [*bots, socket_bot],
        "conversations": [
            {"id": CHANNEL_1K, "name": "bench-1k", "members": [*small, *posters]},
            {"id": CHANNEL_ALL, "name": "bench-all", "members": [*everyone, *posters]},
            {
                "id": CHANNEL_SOCKET,
                "name": "bench-socket",
                "members": [SOCKET_BOT_USER, POSTER_USER],
            },
        ],
        "apps": [app],
        "tokens": entries,
    }
    workspace = BenchWorkspace(
        directory / "workspace.yaml", directory / "tokens.txt", directory / "members.json", sessions
    )
    workspace.yaml_file.write_text(json.dumps({"teams": [team]}))
    workspace.tokens_file.write_text("".join(f"{token}\n" for token in tokens))
    small_tokens = tokens[: len(small)]
    poster_tokens = [POSTER_TOKEN, USER_POSTER_TOKEN]
    members = {
        CHANNEL_1K: [*small_tokens, *poster_tokens],
        CHANNEL_ALL: [*tokens, *poster_tokens],
    }
    workspace.members_file.write_text(json.dumps(members))
    return workspace
