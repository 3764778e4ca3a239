"""The apps part of the Store contract (storage/apps.py), on SQLite and PostgreSQL: apps by id,
by client id (unique) and by team; installations per app and per team; the tokens installs
issued; codes spent once only, even by two exchanges at once; forgetting expired codes and
an installation's token records; clearing empties every table."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from slackline.domain.apps import (
    AppKind,
    AppRecord,
    AppToken,
    AppTokenKind,
    AuthCode,
    Installation,
    OAuthFlow,
)
from slackline.domain.models import Team
from slackline.errors import StorageError
from slackline.storage import Store, open_store
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused


def _app(app_id: str = "A1", client_id: str = "111.222", team_id: str = "T1") -> AppRecord:
    return AppRecord(
        id=app_id,
        team_id=team_id,
        name=f"App {app_id}",
        kind=AppKind.GRANULAR,
        client_id=client_id,
        client_secret_hash="hash",
        signing_secret_box="v1.box",
        redirect_urls=("http://127.0.0.1:9/cb", "http://127.0.0.1:9/other"),
        scopes=("chat:write", "channels:history"),
        user_scopes=("search:read",),
        bot_user="UB1",
        token_rotation=True,
        distributed=True,
        created=1_700_000_000,
    )


def _installation(app_id: str = "A1", team_id: str = "T1", installer: str = "U1") -> Installation:
    return Installation(
        app_id, team_id, installer, "UB1", "B1", ("chat:write",), ("search:read",), 5, 6
    )


def _token(token_hash: str, app_id: str = "A1", team_id: str = "T1", created: int = 1) -> AppToken:
    return AppToken(token_hash, app_id, team_id, "U1", AppTokenKind.BOT, created)


def _code(code_hash: str = "c1", expires_at: float = 100.5) -> AuthCode:
    return AuthCode(
        code_hash, "A1", "T1", "U1", OAuthFlow.V2, "http://127.0.0.1:9/cb", ("chat:write",),
        ("search:read",), expires_at,
    )  # fmt: skip


# --- apps ------------------------------------------------------------------------------------


def test_an_app_reads_back_as_it_was_put(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.apps.put_app(_app()))
    assert runner.run(store.apps.get_app("A1")) == _app()
    assert runner.run(store.apps.get_app("A2")) is None


def test_an_app_is_found_by_its_client_id(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.apps.put_app(_app()))
    assert runner.run(store.apps.find_app("111.222")) == _app()
    assert runner.run(store.apps.find_app("111.223")) is None


def test_putting_an_app_again_replaces_it_but_its_creation_time(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.apps.put_app(_app()))
    changed = dataclasses.replace(_app(), name="Renamed", scopes=("chat:write",), created=9)
    runner.run(store.apps.put_app(changed))
    assert runner.run(store.apps.get_app("A1")) == dataclasses.replace(
        changed, created=_app().created
    )


def test_two_apps_cannot_share_a_client_id(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.apps.put_app(_app()))
    with pytest.raises(StorageError):
        runner.run(store.apps.put_app(_app("A2")))


def test_a_teams_apps_are_listed_by_id(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for app in (_app("A3", "3"), _app("A1", "1"), _app("A2", "2", team_id="T2")):
        runner.run(store.apps.put_app(app))
    assert [a.id for a in runner.run(store.apps.list_apps("T1"))] == ["A1", "A3"]


# --- installations ---------------------------------------------------------------------------


def test_an_installation_reads_back_and_is_replaced_but_its_install_time(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.apps.put_installation(_installation()))
    assert runner.run(store.apps.get_installation("A1", "T1")) == _installation()
    again = dataclasses.replace(_installation(installer="U2"), installed=50, updated=60)
    runner.run(store.apps.put_installation(again))
    assert runner.run(store.apps.get_installation("A1", "T1")) == dataclasses.replace(
        again, installed=5
    )
    assert runner.run(store.apps.get_installation("A1", "T2")) is None


def test_installations_are_listed_per_app_and_per_team(
    runner: asyncio.Runner, store: Store
) -> None:
    for app_id, team_id in (("A1", "T2"), ("A1", "T1"), ("A2", "T1")):
        runner.run(store.apps.put_installation(_installation(app_id, team_id)))
    assert [i.team_id for i in runner.run(store.apps.list_installations("A1"))] == ["T1", "T2"]
    by_team = runner.run(store.apps.list_team_installations("T1"))
    assert [i.app_id for i in by_team] == ["A1", "A2"]


def test_deleting_an_installation_forgets_its_token_records_only(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.apps.put_installation(_installation()))
    runner.run(store.apps.put_installation(_installation(team_id="T2")))
    for token in (_token("h1"), _token("h2"), _token("h3", team_id="T2"), _token("h4", "A2")):
        runner.run(store.apps.put_app_token(token))
    assert runner.run(store.apps.delete_installation("A1", "T1")) is True
    assert runner.run(store.apps.get_installation("A1", "T1")) is None
    assert runner.run(store.apps.list_app_tokens("A1", "T1")) == []
    assert runner.run(store.apps.get_app_token("h3")) == _token("h3", team_id="T2")
    assert runner.run(store.apps.get_app_token("h4")) == _token("h4", "A2")


def test_deleting_an_installation_that_is_not_there_says_so(
    runner: asyncio.Runner, store: Store
) -> None:
    assert runner.run(store.apps.delete_installation("A1", "T1")) is False


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_record_is_found_by_its_hash(runner: asyncio.Runner, store: Store) -> None:
    record = AppToken("h1", "A1", "T1", "U2", AppTokenKind.USER_REFRESH, 7)
    runner.run(store.apps.put_app_token(record))
    assert runner.run(store.apps.get_app_token("h1")) == record
    assert runner.run(store.apps.get_app_token("h2")) is None


def test_an_installs_tokens_are_listed_oldest_first(runner: asyncio.Runner, store: Store) -> None:
    for token in (_token("hb", created=2), _token("hc", created=1), _token("ha", created=2)):
        runner.run(store.apps.put_app_token(token))
    runner.run(store.apps.put_app_token(_token("hx", team_id="T2")))
    listed = runner.run(store.apps.list_app_tokens("A1", "T1"))
    assert [t.token_hash for t in listed] == ["hc", "ha", "hb"]


def test_deleting_a_token_record_says_whether_it_was_there(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.apps.put_app_token(_token("h1")))
    assert runner.run(store.apps.delete_app_token("h1")) is True
    assert runner.run(store.apps.delete_app_token("h1")) is False
    assert runner.run(store.apps.get_app_token("h1")) is None


# --- codes -----------------------------------------------------------------------------------


def test_a_code_reads_back_unused(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.apps.put_code(_code()))
    assert runner.run(store.apps.get_code("c1")) == _code()
    assert runner.run(store.apps.get_code("c2")) is None


def test_a_code_is_spent_only_once(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.apps.put_code(_code()))
    assert runner.run(store.apps.spend_code("c1")) is True
    assert runner.run(store.apps.spend_code("c1")) is False
    spent = runner.run(store.apps.get_code("c1"))
    assert spent is not None and spent.used


def test_a_code_never_issued_cannot_be_spent(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.apps.spend_code("c1")) is False


def test_of_two_stores_spending_one_code_at_once_exactly_one_wins(
    runner: asyncio.Runner, store: Store, database_url: str
) -> None:
    # A second store on the same database stands for a second process (its own connection).
    other = open_store(database_url)
    runner.run(store.apps.put_code(_code()))

    async def race() -> list[bool]:
        return list(
            await asyncio.gather(*(s.apps.spend_code("c1") for s in (store, other, store, other)))
        )

    try:
        assert sorted(runner.run(race())) == [False, False, False, True]
    finally:
        runner.run(other.close())


def test_codes_expired_before_a_time_are_forgotten(runner: asyncio.Runner, store: Store) -> None:
    for code in (_code("c1", 10.0), _code("c2", 20.0), _code("c3", 30.0)):
        runner.run(store.apps.put_code(code))
    assert runner.run(store.apps.delete_codes_before(20.0)) == 1
    assert runner.run(store.apps.get_code("c1")) is None
    assert runner.run(store.apps.get_code("c2")) is not None


# --- clearing --------------------------------------------------------------------------------


def test_clearing_empties_apps_installations_tokens_and_codes(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.apps.put_app(_app()))
    runner.run(store.apps.put_installation(_installation()))
    runner.run(store.apps.put_app_token(_token("h1")))
    runner.run(store.apps.put_code(_code()))
    runner.run(store.clear())
    assert runner.run(store.apps.get_app("A1")) is None
    assert runner.run(store.apps.find_app("111.222")) is None
    assert runner.run(store.apps.get_installation("A1", "T1")) is None
    assert runner.run(store.apps.get_app_token("h1")) is None
    assert runner.run(store.apps.get_code("c1")) is None
