"""Blobs in a PostgreSQL table (``postgresql://…``), so every process of a cluster reads the
bytes any of them received: the default when the database is PostgreSQL.

The table, ``slackline_blob_chunks``, lives in the database (and ``search_path`` schema) the
URL names, which need not be Slackline's own database: :meth:`PostgresBlobStore.start`
creates it when missing, under an advisory lock so processes starting together do not
collide. A blob is rows of at most :data:`CHUNK_BYTES` (``bytea``, sent and read in binary
format), written in one transaction that holds an advisory lock on the key: a put holds the
blob once plus one chunk (a single ``bytea`` parameter would be copied twice more on its
way out, by psycopg and libpq), and concurrent puts of one key leave one whole value. An
empty blob is one empty chunk, so it is not a missing one. The URL takes the store's
options (``pool_max``, ``timeout_secs``, ``statement_timeout_secs``; ``pool_min`` is always 0,
connections are opened on demand); every other query parameter goes to libpq, as for the
database URL.
Every failure is a :class:`~slackline.errors.StorageError`.
"""

from __future__ import annotations

from typing import Any

from slackline.blobs.base import BlobData, check_key
from slackline.storage import postgres
from slackline.storage.postgres import Connection, PooledCalls, PostgresOptions, connection_pool

TABLE = "slackline_blob_chunks"
CHUNK_BYTES = 1024 * 1024
# The advisory lock taken while creating the table ("SLbl"), keyed by schema like migrations.
# Puts lock their key with the one-key form, a lock space apart from the two-key one.
CREATE_LOCK_KEY = 0x534C626C
DEFAULT_POOL_MAX = 4
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    'key TEXT COLLATE "C" NOT NULL, seq INTEGER NOT NULL, data BYTEA NOT NULL, '
    "PRIMARY KEY (key, seq))"
)
_LOCK_KEY = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
# The bytes travel in binary format (%b, and binary results): as text, bytea is hex, twice
# the size.
_PUT = f"INSERT INTO {TABLE} (key, seq, data) VALUES (%s, %s, %b)"  # noqa: S608 - a fixed name
_GET = f"SELECT data FROM {TABLE} WHERE key = %s ORDER BY seq"  # noqa: S608 - a fixed name
_DELETE = f"DELETE FROM {TABLE} WHERE key = %s"  # noqa: S608 - a fixed name


def split_url(url: str) -> tuple[str, PostgresOptions]:
    """The libpq connection string and the store's options of a ``postgresql://`` URL."""
    return postgres.split_url(url, {"pool_max": str(DEFAULT_POOL_MAX)}, pool_min="0")


class PostgresBlobStore(PooledCalls):
    """A :class:`~slackline.blobs.base.BlobStore` in one PostgreSQL table."""

    LABEL = "blobs"

    def __init__(self, conninfo: str, options: PostgresOptions) -> None:
        self._options = options
        self._pool = connection_pool(
            conninfo, options, min_size=0, name="slackline-blobs", configure=self._configure
        )
        self._opened = False

    async def _configure(self, conn: Connection) -> None:
        """The statement limit on each new connection (the URL's ``options`` stay intact)."""
        statement_ms = str(round(self._options.statement_secs * 1000))
        await conn.execute("SELECT set_config('statement_timeout', %s, false)", [statement_ms])

    @classmethod
    def from_url(cls, url: str) -> PostgresBlobStore:
        """``postgresql://user@host:port/dbname?pool_max=4&sslmode=...``."""
        return cls(*split_url(url))

    async def start(self) -> None:
        """Create the table unless it exists (serialised by an advisory lock)."""

        async def create(conn: Connection) -> None:
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(%s::integer, "
                    "hashtext(coalesce(current_schema(), '')))",
                    [CREATE_LOCK_KEY],
                )
                await conn.execute(_CREATE)

        await self._run(create)

    async def put(self, key: str, data: BlobData) -> None:
        """Replace the key's chunks in one transaction, under the key's lock."""
        check_key(key)
        view = memoryview(data)
        starts = range(0, max(len(view), 1), CHUNK_BYTES)

        async def put(conn: Connection) -> None:
            async with conn.transaction():
                await conn.execute(_LOCK_KEY, [key])
                await conn.execute(_DELETE, [key])
                for seq, start in enumerate(starts):
                    chunk: list[Any] = [key, seq, view[start : start + CHUNK_BYTES]]
                    await conn.execute(_PUT, chunk)

        await self._run(put)

    async def get(self, key: str) -> bytes | None:
        """The chunks' bytes, joined, or None."""
        params = [check_key(key)]

        async def get(conn: Connection) -> bytes | None:
            rows = await (await conn.execute(_GET, params, binary=True)).fetchall()
            return b"".join(row[0] for row in rows) if rows else None

        return await self._run(get)

    async def delete(self, key: str) -> bool:
        """Delete the chunks; whether there were any."""
        params = [check_key(key)]

        async def delete(conn: Connection) -> bool:
            return (await conn.execute(_DELETE, params)).rowcount > 0

        return await self._run(delete)
