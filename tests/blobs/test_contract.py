"""The blob store contract: the directory, memory and PostgreSQL stores pass it unchanged,
and ``open_blob_store``/``default_blob_url`` choose them by URL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path

import psycopg
import pytest

from slackline.blobs import BlobStore, default_blob_url, open_blob_store
from slackline.blobs.directory import DirectoryBlobStore
from slackline.blobs.memory import MemoryBlobStore
from slackline.blobs.postgres import TABLE, PostgresBlobStore
from slackline.errors import StorageError
from tests.helpers.postgres import SHARED_URL, postgres_schema

StoreFactory = Callable[[Path], AbstractAsyncContextManager[BlobStore]]


@asynccontextmanager
async def directory_store(tmp_path: Path) -> AsyncIterator[BlobStore]:
    """A directory store under tmp_path, by URL."""
    store = open_blob_store((tmp_path / "blobs").as_uri())
    await store.start()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def memory_store(tmp_path: Path) -> AsyncIterator[BlobStore]:
    """A memory store, by URL."""
    store = open_blob_store("memory://")
    await store.start()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def postgres_store(url: str, tmp_path: Path) -> AsyncIterator[BlobStore]:
    """A PostgreSQL store at ``url`` (a schema of its own)."""
    store = open_blob_store(url)
    await store.start()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throwaway schema of the shared test database."""
    with postgres_schema() as url:
        yield url


@pytest.fixture(
    params=[
        pytest.param(directory_store, id="directory"),
        pytest.param(memory_store, id="memory"),
        pytest.param(postgres_store, id="postgresql"),
    ]
)
def factory(request: pytest.FixtureRequest) -> StoreFactory:
    """Each backend's store factory (PostgreSQL's with its schema)."""
    if request.param is postgres_store:
        return partial(postgres_store, request.getfixturevalue("pg_url"))
    return request.param  # type: ignore[no-any-return]


def run_with(factory: StoreFactory, tmp_path: Path, work: Callable[[BlobStore], object]) -> None:
    """Open a store, run ``work`` (a coroutine function) on it, close it."""

    async def main() -> None:
        async with factory(tmp_path) as store:
            await work(store)  # type: ignore[misc]

    asyncio.run(main())


def test_put_then_get_answers_the_same_bytes(factory: StoreFactory, tmp_path: Path) -> None:
    data = bytes(range(256)) * 64

    async def work(store: BlobStore) -> None:
        await store.put("T0001/F0001", data)
        assert await store.get("T0001/F0001") == data

    run_with(factory, tmp_path, work)


def test_a_view_of_bytes_is_stored_as_its_bytes(factory: StoreFactory, tmp_path: Path) -> None:
    body = b"head" + bytes(range(256)) + b"tail"

    async def work(store: BlobStore) -> None:
        await store.put("T0001/FVIEW", memoryview(body)[4:-4])
        assert await store.get("T0001/FVIEW") == bytes(range(256))

    run_with(factory, tmp_path, work)


def test_an_empty_blob_is_kept(factory: StoreFactory, tmp_path: Path) -> None:
    async def work(store: BlobStore) -> None:
        await store.put("T0001/FEMPTY", b"")
        assert await store.get("T0001/FEMPTY") == b""

    run_with(factory, tmp_path, work)


def test_a_missing_key_gets_none(factory: StoreFactory, tmp_path: Path) -> None:
    async def work(store: BlobStore) -> None:
        assert await store.get("T0001/FNONE") is None

    run_with(factory, tmp_path, work)


def test_put_replaces_what_was_there(factory: StoreFactory, tmp_path: Path) -> None:
    async def work(store: BlobStore) -> None:
        await store.put("T0001/F0002", b"first, and longer")
        await store.put("T0001/F0002", b"second")
        assert await store.get("T0001/F0002") == b"second"

    run_with(factory, tmp_path, work)


def test_delete_forgets_the_key_and_says_whether_it_was_there(
    factory: StoreFactory, tmp_path: Path
) -> None:
    async def work(store: BlobStore) -> None:
        await store.put("T0001/F0003", b"x")
        assert await store.delete("T0001/F0003") is True
        assert await store.get("T0001/F0003") is None
        assert await store.delete("T0001/F0003") is False

    run_with(factory, tmp_path, work)


def test_keys_are_independent(factory: StoreFactory, tmp_path: Path) -> None:
    async def work(store: BlobStore) -> None:
        await store.put("T0001/F0004", b"one")
        await store.put("T0002/F0004", b"two")
        await store.delete("T0001/F0004")
        assert await store.get("T0002/F0004") == b"two"

    run_with(factory, tmp_path, work)


@pytest.mark.parametrize(
    "key", ["", "../etc/passwd", "/abs", "a//b", "a/b/", "a b", "é", "x" * 201]
)
def test_keys_outside_the_alphabet_are_refused(
    factory: StoreFactory, tmp_path: Path, key: str
) -> None:
    async def work(store: BlobStore) -> None:
        with pytest.raises(ValueError, match="not a blob key"):
            await store.put(key, b"x")
        with pytest.raises(ValueError, match="not a blob key"):
            await store.get(key)

    run_with(factory, tmp_path, work)


def test_a_large_blob_round_trips(factory: StoreFactory, tmp_path: Path) -> None:
    data = os.urandom(8 * 2**20)

    async def work(store: BlobStore) -> None:
        await store.put("T0001/FLARGE", data)
        assert await store.get("T0001/FLARGE") == data

    run_with(factory, tmp_path, work)


def test_concurrent_puts_of_one_key_leave_one_whole_value(
    factory: StoreFactory, tmp_path: Path
) -> None:
    values = [bytes([n]) * 100_000 for n in range(8)]

    async def work(store: BlobStore) -> None:
        await asyncio.gather(*(store.put("T0001/FRACE", v) for v in values))
        assert await store.get("T0001/FRACE") in values

    run_with(factory, tmp_path, work)


# backends shared between processes


def test_two_directory_stores_on_one_directory_share_bytes(tmp_path: Path) -> None:
    async def main() -> None:
        one, two = DirectoryBlobStore(tmp_path), DirectoryBlobStore(tmp_path)
        await one.start()
        await two.start()
        await one.put("T0001/FSHARED", b"seen by both")
        assert await two.get("T0001/FSHARED") == b"seen by both"

    asyncio.run(main())


def test_two_postgres_stores_share_bytes_and_start_together(pg_url: str) -> None:
    async def main() -> None:
        one, two = PostgresBlobStore.from_url(pg_url), PostgresBlobStore.from_url(pg_url)
        await asyncio.gather(one.start(), two.start())
        try:
            await one.put("T0001/FSHARED", b"seen by both")
            assert await two.get("T0001/FSHARED") == b"seen by both"
        finally:
            await one.close()
            await two.close()

    asyncio.run(main())


def test_the_postgres_table_lives_in_the_urls_schema(pg_url: str) -> None:
    async def main() -> None:
        store = PostgresBlobStore.from_url(pg_url)
        await store.start()
        await store.put("T0001/FWHERE", b"abc")
        await store.close()

    asyncio.run(main())
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            f"SELECT sum(length(data)) FROM {TABLE} WHERE key = %s", ["T0001/FWHERE"]
        ).fetchone()
    assert row == (3,)


def test_a_directory_store_leaves_no_temporary_files(tmp_path: Path) -> None:
    async def main() -> None:
        store = DirectoryBlobStore(tmp_path)
        await store.start()
        await store.put("T0001/FTIDY", b"x")
        await store.put("T0001/FTIDY", b"y")

    asyncio.run(main())
    assert sorted(p.name for p in (tmp_path / "T0001").iterdir()) == ["FTIDY"]


def test_a_directory_store_that_cannot_write_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")

    async def main() -> None:
        store = DirectoryBlobStore(blocker)  # a file where the directory should be
        with pytest.raises(StorageError):
            await store.put("T0001/FNO", b"x")

    asyncio.run(main())


def test_an_unreachable_postgres_store_raises_storage_error() -> None:
    async def main() -> None:
        store = PostgresBlobStore.from_url("postgresql://postgres@127.0.0.1:1/test?timeout_secs=1")
        try:
            with pytest.raises(StorageError):
                await store.get("T0001/FNO")
        finally:
            await store.close()

    asyncio.run(main())


def test_memory_stores_share_nothing() -> None:
    async def main() -> None:
        one, two = MemoryBlobStore(), MemoryBlobStore()
        await one.put("T0001/F1", b"x")
        assert await two.get("T0001/F1") is None

    asyncio.run(main())


# choosing a store by URL


def test_urls_choose_their_store(tmp_path: Path) -> None:
    assert isinstance(open_blob_store(tmp_path.as_uri()), DirectoryBlobStore)
    assert isinstance(open_blob_store("memory://"), MemoryBlobStore)
    assert isinstance(open_blob_store(SHARED_URL), PostgresBlobStore)
    assert isinstance(
        open_blob_store(SHARED_URL.replace("postgresql", "postgres")), PostgresBlobStore
    )


@pytest.mark.parametrize("url", ["s3://bucket", "file://", "ftp://x/y"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        open_blob_store(url)


def test_defaults_follow_the_database(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    assert default_blob_url(f"sqlite:///{database}") == (tmp_path / "blobs").as_uri()
    assert default_blob_url("sqlite:///:memory:") == "memory://"
    assert default_blob_url(SHARED_URL) == SHARED_URL
    with pytest.raises(ValueError):
        default_blob_url("mysql://x/y")
