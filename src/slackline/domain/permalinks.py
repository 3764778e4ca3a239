"""Message permalinks (pure): the URL ``chat.getPermalink`` answers, and the page a GET of it
shows.

A permalink is the workspace URL (decisions D.2, ``<public base>/<team domain>/``) followed by
Slack's path, ``archives/<channel>/p<ts without its dot>``; a reply adds
``?thread_ts=<parent ts>&cid=<channel>``, as Slack's permalinks do. The page served there is
the same for every permalink, existing or not, and shows nothing of the message: a browser
sends no token, and the web client that will open these links (issue 13) reads the channel
and ts from the page's ``data-`` attributes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from slackline.domain.models import Message
from slackline.domain.threads import is_reply

_PATH = re.compile(r"/([^/]+)/archives/([A-Z][A-Z0-9]{1,39})/p(\d{10})(\d{6})")
_TS = re.compile(r"\d{10}\.\d{6}")


def permalink(workspace_url: str, message: Message) -> str:
    """The message's permalink under its workspace URL (which ends with ``/``)."""
    link = f"{workspace_url}archives/{message.channel}/p{message.ts.replace('.', '')}"
    if is_reply(message) and message.thread_ts is not None:
        link += "?" + urlencode({"thread_ts": message.thread_ts, "cid": message.channel})
    return link


@dataclass(frozen=True, slots=True)
class PermalinkTarget:
    """What a permalink's path and query name."""

    domain: str
    channel: str
    ts: str
    thread_ts: str | None = None


def parse_permalink(path: str, query: str = "") -> PermalinkTarget | None:
    """The target of a permalink path (None when the path is not one)."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    domain, channel, seconds, fraction = match.groups()
    thread = parse_qs(query).get("thread_ts", [""])[0]
    thread_ts = thread if _TS.fullmatch(thread) else None
    return PermalinkTarget(domain, channel, f"{seconds}.{fraction}", thread_ts)


def permalink_page(target: PermalinkTarget) -> str:
    """A small HTML page naming what the link points to, for a browser that follows it."""
    domain, channel, ts = (html.escape(v) for v in (target.domain, target.channel, target.ts))
    thread = html.escape(target.thread_ts or "")
    where = f"in the thread of {thread} " if thread else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Message {ts} in {channel} · {domain}</title></head>\n"
        f'<body><main id="permalink" data-domain="{domain}" data-channel="{channel}" '
        f'data-ts="{ts}" data-thread-ts="{thread}">\n'
        f"<p>This link points to message {ts} {where}in conversation {channel} of the "
        f"workspace {domain} on this Slackline server.</p>\n"
        "<p>Open it in a chat client signed in to this workspace; the message itself is "
        "shown only to members of the conversation.</p>\n</main></body></html>\n"
    )
