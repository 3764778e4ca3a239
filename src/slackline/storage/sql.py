"""The SQL every backend shares, written once and built for a dialect.

A :class:`Dialect` names the few tokens where SQLite and PostgreSQL differ (the parameter
mark, the whole-row upsert, the row lock on a read); :class:`Statements` builds every shared
statement from it. Statements are written with ``?`` marks and converted for the dialect, as
Synapse's engines do. A statement that differs as a whole stays in its backend module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slackline.storage import rows

# Conversation kinds as WHERE clauses on ``conversations c``; the same SQL in every dialect.
KIND_CLAUSES = {
    "public_channel": "(c.is_im = 0 AND c.is_mpim = 0 AND c.is_private = 0)",
    "private_channel": "(c.is_im = 0 AND c.is_mpim = 0 AND c.is_private = 1)",
    "im": "(c.is_im = 1)",
    "mpim": "(c.is_mpim = 1)",
}
CONVERSATION_SELECT = "SELECT " + ", ".join(f"c.{c}" for c in rows.CONVERSATION_COLUMNS)
MEMBER_EXISTS = "EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.user_id = ?)"


def conversations_sql(
    kinds: Sequence[str], *, exclude_archived: bool, of_member: bool = False
) -> str:
    """Conversations of these kinds in a team after an id that a viewer may see (public
    channels, or the viewer is a member), with ``of_member`` only those a given user is a
    member of, ordered by id; ``?`` marks.

    Parameters: team id, after, the member (with ``of_member``), viewer, limit.
    """
    kind_sql = " OR ".join(KIND_CLAUSES[k] for k in kinds)
    member = f" AND {MEMBER_EXISTS}" if of_member else ""
    visible = f"(c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0 OR {MEMBER_EXISTS})"
    archived = " AND c.is_archived = 0" if exclude_archived else ""
    return (
        f"{CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = ? AND c.id > ? "
        f"AND ({kind_sql}){member} AND {visible}{archived} ORDER BY c.id LIMIT ?"
    )


def select_sql(table: str, columns: Sequence[str]) -> str:
    """``SELECT <columns> FROM <table>``."""
    return f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608


def placeholders(columns: Sequence[str]) -> str:
    """``?, ?, ...`` for an INSERT of these columns."""
    return ", ".join("?" for _ in columns)


def insert_sql(table: str, columns: Sequence[str]) -> str:
    """A plain INSERT of one row of these columns."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(columns)})"  # noqa: S608


def merge_sql(table: str, columns: Sequence[str], key: str) -> str:
    """Insert a row, or overwrite every other listed column of the row with the same key.

    Columns not listed (a conversation's ``last_ts``) keep their value; both dialects
    accept this ``ON CONFLICT ... DO UPDATE`` form.
    """
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    return f"{insert_sql(table, columns)} ON CONFLICT ({key}) DO UPDATE SET {updates}"


@dataclass(frozen=True, slots=True)
class Dialect:
    """What one SQL dialect spells differently, one token at a time."""

    name: str  # also the folder of its migrations
    mark: str  # the driver's parameter placeholder
    replace_rows: bool  # whole-row puts as ``INSERT OR REPLACE``, as SQLite always did them
    for_update: str  # appended to a read whose row the transaction will write
    find: str  # the function giving a substring's position (0: absent)

    def convert(self, sql: str) -> str:
        """A statement written with ``?`` marks, in this dialect's placeholders."""
        return sql if self.mark == "?" else sql.replace("?", self.mark)

    def upsert(self, table: str, columns: Sequence[str], key: str) -> str:
        """Insert a row or replace the one with the same key, every column given."""
        if self.replace_rows:
            return "INSERT OR REPLACE" + insert_sql(table, columns).removeprefix("INSERT")
        return merge_sql(table, columns, key)


SQLITE = Dialect(name="sqlite", mark="?", replace_rows=True, for_update="", find="instr")
# Row locks serialise writers across processes; SQLite's BEGIN IMMEDIATE locks the file.
POSTGRESQL = Dialect(
    name="postgresql", mark="%s", replace_rows=False, for_update=" FOR UPDATE", find="strpos"
)


class Statements:
    """Every statement the backends share, built once for a dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._entities()
        self._conversations()
        self._members()
        self._messages()
        self._reactions_and_migrations()
        # Written above with ``?`` marks; converted once here for the dialect's driver.
        for name, sql in vars(self).items():
            if isinstance(sql, str):
                setattr(self, name, dialect.convert(sql))

    def _entities(self) -> None:
        d = self.dialect
        self.put_team = d.upsert("teams", rows.TEAM_COLUMNS, "id")
        self.get_team = select_sql("teams", rows.TEAM_COLUMNS) + " WHERE id = ?"
        self.list_teams = select_sql("teams", rows.TEAM_COLUMNS) + " ORDER BY id"
        self.put_user = d.upsert("users", rows.USER_COLUMNS, "id")
        users = select_sql("users", rows.USER_COLUMNS)
        self.get_user = users + " WHERE id = ?"
        self.list_users = users + " WHERE team_id = ? AND id > ? ORDER BY id LIMIT ?"
        self.put_bot = d.upsert("bots", rows.BOT_COLUMNS, "id")
        self.get_bot = select_sql("bots", rows.BOT_COLUMNS) + " WHERE id = ?"
        self.list_bots = select_sql("bots", rows.BOT_COLUMNS) + " WHERE team_id = ? ORDER BY id"
        self.put_token = d.upsert("tokens", rows.TOKEN_COLUMNS, "hash")
        tokens = select_sql("tokens", rows.TOKEN_COLUMNS)
        self.get_token = tokens + " WHERE hash = ?"
        self.list_tokens = tokens + " WHERE team_id = ? ORDER BY created, hash"

    def _conversations(self) -> None:
        # A conversation is merged, never replaced: its last_ts is not part of the row.
        self.put_conversation = merge_sql("conversations", rows.CONVERSATION_COLUMNS, "id")
        conversations = f"{CONVERSATION_SELECT} FROM conversations c"
        self.get_conversation = conversations + " WHERE c.id = ?"
        self.find_channel_by_name = (
            f"{conversations} WHERE c.team_id = ? AND c.name = ? "
            "AND c.is_im = 0 AND c.is_mpim = 0 ORDER BY c.id LIMIT 1"
        )
        self.find_im = (
            f"{conversations} WHERE c.team_id = ? AND c.is_im = 1 "  # noqa: S608
            f"AND {MEMBER_EXISTS} AND {MEMBER_EXISTS} AND (SELECT COUNT(*) FROM members m "
            "WHERE m.conversation_id = c.id) = ? ORDER BY c.id LIMIT 1"
        )

    def list_conversations(self, kinds: Sequence[str], *, exclude_archived: bool) -> str:
        """Conversations of these kinds in a team after an id, visible to a viewer.

        Parameters: team id, after, viewer, limit.
        """
        return self.dialect.convert(conversations_sql(kinds, exclude_archived=exclude_archived))

    def _members(self) -> None:
        member = " FROM members WHERE conversation_id = ? AND user_id = ?"
        self.remove_member = "DELETE" + member
        self.is_member = "SELECT 1" + member
        self.list_members = (
            "SELECT user_id FROM members WHERE conversation_id = ? AND user_id > ? "
            "ORDER BY user_id LIMIT ?"
        )
        self.count_members = "SELECT COUNT(*) FROM members WHERE conversation_id = ?"

    def _messages(self) -> None:
        lock = self.dialect.for_update
        self.last_ts = f"SELECT last_ts FROM conversations WHERE id = ?{lock}"  # noqa: S608
        self.set_last_ts = "UPDATE conversations SET last_ts = ? WHERE id = ?"
        self.insert_message = insert_sql("messages", rows.MESSAGE_COLUMNS)
        messages = select_sql("messages", rows.MESSAGE_COLUMNS)
        self.get_message = messages + " WHERE conversation_id = ? AND ts = ?"
        self.delete_message = "DELETE FROM messages WHERE conversation_id = ? AND ts = ?"
        self.list_thread = (
            messages + " WHERE conversation_id = ? AND (ts = ? OR thread_ts = ?) AND ts > ?"
            " ORDER BY ts LIMIT ?"
        )
        # Parameters: the message's row from user_id on, then conversation id and ts.
        self.update_message = (
            "UPDATE messages SET user_id = ?, bot_id = ?, text = ?, subtype = ?, thread_ts = ?, "
            "edited = ?, extra = ? WHERE conversation_id = ? AND ts = ?"
        )
        self.thread_replies = (
            "SELECT user_id, ts FROM messages WHERE conversation_id = ? AND thread_ts = ? "
            "AND ts != ? ORDER BY ts"
        )
        # The replies under every parent whose ts is in a range (a page of history), at once.
        self.replies_between = (
            "SELECT thread_ts, user_id, ts FROM messages WHERE conversation_id = ? "
            "AND thread_ts >= ? AND thread_ts <= ? AND ts != thread_ts ORDER BY ts"
        )

    def list_messages(self, *, inclusive: bool) -> str:
        """Top-level messages (and replies also sent to the channel) in a ts range, newest first.

        Parameters: conversation id, oldest ts, latest ts, limit.
        """
        low, high = (">=", "<=") if inclusive else (">", "<")
        sql = (
            select_sql("messages", rows.MESSAGE_COLUMNS)
            + f" WHERE conversation_id = ? AND ts {low} ? AND ts {high} ?"
            " AND (thread_ts IS NULL OR thread_ts = ts OR subtype = 'thread_broadcast')"
            " ORDER BY ts DESC LIMIT ?"
        )
        return self.dialect.convert(sql)

    def _reactions_and_migrations(self) -> None:
        # One range query (no parameter-count limit) finds the reactions of a page of
        # messages; ts are fixed-width text, byte-ordered in both dialects, so it is exact.
        self.reactions_between = (
            "SELECT ts, name, user_id FROM reactions WHERE conversation_id = ? "
            "AND ts >= ? AND ts <= ? ORDER BY seq"
        )
        self.delete_reactions = "DELETE FROM reactions WHERE conversation_id = ? AND ts = ?"
        self.remove_reaction = (
            "DELETE FROM reactions WHERE conversation_id = ? AND ts = ? AND name = ? "
            "AND user_id = ?"
        )
        self.create_schema_migrations = (
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
        )
        self.migration_done = "SELECT 1 FROM schema_migrations WHERE version = ?"
        self.record_migration = "INSERT INTO schema_migrations (version, name) VALUES (?, ?)"
