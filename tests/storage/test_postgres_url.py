"""``postgresql://`` URLs: Slackline's options are taken out, the rest reach libpq."""

from __future__ import annotations

import asyncio

import pytest

from slackline.domain.models import Team
from slackline.storage import open_store
from slackline.storage.postgres import PostgresOptions, PostgresStore
from tests.helpers.postgres import postgres_schema, with_query


def test_both_schemes_open_a_postgres_store() -> None:
    for scheme in ("postgresql", "postgres"):
        assert isinstance(open_store(f"{scheme}://postgres@127.0.0.1/test"), PostgresStore)


def test_options_are_read_from_the_query_string() -> None:
    options = PostgresOptions.parse({"pool_max": "3", "timeout_secs": "2.5"})
    assert options == PostgresOptions(pool_min=1, pool_max=3, timeout_secs=2.5)
    assert options.statement_secs == 2.5


@pytest.mark.parametrize(
    "query",
    ["pool_max=0", "pool_min=4&pool_max=2", "timeout_secs=0", "timeout_secs=soon", "bogus=1"],
)
def test_bad_options_are_refused_at_once(query: str) -> None:
    with pytest.raises(ValueError):
        PostgresStore.from_url(f"postgresql://postgres@127.0.0.1/test?{query}")


def test_libpq_parameters_pass_through_with_slackline_options() -> None:
    with postgres_schema() as url:
        tuned = with_query(url, pool_max="2", timeout_secs="3", statement_timeout_secs="1")

        async def round_trip() -> Team | None:
            store = PostgresStore.from_url(tuned)
            try:
                await store.migrate()  # into the schema named by options=-csearch_path=...
                await store.put_team(Team("T1", "One", "one"))
                return await store.get_team("T1")
            finally:
                await store.close()

        assert asyncio.run(round_trip()) == Team("T1", "One", "one")
