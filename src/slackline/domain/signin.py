"""The pure rules of signing in (docs/web-client.md): what a password may be, whom a login
names, where a browser may be sent afterwards, and how many failed attempts are allowed."""

from __future__ import annotations

from collections.abc import Iterable

from slackline.domain.models import Team, User
from slackline.domain.ratelimit import SECS_PER_MINUTE, Rate

MIN_PASSWORD_CHARS = 8
# argon2 hashes any length; the bound keeps a request from making it hash megabytes.
MAX_PASSWORD_CHARS = 1024
SIGNIN_ATTEMPTS = 5
SIGNIN_WINDOW_SECS = 15 * 60
# A bucket of five that refills over the window: five tries at once, then one every 3 minutes.
SIGNIN_RATE = Rate(per_minute=SIGNIN_ATTEMPTS * SECS_PER_MINUTE / SIGNIN_WINDOW_SECS, burst=5)
SESSION_TTL_SECS = 30 * 24 * 3600


class PasswordError(ValueError):
    """A password that may not be set (too short, too long, not text)."""


def check_password(password: object) -> str:
    """The password if it may be set; raises :class:`PasswordError` otherwise (the message
    never repeats the password)."""
    if not isinstance(password, str):
        raise PasswordError("a password is text")
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if "\0" in password:
        raise PasswordError("a password holds no NUL character")
    return password


def find_team(teams: Iterable[Team], given: str) -> Team | None:
    """The team a sign-in form names: by id (exactly) or domain (any case)."""
    wanted = given.strip()
    for team in teams:
        if team.id == wanted or team.domain.lower() == wanted.lower():
            return team
    return None


def find_person(users: Iterable[User], given: str) -> User | None:
    """The person a login names in their team: their profile's email or their user name,
    in any case. Bots never sign in."""
    wanted = given.strip().lower()
    if not wanted:
        return None
    for user in users:
        if user.is_bot or user.bot_id:
            continue
        email = str(user.profile.get("email", "")).lower()
        if wanted in (email, user.name.lower()):
            return user
    return None


def safe_redirect(target: str) -> str:
    """Where to send a browser after signing in: a path on this server, else ``/``.

    Only an absolute path qualifies; ``//host`` and ``/\\host`` are other origins to a
    browser, and control characters could split a header.
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c == "\\" for c in target):
        return "/"
    return target


def attempt_keys(team_text: str, login: str, address: str) -> tuple[tuple[str, ...], ...]:
    """The rate-limit buckets one sign-in attempt counts against: its account (as typed,
    so an unknown account is limited like a known one) and its address."""
    account = ("signin-account", team_text.strip().lower(), login.strip().lower())
    return account, ("signin-address", address)
