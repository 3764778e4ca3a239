"""Apps, their installations, the tokens installs issued and the OAuth codes (docs/apps.md).

A part of the store (see :mod:`slackline.storage.parts`). Nothing here is a secret in the
clear: a client secret is its keyed hash, a signing secret is encrypted, and tokens, refresh
tokens and codes are their keyed hashes. A code is spent by :meth:`SqlApps.spend_code`, a
single conditional update, so two exchanges of one code (on any process) cannot both win.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from slackline.domain.apps import (
    AppKind,
    AppRecord,
    AppToken,
    AppTokenKind,
    AuthCode,
    Installation,
    OAuthFlow,
)
from slackline.storage.parts import SqlRunner

_APP_COLUMNS = (
    "id, team_id, name, kind, client_id, client_secret_hash, signing_secret_box, "
    "redirect_urls, scopes, user_scopes, bot_user, token_rotation, distributed, created, "
    "features"
)
_INSTALL_COLUMNS = (
    "app_id, team_id, installer, bot_user_id, bot_id, scopes, user_scopes, installed, updated"
)
_TOKEN_COLUMNS = "token_hash, app_id, team_id, user_id, kind, created"
_CODE_COLUMNS = (
    "code_hash, app_id, team_id, user_id, flow, redirect_uri, scopes, user_scopes, expires_at, used"
)


class AppsReader(Protocol):
    """What handlers and pages may read."""

    async def get_app(self, app_id: str) -> AppRecord | None:
        """An app by id."""
        ...

    async def find_app(self, client_id: str) -> AppRecord | None:
        """The app with this client id."""
        ...

    async def list_apps(self, team_id: str) -> list[AppRecord]:
        """The apps a team registered, by id."""
        ...

    async def get_installation(self, app_id: str, team_id: str) -> Installation | None:
        """An app's installation in a team."""
        ...

    async def list_installations(self, app_id: str) -> list[Installation]:
        """Every team an app is installed in, by team id."""
        ...

    async def list_team_installations(self, team_id: str) -> list[Installation]:
        """Every app installed in a team, by app id."""
        ...

    async def get_app_token(self, token_hash: str) -> AppToken | None:
        """A token an install issued, by its keyed hash."""
        ...

    async def list_app_tokens(self, app_id: str, team_id: str) -> list[AppToken]:
        """The tokens an app's installs in a team issued (revoked ones included until
        uninstalling forgets them), oldest first."""
        ...

    async def get_code(self, code_hash: str) -> AuthCode | None:
        """A code by its keyed hash."""
        ...


class AppsStore(AppsReader, Protocol):
    """Everything, writes included (the app service only)."""

    async def put_app(self, app: AppRecord) -> None:
        """Insert or replace an app."""
        ...

    async def put_installation(self, installation: Installation) -> None:
        """Insert or replace an installation."""
        ...

    async def delete_installation(self, app_id: str, team_id: str) -> bool:
        """Forget an installation and its tokens' records; whether it existed."""
        ...

    async def put_app_token(self, token: AppToken) -> None:
        """Record a token an install issued."""
        ...

    async def delete_app_token(self, token_hash: str) -> bool:
        """Forget one token's record (a spent refresh token); whether it existed."""
        ...

    async def put_code(self, code: AuthCode) -> None:
        """Store a new code."""
        ...

    async def spend_code(self, code_hash: str) -> bool:
        """Mark a code used; False when it was used already (or never existed)."""
        ...

    async def delete_codes_before(self, expires_before: float) -> int:
        """Forget codes that expired before a time; how many."""
        ...


def _list(value: tuple[str, ...]) -> str:
    return json.dumps(list(value))


def _tuple(text: Any) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _app(row: Any) -> AppRecord:
    return AppRecord(
        id=row[0], team_id=row[1], name=row[2], kind=AppKind(row[3]), client_id=row[4],
        client_secret_hash=row[5], signing_secret_box=row[6], redirect_urls=_tuple(row[7]),
        scopes=_tuple(row[8]), user_scopes=_tuple(row[9]), bot_user=row[10],
        token_rotation=bool(row[11]), distributed=bool(row[12]), created=int(row[13]),
        **_features(row[14]),
    )  # fmt: skip


def _features(text: str) -> dict[str, Any]:
    """The Socket Mode and Events API fields of an app, from their JSON column."""
    stored = json.loads(text or "{}")
    return {
        "socket_mode": bool(stored.get("socket_mode", False)),
        "event_subscriptions": tuple(stored.get("event_subscriptions", ())),
        "request_url": str(stored.get("request_url", "")),
        "commands": tuple(stored.get("commands", ())),
    }


def _features_text(app: AppRecord) -> str:
    features = {"socket_mode": app.socket_mode, "request_url": app.request_url,
                "event_subscriptions": list(app.event_subscriptions),
                "commands": list(app.commands)}  # fmt: skip
    return json.dumps(features, separators=(",", ":"), sort_keys=True)


def _installation(row: Any) -> Installation:
    return Installation(
        app_id=row[0], team_id=row[1], installer=row[2], bot_user_id=row[3], bot_id=row[4],
        scopes=_tuple(row[5]), user_scopes=_tuple(row[6]), installed=int(row[7]),
        updated=int(row[8]),
    )  # fmt: skip


def _token(row: Any) -> AppToken:
    return AppToken(row[0], row[1], row[2], row[3], AppTokenKind(row[4]), int(row[5]))


def _code(row: Any) -> AuthCode:
    return AuthCode(
        code_hash=row[0], app_id=row[1], team_id=row[2], user_id=row[3], flow=OAuthFlow(row[4]),
        redirect_uri=row[5], scopes=_tuple(row[6]), user_scopes=_tuple(row[7]),
        expires_at=float(row[8]), used=bool(row[9]),
    )  # fmt: skip


class SqlApps:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("oauth_codes", "app_tokens", "app_installations", "apps")

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def get_app(self, app_id: str) -> AppRecord | None:
        """An app by id."""
        sql = f"SELECT {_APP_COLUMNS} FROM apps WHERE id = ?"  # noqa: S608
        row = await self._runner.fetch_one(sql, [app_id])
        return _app(row) if row is not None else None

    async def find_app(self, client_id: str) -> AppRecord | None:
        """The app with this client id."""
        sql = f"SELECT {_APP_COLUMNS} FROM apps WHERE client_id = ?"  # noqa: S608
        row = await self._runner.fetch_one(sql, [client_id])
        return _app(row) if row is not None else None

    async def list_apps(self, team_id: str) -> list[AppRecord]:
        """A team's apps, by id."""
        sql = f"SELECT {_APP_COLUMNS} FROM apps WHERE team_id = ? ORDER BY id"  # noqa: S608
        return [_app(row) for row in await self._runner.fetch_all(sql, [team_id])]

    async def put_app(self, app: AppRecord) -> None:
        """Insert or replace an app."""
        sql = (
            f"INSERT INTO apps ({_APP_COLUMNS}) VALUES ({', '.join('?' * 15)}) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id, name = excluded.name, "
            "kind = excluded.kind, client_id = excluded.client_id, "
            "client_secret_hash = excluded.client_secret_hash, "
            "signing_secret_box = excluded.signing_secret_box, "
            "redirect_urls = excluded.redirect_urls, scopes = excluded.scopes, "
            "user_scopes = excluded.user_scopes, bot_user = excluded.bot_user, "
            "token_rotation = excluded.token_rotation, distributed = excluded.distributed, "
            "features = excluded.features"
        )
        params = [
            app.id, app.team_id, app.name, app.kind.value, app.client_id,
            app.client_secret_hash, app.signing_secret_box, _list(app.redirect_urls),
            _list(app.scopes), _list(app.user_scopes), app.bot_user, int(app.token_rotation),
            int(app.distributed), app.created, _features_text(app),
        ]  # fmt: skip
        await self._runner.execute(sql, params)

    async def get_installation(self, app_id: str, team_id: str) -> Installation | None:
        """An app's installation in a team."""
        sql = (
            f"SELECT {_INSTALL_COLUMNS} FROM app_installations "  # noqa: S608
            "WHERE app_id = ? AND team_id = ?"
        )
        row = await self._runner.fetch_one(sql, [app_id, team_id])
        return _installation(row) if row is not None else None

    async def list_installations(self, app_id: str) -> list[Installation]:
        """Every team an app is installed in."""
        sql = (
            f"SELECT {_INSTALL_COLUMNS} FROM app_installations "  # noqa: S608
            "WHERE app_id = ? ORDER BY team_id"
        )
        return [_installation(row) for row in await self._runner.fetch_all(sql, [app_id])]

    async def list_team_installations(self, team_id: str) -> list[Installation]:
        """Every app installed in a team."""
        sql = (
            f"SELECT {_INSTALL_COLUMNS} FROM app_installations "  # noqa: S608
            "WHERE team_id = ? ORDER BY app_id"
        )
        return [_installation(row) for row in await self._runner.fetch_all(sql, [team_id])]

    async def put_installation(self, installation: Installation) -> None:
        """Insert or replace an installation."""
        i = installation
        sql = (
            f"INSERT INTO app_installations ({_INSTALL_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, team_id) DO UPDATE SET "
            "installer = excluded.installer, bot_user_id = excluded.bot_user_id, "
            "bot_id = excluded.bot_id, scopes = excluded.scopes, "
            "user_scopes = excluded.user_scopes, updated = excluded.updated"
        )
        params = [
            i.app_id, i.team_id, i.installer, i.bot_user_id, i.bot_id, _list(i.scopes),
            _list(i.user_scopes), i.installed, i.updated,
        ]  # fmt: skip
        await self._runner.execute(sql, params)

    async def delete_installation(self, app_id: str, team_id: str) -> bool:
        """Forget an installation and its tokens' records, together."""
        where = "WHERE app_id = ? AND team_id = ?"
        counts = await self._runner.execute_together(
            [
                (f"DELETE FROM app_tokens {where}", [app_id, team_id]),  # noqa: S608
                (f"DELETE FROM app_installations {where}", [app_id, team_id]),  # noqa: S608
            ]
        )
        return counts[1] > 0

    async def get_app_token(self, token_hash: str) -> AppToken | None:
        """A token an install issued."""
        sql = f"SELECT {_TOKEN_COLUMNS} FROM app_tokens WHERE token_hash = ?"  # noqa: S608
        row = await self._runner.fetch_one(sql, [token_hash])
        return _token(row) if row is not None else None

    async def list_app_tokens(self, app_id: str, team_id: str) -> list[AppToken]:
        """The tokens an app's installs in a team issued, oldest first."""
        sql = (
            f"SELECT {_TOKEN_COLUMNS} FROM app_tokens "  # noqa: S608
            "WHERE app_id = ? AND team_id = ? ORDER BY created, token_hash"
        )
        return [_token(row) for row in await self._runner.fetch_all(sql, [app_id, team_id])]

    async def put_app_token(self, token: AppToken) -> None:
        """Record a token an install (or a workspace file) issued; the same token again
        replaces its record (a file loaded by several processes, or again at a restart)."""
        sql = (
            f"INSERT INTO app_tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "  # noqa: S608
            "ON CONFLICT (token_hash) DO UPDATE SET app_id = excluded.app_id, "
            "team_id = excluded.team_id, user_id = excluded.user_id, kind = excluded.kind"
        )
        params = [token.token_hash, token.app_id, token.team_id, token.user_id]
        await self._runner.execute(sql, [*params, token.kind.value, token.created])

    async def delete_app_token(self, token_hash: str) -> bool:
        """Forget one token's record."""
        sql = "DELETE FROM app_tokens WHERE token_hash = ?"
        return await self._runner.execute(sql, [token_hash]) > 0

    async def get_code(self, code_hash: str) -> AuthCode | None:
        """A code by its keyed hash."""
        sql = f"SELECT {_CODE_COLUMNS} FROM oauth_codes WHERE code_hash = ?"  # noqa: S608
        row = await self._runner.fetch_one(sql, [code_hash])
        return _code(row) if row is not None else None

    async def put_code(self, code: AuthCode) -> None:
        """Store a new code."""
        c = code
        sql = (
            f"INSERT INTO oauth_codes ({_CODE_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        params = [
            c.code_hash, c.app_id, c.team_id, c.user_id, c.flow.value, c.redirect_uri,
            _list(c.scopes), _list(c.user_scopes), c.expires_at, int(c.used),
        ]  # fmt: skip
        await self._runner.execute(sql, params)

    async def spend_code(self, code_hash: str) -> bool:
        """Mark a code used, once: one conditional update, so only one caller wins."""
        sql = "UPDATE oauth_codes SET used = 1 WHERE code_hash = ? AND used = 0"
        return await self._runner.execute(sql, [code_hash]) > 0

    async def delete_codes_before(self, expires_before: float) -> int:
        """Forget codes that expired before a time."""
        sql = "DELETE FROM oauth_codes WHERE expires_at < ?"
        return await self._runner.execute(sql, [expires_before])
