"""Storage behind the :class:`Store` interface, chosen by URL (``sqlite://``, ``postgresql://``)."""

from __future__ import annotations

from slackline.storage.base import Store


def open_store(url: str) -> Store:
    """Create the store a URL names; drivers are imported only when used."""
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        from slackline.storage.sqlite import SqliteStore  # noqa: PLC0415

        return SqliteStore.from_url(url)
    if scheme in ("postgresql", "postgres"):
        from slackline.storage.postgres import PostgresStore  # noqa: PLC0415

        return PostgresStore.from_url(url)
    raise ValueError(
        f"unsupported database URL scheme {scheme!r} (expected sqlite:// or postgresql://)"
    )


__all__ = ["Store", "open_store"]
