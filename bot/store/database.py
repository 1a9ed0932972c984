"""The one seam between the table modules and the database they run on: SQLite (the default, one file, one
process) or PostgreSQL (DATABASE_URL, for several processes).

The table modules write each statement once, in the SQL both databases understand (`?` placeholders,
`INSERT ... ON CONFLICT DO NOTHING`, `RETURNING`, `IS [NOT] DISTINCT FROM`, TRUE/FALSE), and pass the times
they write as parameters (`now()`): the app makes its timestamps, so both databases hold the same instants
and hand them back in the same text form (`stamp`). What genuinely differs lives in `sqlite.py` and
`postgres.py` behind the `Database` protocol below: the driver, placeholders, how a transaction keeps other
writers out, how migrations are applied, and the one clause a transaction adds to lock what it reads.

Migrations are numbered files per database, `migrations/sqlite/NNNN_name.sql` and
`migrations/postgres/NNNN_name.sql` (twins: the same number and name in both), applied in order at start-up,
each in one transaction together with its row in that database's `schema_migrations`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")

Dialect = Literal["sqlite", "postgres"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres")

# A row as the table modules read it: column name -> value (times as `stamp` text, in both databases).
Row = dict[str, Any]
Params = Sequence[Any]


class Statements(Protocol):
    """What a table module runs its SQL through: the database itself, or one transaction on it."""

    # Appended to a SELECT inside a transaction to keep the rows read from changing under it until the
    # commit: "" on SQLite (a writing transaction holds the whole file), " FOR UPDATE" on PostgreSQL.
    lock_rows: str
    # The database's own clock in seconds since the epoch, as an SQL expression: for the few statements that
    # must agree on one clock across processes and machines and take the moment they run, not the moment a
    # caller made its parameters (Telegram's flood pace, `flood_slots`).
    clock: str

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns how many rows it changed."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Database(Statements, Protocol):
    """A database the store runs on: statements, transactions, its migrations, closing."""

    dialect: Dialect

    def transaction(self) -> AbstractAsyncContextManager[Statements]:
        """The block's statements (run through what it yields) as one transaction: committed at the block's
        end, rolled back on any exception. On PostgreSQL it has a pooled connection to itself; on SQLite the
        process's one connection, where transactions take turns and another task's plain statement may run
        inside it (see `sqlite.py`)."""
        ...

    async def migrate(self, directory: Path) -> list[int]:
        """Apply the migrations in `directory` not applied yet; returns the versions applied now."""
        ...

    async def ensure_schema(self, marker: str, script: str) -> bool:
        """Run `script` unless table `marker` exists (under the migrations' lock); True when it ran now."""
        ...

    def sole(self, key: int, *, retry_seconds: float) -> AbstractAsyncContextManager[asyncio.Event]:
        """Wait until this process is the only one holding `key`, and hold it for the block; the event is set
        when the hold is lost (the database went away). For what only one process may do at a time, with
        the others standing by: reading Telegram's updates. A process that dies lets go at once."""
        ...

    async def schema_version(self) -> int: ...

    async def close(self) -> None: ...


def migrations_dir(dialect: Dialect) -> Path:
    return MIGRATIONS_DIR / dialect


def migration_files(directory: Path = MIGRATIONS_DIR / "sqlite") -> list[tuple[int, Path]]:
    """The numbered migrations in `directory`, in order; a folder without any (or with a number used twice)
    is refused here rather than leaving the bot to fail later with a stranger message."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    if not found:
        raise RuntimeError(f"no migrations found in {directory}: run the bot from the project folder")
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number in {directory}")
    return found


def sql_statements(script: str) -> list[str]:
    """Split a migration into statements (migrations hold no function bodies, so ';' ends a statement)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [statement for statement in without_comments.split(";") if statement.strip()]


# ---------------------------------------------------------------- shared by the table modules


def now() -> datetime:
    """The time a row is written, made by the app (not by either database's clock function)."""
    return datetime.now(UTC)


async def ensure_chat(db: Statements, chat_id: int) -> None:
    """Make sure the chat has its row: every other table refers to `chats`, and a chat's first upload, turn
    or render may come before anything else was written about it."""
    await db.execute("INSERT INTO chats (chat_id) VALUES (?) ON CONFLICT DO NOTHING", (chat_id,))


def stamp(moment: datetime) -> str:
    """A time as the store hands it back, in both databases: UTC, milliseconds, 'Z' (the form SQLite's
    strftime('%Y-%m-%dT%H:%M:%fZ') writes, so times kept by older versions compare as text with new ones)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def assignments(fields: dict[str, object], allowed: frozenset[str], what: str) -> str:
    """`a = ?, b = ?` for an UPDATE of `fields`; a name outside `allowed` is refused, so a column name
    never comes from anywhere but this package's own lists."""
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not {what} columns: {sorted(unknown)}")
    return ", ".join(f"{name} = ?" for name in fields)
