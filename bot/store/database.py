"""The SQLite file itself: opening it, keeping it private, and bringing its schema up to date.

Migrations are the files `migrations/NNNN_name.sql`, applied in order at start-up, each inside one
transaction together with its row in `schema_migrations`, so a crash mid-way leaves the file at the previous
version and a second start applies nothing twice. The helpers at the end are shared by the table modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import weakref
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")

# What SQLite writes for "now" in every table's timestamp columns; `stamp` writes the same form.
NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


async def connect(path: Path) -> aiosqlite.Connection:
    """Open the database file (made owner-only first) in WAL mode, autocommit, with foreign keys on."""
    memory = str(path) == ":memory:"
    if not memory:
        _create_private(path)
    connecting = aiosqlite.connect(path, isolation_level=None)
    # A store left open (a crash, a failed test) must not keep the process from exiting: aiosqlite's
    # worker thread is not a daemon, and Python waits for such threads at exit.
    worker = getattr(connecting, "_thread", None)
    if worker is not None:
        worker.daemon = True
    db = await connecting
    db.row_factory = aiosqlite.Row
    await db.execute("PRAGMA journal_mode=WAL")
    if not memory:
        _keep_private(path)  # the -wal and -shm files WAL mode has just made hold the same data
    # WAL with NORMAL sync survives a killed process (only a power cut can lose the last commits) and
    # spares an fsync per incoming update.
    await db.execute("PRAGMA synchronous=NORMAL")
    await db.execute("PRAGMA foreign_keys=ON")
    await db.execute("PRAGMA busy_timeout=5000")
    return db


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
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


def _sql_statements(script: str) -> Iterable[str]:
    """Split a migration into statements (migrations hold no triggers, so ';' ends a statement)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    for statement in without_comments.split(";"):
        if statement.strip():
            yield statement


async def migrate(db: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply the migrations not applied yet; returns the versions applied now."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        f" version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT ({NOW}))"
    )
    applied_now = []
    for version, path in migration_files(directory):
        await db.execute("BEGIN IMMEDIATE")
        try:
            async with db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)) as cursor:
                if await cursor.fetchone():
                    await db.execute("ROLLBACK")
                    continue
            for statement in _sql_statements(path.read_text(encoding="utf-8")):
                await db.execute(statement)
            await db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, path.name))
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        applied_now.append(version)
    return applied_now


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- shared by the table modules

# One connection is shared by every task: two transactions begun on it at once would nest, which SQLite
# refuses ("cannot start a transaction within a transaction"), so they take turns.
_transaction_turns: weakref.WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def transaction(db: aiosqlite.Connection) -> AsyncIterator[None]:
    """Run the block's statements as one transaction (committed at its end, rolled back on any exception)."""
    async with _transaction_turns.setdefault(db, asyncio.Lock()):
        await db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")


async def ensure_chat(db: aiosqlite.Connection, chat_id: int) -> None:
    """Make sure the chat has its row: every other table refers to `chats`, and a chat's first upload, turn
    or render may come before anything else was written about it."""
    await db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))


def stamp(moment: datetime) -> str:
    """A time in the form SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes, so stored times compare as text."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def assignments(fields: dict[str, object], allowed: frozenset[str], what: str) -> str:
    """`a = ?, b = ?` for an UPDATE of `fields`; a name outside `allowed` is refused, so a column name
    never comes from anywhere but this package's own lists."""
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not {what} columns: {sorted(unknown)}")
    return ", ".join(f"{name} = ?" for name in fields)


def _create_private(path: Path) -> None:
    """Create the file owner-only before SQLite opens it, so it is never readable by others, even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    _keep_private(path)


def _keep_private(path: Path) -> None:
    """The database holds cloud tokens and what people sent: owner-only (0600), tightened where an older
    file, or its -wal / -shm companions, were left readable by others."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o777 != 0o600:
                os.chmod(file, 0o600)
        except FileNotFoundError:
            continue
